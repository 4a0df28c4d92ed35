"""Putting the new site in place (README "Safety"): the user's files are moved into it, and it is swapped in. On
Linux the swap is one ``renameat2(RENAME_EXCHANGE)``: at every instant the path holds a complete site, the
previous one or the new one. Elsewhere it is two renames; a build killed between them is repaired by the next
build (``clean_leftovers``), which puts the newest complete site back in place."""

from __future__ import annotations

import ctypes
import errno
import os
import sys
import time
from pathlib import Path

from site_builder.output.kept import return_kept
from site_builder.output.marker import _prefix


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
