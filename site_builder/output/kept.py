"""The user's files in the output (``scan.OutputScan.kept``): ``write_site`` moves them into each new site before
the swap (``merge_folders``, ``check_kept_places``; listed in the new site's marker first, so that a killed build
gives them back: ``return_kept``), and never removes or writes into them.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Iterable

from site_builder.errors import OutputError
from site_builder.output.marker import read_marker


def merge_folders(staging: Path, out: Path, kept: Iterable[str]) -> tuple[str, ...]:
    """The user's files and folders to carry into ``staging``: a folder of theirs that the new site has too
    (``posts/`` holding only their files, now with pages again) is carried entry by entry, into the site's."""
    carried, pending = [], list(kept)
    while pending:
        relative = pending.pop()
        if all(os.path.isdir(folder / relative) and not os.path.islink(folder / relative) for folder in (staging, out)):
            pending.extend(f"{relative}/{name}" for name in os.listdir(out / relative))
        else:
            carried.append(relative)
    return tuple(sorted(carried))


def check_kept_places(staging: Path, out: Path, kept: Iterable[str]) -> None:
    """``OutputError`` when the new site has a file where one of the user's files or folders is (or a file where
    a folder holding one of theirs is): the build never writes over what it did not write."""
    for relative in kept:
        folder = os.path.dirname(relative)
        taken = os.path.lexists(staging / relative)
        while not taken and folder:
            taken = os.path.lexists(staging / folder) and not os.path.isdir(staging / folder)
            folder = os.path.dirname(folder)
        if taken:
            raise OutputError(f"{out / relative} was not written by site-builder, and the new site has a file at "
                              "its place: nothing was changed",
                              hint="move or delete your file, or rename what makes that page (a post's slug, a "
                                   "static file)")


def return_kept(folder: Path, out: Path, kept: Iterable[str] | None = None) -> bool:
    """Move the user's files that a killed or failed build left in ``folder`` (a staging folder, listed in
    its marker) back into ``out``. One that ``out`` holds again meanwhile comes back beside it, renamed
    ``NAME.recovered-NS``. True when something was moved."""
    names = read_marker(folder).get("kept") if kept is None else kept
    if not out.is_dir() or not isinstance(names, (list, tuple)):
        return False  # no site to give them back to (yet): they stay, listed, for the next build
    moved, root = False, os.path.realpath(folder)
    for relative in names:
        if not _plain_relative(relative) or inside(root, relative) is None:
            continue
        source = folder / relative
        if not os.path.lexists(source):
            continue
        target = out / relative
        if os.path.lexists(target):
            target = target.with_name(f"{target.name}.recovered-{time.time_ns()}")
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(source, target)
            moved = True
    return moved


def _plain_relative(relative: object) -> bool:
    """A path inside a folder: text, relative, without ``.`` or ``..`` (a marker is read, not trusted)."""
    return (isinstance(relative, str) and bool(relative) and not relative.startswith("/") and "\0" not in relative
            and all(part not in ("", ".", "..") for part in relative.split("/")))


def inside(root: str, relative: str) -> str | None:
    """``root/relative`` when its folder is really inside ``root`` (no link leads out of the site), else None."""
    target = os.path.join(root, relative)
    folder = os.path.realpath(os.path.dirname(target))
    return target if folder == root or folder.startswith(root + os.sep) else None
