"""Every input that ever failed (tests/fuzz/regressions/*.md, from the fuzz or an issue) is loaded,
rendered and built into a site again: a ``SiteError`` or a page, in under 2 s of CPU (or, on a machine busy enough
to push it over, in a time linear in the input), never a traceback.

Add a file there for each new failure (the name keeps its date: it is a post of a content folder).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Callable

import pytest

from site_builder.build import build_site
from site_builder.caches import content_cache
from site_builder.errors import SiteError
from test_fuzz_posts import SECONDS_PER_INPUT, render_post
from timing import not_linear

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


def half_of(source: Path, folder: Path) -> Path:
    """A content folder beside ``folder`` whose post is ``source`` cut after half its lines (its front matter
    whole)."""
    text = source.read_text(encoding="utf-8", errors="replace")
    head, marker, body = text.partition("\n---\n") if text.startswith("---\n") else ("", "", text)
    lines = body.splitlines(keepends=True)
    post = folder / "posts" / source.name
    post.parent.mkdir(parents=True)
    post.write_text(head + marker + "".join(lines[:len(lines) // 2]), encoding="utf-8")
    return post


def linear(action: Callable[[Path], object], whole: Path, half: Path, bound: float) -> str | None:
    """None when ``action`` (a render or a build of a post) grows linearly from ``half`` of the post to the
    ``whole`` of it (``timing.not_linear``: the best of three each, back to back, within three times ``bound``);
    else why not. A machine busy enough to push a linear input over its bound (CI, two test workers, noisy
    neighbours) slows both halves alike, while a quadratic input's half takes a quarter of the time of the whole."""
    return not_linear(lambda: action(half), lambda: action(whole), bound)


def test_the_linearity_check_tells_a_linear_cost_from_a_quadratic_one(tmp_path: Path) -> None:
    """The check that excuses a busy machine excuses a linear cost only: an action quadratic in the post's length
    fails it, and so does a linear one far over its bound."""
    source = tmp_path / "2024-01-01-lines.md"
    source.write_text("---\ntitle: Lines\n---\n" + "a line\n" * 2000, encoding="utf-8")
    half = half_of(source, tmp_path / "half")
    assert len(half.read_text(encoding="utf-8").splitlines()) == 3 + 1000

    def spin(units: int) -> None:
        total = 0
        for unit in range(units):
            total += unit * unit

    def lines(path: Path) -> int:
        return path.read_text(encoding="utf-8").count("\n")

    assert linear(lambda path: spin(300 * lines(path)), source, half, 2.0) is None
    assert "not linear" in linear(lambda path: spin(lines(path) ** 2 // 4), source, half, 2.0)
    assert linear(lambda path: spin(300 * lines(path)), source, half, 0.0001) is not None, "far over its bound"


@pytest.mark.parametrize("source", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_a_past_failure_renders_and_builds_or_is_a_site_error(source: Path, tmp_path: Path) -> None:
    """Under the bound; over it (a busy machine), only when the cost grows linearly with the input."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    post = content / "posts" / source.name
    shutil.copyfile(source, post)
    rendered, seconds = cpu_timed(lambda: site_error_or_ok(lambda: render_post(post, content)), SECONDS_PER_INPUT)
    if seconds >= SECONDS_PER_INPUT:
        half = half_of(source, tmp_path / "half")
        why = linear(lambda path: site_error_or_ok(lambda: render_post(path, path.parent.parent)), post, half,
                     SECONDS_PER_INPUT)
        assert why is None, f"{seconds:.2f} s, over {SECONDS_PER_INPUT} s, and {why}"

    def cold() -> None:
        shutil.rmtree(tmp_path / "_site", ignore_errors=True)
        shutil.rmtree(content_cache(content), ignore_errors=True)

    built, seconds = cpu_timed(lambda: site_error_or_ok(lambda: build_site(content, tmp_path / "_site")),
                               SECONDS_PER_INPUT + 1, cold)
    if seconds >= SECONDS_PER_INPUT + 1:
        half = half_of(source, tmp_path / "half-site")

        def cold_build(path: Path) -> str:
            out = tmp_path / f"_site-{path.parent.parent.name}"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(content_cache(path.parent.parent), ignore_errors=True)
            return site_error_or_ok(lambda: build_site(path.parent.parent, out))
        why = linear(cold_build, post, half, SECONDS_PER_INPUT + 1)
        assert why is None, f"{seconds:.2f} s, over {SECONDS_PER_INPUT + 1} s, and {why}"
    assert (rendered == "ok") == (built == "ok"), (rendered, built)
    if built != "ok":
        with pytest.raises(SiteError) as error:
            build_site(content, tmp_path / "_site")
        assert source.name in str(error.value)
