"""What the output folder holds: the files a build of ours wrote, and the user's (``scan_output``).

Anything found in the output that no build of ours wrote (a ``.git`` folder, a ``CNAME`` the user added, a file
of theirs) is the user's: carried into each new site (``kept.py``), never removed or written into, and reported
by the build unless ``.git`` / ``.svn`` / ``.hg`` / ``CNAME`` / ``.nojekyll`` or a ``keep:`` name covers it
(``kept_warning``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from site_builder.file_signatures import OutputSignature, output_signature
from site_builder.output.marker import MARKER, TMP_INFIX, TMP_SUFFIX, named, read_marker


NEVER_OURS = frozenset({".git", ".svn", ".hg"})
"""Folders a build never writes, at any depth of the output: version control's (``git init _site``)."""


QUIETLY_KEPT = frozenset({"CNAME", ".nojekyll", *NEVER_OURS})
"""Names at the top of the output that are kept without a warning when the build did not write them."""


@dataclass(frozen=True, slots=True)
class OutputScan:
    """What the output folder holds: the files a build of ours wrote, and what it did not write."""
    files: dict[str, OutputSignature]
    """The site's own files (the marker's list; all but version-control folders for a marker without one):
    path -> (size, mtime_ns, inode)."""
    kept: tuple[str, ...] = ()
    """Files and folders (taken whole) that no build of ours wrote: carried into every new site untouched."""
    unlisted: tuple[str, ...] = ()
    """Those of ``kept`` that neither ``QUIETLY_KEPT`` nor a ``keep:`` name covers: reported by each build."""
    written_ns: object = None
    """The marker's time of writing when scanned: a build that swapped a site in since changed it."""
    keep: tuple[str, ...] = ()
    """The ``keep:`` names the scan sorted by (another list sorts some files otherwise: scan again)."""


def scan_output(out: Path, keep: Iterable[str] | None = None) -> OutputScan:
    """Sort what ``out`` holds into the site's files and the user's. ``keep`` (the config's ``keep:`` names,
    paths inside the output; default: those the marker recorded) only says which of the user's need no
    warning, and for a marker that lists no files, which files are the user's."""
    marker = read_marker(out)
    keep = tuple(marker.get("keep") or ()) if keep is None else tuple(keep)
    manifest = _Manifest.of(marker)
    files: dict[str, OutputSignature] = {}
    kept: list[str] = []
    pending = [("", False)]  # a folder, and whether it is inside one the build wrote whole (the search index)
    while pending:
        relative, whole = pending.pop()
        try:
            entries = os.scandir(os.path.join(out, relative))
        except (FileNotFoundError, NotADirectoryError):
            continue
        prefix = f"{relative}/" if relative else ""
        with entries:
            for entry in entries:
                name = entry.name
                path = prefix + name
                if not relative and name in (MARKER, f"{MARKER}{TMP_SUFFIX}"):
                    continue
                folder = entry.is_dir(follow_symlinks=False)
                if name in NEVER_OURS or not (whole or manifest.holds(path, folder, keep)):
                    kept.append(path)  # version control's folders are never the site's, at any depth
                elif folder:
                    pending.append((path, whole or manifest.generated_folder(path)))
                else:
                    found = output_signature(entry.path)
                    if found is not None:  # else removed while we looked
                        files[path] = found
    kept.sort()
    return OutputScan(files, tuple(kept), tuple(path for path in kept if not _covered(path, keep)),
                      marker.get("written_ns"), keep)


@dataclass(frozen=True, slots=True)
class _Manifest:
    """The marker's list of the files a build wrote, as sets to look paths up in."""
    files: frozenset[str] | None
    """None for a marker that lists none (written before markers did): every file is then the site's."""
    folders: frozenset[str]
    """Every folder that holds one of ``files``."""
    generated: tuple[str, ...]
    """Folders the build wrote whole (the search index): everything inside is the site's."""

    @classmethod
    def of(cls, marker: Mapping) -> _Manifest:
        files, generated = marker.get("files"), marker.get("generated") or []
        if not isinstance(files, list) or not all(isinstance(f, str) for f in [*files, *generated]):
            return cls(None, frozenset(), ())
        folders: set[str] = set()
        for file in files:  # the marker's paths are ours: relative, one "/" between two names
            folder = file.rpartition("/")[0]
            while folder and folder not in folders:
                folders.add(folder)
                folder = folder.rpartition("/")[0]
        return cls(frozenset(files), frozenset(folders), tuple(generated))

    def holds(self, path: str, folder: bool, keep: tuple[str, ...]) -> bool:
        """Whether ``path`` (a folder when ``folder``), whose name is none of ``NEVER_OURS``, is the site's, or
        holds some of the site's files."""
        if self.files is None:  # a site built before markers listed files: CNAME and keep: names are the user's
            return not _covered(path, keep)
        if path in (self.folders if folder else self.files):
            return True
        return bool(self.generated) and self.generated_folder(path) or not folder and _is_our_tmp(path)

    def generated_folder(self, path: str) -> bool:
        """Whether ``path`` is in a folder the build wrote whole (or is one): all it holds is the site's."""
        return any(path == g or path.startswith(g + "/") for g in self.generated)


def _covered(path: str, keep: Iterable[str]) -> bool:
    """``path`` is a name kept without a warning: ``QUIETLY_KEPT`` at the top (or a version-control folder
    anywhere), or a ``keep:`` name or a file inside one."""
    return path in QUIETLY_KEPT or os.path.basename(path) in NEVER_OURS or named(path, keep)


def _is_our_tmp(path: str) -> bool:
    """A file the preview was writing when it was killed (``NAME.site-builder-PID.tmp``)."""
    stem = path.removesuffix(TMP_SUFFIX)
    return stem != path and TMP_INFIX in stem and stem.rpartition(TMP_INFIX)[2].isdigit()


def kept_warning(out_dir: Path, scan: OutputScan, shown_at_most: int = 5) -> tuple[str, ...]:
    """The warning a build gives about the files in its output that it did not write (none: no warning)."""
    if not scan.unlisted:
        return ()
    names = ", ".join(scan.unlisted[:shown_at_most]) + (f" and {len(scan.unlisted) - shown_at_most} more"
                                                         if len(scan.unlisted) > shown_at_most else "")
    count = len(scan.unlisted)
    return (f"{out_dir}: warning: kept {count} file{'s' if count > 1 else ''} site-builder did not write: {names} "
            "(list them under keep: in the site's config to keep them without this warning)",)
