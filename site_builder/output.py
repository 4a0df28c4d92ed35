"""The output folder: which folder a build may write (``check_output``), and what in it is the site's and what
the user's (``scan_output``).

- A build writes ``.site-builder``, the marker, into its output: a JSON record only we write (an empty or
  foreign file named so does not count), which says whether the site is complete and lists the files the
  build wrote (a folder written whole, the search index, as the folder).
- Anything else found in the output (a ``.git`` folder, a ``CNAME`` the user added, a file of theirs) is the
  user's: ``write.py`` moves it into each new site before the swap (``merge_folders``, ``check_kept_places``;
  listed in the new site's marker first, so that a killed build gives it back: ``return_kept``), never removes
  or writes into it, and the build reports it unless ``.git`` / ``.svn`` / ``.hg`` / ``CNAME`` / ``.nojekyll``
  or a ``keep:`` name covers it (``kept_warning``).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from site_builder.caches import cache_root
from site_builder.discover import Sources
from site_builder.errors import OutputError
from site_builder.incremental import OutputSignature, output_signature


MARKER = ".site-builder"
"""Written first into every staging folder ({"complete": false}) and replaced last ({"complete": true}, with
the files the build wrote)."""


_MARKER_NOTE = "written by site-builder: the next build replaces the files it wrote here and keeps the others"


_MARKER_NOTES = frozenset({_MARKER_NOTE, "written by site-builder: the next build replaces this folder whole"})
"""The notes a marker of ours carries (the second: builds before the marker listed their files)."""


NEVER_OURS = frozenset({".git", ".svn", ".hg"})
"""Folders a build never writes, at any depth of the output: version control's (``git init _site``)."""


QUIETLY_KEPT = frozenset({"CNAME", ".nojekyll", *NEVER_OURS})
"""Names at the top of the output that are kept without a warning when the build did not write them."""


TMP_SUFFIX = ".tmp"


TMP_INFIX = ".site-builder-"


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
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            entries = os.scandir(os.path.join(out, relative))
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            for entry in entries:
                path = f"{relative}/{entry.name}" if relative else entry.name
                if path in (MARKER, f"{MARKER}{TMP_SUFFIX}"):
                    continue
                folder = entry.is_dir(follow_symlinks=False)
                if not manifest.holds(path, folder, keep):
                    kept.append(path)
                elif folder:
                    pending.append(path)
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
        for file in files:
            folder = os.path.dirname(file)
            while folder and folder not in folders:
                folders.add(folder)
                folder = os.path.dirname(folder)
        return cls(frozenset(files), frozenset(folders), tuple(generated))

    def holds(self, path: str, folder: bool, keep: tuple[str, ...]) -> bool:
        """Whether ``path`` (a folder when ``folder``) is the site's, or holds some of the site's files."""
        if os.path.basename(path) in NEVER_OURS:
            return False
        if self.files is None:  # a site built before markers listed files: CNAME and keep: names are the user's
            return not _covered(path, keep)
        if any(path == g or path.startswith(g + "/") for g in self.generated):
            return True
        if folder:
            return path in self.folders
        return path in self.files or _is_our_tmp(path)


def _covered(path: str, keep: Iterable[str]) -> bool:
    """``path`` is a name kept without a warning: ``QUIETLY_KEPT`` at the top (or a version-control folder
    anywhere), or a ``keep:`` name or a file inside one."""
    return path in QUIETLY_KEPT or os.path.basename(path) in NEVER_OURS or named(path, keep)


def named(path: str, names: Iterable[str]) -> bool:
    """``path`` is one of ``names`` (paths inside the output) or inside one."""
    return any(path == name or path.startswith(name.rstrip("/") + "/") for name in names)


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
    cache = cache_root().resolve()
    if out == cache or cache in out.parents or out in cache.parents:
        raise OutputError(f"{shown} is site-builder's cache ({cache}) or holds or lies inside it: the site would "
                          "publish the build's own state, and clearing the cache would delete the site",
                          hint="name a folder of its own for the site, e.g. --out _site next to the content "
                               "folder (or set SITE_BUILDER_CACHE to another folder)")
    if out.is_dir() and not _ours_or_empty(out):
        raise OutputError(f"{shown} already holds files that site-builder did not write (no {MARKER} marker "
                          "written by a build): nothing was changed",
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
        return is_ours(read_marker(folder)) or not any(folder.iterdir())
    except OSError:
        return False


def is_ours(marker: Mapping) -> bool:
    """A marker a build wrote (an empty file, or one of someone else's, named like it does not count)."""
    return marker.get("note") in _MARKER_NOTES and isinstance(marker.get("complete"), bool)


def _plain_relative(relative: object) -> bool:
    """A path inside a folder: text, relative, without ``.`` or ``..`` (a marker is read, not trusted)."""
    return (isinstance(relative, str) and bool(relative) and not relative.startswith("/") and "\0" not in relative
            and all(part not in ("", ".", "..") for part in relative.split("/")))


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


def generated_folders(staging: Path, files: Iterable[str]) -> list[str]:
    """The folders at the top of ``staging`` that hold none of ``files``: written whole by a generator."""
    tops = {relative.split("/", 1)[0] for relative in files}
    return sorted(name for name in os.listdir(staging)
                  if name not in tops and name not in (MARKER, f"{MARKER}{TMP_SUFFIX}") and (staging / name).is_dir())


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


def inside(root: str, relative: str) -> str | None:
    """``root/relative`` when its folder is really inside ``root`` (no link leads out of the site), else None."""
    target = os.path.join(root, relative)
    folder = os.path.realpath(os.path.dirname(target))
    return target if folder == root or folder.startswith(root + os.sep) else None


def built_id(out: Path) -> str | None:
    """The build id in the marker of the site at ``out`` (None if there is no complete site we wrote)."""
    data = read_marker(out)
    return data.get("build") if data.get("complete") is True else None


def output_files(out: Path) -> dict[str, OutputSignature]:
    """Every file of the site at ``out`` (but the marker): its path in the site -> (size, mtime_ns, inode)."""
    found: dict[str, OutputSignature] = {}
    for folder, _, names in os.walk(out):
        for name in names:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, out).replace(os.sep, "/")
            if relative == MARKER:
                continue
            signature = output_signature(path)
            if signature is not None:
                found[relative] = signature
    return found


def write_marker(folder: Path, *, complete: bool, build_id: str = "", files: Iterable[str] | None = None,
                  generated: Iterable[str] = (), kept: Iterable[str] = (), keep: Iterable[str] = ()) -> None:
    """The marker: ours, complete or not, which build, and (``files``) the files the build wrote — those inside
    a ``generated`` folder are not listed, the folder is — and the user's files it carried along (``kept``)."""
    data: dict[str, object] = {"note": _MARKER_NOTE, "complete": complete, "written_ns": time.time_ns(),
                               "build": build_id}
    if files is not None:
        generated = sorted(generated)
        data["files"] = sorted(f for f in files if not named(f, generated))
        data.update(generated=generated, kept=sorted(kept), keep=list(keep))
    put_marker(folder, json.dumps(data) + "\n")


def put_marker(folder: Path, text: str) -> None:
    tmp = folder / f"{MARKER}{TMP_SUFFIX}"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def read_marker(folder: Path) -> dict:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
