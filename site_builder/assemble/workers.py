"""Worker processes: how a build spreads posts (and pages) over the cores, and what each worker does first."""

from __future__ import annotations

import gc
import os
import sys
import threading
from typing import TYPE_CHECKING, Callable, Iterator

from site_builder.output.locks import drop_inherited_locks
from site_builder.processes import die_with_parent

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

Progress = Callable[[str], None]

PARALLEL_FROM = 24
"""Posts to render before a build spreads them over worker processes (starting them costs about a second)."""


def map_tasks(function: Callable, tasks: list[tuple], jobs: int) -> Iterator:
    if jobs <= 1 or len(tasks) < PARALLEL_FROM:
        return (function(*task) for task in tasks)
    # fork when this is the only thread (a CLI build): workers start at once, already holding our modules,
    # and as our own children their CPU time is counted with ours; a fork server where other threads run
    # (serve), since a forked child may inherit a lock another thread held
    import multiprocessing  # here: a rebuild of one post starts no pool, and importing them takes 25 ms
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context, initializer=worker_start,
                               initargs=(os.getpid(),))
    return _closing(pool, pool.map(function, *zip(*tasks), chunksize=8))


def worker_start(build: int) -> None:
    """In each worker process, first thing: end with the build, process ``build`` (SIGKILLed, it left its
    workers waiting for work forever, also when killed as it forked them); then hold none of its locks; then
    run unprofiled (a fork keeps the profiler of ``build --profile``, which made the workers 2.5 times slower and
    the profile's shares wrong: a cold build of 1,000 posts took 55.9 s under it against 21.3 s); then give back
    to its collector what the build froze (``gc.unfreeze``).

    The build freezes what its imports made (``build.py``: a small rebuild's collections need not walk it), and
    workers forked from it spent far more CPU. Our reading, not verified further: freezing leaves Python's count
    of long-lived objects at zero, the measure that spaces full collections out, so the workers collected
    everything they hold far more often.
    Measured on cold builds of 10,000 posts (same content, this machine, whose speed drifts by a third over an
    hour, so read the pairs run back to back): the freeze inherited against no freeze at all, 190 s against 154 s
    and 203 s against 179 s; the freeze inherited against this, 213 s against 204 s; no freeze against this,
    168 s against 161 s. A worker that froze what it inherited instead took 193 s (no freeze: 162 s)."""
    die_with_parent(build)
    drop_inherited_locks()
    sys.setprofile(None)
    gc.unfreeze()


def _closing(pool: ProcessPoolExecutor, results: Iterator) -> Iterator:
    with pool:
        yield from results


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
