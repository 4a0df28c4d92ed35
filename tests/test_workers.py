"""Worker processes start as the build needs them to (``assemble/workers.py``)."""

from __future__ import annotations

import cProfile
import gc
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from site_builder.assemble.workers import worker_start


def _frozen() -> int:
    return gc.get_freeze_count()


def test_a_worker_collects_what_the_build_froze() -> None:
    """The build freezes what its imports made; a worker forked from it gives it back to its collector (frozen,
    a cold build of 10,000 posts took 213 s against 204 s, run back to back)."""
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 0
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(1, mp_context=context, initializer=worker_start, initargs=(os.getpid(),)) as pool:
            assert pool.submit(_frozen).result() == 0
    finally:
        gc.unfreeze()


def _profiled() -> bool:
    return sys.getprofile() is not None


def test_a_worker_runs_unprofiled_under_build_profile() -> None:
    """``build --profile`` profiles the build's process; a worker forked from it kept the profiler (2.5 times
    slower, and the profile's shares wrong) until its start cleared it."""
    profile = cProfile.Profile()
    profile.enable()
    try:
        assert sys.getprofile() is not None
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(1, mp_context=context, initializer=worker_start, initargs=(os.getpid(),)) as pool:
            assert pool.submit(_profiled).result() is False
    finally:
        profile.disable()
