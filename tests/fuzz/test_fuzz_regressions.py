"""Every input that ever failed (tests/fuzz/regressions/*.md, from the fuzz or an issue) is loaded,
rendered and built into a site again: a ``SiteError`` or a page, in under 2 s of CPU, never a traceback.

Add a file there for each new failure (the name keeps its date: it is a post of a content folder).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from site_builder.build import build_site
from site_builder.caches import content_cache
from site_builder.errors import SiteError
from test_fuzz_posts import SECONDS_PER_INPUT, render_post

REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.md"))
def site_error_or_ok(action) -> str:
    """The kind of SiteError, or ok; any other exception fails the test (no allowance for known ones)."""
    try:
        action()
    except SiteError as exc:
        return type(exc).__name__
    return "ok"


def test_there_are_regressions() -> None:
    assert len(REGRESSIONS) >= 12


def cpu_timed(action, bound: float, reset=lambda: None) -> tuple[str, float]:
    """The action's outcome and CPU seconds; over the bound it runs again, up to twice (after ``reset``, so that
    a build is cold again), and the fastest run counts: a busy machine (CI with two test workers) can double CPU
    time, while a quadratic input stays slow."""
    started = time.process_time()
    outcome = action()
    seconds = time.process_time() - started
    for _ in range(2):  # at most two more runs: a busy spell passes, a quadratic input stays slow
        if seconds < bound:
            break
        reset()
        started = time.process_time()
        action()
        seconds = min(seconds, time.process_time() - started)
    return outcome, seconds


@pytest.mark.parametrize("source", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_a_past_failure_renders_and_builds_or_is_a_site_error(source: Path, tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    post = content / "posts" / source.name
    shutil.copyfile(source, post)
    rendered, seconds = cpu_timed(lambda: site_error_or_ok(lambda: render_post(post, content)), SECONDS_PER_INPUT)
    assert seconds < SECONDS_PER_INPUT

    def cold() -> None:
        shutil.rmtree(tmp_path / "_site", ignore_errors=True)
        shutil.rmtree(content_cache(content), ignore_errors=True)

    built, seconds = cpu_timed(lambda: site_error_or_ok(lambda: build_site(content, tmp_path / "_site")),
                               SECONDS_PER_INPUT + 1, cold)
    assert seconds < SECONDS_PER_INPUT + 1
    assert (rendered == "ok") == (built == "ok"), (rendered, built)
    if built != "ok":
        with pytest.raises(SiteError) as error:
            build_site(content, tmp_path / "_site")
        assert source.name in str(error.value)
