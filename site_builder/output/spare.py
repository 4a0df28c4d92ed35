"""The spare staging folder, kept in the cache between builds: after the swap it holds the previous site, which the
next build brings up to date (``placers._Spare``) instead of linking every unchanged file into a new folder and
removing the old site. Taken where it can serve (``_take_spare``); made anew after a first build
(``_prime_spare``). Whether the spare can be swapped with the output is tried (a rename between the two), not
inferred from ``st_dev``: two bind mounts of one file system share it and refuse renames between them."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterable

from site_builder.output.kept import return_kept
from site_builder.output.locks import _locked
from site_builder.output.marker import _prefix


def _take_spare(folder: Path, out: Path) -> tuple[Path, int, bool] | None:
    """The spare staging folder (made if missing), a handle holding its lock, and whether the user's files a
    killed build left in it were given back to ``out``; None where it cannot serve: another build holds it,
    it cannot be renamed into the output's folder (another file system, or another mount of the same one:
    tried, ``_renames_between``), or one of the two folders holds the other. Other spares beside it (of
    outputs built before) are removed."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            folder.mkdir()
        real, target = os.path.realpath(folder), os.path.realpath(out)
        devices = {os.stat(path).st_dev for path in (real, out.parent, *([out] if out.exists() else []))}
        if (folder.is_symlink() or not folder.is_dir() or len(devices) > 1
                or os.path.commonpath([real, target]) in (real, target)
                or not _renames_between(folder.parent, out)):
            return None
        lock = _locked(folder)
        if lock is None:
            return None
        returned = return_kept(folder, out)
        for other in folder.parent.iterdir():
            if other != folder and other.is_dir() and not other.is_symlink():
                held = _locked(other)  # held while it is removed: a build that would take it stages elsewhere
                if held is not None:
                    try:
                        shutil.rmtree(other, ignore_errors=True)
                    finally:
                        os.close(held)
        return folder, lock, returned
    except OSError:
        return None


def _renames_between(cache: Path, out: Path) -> bool:
    """Whether a folder in ``cache`` can be renamed into ``out``'s folder: tried with an empty one (named like
    our staging folders, so that a build killed meanwhile leaves nothing the next one does not remove)."""
    probe = Path(tempfile.mkdtemp(prefix=".probe-", dir=cache))
    moved = out.parent / f"{_prefix(out)}probe-{os.getpid()}-{time.monotonic_ns()}"
    try:
        os.rename(probe, moved)
    except OSError:
        probe.rmdir()
        return False
    moved.rmdir()
    return True


def _prime_spare(site: Path, spare: Path, files: Iterable[str]) -> None:
    """After the spare became the site (a first build), a new spare holding a link to each file the build wrote
    (``files``; the user's files are not): the next build finds every unchanged file there and writes only what
    changed, as every later build does, instead of linking the whole site first. Made beside the spare and
    renamed into place; on any error there is simply no spare yet."""
    part = spare.with_name(f"{spare.name}.priming-{os.getpid()}")
    made: set[str] = set()
    try:
        for relative in files:
            folder = os.path.dirname(relative)
            if folder not in made:
                os.makedirs(os.path.join(part, folder), exist_ok=True)
                made.add(folder)
            os.link(os.path.join(site, relative), os.path.join(part, relative), follow_symlinks=False)
        os.rename(part, spare)
    except OSError:
        shutil.rmtree(part, ignore_errors=True)
