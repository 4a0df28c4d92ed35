"""Local preview: serve the built site on 127.0.0.1, rebuild on change, reload the open page.

The server knows nothing about content (like MkDocs' ``serve`` + ``livereload``): it is handed a
``rebuild(changed_paths)`` callable and the paths to watch. ``rebuild(frozenset())`` means a full build.

- Files are looked up under ``out_dir`` at request time, so a build that swaps ``out_dir`` atomically
  is picked up by the next request.
- ``/__livereload`` streams the news of each build to the pages, which reload or show the error: see
  ``site_builder.livereload`` (one stream per browser, however many tabs it has open on the preview).

Safety (a preview for the machine it runs on, not a web server to publish with):

- It listens on 127.0.0.1 unless told another address; never on every interface (``0.0.0.0``, ``::``).
- It answers only requests whose ``Host`` names it (``127.0.0.1``, ``localhost``, ``[::1]`` or the address
  it listens on, any port), so a page of another site whose name was re-pointed at 127.0.0.1 (DNS
  rebinding) reads nothing: 421 Misdirected Request.
- Each request's line and headers must arrive within ``Limits.head_timeout_s``; at most
  ``Limits.max_connections`` are handled at once (a thread each), and the ones beyond get 503.
- Event streams are counted apart (``Limits.max_streams``; one more ends the oldest), so however many stay
  open, pages are still served.
- URL paths never leave the output folder (``..``, encoded or not, backslashes, NUL, symlinks out: 403).
"""

from __future__ import annotations

import http.server
import io
import ipaddress
import mimetypes
import re
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import watchfiles

from site_builder.errors import SiteError, format_error
from site_builder.livereload import (STREAM_PATH, WORKER_PATH, WORKER_SCRIPT, BuildState, build_event,
                                     inject_livereload, parse_since)

HOST = "127.0.0.1"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
"""The ``Host`` names always answered (lower case, without the port)."""

Rebuild = Callable[[frozenset[Path]], "Callable[[], object] | None"]
"""Builds the site for the changed paths. It may return a follow-up (the search index, which takes seconds):
the pages are announced first, then the follow-up runs and is announced in turn."""

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".atom": "application/atom+xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
}

# Editor and tool droppings on top of watchfiles' defaults (swap files, ``~`` backups, ``.#`` locks).
IGNORED_DIRS = frozenset({*watchfiles.DefaultFilter.ignore_dirs, ".cache"})
IGNORED_NAMES = re.compile(
    "|".join([*watchfiles.DefaultFilter.ignore_entity_patterns, r"^4913$", r"\.tmp$", r"^#.*#$", r"\.kate-swp$"])
)

NOT_FOUND_PAGE = b"<!doctype html><title>404 Not Found</title><body><h1>404 Not Found</h1></body>"
BUSY_ANSWER = b"503 Service Unavailable: too many open connections, try again\n"

# A Host header: a name or a bracketed IPv6 address, then an optional port (matched in lower case).
HOST_HEADER = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::[0-9]{0,5})?", re.ASCII)


@dataclass(frozen=True)
class Limits:
    """What one client may hold of the server."""

    head_timeout_s: float = 5.0
    """The request line and headers must all have arrived by then (silent or byte-dripping clients)."""
    write_timeout_s: float = 30.0
    """The longest one response write may wait on a client that does not read."""
    max_connections: int = 256
    """Connections handled at once, a thread each; the ones beyond get 503. An event stream gives its slot
    back once it starts (it counts among ``max_streams`` instead)."""
    max_streams: int = 64
    """Event streams open at once, a thread each; one more ends the oldest (its browser reconnects after a
    second). A browser holds one, however many tabs it has open on the preview."""


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of page, style and script requests waits here, not in SYN retries

    def __init__(
        self, address: tuple[str, int], out_dir: Path, state: BuildState, heartbeat_s: float, limits: Limits
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)
        self.out_dir = out_dir
        self.state = state
        self.heartbeat_s = heartbeat_s
        self.limits = limits
        self.allowed_hosts = LOOPBACK_NAMES | {url_host(address[0]).lower()}
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        self._holding = threading.local()
        """``slot`` is true on a handler thread until it gives its connection slot back."""

    def process_request(self, request, client_address) -> None:  # socketserver's signature
        """A thread for the connection while there are slots; past the bound, a 503 and no thread."""
        if not self._slots.acquire(blocking=False):
            _answer_busy(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # no thread started: nothing else gives the slot back
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        self._holding.slot = True
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.return_slot()

    def return_slot(self) -> None:
        """Give the calling handler thread's connection slot back, once (an event stream does so early)."""
        if getattr(self._holding, "slot", False):
            self._holding.slot = False
            self._slots.release()

    def handle_error(self, request, client_address) -> None:  # socketserver's signature
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the browser went away mid-response: nothing to report
        super().handle_error(request, client_address)


def _answer_busy(sock: socket.socket) -> None:
    """The 503, sent without waiting: this runs on the thread that accepts every connection."""
    head = (
        "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(BUSY_ANSWER)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    )
    sock.setblocking(False)
    try:
        sock.send(head.encode() + BUSY_ANSWER)
    except OSError:
        pass  # the client is gone or not reading: the close says the rest


class _HeadReader(io.RawIOBase):
    """The connection's bytes with one deadline for the whole request head, so a client that drips a
    byte at a time holds a thread no longer than one that sends nothing."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # a writable buffer
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request head did not arrive in time")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "site-builder"

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # replaced by one with a deadline (closing it lets the socket close later)
        deadline = time.monotonic() + self.server.limits.head_timeout_s
        self.rfile = io.BufferedReader(_HeadReader(self.connection, deadline))

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self.connection.settimeout(self.server.limits.write_timeout_s)  # the head is in: only writes wait now
        return parsed

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:  # BaseHTTPRequestHandler's name
        pass  # one line per request drowns the rebuild messages

    def _respond(self, send_body: bool) -> None:
        refusal = host_refusal(self.headers.get_all("Host", []), self.server.allowed_hosts)
        if refusal is not None:
            self._send_text(*refusal, send_body)
            return
        url = urlsplit(self.path)
        if url.path == WORKER_PATH:
            self._send(200, CONTENT_TYPES[".js"], WORKER_SCRIPT, send_body)
            return
        if url.path == STREAM_PATH:
            try:
                since = parse_since(url.query)
            except ValueError as exc:
                self._send_text(400, f"400 Bad Request: {exc}", send_body)
                return
            self._stream_events(since)
            return
        target = resolve_url_path(self.server.out_dir, url.path)
        if target is None:
            self._send_text(403, "403 Forbidden: not a path inside the site", send_body)
            return
        if _is_dir(target):
            if not url.path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", folder_url(url.path) + (f"?{url.query}" if url.query else ""))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = target / "index.html"
        elif not target.suffix and not _is_file(target) and _is_file(target.with_name(target.name + ".html")):
            target = target.with_name(target.name + ".html")  # a permalink without .html, as static hosts serve it
        status, body = 200, _read_file(target)
        if body is None:
            target = self.server.out_dir / "404.html"
            status, body = 404, _read_file(target) or NOT_FOUND_PAGE
        content_type = content_type_for(target)
        if content_type.startswith("text/html"):
            body = inject_livereload(body, *self.server.state.snapshot())
        self._send(status, content_type, body, send_body)

    def _send_text(self, status: int, reason: str, send_body: bool) -> None:
        self._send(status, "text/plain; charset=utf-8", f"{reason}\n".encode(), send_body)

    def _send(self, status: int, content_type: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _stream_events(self, since: int | None) -> None:
        """News of every build after ``since`` (the current one first when it is not ``since``) until the
        client goes, the server stops, or a newer stream takes this one's place."""
        state = self.server.state
        seen = state.snapshot()[0] if since is None else since
        stream = state.open_stream(self.connection)
        self.server.return_slot()  # counted among the streams now: pages keep their own budget
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                generation, error = state.wait(stream, seen, self.server.heartbeat_s)
                if state.closed or stream.ended:
                    return
                if generation == seen:
                    self.wfile.write(b": heartbeat\n\n")
                    continue
                seen = generation
                self.wfile.write(build_event(generation, error))
        except ConnectionError:
            return  # the page was closed or reloaded
        finally:
            state.close_stream(stream)


def host_refusal(hosts: list[str], allowed: frozenset[str]) -> tuple[int, str] | None:
    """Why a request with these ``Host`` headers gets no answer (status, reason), or ``None``."""
    if len(hosts) != 1:
        return 400, "400 Bad Request: send exactly one Host header"
    match = HOST_HEADER.fullmatch(hosts[0].strip().lower())
    if match is None or match["name"] not in allowed:
        names = ", ".join(sorted(allowed))
        return 421, f"421 Misdirected Request: this preview server answers to {names} only"
    return None


def url_host(host: str) -> str:
    """``host`` as it appears in a URL (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host else host


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def url_parts(url_path: str) -> list[str]:
    """The decoded segments of ``url_path``, without empty and ``.`` ones."""
    return [part for part in unquote(url_path).split("/") if part not in ("", ".")]


def resolve_url_path(out_dir: Path, url_path: str) -> Path | None:
    """The path under ``out_dir`` that ``url_path`` names, or ``None`` when it would leave ``out_dir``
    (or cannot be resolved at all: a symlink loop)."""
    parts = url_parts(url_path)
    if any(part == ".." or "\\" in part or "\0" in part for part in parts):
        return None
    root = out_dir.resolve()
    try:
        target = root.joinpath(*parts).resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        return None
    return target if target.is_relative_to(root) else None  # also refuses symlinks pointing out


def folder_url(url_path: str) -> str:
    """The URL of the folder ``url_path`` names, with its slash: each segment percent-encoded once,
    and never ``//...`` (a browser would take that for another host)."""
    return "/" + "".join(quote(part, safe="") + "/" for part in url_parts(url_path))


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long for the file system, a symlink loop
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system
        return False


def content_type_for(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _read_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:  # missing, a directory, or swapped away by a build mid-request
        return None


class _WatchFilter:
    """What ``watchfiles`` reports: not the output (nor the build's temporary copy of it), nor tool droppings."""

    def __init__(self, roots: Sequence[Path], out_dir: Path) -> None:
        self._roots = roots
        self._out_dir = out_dir
        # the output, and the build's staging and old copies beside it (``._site-x``, ``_site.tmp``...)
        self._out_prefixes = (f".{out_dir.name}", f"{out_dir.name}.", f"{out_dir.name}-", f"{out_dir.name}~")

    def __call__(self, change: watchfiles.Change, raw_path: str) -> bool:
        path = Path(raw_path)
        if path.is_relative_to(self._out_dir.parent) and path != self._out_dir.parent:
            beside_output = path.relative_to(self._out_dir.parent).parts[0]
            if beside_output == self._out_dir.name or beside_output.startswith(self._out_prefixes):
                return False
        if IGNORED_NAMES.search(path.name):
            return False
        root = next((root for root in self._roots if path.is_relative_to(root)), None)
        relative_parts = path.relative_to(root).parts if root else path.parts
        return not any(part in IGNORED_DIRS for part in relative_parts)


class Server:
    """The preview server: ``start()`` builds, serves and watches; ``stop()`` undoes all of it."""

    def __init__(
        self,
        out_dir: Path,
        rebuild: Rebuild,
        watch: Sequence[Path],
        host: str = HOST,
        port: int = 8000,
        *,
        heartbeat_s: float = 15.0,
        limits: Limits = Limits(),
    ) -> None:
        self.out_dir = Path(out_dir).resolve()
        self._rebuild = rebuild
        self._watch = tuple(Path(path).resolve() for path in watch)
        self._address = (host, port)
        self._heartbeat_s = heartbeat_s
        self._limits = limits
        self._state = BuildState(limits.max_streams)
        self._stop_watching = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._serve_thread: threading.Thread | None = None
        self._watch_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return f"http://{url_host(self._address[0])}:{self._httpd.server_address[1]}/"

    @property
    def open_streams(self) -> int:
        """How many event streams are open (a browser holds one, however many preview tabs it has)."""
        return self._state.open_streams

    def start(self) -> str:
        """Bind, run the full build, then serve and watch in background threads. Returns the URL."""
        host, port = self._address
        try:
            httpd = _HTTPServer(self._address, self.out_dir, self._state, self._heartbeat_s, self._limits)
        except (OSError, OverflowError) as exc:  # OverflowError: a port past 65535
            raise SiteError(
                f"cannot listen on {url_host(host)}:{port}: {getattr(exc, 'strerror', None) or exc}",
                hint="pick another port with --port (0 picks a free one), or another address with --host",
            ) from exc
        if ipaddress.ip_address(httpd.server_address[0]).is_unspecified:
            httpd.server_close()
            raise SiteError(
                f"refusing to listen on every interface ({host or 'an empty address'}): "
                "anyone on the network could read the preview",
                hint="name one address with --host (127.0.0.1, the default, keeps it on this machine)",
            )
        self._httpd = httpd
        try:
            self._serve_and_watch(httpd)
        except BaseException:  # Ctrl-C during the first build, or a watcher that never started
            self.stop()
            raise
        return self.url

    def _serve_and_watch(self, httpd: _HTTPServer) -> None:
        self._run_rebuild(frozenset())
        self._serve_thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="site-builder-serve", daemon=True
        )
        self._serve_thread.start()
        watching = threading.Event()
        self._watch_thread = threading.Thread(
            target=self._watch_forever, args=(watching,), name="site-builder-watch", daemon=True
        )
        self._watch_thread.start()
        if not watching.wait(10):
            raise SiteError("the file watcher did not start within 10 s")

    def stop(self) -> None:
        """Stop watching, end the event streams, shut the HTTP server down. Safe to call twice."""
        self._stop_watching.set()
        self._state.close()
        if self._watch_thread is not None:
            self._watch_thread.join(timeout=10)
        if self._serve_thread is not None and self._httpd is not None:
            self._httpd.shutdown()  # returns once serve_forever has
            self._serve_thread = None
        if self._httpd is not None:
            self._httpd.server_close()

    def _watch_forever(self, watching: threading.Event) -> None:
        roots = [path for path in self._watch if path.exists()]
        for missing in sorted(set(self._watch) - set(roots)):
            print(f"not watching {missing}: it does not exist", file=sys.stderr, flush=True)
        if not roots:
            watching.set()
            return
        changes_seen = watchfiles.watch(
            *roots,
            watch_filter=_WatchFilter(roots, self.out_dir),
            stop_event=self._stop_watching,
            rust_timeout=200,  # wake up now and then: the first wake-up tells start() we are watching
            yield_on_timeout=True,
            raise_interrupt=False,
        )
        for changes in changes_seen:
            watching.set()
            if changes:
                self._run_rebuild(frozenset(Path(path) for _, path in changes))

    def _run_rebuild(self, changed: frozenset[Path]) -> None:
        """Rebuild and tell the pages. Success is for ``rebuild`` to report (it knows what it built);
        a failure is printed here, since ``rebuild`` raised it."""
        try:
            follow_up = self._rebuild(changed)
            self._state.publish(None)  # the pages are there: reload now, not after the follow-up
            if follow_up is not None:
                follow_up()  # the search index: no page changes, so no second reload (unless it fails)
        except SiteError as exc:
            print(format_error(exc), file=sys.stderr, flush=True)
            self._state.publish(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bug, not the user's content: show it all, keep the preview alive
            traceback.print_exc()
            self._state.publish(f"internal error (a bug in site-builder): {exc!r}")


def serve(
    out_dir: Path,
    rebuild: Rebuild,
    watch: Sequence[Path],
    host: str = HOST,
    port: int = 8000,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Build, serve ``out_dir`` with live reload, and rebuild on changes under ``watch`` until Ctrl-C."""
    server = Server(out_dir, rebuild, watch, host, port)
    previous = _stop_on_sigterm()
    try:
        url = server.start()
        if not is_loopback(host):
            print(f"warning: listening on {host}: whoever can reach it can read the preview and its build "
                  "errors (no password, no TLS)", file=sys.stderr, flush=True)
        print(f"Serving {out_dir} at {url}", flush=True)
        if on_ready is not None:
            on_ready(url)
        while True:  # short sleeps: a Ctrl-C the kernel hands to another thread is seen here within 0.5 s
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("Stopped.", flush=True)


def _stop_on_sigterm():
    """`kill PID` (a process manager, a terminal closing) stops the server as cleanly as Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):  # signal handler signature
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)
