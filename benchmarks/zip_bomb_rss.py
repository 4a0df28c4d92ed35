"""Zip-bomb memory figure: a ~1 MB zip whose ``conversations.json`` expands to ~1 GB (one message of
1 GB of "a"), imported as a Claude export in a child process. Prints the zip size, the declared
expansion, what the import said, its time and the child's peak RSS.

Usage: ``python benchmarks/zip_bomb_rss.py [--gigabytes G] [--lying-sizes | --plain]``. ``--lying-sizes``
rewrites the size declared in the zip's central directory to 1 KB, so only the bytes actually read can
give the bomb away; ``--plain`` imports the same JSON unzipped (the record bound, not the zip bound).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

CHILD = """
import sys
from pathlib import Path
from site_builder.errors import SiteError
from site_builder.importers.driver import Selection, import_export
try:
    report = import_export("claude", Path(sys.argv[1]), Path(sys.argv[2]), Selection(everything=True))
    print("imported", report.count("new"), "posts")
except SiteError as exc:
    print("refused:", str(exc).splitlines()[0])
except MemoryError:
    print("MemoryError")
"""


def write_bomb(path: Path, size: int, plain: bool = False) -> None:
    if plain:
        with open(path, "wb") as handle:
            write_json(handle, size)
        return
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("conversations.json", "w", force_zip64=True) as member:
            write_json(member, size)


def write_json(handle, size: int) -> None:
    chunk = b"a" * (1 << 24)
    handle.write(b'[{"uuid": "bomb", "name": "bomb", "chat_messages": [{"sender": "human", "text": "')
    left = size
    while left > 0:
        handle.write(chunk[:left])
        left -= len(chunk)
    handle.write(b'"}]}]')


def lie_about_sizes(path: Path) -> None:
    """Declare 1 KB uncompressed in the central directory (what zipfile reads)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 24: at + 28] = (1024).to_bytes(4, "little")  # uncompressed size (zip64 extra keeps the real one)
    path.write_bytes(bytes(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--lying-sizes", action="store_true")
    parser.add_argument("--plain", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / ("conversations.json" if args.plain else "bomb.zip")
        write_bomb(bomb, int(args.gigabytes * (1 << 30)), args.plain)
        if args.lying_sizes:
            lie_about_sizes(bomb)
        declared = bomb.stat().st_size if args.plain else zipfile.ZipFile(bomb).infolist()[0].file_size
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", CHILD, str(bomb), str(Path(tmp) / "posts")],
                                capture_output=True, text=True)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        said = (result.stdout.strip() or result.stderr.strip().splitlines()[-1])[:200]
        print(f"{bomb.name} {bomb.stat().st_size / 1e6:.2f} MB, declares {declared / 1e6:.0f} MB; "
              f"import: {said}; {seconds:.1f} s; peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
