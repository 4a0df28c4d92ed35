"""Generated posts (tests/fuzz/post_strategies.py): each is loaded and rendered — Markdown, the post's
snippet badges, every page template, feed and sitemap — and batches are built through ``build_site``.

What must hold for every input: the only exceptions are ``SiteError``s (a message naming file and line);
an input of at most 100 kB renders in under 2 s of CPU time (this process's, so that other jobs on a shared
machine count less; an input over it is timed once more and the lower figure kept: contention can double a
figure once, quadratic time doubles it every time; the bound is scaled by ``Slowdown``, the machine's
measured slowdown since the run started, since on a VM's two vCPUs a second busy process makes every CPU
second count for less (twice as slow was measured here); and garbage collections do not walk hypothesis' own objects: ``timed``); the feed and sitemap parse as XML; memory stays bounded.
``make fuzz`` runs the full counts and prints the figures (inputs, outcomes by kind, slowest input, peak
RSS); ``make test`` runs a short sample. Every input that ever failed is kept in tests/fuzz/regressions/.
"""

from __future__ import annotations

import datetime as dt
import gc
import resource
import shutil
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz_support import FULL, examples
from post_strategies import FILE_NAMES, FILES, MAX_POST_BYTES, SITE_CONFIGS, STATIC, post_bytes
from site_builder.build import build_site
from site_builder.config import SiteConfig
from site_builder.errors import SiteError
from site_builder.markdown.core import create_markdown
from site_builder.posts import load_post
from site_builder.links import site_links
from site_builder.discover import THEME_DIR
from site_builder.render import fence_decorator, make_environment, post_url, post_view, render_pages
from site_builder.snippets import block_statuses

SECONDS_PER_INPUT = 2.0
PEAK_RSS_LIMIT_MB = 2_000
NOW = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)


@dataclass
class Figures:
    """What the runs measured, printed at the end of ``make fuzz``."""
    inputs: int = 0
    outcomes: Counter = field(default_factory=Counter)
    """``ok`` or the name of the SiteError kind, per input."""
    slowest: tuple[float, int, bytes] = (0.0, 0, b"")
    """(CPU seconds, size in bytes, the input) of the slowest input."""
    slowest_bounded: tuple[float, int, bytes] = (0.0, 0, b"")
    """The same for the slowest input of at most ``MAX_POST_BYTES`` (those the 2 s bound applies to)."""
    started: float | None = None
    """Wall clock at the first input."""
    slowdown: float = 1.0
    """The largest ``Slowdown`` factor the bound was scaled by."""

    def record(self, outcome: str, seconds: float, data: bytes) -> None:
        if self.started is None:
            self.started = time.perf_counter() - seconds
        self.inputs += 1
        self.outcomes[outcome] += 1
        if seconds > self.slowest[0]:
            self.slowest = (seconds, len(data), data)
        if len(data) <= MAX_POST_BYTES and seconds > self.slowest_bounded[0]:
            self.slowest_bounded = (seconds, len(data), data)

    def lines(self, name: str) -> list[str]:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        kinds = ", ".join(f"{kind} {count}" for kind, count in self.outcomes.most_common())
        wall = time.perf_counter() - (self.started or time.perf_counter())
        slowest = [f"  slowest{label}: {seconds:.3f} s of CPU for {size:,} bytes: {data[:100]!r}{'…' if size > 100 else ''}"
                   for label, (seconds, size, data) in (("", self.slowest),
                                                        (f" of at most {MAX_POST_BYTES:,} bytes", self.slowest_bounded))]
        return [f"fuzz {name}: {self.inputs} inputs in {wall:.0f} s; outcomes: {kinds}", *slowest,
                f"  largest slowdown of the machine the 2 s bound was scaled by: {self.slowdown:.2f}",
                f"  peak RSS of the test process: {rss:.0f} MB"]


@pytest.fixture(scope="module")
def workspace(request: pytest.FixtureRequest):
    """A content folder for the run, and the figures, printed at the end under ``make fuzz``."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-posts-"))
    figures = {"post": Figures(), "site": Figures()}
    yield folder, figures
    shutil.rmtree(folder, ignore_errors=True)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if FULL and reporter is not None:
        for name, measured in figures.items():
            if measured.inputs:
                for line in measured.lines(name):
                    reporter.write_line(line)


MD = {True: create_markdown(author_html=True), False: create_markdown()}
"""As the build picks: the author's own raw HTML through the allowlist, an imported post's as text."""
ENV = make_environment(THEME_DIR, None)
CONFIG = SiteConfig(base_url="https://example.org/blog/")
NO_POSTS = site_links({})
"""Links as a site of one post writes them: to other posts' files, a warning each."""


def render_post(path: Path, root: Path) -> None:
    """What a build does with one post, short of writing it: every page it appears on, feed and sitemap."""
    post = load_post(path, draft=path.parent.name == "drafts")
    links = None if post.imported else NO_POSTS.page_links(post_url(post), path.relative_to(root).as_posix())
    view = post_view(MD[not post.imported], post, fence_decorator(post, block_statuses(post, root)), links)
    pages = {page.path: page.content for page in render_pages(ENV, CONFIG, [view], [], NOW)}
    for name in ("feed.xml", "sitemap.xml"):
        ET.fromstring(pages[name].encode("utf-8"))
    pages[f"{view.url}index.html"].encode("utf-8")


def outcome_of(action) -> str:
    try:
        action()
    except SiteError as exc:
        return type(exc).__name__
    return "ok"


def timed(action) -> tuple[str, float]:
    """The outcome of ``action`` and the CPU seconds it took. The objects this process already holds are
    frozen first (``gc.freeze``): a full garbage collection during the action would otherwise walk
    hypothesis' own bookkeeping, a gigabyte after tens of thousands of inputs, and take seconds that are
    not the post's."""
    gc.freeze()
    started = time.process_time()
    outcome = outcome_of(action)
    return outcome, time.process_time() - started


REFERENCE_POST = Path(__file__).resolve().parents[2] / "content" / "posts" / \
    "2023-08-03-chatgpt-helps-me-learn-latest-ai-technology.md"


class Slowdown:
    """How much slower this machine runs now than when the run started: the CPU time of rendering the
    reference post (the lowest of three), measured again every ``EVERY`` inputs. A second busy process on this
    VM's two vCPUs, or other jobs, make every CPU second count for less; the bound is 2 s of
    CPU on the machine as it was at the start, so it is scaled by this (never below 1)."""

    EVERY = 200

    def __init__(self) -> None:
        self.quiet: float | None = None
        self.factor = 1.0
        self.inputs = 0

    def reference(self) -> float:
        return min(timed(lambda: render_post(REFERENCE_POST, REFERENCE_POST.parent.parent))[1] for _ in range(3))

    def tick(self) -> float:
        if self.quiet is None:
            self.quiet = self.reference()
        elif self.inputs % self.EVERY == 0:
            gc.unfreeze()  # now and then, outside any timing: collect what the frozen objects left behind
            gc.collect()
            self.factor = max(1.0, self.reference() / self.quiet)
        self.inputs += 1
        return self.factor


SLOWDOWN = Slowdown()


def check_bounds(seconds: float, data: bytes, factor: float = 1.0) -> None:
    if len(data) <= MAX_POST_BYTES:
        assert seconds < SECONDS_PER_INPUT * factor, \
            f"{seconds:.2f} s for {len(data):,} bytes (bound {SECONDS_PER_INPUT} s × slowdown {factor:.2f})"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert rss < PEAK_RSS_LIMIT_MB, f"peak RSS {rss:.0f} MB"


@settings(max_examples=examples(full=100_000, short=300))
@given(data=post_bytes(), name=st.sampled_from(FILE_NAMES), folder=st.sampled_from(["posts", "drafts"]))
def test_a_generated_post_loads_and_renders_or_is_a_site_error(workspace, data: bytes, name: str,
                                                               folder: str) -> None:
    root, figures = workspace
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    factor = SLOWDOWN.tick()
    outcome, seconds = timed(lambda: render_post(path, root))
    if seconds >= SECONDS_PER_INPUT * factor:  # once more: a busy machine can double CPU time; quadratic stays
        seconds = min(seconds, timed(lambda: render_post(path, root))[1])
    path.unlink()
    figures["post"].record(outcome, seconds, data)
    figures["post"].slowdown = max(figures["post"].slowdown, factor)
    check_bounds(seconds, data, factor)


@settings(max_examples=examples(full=2_000, short=20))
@given(posts=st.lists(post_bytes(), min_size=1, max_size=4), config=SITE_CONFIGS, companions=FILES, static=STATIC,
       base_url=st.sampled_from([None, "https://example.org/", "/sub/", "javascript:alert(1)//"]))
def test_a_generated_site_builds_or_is_a_site_error(workspace, posts: list[bytes], config: str | None,
                                                    companions: list[tuple[str, bytes]],
                                                    static: list[tuple[str, bytes]], base_url: str | None) -> None:
    root, figures = workspace
    content = root / "site"
    shutil.rmtree(content, ignore_errors=True)
    (content / "posts").mkdir(parents=True)
    for number, data in enumerate(posts):
        (content / "posts" / f"2024-01-{number + 1:02d}-post-{number}.md").write_bytes(data)
    if config is not None:
        (content / "site.yaml").write_text(config, encoding="utf-8")
    for folder, files in (("companions", companions), ("static", static)):
        for name, data in files:
            (content / folder / name).parent.mkdir(parents=True, exist_ok=True)
            if not (content / folder / name).is_dir():
                (content / folder / name).write_bytes(data)
    out = root / "out"

    def build() -> None:
        build_site(content, out, base_url=base_url)
        for name in ("feed.xml", "sitemap.xml"):
            ET.parse(out / name)

    outcome, seconds = timed(build)
    if seconds >= SECONDS_PER_INPUT * len(posts) + 3:
        seconds = min(seconds, timed(build)[1])
    everything = b"".join(posts)
    figures["site"].record(outcome, seconds, everything)
    assert seconds < SECONDS_PER_INPUT * len(posts) + 3
    check_bounds(0.0, everything)
