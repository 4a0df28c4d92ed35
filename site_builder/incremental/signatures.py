"""Signatures of files (what a build compares to know a file unchanged: ``file_signatures.py`` makes each), the
key of our own code and the libraries that shape the output, and ``digest``, the hash every key of the
incremental state is made with."""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import Iterable

from site_builder.file_signatures import OutputSignature, Signature, output_signature, signature

STATE_FORMAT = 2

__all__ = ['OutputSignature', 'STATE_FORMAT', 'Signature', 'code_key', 'digest', 'environment_signature',
           'output_signature', 'signature', 'signatures', 'tree_files']


def signatures(paths: Iterable[Path]) -> dict[str, Signature | None]:
    return {str(path): signature(path) for path in paths}


def tree_files(folder: Path | None) -> list[Path]:
    """Every file under ``folder`` (templates, theme assets), sorted; none if it does not exist."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*") if path.is_file())


def code_key() -> str:
    """Our own source (every module of the package) and version, the Python version, Pygments' version, and
    the installed packages (as the signatures of the folders they are installed into: installing, upgrading
    or removing any of them changes one): a change to any of them makes every cached render stale."""
    import pygments  # light (its package module only); its version names how code is highlighted

    import site_builder
    return hashlib.sha256(f"{_sources_key()} {site_builder.__version__} {pygments.__version__}".encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _sources_key() -> str:
    digest = hashlib.sha256(f"{STATE_FORMAT} {sys.version}".encode())
    package = Path(__file__).resolve().parent.parent  # site_builder, every module of it
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(sorted(environment_signature().items())).encode())
    return digest.hexdigest()


def environment_signature() -> dict[str, Signature | None]:
    """The folders packages are installed into (``site-packages``): installing or removing a package changes
    one, and with it the snippet checks' keys (a check result belongs to the package versions it ran with).
    The script's own folder, which depends on how the build was started, is not one of them."""
    folders = [entry for entry in sys.path if os.path.basename(entry) in ("site-packages", "dist-packages")]
    return signatures(Path(entry) for entry in folders if os.path.isdir(entry))


def digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "big") + data)
    return hasher.hexdigest()
