"""The last stage: write the site into the output folder, replacing only what we built, atomically.

Rules (README "Safety"; which folder may be written, and what in it is the user's: ``output.py``):

- The site is written into a staging folder (the spare in the cache, or ``.NAME-build-XXXX`` beside the
  output), the user's files are moved into it, and it is swapped in. On Linux the swap is one
  ``renameat2(RENAME_EXCHANGE)``: at every instant the path holds a complete site, the previous one or the
  new one. Elsewhere it is two renames; a build killed between them is repaired by the next build, which
  puts the newest complete site back in place. Whether the spare can be swapped with the output is tried (a
  rename between the two), not inferred from ``st_dev``: two bind mounts of one file system share it and
  refuse renames between them.
- Leftovers of killed builds (our staging folders, recognised by name *and* marker, and not locked by a
  running build) are removed at the start of the next build, after the user's files a killed build was
  moving are put back; the marker is deleted last, so a removal that is itself interrupted is finished the
  next time.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import itertools
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Protocol

from site_builder.errors import OutputError
from site_builder.output import (MARKER, TMP_INFIX, TMP_SUFFIX, OutputScan, check_kept_places, generated_folders,
                                 inside, is_ours, merge_folders, named, put_marker, read_marker, return_kept,
                                 scan_output, write_marker)


class Page(Protocol):
    path: str
    content: str


@dataclass(frozen=True, slots=True)
class Kept:
    """A file of the current site that is unchanged: linked into the new site, not written again."""
    path: str


def write_site(pages: Iterable[Page | Kept], copies: Iterable[tuple[Path, str]], out_dir: Path,
               generated: Iterable[Callable[[Path], object]] = (), kept: Iterable[str] = (),
               build_id: str = "", remove_previous: str = "now",
               in_place: Mapping[str, object] | None = None, spare: Path | None = None,
               scan: OutputScan | None = None, keep: Iterable[str] = ()) -> OutputScan:
    """Write ``pages`` and ``copies`` (file, its path inside the site) into ``out_dir``, atomically.

    Copies are written in order (a later one may replace an earlier one: static/ over theme assets), then
    the pages, one at a time as ``pages`` yields them (a ``Kept`` page is linked from the current site), so
    a build holds one page in memory, not the site; links among the copies were checked by ``discover`` and
    are copied as files. Each of
    ``generated`` is then called with the staging folder's placer (its ``write_bytes(relative, data)``), to
    write what it makes from the pages (the search index's shards that changed), so it is swapped in with them.

    ``kept`` are files of the current site that an incremental build found unchanged: each is linked into
    the staging folder (a hard link: no bytes are written, the file keeps its date), or copied where links
    are not possible. Nothing of the current site is changed, so it stays whole until the swap (but see
    ``in_place``).
    ``build_id`` goes into the marker (the incremental state names the output it describes by it).
    ``remove_previous="background"`` (the preview server) removes the previous site on a thread, after this
    returns; it holds the folder's lock meanwhile, and the next build's ``clean_leftovers`` waits for it.

    ``in_place`` (the preview server, when the incremental state vouches for the current site, given as its
    files) updates the site where it is instead (``update_in_place``), unless the pages to write are many.

    ``spare`` (a folder of the cache, on the output's file system) is where the staging folder is kept
    between builds (``_Spare``): after the swap it holds the previous site, which the next build brings up to
    date instead of linking every unchanged file into a new folder and removing the old site (nothing is written
    into a file found there, which may be a link to the current site's). Unused when another build holds it,
    or when it is on another file system.

    ``scan`` is what the output holds (``scan_output``; made here when not given, or when a killed build's
    leftovers gave files back): the user's files in it are carried into the new site, untouched. ``keep`` (the
    config's ``keep:``) is recorded in the marker. Returns the scan the user's files were carried by.

    ``out_dir`` must have passed ``check_output``. On any error the previous site is left as it was and
    the staging folder removed (the spare is kept: the next build brings it up to date); OS errors (disk
    full, read-only folder…) become an ``OutputError``.
    """
    out = out_dir.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _output_lock(out):
            return _write_locked(pages, copies, out, generated, kept, build_id, remove_previous, in_place, spare,
                                 scan, tuple(keep))
    except OSError as exc:
        raise OutputError(f"could not write the site to {out_dir}: {exc.strerror or exc}"
                          + (f" ({exc.filename})" if exc.filename else ""),
                          hint="the previous site, if any, is unchanged; free space or fix the folder's "
                               "permissions and build again") from None


@contextlib.contextmanager
def _output_lock(out: Path) -> Iterator[None]:
    """Held while a build writes ``out`` (``serve`` and ``build`` may run at once): one at a time carries the
    user's files and swaps, so that neither swaps out a site holding files the other moved in. The lock is on
    the output's parent folder, since the output itself is replaced."""
    handle = os.open(out.parent, os.O_RDONLY)
    _HELD_LOCKS.add(handle)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        _HELD_LOCKS.discard(handle)
        os.close(handle)


def _write_locked(pages: Iterable[Page | Kept], copies: Iterable[tuple[Path, str]], out: Path,
                  generated: Iterable[Callable[[Path], object]], kept: Iterable[str], build_id: str,
                  remove_previous: str, in_place: Mapping[str, object] | None, spare: Path | None,
                  scan: OutputScan | None, keep: tuple[str, ...]) -> OutputScan:
    """``write_site`` holding the output's lock."""
    if clean_leftovers(out) or scan is None or read_marker(out).get("written_ns") != scan.written_ns:
        scan = scan_output(out, keep)
    if in_place is not None and not generated:
        copies = list(copies)
        done, pages = update_in_place(pages, copies, out, set(kept), in_place, build_id, scan, keep)
        if done:
            return scan
    with _staging(out, background=remove_previous == "background", spare=spare) as (staging, place):
        if place.returned:
            scan = scan_output(out, keep)
        for relative in kept:
            place.link(relative)
        for source, destination in copies:
            place.copy(source, destination)
        for page in pages:
            if isinstance(page, Kept):
                place.link(page.path)
            else:
                place.write(page.path, page.content)
        for generate in generated:
            generate(place)
        place.finish()
        carried = merge_folders(staging, out, scan.kept)
        check_kept_places(staging, out, carried)
        write_marker(staging, complete=True, build_id=build_id, files=place.written,
                      generated=generated_folders(staging, place.written), kept=carried, keep=keep)
        _swap_carrying(staging, out, carried)
    return scan


def _swap_carrying(staging: Path, out: Path, kept: tuple[str, ...]) -> None:
    """Move the user's files from ``out`` into ``staging`` (the marker there already lists them: a build killed
    meanwhile gives them back, ``return_kept``), then swap ``staging`` in. On an error they are moved back."""
    try:
        for relative in kept:
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(out / relative, target)
        _swap(staging, out)
    except BaseException:
        return_kept(staging, out, kept)
        raise


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


def _remove_empty_parents(root: str, folder: str) -> None:
    while folder != root and folder.startswith(root + os.sep):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)


_HELD_LOCKS: set[int] = set()
"""Descriptors holding the lock of the staging folder this process writes. A process forked meanwhile (the
workers that render pages) shares the lock through its copies: ``drop_inherited_locks`` closes them, so that
the lock ends with this process (a build killed with its workers still running must not hold it)."""


def drop_inherited_locks() -> None:
    """In a forked worker: close the copies of the parent's lock descriptors."""
    for handle in list(_HELD_LOCKS):
        with contextlib.suppress(OSError):
            os.close(handle)
    _HELD_LOCKS.clear()


@contextlib.contextmanager
def _staging(out: Path, background: bool = False,
             spare: Path | None = None) -> Iterator[tuple[Path, _Fresh | _Spare]]:
    """A locked staging folder and what places files in it: the ``spare`` when it can serve (kept afterwards:
    it then holds the previous site), else a new folder beside ``out``, removed afterwards unless it became
    the site (on a thread, with ``background``, once the site is swapped in)."""
    taken = _take_spare(spare, out) if spare is not None else None
    if taken is not None:
        folder, lock, returned = taken
        _HELD_LOCKS.add(lock)
        try:
            place = _Spare(folder, out, returned)
            write_marker(folder, complete=False)
            yield folder, place
            if not folder.exists():  # it became the site (there was none): the next build finds a spare ready
                _prime_spare(out, folder, place.wanted)
        finally:
            _HELD_LOCKS.discard(lock)
            os.close(lock)
        return
    staging = Path(tempfile.mkdtemp(prefix=_prefix(out), dir=out.parent))
    handle = os.open(staging, os.O_RDONLY)
    _HELD_LOCKS.add(handle)
    swapped = False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # a build running beside us leaves this folder alone
        write_marker(staging, complete=False)
        yield staging, _Fresh(staging, out)
        swapped = True
    finally:
        _HELD_LOCKS.discard(handle)
        previous = _locked(staging) if background and swapped else None
        if previous is not None:
            os.close(handle)  # the lock we held is on the folder that is now the site
            threading.Thread(target=_remove_then_unlock, args=(staging, previous), name="site-builder-remove",
                             daemon=False).start()
        else:
            try:
                if not swapped and staging.exists():
                    remove_ours(staging)
                elif previous is None and staging.exists():  # after the swap: the previous site, under its own lock
                    _remove_locked(staging)
            finally:
                os.close(handle)


class _Fresh:
    """Places the files of the new site in an empty staging folder."""

    returned = False
    """Whether taking the folder gave the user's files back to the output (never, for a new folder)."""

    def __init__(self, staging: Path, current: Path) -> None:
        self.staging, self.current = staging, current
        self.folders: set[str] = set()
        self.written: set[str] = set()
        """The files of the new site."""

    def link(self, relative: str) -> None:
        """An unchanged file of the current site: a link to it."""
        self.written.add(relative)
        _link_or_copy(self.current / relative, self.staging / relative, self.folders)

    def copy(self, source: Path, relative: str) -> None:
        self.written.add(relative)
        target = self.staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)  # never copied into: it may be a link to a file of the current site
        shutil.copy2(source, target)

    def write(self, relative: str, content: str) -> None:
        self.written.add(relative)
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")

    def write_bytes(self, relative: str, data: bytes) -> None:
        self.written.add(relative)
        path = self.staging / relative
        if path.parent.as_posix() not in self.folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(path.parent.as_posix())
        path.write_bytes(data)

    def finish(self) -> None:
        pass


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


class _Spare:
    """Makes the spare staging folder, which holds an older site (the one before the current, when the last
    build swapped it out), hold the new site with few system calls.

    A file found there that *is* the current site's file (the same inode: a link an earlier build made) is
    kept; anything else in its place is removed and made anew. Nothing is ever written into a file found
    there: it may be a link to a file of the current site. Anything but files and folders (a symbolic link) is
    removed when found, so every folder made is really inside the spare. ``finish`` removes what the new
    site does not hold.
    """

    def __init__(self, root: Path, current: Path, returned: bool = False) -> None:
        self.returned = returned
        """Whether taking the spare gave the user's files a killed build had left in it back to the output."""
        self.root, self.current = str(root), str(current)
        self.files: dict[str, tuple[int, int]] = {}
        self.folders: set[str] = set()
        self.made: set[str] = {""}
        self.wanted: set[str] = set()
        pending = [""]
        while pending:
            relative = pending.pop()
            with os.scandir(os.path.join(self.root, relative)) as entries:
                for entry in entries:
                    path = f"{relative}/{entry.name}" if relative else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        self.folders.add(path)
                        pending.append(path)
                    elif not entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
                    elif path not in (MARKER, f"{MARKER}.tmp"):
                        st = entry.stat(follow_symlinks=False)
                        self.files[path] = (st.st_dev, st.st_ino)

    def link(self, relative: str) -> None:
        """An unchanged file of the current site: kept if the spare already holds it, else linked."""
        source = os.path.join(self.current, relative)
        st = os.lstat(source)
        if relative not in self.wanted and self.files.get(relative) == (st.st_dev, st.st_ino):
            self.wanted.add(relative)
            folder = os.path.dirname(relative)
            while folder not in self.made:
                self.made.add(folder)
                folder = os.path.dirname(folder)
            return
        _link_file(source, self._clear(relative))

    def copy(self, source: Path, relative: str) -> None:
        shutil.copy2(source, self._clear(relative))

    def write(self, relative: str, content: str) -> None:
        with open(self._clear(relative), "x", encoding="utf-8") as handle:  # "x": a new file, never one found
            handle.write(content)

    def write_bytes(self, relative: str, data: bytes) -> None:
        Path(self._clear(relative)).write_bytes(data)  # a new file: _clear removed any found there

    def _clear(self, relative: str) -> str:
        """The place of ``relative``, emptied, in a folder that exists."""
        target = os.path.join(self.root, relative)
        if relative in self.wanted or relative in self.files:  # written earlier in this build, or found
            os.unlink(target)
            self.files.pop(relative, None)
        elif relative in self.folders:
            shutil.rmtree(target)
            inside = relative + "/"
            self.folders = {f for f in self.folders if f != relative and not f.startswith(inside)}
            self.files = {f: i for f, i in self.files.items() if not f.startswith(inside)}
        self.wanted.add(relative)
        self._folder(os.path.dirname(relative))
        return target

    def _folder(self, relative: str) -> None:
        if relative in self.made:
            return
        self._folder(os.path.dirname(relative))
        if relative not in self.folders:
            if self.files.pop(relative, None) is not None:  # a file where the new site has a folder
                os.unlink(os.path.join(self.root, relative))
            os.mkdir(os.path.join(self.root, relative))
            self.folders.add(relative)
        self.made.add(relative)

    @property
    def written(self) -> set[str]:
        """The files of the new site."""
        return self.wanted

    def finish(self) -> None:
        """Remove the files and folders the new site does not hold."""
        for relative in self.files.keys() - self.wanted:
            os.unlink(os.path.join(self.root, relative))
        for relative in sorted(self.folders - self.made, key=lambda f: f.count("/"), reverse=True):
            os.rmdir(os.path.join(self.root, relative))


def _locked(folder: Path) -> int | None:
    """A handle holding the lock of ``folder`` (after the swap, the previous site), or None."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        return None
    return handle


def _remove_locked(folder: Path) -> None:
    """Remove ``folder`` holding its lock; left alone if another build holds it (that build is removing it)."""
    handle = _locked(folder)
    if handle is None:
        return
    try:
        remove_ours(folder)
    finally:
        os.close(handle)


def _remove_then_unlock(folder: Path, handle: int) -> None:
    try:
        remove_ours(folder)
    except OSError:
        pass  # what is left is ours, marked: the next build removes it
    finally:
        os.close(handle)


def _prefix(out: Path) -> str:
    return f".{out.name}-build-"


def _link_or_copy(source: Path, target: Path, folders: set[str]) -> None:
    """Link ``source`` at ``target`` (copy where links are not possible); ``folders`` are those known to exist
    (a thousand unchanged pages are a thousand links: each system call saved counts)."""
    folder = os.path.dirname(target)
    if folder not in folders:
        os.makedirs(folder, exist_ok=True)
        folders.add(folder)
    _link_file(source, target)


def _link_file(source: Path | str, target: Path | str) -> None:
    """A hard link to ``source`` at ``target``, or a copy where the file system allows no link."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        shutil.copy2(source, target)


def _swap(staging: Path, out: Path) -> None:
    """Put ``staging`` at ``out``; afterwards ``staging`` holds the previous site (or does not exist)."""
    os.chmod(staging, 0o755)
    if not out.exists():
        staging.rename(out)
    elif not _exchange(staging, out):
        new = staging
        if staging.parent.resolve() != out.parent.resolve():  # the spare, in the cache: beside the site first,
            new = out.with_name(f"{_prefix(out)}new-{os.getpid()}-{time.monotonic_ns()}")  # where clean_leftovers
            staging.rename(new)  # looks, so that a kill below leaves the newest complete site for it to restore
        old = out.with_name(f"{_prefix(out)}old-{os.getpid()}-{time.monotonic_ns()}")
        out.rename(old)  # a kill here leaves no site at `out`: the next build's clean_leftovers restores one
        new.rename(out)
        old.rename(staging)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # a file system without exchange
        return False
    raise OSError(code, os.strerror(code), str(b))


_LIBC: list[ctypes.CDLL] = []


def _libc() -> ctypes.CDLL:
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(None, use_errno=True))
    return _LIBC[0]


def remove_site(out_dir: Path) -> OutputScan:
    """``site-builder clean``: remove the site a build wrote at ``out_dir`` — its files, the folders they
    leave empty, the marker, and the folder itself when nothing else is in it — and return what was kept (the
    user's files, never removed; the marker then stays, listing no file of ours, so that the next build writes
    there again). A folder without our marker is refused (``OutputError``)."""
    out = out_dir.resolve()
    if not out.is_dir() or not is_ours(read_marker(out)):
        raise OutputError(f"{out_dir} is not a site site-builder built (no {MARKER} marker written by a build): "
                          "nothing was removed", hint="name the output folder a build wrote, e.g. --out _site")
    try:
        clean_leftovers(out)
        scan = scan_output(out)
        for relative in sorted(scan.files, key=lambda f: f.count("/"), reverse=True):
            os.unlink(out / relative)
            _remove_empty_parents(str(out), os.path.dirname(str(out / relative)))
        if scan.kept:
            write_marker(out, complete=False, files=(), kept=scan.kept, keep=read_marker(out).get("keep") or ())
        else:
            for name in (f"{MARKER}{TMP_SUFFIX}", MARKER):
                (out / name).unlink(missing_ok=True)
            out.rmdir()
    except OSError as exc:
        raise OutputError(f"could not remove the site at {out_dir}: {exc.strerror or exc}",
                          hint="fix the folder's permissions and run it again") from None
    return scan


def tidy(out: Path) -> None:
    """For a build that writes nothing: remove what killed builds left beside ``out``, as a writing build does."""
    try:
        clean_leftovers(out)
    except OSError as exc:
        raise OutputError(f"could not remove what an interrupted build left beside {out}: {exc.strerror or exc}",
                          hint="remove the .NAME-build-* folders beside it by hand") from None


def clean_leftovers(out: Path) -> bool:
    """Remove what killed builds left beside ``out``; first put back a site if ``out`` is missing, and the
    user's files a killed build was carrying into its new site. True when user's files were given back.

    Only folders named like our staging folders *and* holding our marker (or empty) are touched, and
    only when no running build holds their lock.
    """
    leftovers = [path for path in out.parent.glob(f"{_prefix(out)}*") if path.is_dir() and not path.is_symlink()]
    unlocked = [path for path in leftovers if _unlocked(path, wait=_being_removed(path))]
    ours = [path for path in unlocked if is_ours(read_marker(path))]
    if not out.exists():
        complete = [path for path in ours if read_marker(path).get("complete") is True]
        if complete:
            newest = max(complete, key=lambda path: read_marker(path).get("written_ns", 0))
            newest.rename(out)
            ours.remove(newest)
    returned = False
    for path in ours:
        returned = return_kept(path, out) or returned
    for path in unlocked:
        if path in ours or _empty_and_old(path):
            remove_ours(path)
    return returned


def _empty_and_old(folder: Path, seconds: float = 60.0) -> bool:
    """An empty staging folder a killed build left (a young one may be a build that is just starting)."""
    try:
        return not any(folder.iterdir()) and time.time() - folder.stat().st_mtime > seconds
    except OSError:
        return False


def _being_removed(folder: Path) -> bool:
    """A previous site being removed on a thread (its marker says complete): worth waiting for, briefly."""
    return read_marker(folder).get("complete") is True and os.path.exists(folder)


def _unlocked(folder: Path, wait: bool = False) -> bool:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        if wait:  # a removal on a thread of this process finishes in a moment; a running build is not waited for
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except OSError:
                    time.sleep(0.01)
            return False
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(handle)  # closing drops our probe lock


def remove_ours(folder: Path) -> None:
    """Delete a folder we wrote, its marker last (an interrupted removal is recognised and finished later)."""
    for entry in folder.iterdir():
        if entry.name == MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()
