"""The last stage: write the site into the output folder, replacing only what we built, atomically.

Rules (README "Safety"):

- The output folder is replaced only when it does not exist, is empty, or carries ``.site-builder``, the
  marker every build writes into its output. Anything else is refused before any work is done
  (``check_output``), as is an output that is the content folder, holds it, or lies inside it.
- The site is written into a staging folder beside the output (``.NAME-build-XXXX``), then swapped in.
  On Linux the swap is one ``renameat2(RENAME_EXCHANGE)``: at every instant the path holds a complete
  site, the previous one or the new one. Elsewhere it is two renames; a build killed between them is
  repaired by the next build, which puts the newest complete site back in place.
- Leftovers of killed builds (our staging folders, recognised by name *and* marker, and not locked by a
  running build) are removed at the start of the next build; the marker is deleted last, so a removal
  that is itself interrupted is finished the next time.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import itertools
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Protocol

from site_builder.discover import Sources
from site_builder.errors import OutputError

MARKER = ".site-builder"
"""Written first into every staging folder ({"complete": false}) and replaced last ({"complete": true})."""
_MARKER_NOTE = "written by site-builder: the next build replaces this folder whole"


class Page(Protocol):
    path: str
    content: str


@dataclass(frozen=True, slots=True)
class Kept:
    """A file of the current site that is unchanged: linked into the new site, not written again."""
    path: str


def check_output(out_dir: Path, sources: Sources, theme: Path) -> Path:
    """The resolved output folder, or ``OutputError`` when building there could destroy what is not ours.

    Refused: the content folder, a folder that holds it, a folder inside it (for a Jekyll site, whose
    own ``_site`` sits inside it, only a folder inside one the build reads) or inside the theme, a file,
    and a folder with files but no marker. Symlinks are resolved first, so another name for these is refused too.
    """
    out = out_dir.resolve()
    root = sources.root.resolve()
    shown = f"--out {out_dir}" + (f" (= {out})" if str(out) != str(out_dir) else "")
    if out == root or out in root.parents:
        raise OutputError(f"{shown} is the content folder or holds it: a build would replace your posts",
                          hint="name a folder of its own for the site, e.g. --out _site")
    inside = [folder for folder in (*read_folders(sources), theme) if out.is_relative_to(folder.resolve())]
    if inside:
        raise OutputError(f"{shown} is inside {inside[0]}, which the build reads",
                          hint="put the site outside the content folder, e.g. --out _site next to it")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{shown} is a file, not a folder: it is not replaced",
                          hint="name a new folder, or remove the file yourself")
    if out.is_dir() and not _ours_or_empty(out):
        raise OutputError(f"{shown} already holds files that site-builder did not write (no {MARKER} marker): "
                          "nothing was changed",
                          hint="name a new or empty folder; if it is a site an earlier site-builder built, "
                               f"delete it once (later builds mark their output with {MARKER})")
    return out


def read_folders(sources: Sources) -> tuple[Path, ...]:
    """The folders a build reads: the whole content folder, or for Jekyll the ones we read in it."""
    if not sources.jekyll:
        return (sources.root,)
    names = ("_posts", "_drafts", "static", "companions", "templates")
    return tuple(sources.root / name for name in names)


def _ours_or_empty(folder: Path) -> bool:
    try:
        return (folder / MARKER).is_file() or not any(folder.iterdir())
    except OSError:
        return False


def write_site(pages: Iterable[Page | Kept], copies: Iterable[tuple[Path, str]], out_dir: Path,
               generated: Iterable[Callable[[Path], object]] = (), kept: Iterable[str] = (),
               build_id: str = "", remove_previous: str = "now",
               in_place: Mapping[str, object] | None = None, spare: Path | None = None) -> None:
    """Write ``pages`` and ``copies`` (file, its path inside the site) into ``out_dir``, atomically.

    Copies are written in order (a later one may replace an earlier one: static/ over theme assets), then
    the pages, one at a time as ``pages`` yields them (a ``Kept`` page is linked from the current site), so
    a build holds one page in memory, not the site; links among the copies were checked by ``discover`` and
    are copied as files. Each of
    ``generated`` is then called with the staging folder, to write what it makes from the pages (the
    search index), so it is swapped in with them.

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
    date instead of linking every unchanged file into a new folder and removing the old site. Unused when
    ``generated`` is not empty (a search index is written into a folder that holds none), when another build
    holds it, or when it is on another file system.

    ``out_dir`` must have passed ``check_output``. On any error the previous site is left as it was and
    the staging folder removed (the spare is kept: the next build brings it up to date); OS errors (disk
    full, read-only folder…) become an ``OutputError``.
    """
    out = out_dir.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(out)
        if in_place is not None and not generated:
            copies = list(copies)
            done, pages = update_in_place(pages, copies, out, set(kept), in_place, build_id)
            if done:
                return
        with _staging(out, background=remove_previous == "background",
                      spare=None if generated else spare) as (staging, place):
            for relative in kept:
                place.link(relative)
            for source, destination in copies:
                place.copy(source, destination)
            for page in pages:
                if isinstance(page, Kept):
                    place.link(page.path)
                else:
                    place.write(page.path, page.content)
            place.finish()
            for generate in generated:
                generate(staging)
            _write_marker(staging, complete=True, build_id=build_id)
            _swap(staging, out)
    except OSError as exc:
        raise OutputError(f"could not write the site to {out_dir}: {exc.strerror or exc}"
                          + (f" ({exc.filename})" if exc.filename else ""),
                          hint="the previous site, if any, is unchanged; free space or fix the folder's "
                               "permissions and build again") from None


IN_PLACE_CHARS = 4_000_000
"""The most page text a preview holds to write in place (a template edit re-renders every page: those go
through a staging folder, as a build does)."""


def update_in_place(pages: Iterable[Page | Kept], copies: list[tuple[Path, str]], out: Path, kept: set[str],
                    present: Mapping[str, object], build_id: str) -> tuple[bool, Iterable[Page | Kept]]:
    """Update the site at ``out`` where it is. Every page is rendered first and every new file written beside
    the one it replaces (an error up to there, a template's or a full disk's, leaves the site as it was);
    then the marker says the site is incomplete, files no longer in the site are removed, each new file is
    renamed over the old one (a reader sees the old page or the new one, never half of one), and the marker
    is written again. A build killed half-way leaves the marker saying incomplete: the next build is full.

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
    if any(_taken_by_other_kind(root, relative) for relative, _ in writes):
        return False, iter(taken)
    ready: list[tuple[str, str]] = []
    try:
        for relative, write in writes:
            ready.append(_prepare(root, relative, write))
    except BaseException:
        for tmp, _ in ready:
            os.unlink(tmp)
        for relative, _ in writes:  # and the folders made for new pages (our sites hold no empty folder)
            _remove_empty_parents(root, os.path.dirname(os.path.join(root, relative)))
        raise
    _write_marker(out, complete=False, build_id=build_id)
    for relative in sorted(set(present) - wanted):
        target = _inside(root, relative)
        if target is not None and os.path.lexists(target):
            os.unlink(target)
            _remove_empty_parents(root, os.path.dirname(target))
    for tmp, target in ready:
        os.replace(tmp, target)
    _write_marker(out, complete=True, build_id=build_id)
    return True, ()


def _inside(root: str, relative: str) -> str | None:
    """``root/relative`` when its folder is really inside ``root`` (no link leads out of the site), else None."""
    target = os.path.join(root, relative)
    folder = os.path.realpath(os.path.dirname(target))
    return target if folder == root or folder.startswith(root + os.sep) else None


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
    if _inside(root, relative) is None:  # before any folder is made: a link must not lead the makedirs out
        raise OSError(errno.ELOOP, "a folder of the site links outside it", os.path.dirname(target))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = f"{target}.{os.getpid()}.tmp"
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
        folder, lock = taken
        _HELD_LOCKS.add(lock)
        try:
            place = _Spare(folder, out)
            _write_marker(folder, complete=False)
            yield folder, place
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
        _write_marker(staging, complete=False)
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

    def __init__(self, staging: Path, current: Path) -> None:
        self.staging, self.current = staging, current
        self.folders: set[str] = set()

    def link(self, relative: str) -> None:
        """An unchanged file of the current site: a link to it."""
        _link_or_copy(self.current / relative, self.staging / relative, self.folders)

    def copy(self, source: Path, relative: str) -> None:
        target = self.staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)  # never copied into: it may be a link to a file of the current site
        shutil.copy2(source, target)

    def write(self, relative: str, content: str) -> None:
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")

    def finish(self) -> None:
        pass


def _take_spare(folder: Path, out: Path) -> tuple[Path, int] | None:
    """The spare staging folder (made if missing) and a handle holding its lock; None where it cannot serve:
    another build holds it, it is not on the output's file system (no links, no swap), or one of the two
    folders holds the other. Other spares beside it (of outputs built before) are removed."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            folder.mkdir()
        real, target = os.path.realpath(folder), os.path.realpath(out)
        devices = {os.stat(path).st_dev for path in (real, out.parent, *([out] if out.exists() else []))}
        if (folder.is_symlink() or not folder.is_dir() or len(devices) > 1
                or os.path.commonpath([real, target]) in (real, target)):
            return None
        lock = _locked(folder)
        if lock is None:
            return None
        for other in folder.parent.iterdir():
            if other != folder and other.is_dir() and not other.is_symlink():
                held = _locked(other)  # held while it is removed: a build that would take it stages elsewhere
                if held is not None:
                    try:
                        shutil.rmtree(other, ignore_errors=True)
                    finally:
                        os.close(held)
        return folder, lock
    except OSError:
        return None


class _Spare:
    """Makes the spare staging folder, which holds an older site (the one before the current, when the last
    build swapped it out), hold the new site with few system calls.

    A file found there that *is* the current site's file (the same inode: a link an earlier build made) is
    kept; anything else in its place is removed and made anew. Nothing is ever written into a file found
    there: it may be a link to a file of the current site. Anything but files and folders (a symbolic link) is
    removed when found, so every folder made is really inside the spare. ``finish`` removes what the new
    site does not hold.
    """

    def __init__(self, root: Path, current: Path) -> None:
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


def built_id(out: Path) -> str | None:
    """The build id in the marker of the site at ``out`` (None if there is no complete site we wrote)."""
    data = _marker(out)
    return data.get("build") if data.get("complete") is True else None


def output_files(out: Path) -> dict[str, tuple[int, int, int]]:
    """Every file of the site at ``out`` (but the marker): its path in the site -> (size, mtime_ns, inode)."""
    found: dict[str, tuple[int, int, int]] = {}
    for folder, _, names in os.walk(out):
        for name in names:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, out).replace(os.sep, "/")
            if relative == MARKER:
                continue
            st = os.lstat(path)
            found[relative] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


def _write_marker(folder: Path, *, complete: bool, build_id: str = "") -> None:
    data = {"note": _MARKER_NOTE, "complete": complete, "written_ns": time.time_ns(), "build": build_id}
    tmp = folder / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def _swap(staging: Path, out: Path) -> None:
    """Put ``staging`` at ``out``; afterwards ``staging`` holds the previous site (or does not exist)."""
    os.chmod(staging, 0o755)
    if not out.exists():
        staging.rename(out)
    elif not _exchange(staging, out):
        old = out.with_name(f"{_prefix(out)}old-{os.getpid()}-{time.monotonic_ns()}")
        out.rename(old)  # a kill here leaves no site at `out`: the next build's clean_leftovers restores one
        staging.rename(out)
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


def tidy(out: Path) -> None:
    """For a build that writes nothing: remove what killed builds left beside ``out``, as a writing build does."""
    try:
        clean_leftovers(out)
    except OSError as exc:
        raise OutputError(f"could not remove what an interrupted build left beside {out}: {exc.strerror or exc}",
                          hint="remove the .NAME-build-* folders beside it by hand") from None


def clean_leftovers(out: Path) -> None:
    """Remove what killed builds left beside ``out``; first put back a site if ``out`` is missing.

    Only folders named like our staging folders *and* holding our marker (or empty) are touched, and
    only when no running build holds their lock.
    """
    leftovers = [path for path in out.parent.glob(f"{_prefix(out)}*") if path.is_dir() and not path.is_symlink()]
    unlocked = [path for path in leftovers if _unlocked(path, wait=_being_removed(path))]
    if not out.exists():
        complete = [path for path in unlocked if _marker(path).get("complete") is True]
        if complete:
            newest = max(complete, key=lambda path: _marker(path).get("written_ns", 0))
            newest.rename(out)
            unlocked.remove(newest)
    for path in unlocked:
        if _marker(path) or _empty_and_old(path):
            remove_ours(path)


def _empty_and_old(folder: Path, seconds: float = 60.0) -> bool:
    """An empty staging folder a killed build left (a young one may be a build that is just starting)."""
    try:
        return not any(folder.iterdir()) and time.time() - folder.stat().st_mtime > seconds
    except OSError:
        return False


def _being_removed(folder: Path) -> bool:
    """A previous site being removed on a thread (its marker says complete): worth waiting for, briefly."""
    return _marker(folder).get("complete") is True and os.path.exists(folder)


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


def _marker(folder: Path) -> dict:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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
