"""The new site's files as ``write_site`` is given them (``Page``, ``Kept``), and what places them in a staging
folder: ``_Fresh`` in a new, empty one, ``_Spare`` in the spare (``spare.py``), which holds an older site. An
unchanged file is a hard link to the current site's (a copy where links are not possible)."""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from site_builder.output.marker import MARKER


class Page(Protocol):
    path: str
    content: str


@dataclass(frozen=True, slots=True)
class Kept:
    """A file of the current site that is unchanged: linked into the new site, not written again."""
    path: str


class _Fresh:
    """Places the files of the new site in an empty staging folder."""

    returned = False
    """Whether taking the folder gave the user's files back to the output (never, for a new folder)."""

    def __init__(self, staging: Path, current: Path) -> None:
        self.staging, self.current = staging, current
        self.folders: set[str] = set()
        self.written: set[str] = set()
        """The files of the new site."""

    def link(self, relative: str, found: tuple[int, ...] | None = None) -> None:
        """An unchanged file of the current site: a link to it (``found``: see ``_Spare.link``)."""
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
        self.current_device = _device(current)
        """The current site's file system: its files' signatures (``link``'s ``found``) name no device."""
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

    def link(self, relative: str, found: tuple[int, ...] | None = None) -> None:
        """An unchanged file of the current site: kept if the spare already holds it, else linked. ``found`` is
        the file's signature as this build read the current site (``scan_output``: size, mtime, inode), which
        spares a system call per file; the spare keeps its file when it is that one."""
        source = os.path.join(self.current, relative)
        if found is not None:
            identity = (self.current_device, found[-1])
        else:
            st = os.lstat(source)
            identity = (st.st_dev, st.st_ino)
        if relative not in self.wanted and self.files.get(relative) == identity:
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


def _device(folder: Path) -> int:
    """The file system of ``folder``; -1 when there is none yet (no site: nothing of it is linked)."""
    try:
        return os.lstat(folder).st_dev
    except OSError:
        return -1
