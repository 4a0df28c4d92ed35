"""Import benchmark: a generated ChatGPT export of 10,000 conversations (~200 MB) -> posts.

Prints the export size, the import time and the import's peak RSS (measured in a child process, so
generating the export does not count). Usage: ``python benchmarks/bench_import.py [--conversations N]
[--zip] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

WORDS = ("model gradient tensor layer token batch epoch loss python install error the a of to and is "
         "in that it for with as on how why what when memory cuda shape function return value").split()


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def message(nid: str, role: str, text: str, parent: str | None, children: list[str], t: float) -> dict:
    return {"id": nid, "parent": parent, "children": children, "message": {
        "id": nid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": t,
        "content": {"content_type": "text", "parts": [text]}, "status": "finished_successfully",
        "metadata": {"model_slug": "gpt-4o"} if role == "assistant" else {}, "recipient": "all"}}


def conversation(rng: random.Random, index: int) -> dict:
    """~20 KB: a root, about 8 exchanges with code and a rule, one regenerated answer."""
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": ["m0"]}}
    start = 1.7e9 + index * 3600
    parent, count = "root", 0
    exchanges = rng.randint(6, 10)
    for number in range(exchanges):
        q, a = f"m{count}", f"m{count + 1}"
        count += 2
        question = paragraph(rng, rng.randint(8, 40))
        answer = "\n\n".join([paragraph(rng, 120), "```python\nUser: not a label\nprint('hi')\n```",
                              paragraph(rng, 100), "---", paragraph(rng, 80)])
        mapping[q] = message(q, "user", question, parent, [a], start + count)
        mapping[a] = message(a, "assistant", answer, q, [], start + count + 1)
        mapping[parent]["children"] = mapping[parent]["children"] if parent == "root" else [q]
        if number == 2:  # a regenerated answer
            alt = f"m{count}"
            count += 1
            mapping[alt] = message(alt, "assistant", paragraph(rng, 200), q, [], start + count)
            mapping[q]["children"].append(alt)
        parent = a
    cid = f"{index:08d}-0000-4000-8000-000000000000"
    return {"title": f"Benchmark conversation {index}", "create_time": start, "update_time": start + 99,
            "mapping": mapping, "current_node": parent, "conversation_id": cid, "id": cid}


def generate(path: Path, conversations: int) -> int:
    rng = random.Random(1234)
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for index in range(conversations):
            out.write(("," if index else "") + json.dumps(conversation(rng, index)))
        out.write("]")
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--zip", action="store_true", help="import from a zip (the member is streamed)")
    parser.add_argument("--keep", type=Path, help="work in this folder instead of a temporary one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        export = work / "conversations.json"
        size = generate(export, args.conversations)
        if args.zip:
            with zipfile.ZipFile(work / "export.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                archive.write(export, "conversations.json")
            export.unlink()
            export = work / "export.zip"
        print(f"export: {args.conversations} conversations, {size / 1e6:.1f} MB of JSON"
              + (f" ({export.stat().st_size / 1e6:.1f} MB zipped)" if args.zip else ""))
        code = ("import sys; from pathlib import Path; from site_builder.importers.driver import import_export, Selection; "
                "r = import_export('chatgpt', Path(sys.argv[1]), Path(sys.argv[2]), Selection(everything=True)); "
                "print(r.count('new'), sum(o.turns for o in r.outcomes), sum(o.variants for o in r.outcomes))")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code, str(export), str(work / "posts")],
                              capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return 1
        posts, turns, variants = done.stdout.split()
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"import: {posts} posts, {turns} turns, {variants} variants in {seconds:.1f} s "
              f"({size / 1e6 / seconds:.1f} MB/s); peak RSS of the import process {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
