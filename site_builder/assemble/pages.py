"""The pages of the site: each kept from the current site when what it was made from is unchanged, else
rendered (by forked workers when there are many), one at a time as the writer takes them."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import jinja2

from site_builder.assemble.workers import worker_start
from site_builder.errors import SiteError
from site_builder.incremental.keys import SiteKeys, page_key
from site_builder.incremental.signatures import OutputSignature, code_key, digest
from site_builder.incremental.state import BuildState, OutputRecord
from site_builder.incremental.views import ReadLog
from site_builder.output.placers import Kept
from site_builder.render import Page, PageSpec, render_page, template_key

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


@dataclass(frozen=True, slots=True)
class PageWork:
    """What rendering the site's pages takes, the same for every page of a build."""
    env: jinja2.Environment
    config: Any
    site: Any
    log: ReadLog
    """The log the site's lazy views note the posts a page reads whole in (``incremental.views``)."""
    full_keys: dict[str, str]
    """Post or page path -> the key of its whole view."""


class PageRun:
    """The site's pages as the writer takes them, one at a time, so that a build never holds all its pages:
    iterating gives each page to write, or ``Kept`` for a file of the current site to keep. Once the writer
    has taken them all, ``outputs`` holds every page's record, ``rendered`` and ``written`` count what was done,
    and ``kept`` names the files kept.

    A page is kept without rendering when the last build rendered it from what it is made from now (its
    ``page_key``, over the entries of ``site`` it read then) and its file is as that build left it. A page
    rendered again whose bytes did not change is kept too, so its file keeps its date. Many pages to render
    are rendered by ``jobs`` worker processes (``_rendered_pages``)."""

    def __init__(self, work: PageWork, specs: list[PageSpec], trusted: BuildState | None,
                 present: dict[str, OutputSignature], out: Path, jobs: int = 1,
                 before_fork: Callable[[], None] | None = None) -> None:
        self.work, self.specs, self.trusted, self.present, self.out, self.jobs = work, specs, trusted, present, out, jobs
        self.before_fork = before_fork
        """Ends the build's other threads (the search shards begun early) before the page workers are forked."""
        self.outputs: dict[str, OutputRecord] = {}
        self.rendered = 0
        self.written = 0
        self.kept: set[str] = set()
        self._plan: list | None = None
        self._rendered: Iterator[tuple[str, OutputRecord]] = iter(())
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> PageRun:
        """Decide which pages are kept and which rendered, and start rendering these: many pages go to ``jobs``
        worker processes at once, forked now (before the build starts any thread: the search index's)."""
        if self._plan is None:
            work = self.work
            common = digest(code_key(), repr(work.config))
            keys = SiteKeys(work.site, work.full_keys, lambda name: template_key(work.env, name))
            self._plan = []
            for spec in self.specs:
                old = self.trusted.outputs.get(spec.path) if self.trusted is not None else None
                untouched = old is not None and self.present.get(spec.path) == old.file
                self._plan.append((spec, old, untouched and page_key(common, spec, old.read, keys) == old.key,
                                   untouched))
            self._rendered, self._pool = _rendered_pages(_PageJob(work, common, keys),
                                                         [spec for spec, _, keep, _ in self._plan if not keep],
                                                         self.jobs, self.before_fork)
        return self

    def close(self) -> None:
        """Stop the workers (a build that failed before its pages were all taken)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            _PAGE_JOB.clear()

    def __enter__(self) -> PageRun:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Page | Kept]:
        self.start()
        for spec, old, keep, untouched in self._plan:
            if keep:
                self.outputs[spec.path] = old
                self.kept.add(spec.path)
                yield Kept(spec.path)
                continue
            content, self.outputs[spec.path] = next(self._rendered)
            self.rendered += 1
            if untouched and same_bytes(self.out / spec.path, content):
                self.kept.add(spec.path)
                yield Kept(spec.path)
            else:
                self.written += 1
                yield Page(spec.path, content)


@dataclass(frozen=True, slots=True)
class _PageJob:
    """What rendering a page takes: the same for every page of a build."""
    work: PageWork
    common: str
    keys: SiteKeys

    def render(self, spec: PageSpec) -> tuple[str, OutputRecord]:
        """The page and its record: its key over the entries of ``site`` it read, the posts it read whole and the
        templates it used."""
        page = render_page(self.work.env, self.work.config, self.work.site, spec, self.work.log)
        return page.html, OutputRecord(page_key(self.common, spec, page.read, self.keys), page.read)


PARALLEL_PAGES = 200
"""Pages to render from which worker processes share them (a cold build, a template edit)."""


_PAGE_JOB: list[tuple[_PageJob, list[PageSpec]]] = []
"""The build's page job, for the worker processes forked to render its pages (they inherit it)."""


def _rendered_pages(job: _PageJob, specs: list[PageSpec], jobs: int, before_fork: Callable[[], None] | None = None,
                    ) -> tuple[Iterator[tuple[str, OutputRecord]], ProcessPoolExecutor | None]:
    """(page, record) for each of ``specs``, in order, and the pool rendering them if any: rendered here one at a
    time, or, when they are many and this process can fork (a CLI build: one thread, once ``before_fork`` has
    ended the build's own), by ``jobs`` forked workers that inherit ``job`` (nothing is pickled to them, and only
    pages come back) while this process writes what they return."""
    many = jobs > 1 and len(specs) >= PARALLEL_PAGES
    if many and before_fork is not None:
        before_fork()
    if not many or threading.active_count() > 1:
        return (job.render(spec) for spec in specs), None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _PAGE_JOB[:] = [(job, specs)]
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=worker_start, initargs=(os.getpid(),))
    chunks = [(start, min(start + 16, len(specs))) for start in range(0, len(specs), 16)]
    return _pages_of(pool, pool.map(_render_chunk, *zip(*chunks))), pool


def _pages_of(pool: ProcessPoolExecutor, chunks: Iterator[list]) -> Iterator[tuple[str, OutputRecord]]:
    try:
        for chunk in chunks:
            for result in chunk:
                if isinstance(result, SiteError):
                    raise result
                yield result
    finally:  # a page's error, or the writer's: the pages not yet rendered are not
        pool.shutdown(wait=True, cancel_futures=True)
        _PAGE_JOB.clear()


def _render_chunk(start: int, end: int) -> list:
    """In a worker: the pages ``specs[start:end]`` of the inherited job; a page's error ends the chunk."""
    job, specs = _PAGE_JOB[0]
    results: list = []
    for spec in specs[start:end]:
        try:
            results.append(job.render(spec))
        except SiteError as exc:
            results.append(exc)
            break
    return results


def same_bytes(path: Path, content: str) -> bool:
    try:
        return path.read_bytes() == content.encode("utf-8")
    except OSError:
        return False
