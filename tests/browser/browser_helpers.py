"""What the browser tests share: where Chromium and axe-core are, building and serving the sites, and a
page that records everything that went wrong while it was open (console errors, failed requests)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from site_builder.build import build_site
from site_builder.posts import load_post
from site_builder.snippets import parse_snippets
from site_builder.snippets.run import Checker

CHROMIUM = os.environ.get("SITE_BUILDER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
"""Debian's Chromium on this machine: no sandbox as root, and no calls home (the network is closed)."""
AXE_PATH = Path(os.environ.get("SITE_BUILDER_AXE", Path(sys.prefix) / "node_modules" / "axe-core" / "axe.min.js"))
"""``make test`` installs axe-core with npm next to the virtualenv's packages (``.venv/node_modules``)."""

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def check_site(content: Path) -> None:
    """Run the snippet checks of every post, so the built pages show real results."""
    checker = Checker(content)
    for path in sorted((content / "posts").glob("*.md")):
        snippets = parse_snippets(load_post(path), content)
        for snippet in snippets:
            checker.check(snippet, snippets)


def build_sites(root: Path, *, fixture_content: Path, site_content: Path) -> None:
    check_site(fixture_content)
    build_site(fixture_content, root / "fixture")
    build_site(site_content, root / "site")


@dataclass(frozen=True, slots=True)
class Served:
    base: str
    """``http://127.0.0.1:PORT/``; the sites are under ``fixture/`` and ``site/``."""
    requests: list[tuple[str, int]] = field(default_factory=list)
    """Every (path, HTTP status) the server answered, in order (the handler threads only append)."""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    seen: list[tuple[str, int]]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.seen.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[Served]:
    """The standard library's threaded server on 127.0.0.1, a free port; stopped on exit."""
    seen: list[tuple[str, int]] = []
    handler = type("Handler", (_QuietHandler,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="browser-tests-server", daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}/", seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass(frozen=True, slots=True)
class Visit:
    page: Any
    """The Playwright ``Page``."""
    problems: list[str]
    """Console errors, uncaught exceptions, failed requests and HTTP errors, as they happened."""


@contextlib.contextmanager
def visit(browser: Any, url: str, *, theme: str = "light", viewport: dict[str, int] = DESKTOP,
          permissions: tuple[str, ...] = (), init_script: str | None = None) -> Iterator[Visit]:
    """Open ``url`` in a fresh context (own storage) and record what goes wrong; closed on exit."""
    context = browser.new_context(color_scheme=theme, viewport=viewport, permissions=list(permissions))
    try:
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.set_default_timeout(5000)
        problems: list[str] = []
        page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))
        # net::ERR_ABORTED is the browser dropping a request because the page navigated (a reload while the
        # favicon loads, on a busy machine), not the site failing to answer it: 4xx/5xx are caught below.
        page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url} ({req.failure})")
                if "ERR_ABORTED" not in (req.failure or "") else None)
        page.on("response", lambda resp: problems.append(f"HTTP {resp.status}: {resp.url}")
                if resp.status >= 400 else None)
        page.goto(url, wait_until="load")
        yield Visit(page, problems)
    finally:
        context.close()


def axe_violations(page: Any, axe_source: str) -> dict[str, list[str]]:
    """axe-core's serious and critical violations on the open page: rule id -> the offending nodes."""
    page.add_script_tag(content=axe_source)
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => [v.id, v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary)]);
    }""")
    return {rule: nodes for rule, nodes in found}
