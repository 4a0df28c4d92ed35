"""A locked staging folder for one build (``_staging``): the spare when it can serve (``spare.py``), else a new
folder beside the output, removed afterwards unless it became the site (on a thread for the preview)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
from pathlib import Path
from typing import Iterator

from site_builder.output.locks import _HELD_LOCKS, _locked
from site_builder.output.marker import _prefix, write_marker
from site_builder.output.placers import _Fresh, _Spare
from site_builder.output.remove import remove_ours
from site_builder.output.spare import _prime_spare, _take_spare


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
