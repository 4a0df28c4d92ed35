"""The preview server's life: ``Server.start`` binds, runs the full build, then serves and watches in background
threads (each change rebuilds and tells the pages); ``Server.stop`` undoes all of it. ``serve`` runs one for the
CLI until Ctrl-C.
"""

from __future__ import annotations

import ipaddress
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import watchfiles

from site_builder.errors import SiteError, format_error
from site_builder.livereload import BuildState
from site_builder.serve.handler import Limits, PreviewHTTPServer
from site_builder.serve.urls import HOST, is_loopback, url_host

Rebuild = Callable[[frozenset[Path]], "Callable[[], object] | None"]
"""Builds the site for the changed paths. It may return a follow-up (the search index, which takes seconds):
the pages are announced first, then the follow-up runs and is announced in turn."""

# Editor and tool droppings on top of watchfiles' defaults (swap files, ``~`` backups, ``.#`` locks).
IGNORED_DIRS = frozenset({*watchfiles.DefaultFilter.ignore_dirs, ".cache"})
IGNORED_NAMES = re.compile(
    "|".join([*watchfiles.DefaultFilter.ignore_entity_patterns, r"^4913$", r"\.tmp$", r"^#.*#$", r"\.kate-swp$"])
)


class WatchFilter:
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
        self._httpd: PreviewHTTPServer | None = None
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
            httpd = PreviewHTTPServer(self._address, self.out_dir, self._state, self._heartbeat_s, self._limits)
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

    def _serve_and_watch(self, httpd: PreviewHTTPServer) -> None:
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
            watch_filter=WatchFilter(roots, self.out_dir),
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
