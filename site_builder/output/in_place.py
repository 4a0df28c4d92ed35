"""The preview's update of the site where it is (``update_in_place``), when the incremental state vouches for the
current site and the pages to write are few: no staging folder, no swap."""

from __future__ import annotations

import errno
import itertools
import os
import shutil
from pathlib import Path
from typing import Callable, Iterable, Mapping

from site_builder.errors import OutputError
from site_builder.output.kept import inside
from site_builder.output.marker import MARKER, TMP_INFIX, TMP_SUFFIX, named, put_marker, write_marker
from site_builder.output.placers import Kept, Page
from site_builder.output.remove import _remove_empty_parents
from site_builder.output.scan import OutputScan


IN_PLACE_CHARS = 4_000_000
"""The most page text a preview holds to write in place (a template edit re-renders every page: those go
through a staging folder, as a build does)."""


def update_in_place(pages: Iterable[Page | Kept], copies: list[tuple[Path, str]], out: Path, kept: set[str],
                    present: Mapping[str, object], build_id: str, scan: OutputScan,
                    keep: tuple[str, ...] = ()) -> tuple[bool, Iterable[Page | Kept]]:
    """Update the site at ``out`` where it is. Every page is rendered first; then the marker says the site is
    incomplete, and every new file is written beside the one it replaces (``NAME.site-builder-PID.tmp``; an
    error up to there, a template's or a full disk's, removes them and puts the marker back: the site is as it
    was); files no longer in the site are removed, each new file is renamed over the old one (a reader sees the
    old page or the new one, never half of one), and the marker is written again. A build killed half-way
    leaves the marker saying incomplete: the next build is full, and takes the ``.tmp`` files for its own
    (they are not in the new site). The user's files (``scan.kept``) are left alone; a page at the place of
    one is an ``OutputError``.

    Returns (True, ()) when done, or (False, the pages: those rendered, then the rest) when nothing was
    written because the pages hold more than ``IN_PLACE_CHARS`` of text or a new file's place is taken by a
    folder (or the reverse): those go through a staging folder.
    """
    wanted, size, taken = set(kept) | {destination for _, destination in copies}, 0, []
    new: list[Page] = []
    pages = iter(pages)
    for page in pages:
        taken.append(page)
        wanted.add(page.path)
        if not isinstance(page, Kept):
            new.append(page)
            size += len(page.content)
            if size > IN_PLACE_CHARS:
                return False, itertools.chain(taken, pages)
    root = os.path.realpath(out)
    writes = [(page.path, lambda tmp, text=page.content: Path(tmp).write_text(text, encoding="utf-8"))
              for page in new]
    writes += [(destination, lambda tmp, source=source: shutil.copy2(source, tmp)) for source, destination in copies]
    theirs = [relative for relative, _ in writes if relative not in present and named(relative, scan.kept)
              and os.path.lexists(os.path.join(out, relative))]
    if theirs:
        raise OutputError(f"{out / theirs[0]} was not written by site-builder, and the new site has a file at its "
                          "place: nothing was changed",
                          hint="move or delete your file, or rename what makes that page (a post's slug, a "
                               "static file)")
    if any(_taken_by_other_kind(root, relative) for relative, _ in writes):
        return False, iter(taken)
    previous = (out / MARKER).read_text(encoding="utf-8")
    write_marker(out, complete=False, build_id=build_id, files=wanted | set(present), kept=scan.kept, keep=keep)
    ready: list[tuple[str, str]] = []
    try:
        for relative, write in writes:
            ready.append(_prepare(root, relative, write))
    except BaseException:
        for tmp, _ in ready:
            os.unlink(tmp)
        for relative, _ in writes:  # and the folders made for new pages (our sites hold no empty folder)
            _remove_empty_parents(root, os.path.dirname(os.path.join(root, relative)))
        put_marker(out, previous)
        raise
    for relative in sorted(set(present) - wanted):
        target = inside(root, relative)
        if target is not None and os.path.lexists(target):
            os.unlink(target)
            _remove_empty_parents(root, os.path.dirname(target))
    for tmp, target in ready:
        os.replace(tmp, target)
    write_marker(out, complete=True, build_id=build_id, files=wanted, kept=scan.kept, keep=keep)
    return True, ()


def _taken_by_other_kind(root: str, relative: str) -> bool:
    """A folder where the file goes, or a file where one of its folders goes (the site changed shape)."""
    target = os.path.join(root, relative)
    if os.path.isdir(target):
        return True
    folder = os.path.dirname(target)
    while folder != root and not os.path.isdir(folder):
        if os.path.lexists(folder):
            return True
        folder = os.path.dirname(folder)
    return False


def _prepare(root: str, relative: str, write: Callable[[str], object]) -> tuple[str, str]:
    """(a new file written beside ``root/relative`` by ``write``, its place): renamed over it later."""
    target = os.path.join(root, relative)
    if inside(root, relative) is None:  # before any folder is made: a link must not lead the makedirs out
        raise OSError(errno.ELOOP, "a folder of the site links outside it", os.path.dirname(target))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = f"{target}{TMP_INFIX}{os.getpid()}{TMP_SUFFIX}"
    try:
        write(tmp)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return tmp, target
