"""One ``pagefind --service`` process (``PagefindService``) that makes indexes one after another: for each, a new
index, its pages, its files asked for (``GetFiles``), then the index deleted, so that the process holds one
index at a time. A cold build of 1,000 posts makes 32 shards: a process for each paid Pagefind's start and
its memory's page faults 32 times (19,000 faults for a shard of 32 posts, half of them its start; 11 s of the
kernel's CPU on the benchmark machine, against 4 s with a process per indexing thread).

The protocol: base64 JSON messages, each followed by a comma, on the service's stdin and stdout; the service
handles requests one at a time, in order, and answers each with the request's ``message_id``.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import subprocess
import tempfile
import threading
from typing import IO, Iterable, Iterator

from site_builder.errors import SiteError
from site_builder.processes import child_setup


NO_SEARCH = "set `search: false` in site.yaml to build without search"
"""The hint of every error of the search index."""


class PagefindService:
    """A running ``pagefind --service`` (``binary``), killed with the build (``child_setup``) or by ``close``."""

    def __init__(self, binary: str) -> None:
        self._errors = tempfile.TemporaryFile()
        self._process = subprocess.Popen([binary, "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self._errors, preexec_fn=child_setup())
        for pipe in (self._process.stdin, self._process.stdout):
            _widen(pipe)
        self._replies = _messages(self._process.stdout)
        self._next = 0

    def index(self, pages: Iterable[tuple[str, str]]) -> dict[str, bytes]:
        """The files of a new index of ``pages`` (each its address in the index and its HTML), by path in
        ``pagefind/``. Page N of the index is the Nth page. The files are asked for (``GetFiles``), not written
        by Pagefind: 1.5 answers ``WriteFiles`` before its writes end."""
        index_id = self._ask([{"type": "NewIndex", "config": {}}])["index_id"]
        files = self._ask([*({"type": "AddFile", "index_id": index_id, "url": url, "file_contents": html}
                             for url, html in pages),
                           {"type": "GetFiles", "index_id": index_id}])
        self._ask([{"type": "DeleteIndex", "index_id": index_id}])
        return {file["path"]: base64.b64decode(file["content"]) for file in files["files"]}

    def close(self) -> None:
        """End the service (it keeps nothing: the files are in its replies)."""
        self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout, self._errors):
            with contextlib.suppress(OSError):
                stream.close()

    def _ask(self, requests: list[dict]) -> dict:
        """The payload of the reply to the last of ``requests``, which a thread writes while the replies are read
        (the service answers every request: written in one go, its replies would fill the pipe and stop it)."""
        first, self._next = self._next, self._next + len(requests)
        sender = threading.Thread(target=_send, args=(requests, first, self._process.stdin), daemon=True)
        sender.start()
        try:
            reply = _reply(self._next - 1, self._replies)
            if reply is None:  # it stopped: what it said on its way out is the reason
                self._process.wait()
                self._errors.seek(0)
                raise SiteError(f"search index: Pagefind stopped (exit {self._process.returncode}): "
                                f"{self._errors.read().decode(errors='replace').strip()[-500:]}", hint=NO_SEARCH)
        except BaseException:
            self.close()  # the sender, maybe blocked on a full pipe, then fails and ends
            sender.join()
            raise
        sender.join()
        return reply


PIPE_BYTES = 1 << 20
"""The size asked for the service's pipes (Linux's default is 64 KiB, and 1 MiB the most a user may ask for,
``/proc/sys/fs/pipe-max-size``). A shard's pages (about 330 KB for 16 posts) and its files (1.2 MB, the
scripts included) then pass in a few reads and writes: each one the indexing thread makes must take Python's
lock back from the thread rendering pages, which can take 5 ms (``sys.getswitchinterval()``)."""


def _widen(pipe: IO[bytes]) -> None:
    """Ask for ``PIPE_BYTES`` of buffer in ``pipe`` where the system allows it (Linux); else it stays as it is."""
    grow = getattr(fcntl, "F_SETPIPE_SZ", None)
    if grow is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe.fileno(), grow, PIPE_BYTES)


def _send(requests: Iterable[dict], first: int, stream: IO[bytes]) -> None:
    """Write ``requests``, numbered from ``first``, and leave the stream open: at its end the service exits at
    once, dropping the requests it has not handled yet."""
    try:
        for number, payload in enumerate(requests, first):
            stream.write(base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode()) + b",")
        stream.flush()
    except (OSError, ValueError):  # the service stopped (the reply says why) or was stopped
        pass


def _reply(number: int, replies: Iterator[bytes]) -> dict | None:
    """The payload of the service's reply to request ``number``; None if it stopped before. An error replied
    to any request fails the build."""
    for message in replies:
        try:
            reply = json.loads(base64.b64decode(message, validate=True))
            payload = reply["payload"]
        except (ValueError, KeyError, TypeError):
            raise SiteError(f"search index: Pagefind's reply is not understood: {message[:200]!r}",
                            hint=NO_SEARCH) from None
        if payload.get("type") == "Error":
            raise SiteError(f"search index: Pagefind failed: {str(payload.get('message'))[-500:]}", hint=NO_SEARCH)
        if reply.get("message_id") == number:
            return payload
    return None


def _messages(stream: io.BufferedReader) -> Iterator[bytes]:
    """The messages read from ``stream``, each without its comma (the files' reply spans many reads)."""
    parts: list[bytes] = []
    while chunk := stream.read1(1 << 20):
        *ends, rest = chunk.split(b",")
        for end in ends:
            yield b"".join([*parts, end])
            parts = []
        parts.append(rest)
