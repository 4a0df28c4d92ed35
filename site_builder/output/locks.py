"""The locks a build holds: the output's (``_output_lock``: one build at a time carries the user's files and swaps)
and each staging folder's (``_locked``: a folder a running build holds is left alone by the others)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator


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
