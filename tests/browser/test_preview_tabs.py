"""Many tabs on one preview (``site-builder serve``): every tab loads, every tab reloads after an edit, and the
browser holds one event stream for all of them, not one per tab (Chromium opens at most 6 connections to a
host: a stream per tab left the 7th tab waiting forever)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import pytest

from site_paths import ROOT
from test_serve import POST, ServeProcess, write_whole

WAIT_MS = 20_000  # a page load or a reload of 20 tabs, on a loaded 2-core machine


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``site-builder serve`` on one post, in a subprocess: (the post's URL, the post's file); stopped after."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "site.yaml", content / "site.yaml")
    post = content / "posts" / "2024-02-03-a-small-post.md"
    post.write_text(POST.replace("WORDING", "An iterator that computes values lazily."), encoding="utf-8")
    argv = [sys.executable, "-X", "faulthandler", "-m", "site_builder", "serve", "--content", "content",
            "--out", "_site", "--port", "0"]
    serving = ServeProcess(argv, cwd=tmp_path)
    try:
        yield serving.wait_for_url() + "posts/a-small-post/", post
        serving.assert_ctrl_c_stops_cleanly()
    finally:
        serving.kill()


def connections_to(port: int) -> int:
    """How many TCP connections the server listening on ``port`` of this machine has open (Linux: /proc)."""
    count = 0
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for row in table.read_text().splitlines()[1:] if table.exists() else []:
            local, _, state = row.split()[1:4]
            count += int(local.rsplit(":", 1)[1], 16) == port and state == "01"  # 01: ESTABLISHED
    return count


class OpenStreams:
    """The event streams a page of a browser context has open: requests for ``/__livereload`` not yet ended
    (a shared worker's are not reported)."""

    def __init__(self, context: Any) -> None:
        self.open: set[Any] = set()
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request: Any) -> None:
        if "/__livereload?" in request.url:
            self.open.add(request)

    def _ended(self, request: Any) -> None:
        self.open.discard(request)


def settle(page: Any, count: Callable[[], int], expected: int) -> int:
    """Wait (10 s at most: past the server's 5 s for a request head, which ends the connections a browser
    opens ahead of need) until ``count()`` is ``expected``; returns the last count."""
    for _ in range(100):
        if count() == expected:
            break
        page.wait_for_timeout(100)  # lets Playwright deliver the browser's events meanwhile
    return count()


def open_tabs(context: Any, url: str, count: int) -> list[Any]:
    """``count`` tabs showing ``url``, opened one after the other."""
    from playwright.sync_api import Error as PlaywrightError

    tabs = []
    for number in range(1, count + 1):
        tab = context.new_page()
        tab.set_default_timeout(WAIT_MS)
        try:
            tab.goto(url, wait_until="load")
        except PlaywrightError as exc:
            pytest.fail(f"tab {number} of {count} did not load: {exc}")
        tabs.append(tab)
    return tabs


def edit_and_wait_for_every_tab(tabs: list[Any], post: Path, wording: str) -> None:
    """Mark every tab's page (a reload clears the mark), save the post, wait until each tab shows it."""
    for tab in tabs:
        tab.evaluate("window.beforeTheEdit = true")
    write_whole(post, POST.replace("WORDING", wording))
    for tab in tabs:
        tab.wait_for_function(f"() => !window.beforeTheEdit && !!document.body && document.body.innerText.includes({wording!r})")
        assert tab.locator("#site-builder-error").count() == 0


def break_and_wait_for_every_overlay(tabs: list[Any], post: Path) -> None:
    """Save the post with a title that is no text: every tab shows the failed build's message over the page."""
    write_whole(post, POST.replace('title: "A small post"\n', "title: [not, text]\n"))
    for tab in tabs:
        overlay = tab.locator("#site-builder-error")
        overlay.wait_for(state="visible")
        assert "The last rebuild failed" in overlay.inner_text() and "a-small-post.md" in overlay.inner_text()


NO_WEB_LOCKS = "delete Navigator.prototype.locks;"
"""As on a ``--host`` other than loopback (not a secure context): the tabs share a ``SharedWorker`` instead."""
NOTHING_SHARED = NO_WEB_LOCKS + "delete globalThis.SharedWorker;"
"""As in a browser with neither: a stream per tab (fewer tabs than the browser's 6 connections, then)."""


@pytest.mark.parametrize(
    ("init_script", "tabs", "streams"),
    [(None, 20, 1), (NO_WEB_LOCKS, 20, 1), (NOTHING_SHARED, 4, 4)],
    ids=["web-locks", "shared-worker", "per-tab"],
)
def test_every_tab_loads_and_reloads_over_one_stream(
    browser, preview, init_script: str | None, tabs: int, streams: int
) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("counts the server's connections in /proc/net/tcp (Linux)")
    url, post = preview
    port = urlsplit(url).port
    context = browser.new_context()
    try:
        if init_script:
            context.add_init_script(init_script)
        in_pages = OpenStreams(context)
        opened = open_tabs(context, url, tabs)
        assert all("computes values lazily" in tab.inner_text("body") for tab in opened)
        assert settle(opened[0], lambda: connections_to(port), streams) == streams  # held open on the server
        edit_and_wait_for_every_tab(opened, post, "A function that yields.")
        break_and_wait_for_every_overlay(opened, post)
        edit_and_wait_for_every_tab(opened, post, "Fixed again.")
        assert settle(opened[0], lambda: connections_to(port), streams) == streams
        if init_script is None:
            assert settle(opened[0], lambda: len(in_pages.open), 1) == 1  # and a page holds it
    finally:
        context.close()
