"""The last stage: ``write_site`` writes the site into the output folder, replacing only what we built, atomically.

The site is written into a staging folder (the spare in the cache, or ``.NAME-build-XXXX`` beside the output:
``staging.py``), the user's files are moved into it, and it is swapped in (``swap.py``); the preview may instead
update the site where it is (``in_place.py``). Which folder may be written, and what in it is the user's:
``guard.py``, ``scan.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Mapping

from site_builder.errors import OutputError
from site_builder.output.in_place import update_in_place
from site_builder.output.kept import check_kept_places, merge_folders
from site_builder.output.locks import _output_lock
from site_builder.output.marker import generated_folders, read_marker, write_marker
from site_builder.output.placers import Kept, Page
from site_builder.output.remove import clean_leftovers
from site_builder.output.scan import OutputScan, scan_output
from site_builder.output.staging import _staging
from site_builder.output.swap import _swap_carrying


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
            place.link(relative, scan.files.get(relative))
        for source, destination in copies:
            place.copy(source, destination)
        for page in pages:
            if isinstance(page, Kept):
                place.link(page.path, scan.files.get(page.path))
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
