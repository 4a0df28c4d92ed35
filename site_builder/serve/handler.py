"""The HTTP side of the preview: a threading server with bounds (``Limits``) and the request handler, which
serves files from the output folder (a page with the live-reload script added), redirects folders to their
slash, and streams the news of each build (``/__livereload``).
"""

from __future__ import annotations

import http.server
import io
import mimetypes
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from site_builder.livereload import (STREAM_PATH, WORKER_PATH, WORKER_SCRIPT, BuildState, build_event,
                                     inject_livereload, parse_since)
from site_builder.serve.urls import LOOPBACK_NAMES, folder_url, host_refusal, resolve_url_path, url_host

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

NOT_FOUND_PAGE = b"<!doctype html><title>404 Not Found</title><body><h1>404 Not Found</h1></body>"
BUSY_ANSWER = b"503 Service Unavailable: too many open connections, try again\n"


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


class PreviewHTTPServer(http.server.ThreadingHTTPServer):
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
    server: PreviewHTTPServer
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
