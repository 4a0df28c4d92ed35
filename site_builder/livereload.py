"""Live reload for the preview server: the build news it streams, and the scripts that listen to it.

- ``/__livereload`` streams server-sent events: ``reload`` after a successful rebuild, ``error`` (the
  message as ``data:`` lines) after a failed one, each with the build's generation as its ``id:``. A stream
  asked for news ``since`` another generation than the current one starts with the current build's event.
- HTML responses get a small script injected before ``</body>`` -- in the response only, never in the
  output folder. A build other than the one a page shows reloads it; a failed build's error is shown over the
  page (set with ``textContent``).
- One stream per browser, not per tab (a browser opens at most 6 connections to a host, so a stream per tab
  left the 7th tab waiting). The tabs of an origin elect one with the Web Locks API: the tab holding the lock
  holds the stream and tells the others over a ``BroadcastChannel``; when it closes or reloads, the next tab
  in line gets the lock and opens the stream again. Where those are missing (``navigator.locks`` exists only
  in secure contexts: not on a ``--host`` other than loopback) a ``SharedWorker`` holds the stream for every
  tab; without one either, each tab has its own.
- Whoever holds the stream asks for news since build 0, so its first event is the current build: it misses
  nothing while no stream was open, and it can answer a tab that opened meanwhile. Each tab compares the
  build it is told of with its own, so hearing of the same build twice does nothing.
- Streams are counted apart from the connections that serve pages: a stream gives its connection slot back
  once it starts, and past ``max_streams`` a new one ends the oldest (whose browser reconnects after a
  second and is told the current build).
"""

from __future__ import annotations

import json
import re
import socket
import threading
from urllib.parse import parse_qs

STREAM_PATH = "/__livereload"
WORKER_PATH = "/__livereload/worker.js"
CHANNEL = "site-builder-livereload"
"""The name of the lock, the channel and the shared worker (each per origin)."""

# ``since``: ASCII digits only ("²".isdigit() is true) and few of them (int() refuses 5,000 digits).
SINCE = re.compile(r"[0-9]{1,18}", re.ASCII)

# Opens the stream and calls tell({generation, error}) with each build's news, the current build first.
LISTEN_SCRIPT = """
  function listen(tell) {
    const events = new EventSource("__STREAM_PATH__?since=0");
    events.addEventListener("reload", (event) => tell({ generation: Number(event.lastEventId), error: null }));
    // Connection failures also fire "error", as plain Events without data: only ours carry text.
    events.addEventListener("error", (event) => {
      if (typeof event.data === "string") tell({ generation: Number(event.lastEventId), error: event.data });
      else if (events.readyState === EventSource.CLOSED) setTimeout(() => listen(tell), 1000);  // refused: again
    });
  }
"""

PAGE_TEMPLATE = """<script>/* site-builder serve: live reload (not part of the built site) */
(() => {
  const build = __BUILD_STATE__;
  let shown = build.generation;  // the build this page shows, or whose error it shows
  function showError(text) {
    let box = document.getElementById("site-builder-error");
    if (!box) {
      box = document.createElement("pre");
      box.id = "site-builder-error";
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;margin:0;padding:2rem;overflow:auto;"
        + "background:rgba(40,0,0,.94);color:#fff;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "The last rebuild failed; the page reloads once it builds again.\\n\\n" + text;
  }
  // A build other than this page's: reload, or show why it failed.
  function hear(news) {
    if (news.generation === shown) return;
    shown = news.generation;
    if (news.error === null) location.reload(); else showError(news.error);
  }
__LISTEN__
  // The tab holding the lock holds the stream and tells the others; it answers a newcomer's "hello" with the
  // latest news (the newcomer's page may be older). The lock is held until the page goes away.
  function shareThroughLeader() {
    const channel = new BroadcastChannel("__CHANNEL__");
    let latest = null;
    channel.onmessage = (message) => {
      if (message.data !== "hello") hear(message.data);
      else if (latest !== null) channel.postMessage(latest);
    };
    channel.postMessage("hello");
    navigator.locks.request("__CHANNEL__", () => new Promise(() => listen((news) => {
      latest = news;
      channel.postMessage(news);
      hear(news);
    })));
  }
  function shareThroughWorker() {
    const worker = new SharedWorker("__WORKER_PATH__", { name: "__CHANNEL__" });
    worker.onerror = () => listen(hear);
    worker.port.onmessage = (message) => (message.data === "alone" ? listen(hear) : hear(message.data));
  }
  if (build.error !== null) showError(build.error);
  if (navigator.locks && typeof BroadcastChannel === "function") shareThroughLeader();
  else if (typeof SharedWorker === "function") shareThroughWorker();
  else listen(hear);
})();
</script>
"""

WORKER_TEMPLATE = """/* site-builder serve: one event stream for every tab of this browser (not part of the built site) */
const tabs = [];
let latest = null;
__LISTEN__
onconnect = (event) => {
  const tab = event.ports[0];
  if (typeof EventSource !== "function") return tab.postMessage("alone");  // each tab listens, then
  tabs.push(tab);
  if (latest !== null) tab.postMessage(latest);
};
if (typeof EventSource === "function") {
  listen((news) => {
    latest = news;
    for (const tab of tabs) tab.postMessage(news);
  });
}
"""


def _script(template: str) -> str:
    """``template`` with the listening function and the names filled in."""
    names = {"__LISTEN__": LISTEN_SCRIPT.strip("\n"), "__STREAM_PATH__": STREAM_PATH,
             "__WORKER_PATH__": WORKER_PATH, "__CHANNEL__": CHANNEL}
    for placeholder, value in names.items():
        template = template.replace(placeholder, value)
    return template


PAGE_SCRIPT = _script(PAGE_TEMPLATE)
WORKER_SCRIPT = _script(WORKER_TEMPLATE).encode()


def inject_livereload(html: bytes, generation: int, error: str | None) -> bytes:
    """``html`` with the live-reload script before its last ``</body>`` (or at the end)."""
    state = json.dumps({"generation": generation, "error": error})
    # Inside <script>, "</script>" or "<!--" in the error text must not end or change the element.
    state = state.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    script = PAGE_SCRIPT.replace("__BUILD_STATE__", state).encode()
    at = html.lower().rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


def sse_event(event: str, data: str, event_id: int | None = None) -> bytes:
    """One server-sent event; every line of ``data`` becomes its own ``data:`` field."""
    lines = data.splitlines() or [""]
    head = f"id: {event_id}\n" if event_id is not None else ""
    return (head + f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n").encode()


def build_event(generation: int, error: str | None) -> bytes:
    """The event that tells of build ``generation``: ``reload``, or ``error`` with its message."""
    return sse_event("reload", str(generation), generation) if error is None else sse_event("error", error, generation)


def parse_since(query: str) -> int | None:
    """The build generation the stream is asked for news ``since``; ``None`` when not asked.
    Raises ``ValueError`` when ``since`` is there but not one whole number."""
    values = parse_qs(query, keep_blank_values=True).get("since")
    if values is None:
        return None
    if len(values) != 1 or SINCE.fullmatch(values[0]) is None:
        raise ValueError("since must be one whole number (a build generation)")
    return int(values[0])


class Stream:
    """One open event stream: its connection, and whether the server ended it to make room."""

    __slots__ = ("connection", "ended")

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.ended = False

    def end(self) -> None:
        """Close the connection under the thread that writes to it (which then returns, once woken)."""
        self.ended = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)  # also ends a write blocked on a client not reading
        except OSError:
            pass  # already closed by the client


class BuildState:
    """The outcome of the latest build, the open event streams, and the condition the streams wait on."""

    def __init__(self, max_streams: int) -> None:
        self._changed = threading.Condition()
        self._max_streams = max_streams
        self._streams: dict[Stream, None] = {}  # oldest first
        self.generation = 0
        """How many builds have finished; pages and streams compare it to spot news."""
        self.error: str | None = None
        """The last build's error message, ``None`` when it succeeded."""
        self.closed = False
        """Set when the server stops: every stream ends."""

    def publish(self, error: str | None) -> None:
        with self._changed:
            self.generation += 1
            self.error = error
            self._changed.notify_all()

    def snapshot(self) -> tuple[int, str | None]:
        with self._changed:
            return self.generation, self.error

    def wait(self, stream: Stream, seen: int, timeout: float) -> tuple[int, str | None]:
        """Wait up to ``timeout`` seconds for a build other than ``seen`` (or for ``close``, or the stream's end)."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or stream.ended or self.generation != seen, timeout)
            return self.generation, self.error

    def open_stream(self, connection: socket.socket) -> Stream:
        """Count a new stream in; past ``max_streams`` the oldest ones end (their browsers reconnect)."""
        stream = Stream(connection)
        with self._changed:
            self._streams[stream] = None
            while len(self._streams) > self._max_streams:
                oldest = next(iter(self._streams))
                del self._streams[oldest]
                oldest.end()
            self._changed.notify_all()  # wakes the ended ones' threads
        return stream

    def close_stream(self, stream: Stream) -> None:
        with self._changed:
            self._streams.pop(stream, None)

    @property
    def open_streams(self) -> int:
        with self._changed:
            return len(self._streams)

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()
