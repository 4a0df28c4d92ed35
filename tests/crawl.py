"""Crawl a built site served under a sub-path, as a static host serves it, and list every link that does not work.

``serve_under(site, "/blog/")`` answers ``http://127.0.0.1:PORT/blog/…`` from ``site`` the way GitHub Pages, Netlify
and nginx's ``try_files`` do: a folder's ``index.html``, and ``NAME.html`` for ``NAME``; everything outside the
sub-path is a 404, so a link that climbs out of it (a root-absolute ``/img/x.png``) is found broken.
``crawl(start)`` follows every ``href`` and ``src`` on the same host (pages, styles, scripts, images, feeds) from
``start`` and returns the broken ones, each with the page that links to it.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import urlopen


@dataclass(frozen=True)
class Broken:
    url: str
    status: int | str
    linked_from: str


@dataclass(frozen=True)
class Crawl:
    pages: int
    """HTML pages read."""
    fetched: int
    """URLs fetched (pages and everything they link to on the host)."""
    broken: tuple[Broken, ...]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name in ("href", "src") or (tag == "meta" and name == "content" and "url=" in value)):
                self.found.append(value.split("url=", 1)[1] if name == "content" else value)


def serve_under(site: Path, prefix: str) -> contextlib.AbstractContextManager[str]:
    """A server on 127.0.0.1 that answers ``prefix`` from ``site``; yields the sub-path's address."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            path = unquote(urlsplit(path).path)
            if not path.startswith(prefix):
                return str(site / ".no-such-file-outside-the-sub-path")  # nothing there: a 404
            target = (site / path[len(prefix):]).resolve()
            if not target.is_relative_to(site.resolve()):
                return str(site / ".no-such-file-outside-the-sub-path")
            if not target.exists() and target.with_name(target.name + ".html").is_file():
                return str(target.with_name(target.name + ".html"))
            return str(target)

        def log_message(self, *args: object) -> None:
            pass

    @contextlib.contextmanager
    def running() -> Iterator[str]:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
        finally:
            server.shutdown()
            server.server_close()
    return running()


def crawl(start: str, limit: int = 5000) -> Crawl:
    """Every URL on ``start``'s host reachable from it through ``href``/``src`` (at most ``limit``)."""
    host = urlsplit(start).netloc
    queue, seen = [(start, "(start)")], {start}
    broken: list[Broken] = []
    pages = 0
    while queue and len(seen) <= limit:
        url, referrer = queue.pop()
        try:
            with urlopen(url, timeout=10) as response:
                body, kind = response.read(), response.headers.get_content_type()
        except HTTPError as exc:
            broken.append(Broken(url, exc.code, referrer))
            continue
        except URLError as exc:
            broken.append(Broken(url, str(exc.reason), referrer))
            continue
        if kind != "text/html":
            continue
        pages += 1
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        for link in parser.found:
            target = urldefrag(urljoin(url, link.strip()))[0]
            if urlsplit(target).scheme in ("http", "https") and urlsplit(target).netloc == host and target not in seen:
                seen.add(target)
                queue.append((target, url))
    return Crawl(pages, len(seen), tuple(broken))
