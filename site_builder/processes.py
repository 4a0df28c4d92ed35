"""The build's child processes die with it: page workers and Pagefind, even when the build is killed with SIGKILL
(Linux's ``PR_SET_PDEATHSIG``, and a check of the parent for a build killed before the child asked)."""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
from typing import Callable


PR_SET_PDEATHSIG = 1


def die_with_parent(build: int | None = None) -> None:
    """In a child of the build (Pagefind, before it starts; a worker process): on Linux, be killed when the
    build is (a build killed with SIGKILL must not leave Pagefind writing into a staging folder that the next
    build removes, nor workers waiting forever for work).

    With ``build`` (the build's pid): killed now if the build is no longer this process's parent, nor its
    parent's (a fork server's child): a build killed between the fork and this call sends no signal, since
    the kernel only signals a child that asked before its parent ended (the orphans a kill test found)."""
    if not sys.platform.startswith("linux"):
        return
    _prctl()(PR_SET_PDEATHSIG, signal.SIGKILL)
    if build is not None and os.getppid() != build and _parent_of(os.getppid()) != build:
        os.kill(os.getpid(), signal.SIGKILL)


@functools.cache
def _prctl() -> Callable[..., int]:
    """libc's ``prctl``. Looked up once, in the build (``child_setup``): a child forked from a process with
    threads must not ``dlopen`` (a lock another thread held stays held in the child)."""
    return ctypes.CDLL(None, use_errno=True).prctl


def _parent_of(pid: int) -> int:
    """The parent of process ``pid`` (0 when it is gone or /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rpartition(b")")[2].split()[1])  # the name may hold ")"
    except (OSError, ValueError, IndexError):
        return 0


def child_setup() -> Callable[[], None]:
    """A ``preexec_fn`` for a child of this process: ``die_with_parent(this process)``, prctl looked up here."""
    if sys.platform.startswith("linux"):
        _prctl()
    return functools.partial(die_with_parent, os.getpid())
