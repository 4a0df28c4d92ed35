"""Removing what is ours: the site (``remove_site``, ``site-builder clean``), and what killed builds left beside
the output (``clean_leftovers``, ``tidy``).

Leftovers of killed builds (our staging folders, recognised by name *and* marker, and not locked by a running
build) are removed at the start of the next build, after the user's files a killed build was moving are put back;
the marker is deleted last (``remove_ours``), so a removal that is itself interrupted is finished the next time.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from pathlib import Path

from site_builder.errors import OutputError
from site_builder.output.kept import return_kept
from site_builder.output.marker import MARKER, TMP_SUFFIX, _prefix, is_ours, read_marker, write_marker
from site_builder.output.scan import OutputScan, scan_output


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


def _remove_empty_parents(root: str, folder: str) -> None:
    while folder != root and folder.startswith(root + os.sep):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)
