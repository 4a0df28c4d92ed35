"""The preview server: serving, live reload over server-sent events, failed rebuilds, stopping.

Every test starts a real server on a free port of 127.0.0.1 with a fake ``rebuild`` that renders
``content/*.txt`` into pages, swapping the output folder in the way the real build does.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest

from site_builder import cli
from site_builder.errors import SiteError
from site_builder.livereload import inject_livereload, sse_event
from site_builder.serve import Limits, Server, is_loopback, resolve_url_path

TIMEOUT_S = 15  # generous for a loaded 2-core machine; every wait below is bounded by it


class FakeSite:
    """A content folder and a ``rebuild`` that renders it, recording every call."""

    def __init__(self, root: Path) -> None:
        self.content = root / "content"
        self.out = root / "site"
        self.calls: queue.Queue[frozenset[Path]] = queue.Queue()
        self.content.mkdir()
        (self.content / "post.txt").write_text("first version", encoding="utf-8")

    def rebuild(self, changed: frozenset[Path]) -> None:
        self.calls.put(changed)
        text = (self.content / "post.txt").read_text(encoding="utf-8")
        if text.startswith("BROKEN"):
            raise SiteError(f"content/post.txt:1: {text}", hint="fix <the> post")
        if text.startswith("CRASH"):
            raise ValueError("a bug in a template filter")
        staging = Path(tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}-"))
        (staging / "post").mkdir()
        (staging / "index.html").write_text("<html><body><h1>Home</h1></body></html>", encoding="utf-8")
        (staging / "post" / "index.html").write_text(f"<html><body><p>{text}</p></BODY></html>", encoding="utf-8")
        (staging / "404.html").write_text("<html><body><p>custom not found</p></body></html>", encoding="utf-8")
        (staging / "style.css").write_text("body { color: black }", encoding="utf-8")
        (staging / "feed.xml").write_text("<feed/>", encoding="utf-8")
        if self.out.exists():
            old = self.out.rename(self.out.parent / f".{self.out.name}-old")
            staging.rename(self.out)
            shutil.rmtree(old)
        else:
            staging.rename(self.out)

    def next_call(self) -> frozenset[Path]:
        return self.calls.get(timeout=TIMEOUT_S)


@pytest.fixture
def site(tmp_path: Path) -> FakeSite:
    return FakeSite(tmp_path)


@pytest.fixture
def server(site: FakeSite) -> Iterator[Server]:
    server = Server(site.out, site.rebuild, [site.content], port=0, heartbeat_s=0.3)
    server.start()
    assert site.next_call() == frozenset()  # the full build at start
    yield server
    server.stop()


def get(server: Server, path: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
    return request(port_of(server), path, method)


def request(
    port: int, path: str, method: str = "GET", headers: dict[str, str] | None = None, address: str = "127.0.0.1"
) -> tuple[int, dict[str, str], str]:
    """Send ``path`` as is (no client-side normalisation of ``..``) and read the answer."""
    connection = http.client.HTTPConnection(address, port, timeout=TIMEOUT_S)
    try:
        connection.request(method, path, headers=headers or {})
        return answer_of(connection.getresponse())
    finally:
        connection.close()


def raw_request(port: int, head: bytes) -> tuple[int, dict[str, str], str]:
    """Send ``head`` byte for byte (no client-side checks at all) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S) as sock:
        sock.sendall(head)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return answer_of(response)


def answer_of(response: http.client.HTTPResponse) -> tuple[int, dict[str, str], str]:
    """Status, headers and body; an event stream's body is not read (it never ends)."""
    endless = response.getheader("Content-Type") == "text/event-stream"
    body = "" if endless else response.read().decode("utf-8", "replace")
    return response.status, dict(response.getheaders()), body


def raw_get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    return raw_request(port, f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode("latin-1"))


def port_of(server: Server) -> int:
    return port_of_url(server.url)


def port_of_url(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


class EventStream:
    """A client of ``/__livereload`` that reads one event at a time, each read bounded by a socket timeout."""

    def __init__(self, port: int, since: int | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
        self.connection.request("GET", "/__livereload" + ("" if since is None else f"?since={since}"))
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next_event(self, include_comments: bool = False) -> tuple[str, str] | None:
        """(event name, data) of the next event, or None when the stream ended."""
        event, data, comment = "message", [], None
        while True:
            line = self.response.readline().decode("utf-8")
            if not line:
                return None
            line = line.rstrip("\n")
            if line == "":
                if data:
                    return event, "\n".join(data)
                if comment is not None and include_comments:
                    return "comment", comment
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "":
                comment = value
            elif field == "event":
                event = value
            elif field == "data":
                data.append(value)

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def events(server: Server) -> Iterator[EventStream]:
    stream = EventStream(port_of(server))
    yield stream
    stream.close()


def build_state_of(page: str) -> dict:
    """The state the injected script was served with."""
    start = page.index("const build = ") + len("const build = ")
    return json.loads(page[start : page.index(";\n", start)])


def test_page_gets_the_script_in_the_response_but_not_on_disk(server: Server, site: FakeSite) -> None:
    status, headers, body = get(server, "/post/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert int(headers["Content-Length"]) == len(body.encode())
    assert "<p>first version</p>" in body
    script_at, body_end = body.index('new EventSource("/__livereload?since='), body.index("</BODY>")
    assert script_at < body_end
    assert build_state_of(body) == {"generation": 1, "error": None}
    on_disk = (site.out / "post" / "index.html").read_text(encoding="utf-8")
    assert "__livereload" not in on_disk and "<script" not in on_disk


def test_directories_serve_index_html_and_redirect_to_their_slash(server: Server) -> None:
    status, _, body = get(server, "/")
    assert status == 200 and "<h1>Home</h1>" in body
    status, headers, _ = get(server, "/post?x=1")
    assert status == 301 and headers["Location"] == "/post/?x=1"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/style.css", "text/css; charset=utf-8"), ("/feed.xml", "application/xml")],
)
def test_other_files_have_their_content_type_and_no_script(server: Server, path: str, content_type: str) -> None:
    status, headers, body = get(server, path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert headers["Cache-Control"] == "no-store"
    assert "<script" not in body


def test_head_sends_headers_only(server: Server) -> None:
    status, headers, body = get(server, "/post/", method="HEAD")
    assert status == 200 and body == ""
    assert int(headers["Content-Length"]) > len("<html><body><p>first version</p></BODY></html>")


def test_unknown_path_serves_the_404_page(server: Server) -> None:
    status, headers, body = get(server, "/no/such/page.html")
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "custom not found" in body and "EventSource" in body


# Every way we know to name a file outside the site: ``site/../secret.txt`` exists while these run.
# Dot-dot (plain, encoded, mixed case, partly encoded), encoded slashes, backslashes (raw, encoded),
# absolute paths, NUL (raw and encoded), double encoding, overlong UTF-8 and look-alike dots.
TRAVERSAL_FORMS = [
    "/../secret.txt",
    "/post/../../secret.txt",
    "/./../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/%2e./secret.txt",
    "/post/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/post/..%2f..%2fsecret.txt",
    "/post/..%2F..%2Fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..\\secret.txt",
    "/post\\..\\..\\secret.txt",
    "/..%5csecret.txt",
    "/..%5Csecret.txt",
    "/%2e%2e%5csecret.txt",
    "/..%00/secret.txt",
    "/secret.txt%00.html",
    "/..\x00/secret.txt",
    "/post/..%252f..%252fsecret.txt",
    "/%252e%252e/secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/..%c0%afsecret.txt",
    "/%ef%bc%8e%ef%bc%8e/secret.txt",
    "ABSOLUTE",
    "/ABSOLUTE",
    "/ENCODED_ABSOLUTE",
    "/C:/secret.txt",
]


@pytest.mark.parametrize("form", TRAVERSAL_FORMS)
def test_path_traversal_is_refused(server: Server, site: FakeSite, form: str) -> None:
    secret = site.out.parent / "secret.txt"
    secret.write_text("the secret", encoding="utf-8")
    path = form.replace("ENCODED_ABSOLUTE", quote(str(secret), safe="")).replace("ABSOLUTE", quote(str(secret)))
    status, _, body = raw_get(port_of(server), path)
    assert status in (403, 404)  # 403: names a place outside the site; 404: a name that is not there
    assert "the secret" not in body


def test_symlink_out_of_the_site_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "secret.txt").write_text("the secret", encoding="utf-8")
    (out / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert resolve_url_path(out, "/link.txt") is None
    assert resolve_url_path(out, "/a/b.html") == (out / "a" / "b.html").resolve()


def test_changed_file_rebuilds_with_its_path_and_sends_reload(
    server: Server, site: FakeSite, events: EventStream
) -> None:
    post = site.content / "post.txt"
    post.write_text("second version", encoding="utf-8")
    assert post.resolve() in site.next_call()
    assert events.next_event() == ("reload", "2")
    status, _, body = get(server, "/post/")
    assert status == 200 and "<p>second version</p>" in body
    assert build_state_of(body) == {"generation": 2, "error": None}


def test_ignored_files_do_not_rebuild(server: Server, site: FakeSite) -> None:
    (site.content / ".post.txt.swp").write_text("vim swap", encoding="utf-8")
    (site.content / "post.txt~").write_text("backup", encoding="utf-8")
    (site.content / ".cache").mkdir()
    (site.content / ".cache" / "result.json").write_text("{}", encoding="utf-8")
    (site.content / "real.txt").write_text("a real change", encoding="utf-8")  # so we know when the batch is done
    changed = set()
    while (site.content / "real.txt").resolve() not in changed:
        changed |= site.next_call()
    assert changed == {(site.content / "real.txt").resolve()}
    with pytest.raises(queue.Empty):
        site.calls.get(timeout=1)


def test_output_folder_changes_do_not_rebuild(tmp_path: Path) -> None:
    """Watching the folder that holds the output (a project root) must not loop on our own writes."""
    site = FakeSite(tmp_path)
    server = Server(site.out, site.rebuild, [tmp_path], port=0)
    server.start()
    try:
        assert site.next_call() == frozenset()
        (site.content / "post.txt").write_text("second version", encoding="utf-8")
        assert site.next_call() == {(site.content / "post.txt").resolve()}
        with pytest.raises(queue.Empty):
            site.calls.get(timeout=1.5)  # the rebuild's swap of site/ triggered nothing
    finally:
        server.stop()


def test_failed_rebuild_sends_error_and_keeps_serving(
    server: Server, site: FakeSite, events: EventStream
) -> None:
    (site.content / "post.txt").write_text("BROKEN </script><b>x</b>\nsecond line", encoding="utf-8")
    site.next_call()
    event = events.next_event()
    assert event == ("error", "content/post.txt:1: BROKEN </script><b>x</b>\nsecond line\n  hint: fix <the> post")

    status, _, body = get(server, "/post/")
    assert status == 200 and "<p>first version</p>" in body  # the last good output
    assert build_state_of(body)["error"] == event[1]  # shown on load, too
    assert "</script><b>" not in body  # escaped inside the script element
    status, _, _ = get(server, "/missing")
    assert status == 404

    (site.content / "post.txt").write_text("fixed", encoding="utf-8")
    site.next_call()
    assert events.next_event() == ("reload", "3")
    status, _, body = get(server, "/post/")
    assert "<p>fixed</p>" in body and build_state_of(body)["error"] is None


def test_crashing_rebuild_is_shown_with_its_traceback_and_serving_goes_on(
    server: Server, site: FakeSite, events: EventStream, capfd: pytest.CaptureFixture[str]
) -> None:
    (site.content / "post.txt").write_text("CRASH", encoding="utf-8")
    site.next_call()
    message = "internal error (a bug in site-builder): ValueError('a bug in a template filter')"
    assert events.next_event() == ("error", message)
    assert "Traceback" in capfd.readouterr().err  # a bug is shown in full, not hidden
    assert get(server, "/post/")[0] == 200
    (site.content / "post.txt").write_text("fixed", encoding="utf-8")
    site.next_call()
    assert events.next_event() == ("reload", "3")


def test_failed_first_build_still_serves(site: FakeSite) -> None:
    (site.content / "post.txt").write_text("BROKEN from the start", encoding="utf-8")
    server = Server(site.out, site.rebuild, [site.content], port=0)
    server.start()
    try:
        site.next_call()
        status, _, body = get(server, "/")
        assert status == 404  # nothing built yet: the built-in page, with the error shown
        error = "content/post.txt:1: BROKEN from the start\n  hint: fix <the> post"
        assert build_state_of(body) == {"generation": 1, "error": error}
    finally:
        server.stop()


def test_late_client_catches_up_with_the_build_its_page_missed(server: Server, site: FakeSite) -> None:
    generation = build_state_of(get(server, "/post/")[2])["generation"]
    (site.content / "post.txt").write_text("changed before the stream connected", encoding="utf-8")
    site.next_call()
    stream = EventStream(port_of(server), since=generation)
    try:
        assert stream.next_event() == ("reload", str(generation + 1))
    finally:
        stream.close()


def test_stream_sends_heartbeats(events: EventStream) -> None:
    assert events.next_event(include_comments=True) == ("comment", "heartbeat")


def test_client_disconnect_is_quiet(server: Server, site: FakeSite, capfd: pytest.CaptureFixture[str]) -> None:
    stream = EventStream(port_of(server))
    stream.close()
    (site.content / "post.txt").write_text("nobody listens", encoding="utf-8")
    site.next_call()
    time.sleep(0.8)  # past a heartbeat, which is where a closed socket is noticed
    assert get(server, "/post/")[0] == 200
    assert "Traceback" not in capfd.readouterr().err


def test_stop_ends_streams_and_frees_the_port(site: FakeSite) -> None:
    server = Server(site.out, site.rebuild, [site.content], port=0)
    server.start()
    port = port_of(server)
    stream = EventStream(port)
    server.stop()
    assert stream.next_event() is None  # the stream ended instead of hanging
    stream.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
    server.stop()  # twice is harmless


def test_listens_on_loopback_by_default(server: Server) -> None:
    assert server.url == f"http://127.0.0.1:{port_of(server)}/"
    assert cli.make_parser().parse_args(["serve"]).host == "127.0.0.1"


@pytest.mark.parametrize("host", ["0.0.0.0", "0", "", "::"])
def test_refuses_to_listen_on_every_interface(site: FakeSite, host: str) -> None:
    server = Server(site.out, site.rebuild, [site.content], host=host, port=0)
    with pytest.raises(SiteError, match="refusing to listen on every interface"):
        server.start()
    assert site.calls.empty()


def test_busy_port_is_a_site_error(server: Server, site: FakeSite) -> None:
    with pytest.raises(SiteError, match=f"cannot listen on 127.0.0.1:{port_of(server)}"):
        Server(site.out, site.rebuild, [site.content], port=port_of(server)).start()


LOOPBACK_HOSTS = [
    "127.0.0.1", "127.0.0.1:PORT", "localhost", "LOCALHOST:PORT", "LocalHost:8000", "[::1]", "[::1]:PORT"
]
OTHER_HOSTS = [
    "attacker.example",
    "attacker.example:PORT",
    "127.0.0.1.attacker.example",
    "localhost.attacker.example:PORT",
    "localhost.",
    "127.0.0.2:PORT",
    "[::2]:PORT",
    "::1",
    "localhost:PORT:PORT",
    "localhost:port",
    "localhost@attacker.example",
    "attacker.example/localhost",
    "",
]


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
def test_loopback_host_names_are_answered(server: Server, host: str) -> None:
    port = port_of(server)
    assert request(port, "/post/", headers={"Host": host.replace("PORT", str(port))})[0] == 200


@pytest.mark.parametrize("host", OTHER_HOSTS)
def test_other_host_names_are_refused(server: Server, host: str, capfd: pytest.CaptureFixture[str]) -> None:
    """DNS rebinding: a page of attacker.example whose name now points at 127.0.0.1 must get nothing."""
    port = port_of(server)
    for path in ["/", "/post/", "/style.css", "/missing", "/__livereload", "/__livereload/worker.js"]:
        status, headers, body = request(port, path, headers={"Host": host.replace("PORT", str(port))})
        assert status == 421, path
        assert headers["Content-Type"] == "text/plain; charset=utf-8"
        assert body.startswith("421 Misdirected Request: ") and len(body) < 200
        assert "first version" not in body and "Home" not in body
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(
    "head",
    [b"GET /post/ HTTP/1.0\r\n\r\n", b"GET /post/ HTTP/1.0\r\nHost: 127.0.0.1\r\nHost: attacker.example\r\n\r\n"],
    ids=["no-host", "two-hosts"],
)
def test_requests_without_exactly_one_host_are_refused(server: Server, head: bytes) -> None:
    status, _, body = raw_request(port_of(server), head)
    assert status == 400 and "Host" in body and "first version" not in body


def test_an_explicit_host_is_also_an_allowed_host_name(site: FakeSite) -> None:
    """``--host 127.0.0.2`` (still loopback, so the test stays on this machine) listens there and answers to it."""
    server = Server(site.out, site.rebuild, [site.content], host="127.0.0.2", port=0)
    server.start()
    try:
        port = port_of(server)
        assert server.url == f"http://127.0.0.2:{port}/"
        for host in [f"127.0.0.2:{port}", "127.0.0.2", f"localhost:{port}"]:
            assert request(port, "/post/", headers={"Host": host}, address="127.0.0.2")[0] == 200
        assert request(port, "/post/", headers={"Host": "attacker.example"}, address="127.0.0.2")[0] == 421
    finally:
        server.stop()


def test_ipv6_loopback_serves_with_a_bracketed_url(site: FakeSite) -> None:
    server = Server(site.out, site.rebuild, [site.content], host="::1", port=0)
    try:
        server.start()
    except SiteError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    try:
        port = port_of(server)
        assert server.url == f"http://[::1]:{port}/"
        assert request(port, "/post/", headers={"Host": f"[::1]:{port}"}, address="::1")[0] == 200
    finally:
        server.stop()


def test_cli_serve_passes_host_and_port(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = {}
    monkeypatch.setattr("site_builder.serve.serve", lambda out, rebuild, watch, **options: seen.update(options))
    assert cli.main(["serve", "--out", str(tmp_path / "out"), "--host", "192.168.1.5", "--port", "9000"]) == 0
    assert seen == {"host": "192.168.1.5", "port": 9000}


@pytest.mark.parametrize(
    "query",
    ["since=\u00b2", "since=%C2%B2", "since=" + "9" * 5000, "since=", "since=-1", "since=1.5", "since=abc",
     "since=1&since=2"],
    ids=["superscript-two", "encoded-superscript-two", "5000-digits", "empty", "negative", "decimal", "word",
         "twice"],
)
def test_malformed_since_is_a_bad_request(server: Server, query: str, capfd: pytest.CaptureFixture[str]) -> None:
    status, headers, body = raw_get(port_of(server), f"/__livereload?{query}")
    assert status == 400
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "since" in body and len(body) < 200
    assert "Traceback" not in capfd.readouterr().err


def test_folder_redirects_keep_the_path_encoded_once(server: Server, site: FakeSite) -> None:
    (site.out / "café" / "€ 1").mkdir(parents=True)
    (site.out / "café" / "€ 1" / "index.html").write_text("<body>accented</body>", encoding="utf-8")
    port = port_of(server)
    status, headers, _ = raw_get(port, "/caf%C3%A9")
    assert status == 301 and headers["Location"] == "/caf%C3%A9/"
    status, headers, _ = raw_get(port, "/caf%C3%A9/%E2%82%AC%201?a=%20b")
    assert status == 301 and headers["Location"] == "/caf%C3%A9/%E2%82%AC%201/?a=%20b"
    status, _, body = raw_get(port, headers["Location"])
    assert status == 200 and "accented" in body


@pytest.mark.parametrize("path", ["/%2Fpost", "//post", "/.//post", "/%2F%2Fpost"])
def test_folder_redirects_never_leave_the_site(server: Server, path: str) -> None:
    """A ``Location`` of ``//post/`` would send the browser to the host ``post``."""
    status, headers, _ = raw_get(port_of(server), path)
    assert status == 301 and headers["Location"] == "/post/"


def test_unusable_names_are_answered_not_crashed(
    server: Server, site: FakeSite, capfd: pytest.CaptureFixture[str]
) -> None:
    (site.out / "loop-a").symlink_to(site.out / "loop-b")
    (site.out / "loop-b").symlink_to(site.out / "loop-a")
    port = port_of(server)
    assert raw_get(port, "/" + "a" * 300)[0] == 404  # longer than a file name may be
    assert raw_get(port, "/a" * 3000)[0] == 404
    assert raw_get(port, "/loop-a")[0] in (403, 404)
    assert raw_get(port, "/loop-a/x.html")[0] in (403, 404)
    assert "Traceback" not in capfd.readouterr().err


def wait_until_closed_by_server(sock: socket.socket) -> bool:
    """True once the server closed ``sock``; False if it stayed open for TIMEOUT_S."""
    sock.settimeout(TIMEOUT_S)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def handler_threads() -> int:
    return sum("process_request_thread" in thread.name for thread in threading.enumerate())


def test_silent_connections_are_closed_after_the_head_timeout(site: FakeSite) -> None:
    server = Server(site.out, site.rebuild, [site.content], port=0, limits=Limits(head_timeout_s=0.5))
    server.start()
    sockets = [socket.create_connection(("127.0.0.1", port_of(server)), timeout=TIMEOUT_S) for _ in range(20)]
    try:
        assert all(wait_until_closed_by_server(sock) for sock in sockets)
        assert get(server, "/post/")[0] == 200
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def test_a_head_dripped_byte_by_byte_still_times_out(site: FakeSite) -> None:
    """Slowloris: every byte arrives before a per-read timeout, but the whole head has a deadline."""
    server = Server(site.out, site.rebuild, [site.content], port=0, limits=Limits(head_timeout_s=1.0))
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", port_of(server)), timeout=0.2) as sock:
            sock.sendall(b"GET /post/ HTTP/1.1\r\nX-Drip: ")
            for _ in range(int(TIMEOUT_S / 0.2)):  # bounded: gives up after about TIMEOUT_S
                try:
                    sock.sendall(b"x")
                    if sock.recv(1) == b"":
                        break  # the server closed it
                except TimeoutError:
                    continue  # nothing from the server yet: one more byte
                except (BrokenPipeError, ConnectionResetError):
                    break
            else:
                pytest.fail("the server kept a request open that never finishes its headers")
    finally:
        server.stop()


def test_stream_outlives_the_head_timeout(site: FakeSite) -> None:
    limits = Limits(head_timeout_s=0.5)
    server = Server(site.out, site.rebuild, [site.content], port=0, heartbeat_s=0.2, limits=limits)
    server.start()
    stream = EventStream(port_of(server))
    try:
        site.next_call()
        for _ in range(8):  # 1.6 s of heartbeats, past the head timeout
            assert stream.next_event(include_comments=True) == ("comment", "heartbeat")
        (site.content / "post.txt").write_text("second version", encoding="utf-8")
        site.next_call()
        event = stream.next_event()
        while event == ("comment", "heartbeat"):
            event = stream.next_event()
        assert event == ("reload", "2")
    finally:
        stream.close()
        server.stop()


def test_connections_beyond_the_bound_get_503_and_no_thread(site: FakeSite) -> None:
    limits = Limits(head_timeout_s=TIMEOUT_S, max_connections=4)
    server = Server(site.out, site.rebuild, [site.content], port=0, limits=limits)
    server.start()
    port = port_of(server)
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S) for _ in range(30)]
    try:
        status, headers, body = raw_get(port, "/post/")  # accepted after the 30 silent ones
        assert status == 503
        assert headers["Content-Type"] == "text/plain; charset=utf-8" and "Retry-After" in headers
        assert body.startswith("503 ") and len(body) < 200
        assert handler_threads() <= 4
    finally:
        for sock in sockets:
            sock.close()
    try:
        for _ in range(int(TIMEOUT_S / 0.1)):  # the slots come back once the silent clients are gone
            if get(server, "/post/")[0] == 200:
                break
            time.sleep(0.1)
        assert get(server, "/post/")[0] == 200
    finally:
        server.stop()


def open_raw_stream(port: int) -> socket.socket:
    """An event stream on a bare socket, its response head read: it stays open until closed."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
    sock.sendall(f"GET /__livereload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return sock


def test_300_open_event_streams_leave_pages_served(site: FakeSite) -> None:
    """A stream per preview tab: past ``max_connections`` of them, pages must still be answered, not 503."""
    server = Server(site.out, site.rebuild, [site.content], port=0)
    server.start()
    port = port_of(server)
    sockets = [open_raw_stream(port) for _ in range(300)]
    try:
        answers = [get(server, "/post/") for _ in range(20)]  # while every stream is still held open
        assert [status for status, _, _ in answers] == [200] * 20
        assert all("<p>first version</p>" in body for _, _, body in answers)
        assert server.open_streams <= Limits().max_streams
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def test_streams_past_their_bound_end_the_oldest(site: FakeSite) -> None:
    """The newest streams are the ones kept (a tab just opened); the ended ones would reconnect."""
    limits = Limits(head_timeout_s=TIMEOUT_S, max_connections=4, max_streams=3)
    server = Server(site.out, site.rebuild, [site.content], port=0, limits=limits)
    server.start()
    port = port_of(server)
    streams = [EventStream(port) for _ in range(10)]
    try:
        assert [get(server, "/post/")[0] for _ in range(10)] == [200] * 10
        assert all(stream.next_event() is None for stream in streams[:7])  # closed by the server
        assert server.open_streams == 3
        (site.content / "post.txt").write_text("second version", encoding="utf-8")
        site.next_call()
        assert [stream.next_event() for stream in streams[7:]] == [("reload", "2")] * 3
        assert handler_threads() <= 3 + 4
    finally:
        for stream in streams:
            stream.close()
        server.stop()


def test_200_concurrent_clients_are_answered(server: Server) -> None:
    port = port_of(server)
    start = threading.Barrier(200, timeout=TIMEOUT_S)

    def client(_: int) -> tuple[int, str]:
        start.wait()
        status, _, body = request(port, "/post/")
        return status, body

    with ThreadPoolExecutor(max_workers=200) as pool:
        answers = list(pool.map(client, range(200)))
    assert len(answers) == 200
    assert all(status == 200 and "<p>first version</p>" in body for status, body in answers)


@pytest.mark.parametrize("port", [70000, -1])
def test_out_of_range_port_is_a_site_error(site: FakeSite, port: int) -> None:
    with pytest.raises(SiteError, match=f"cannot listen on 127.0.0.1:{port}: .*port must be 0-65535"):
        Server(site.out, site.rebuild, [site.content], port=port).start()
    assert site.calls.empty()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("LocalHost", True),
     ("0.0.0.0", False), ("192.168.1.5", False), ("fe80::1", False), ("example.org", False)],
)
def test_is_loopback_says_when_to_warn(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_sse_event_splits_lines_into_data_fields() -> None:
    assert sse_event("error", "a\r\nb\nc") == b"event: error\ndata: a\ndata: b\ndata: c\n\n"
    assert sse_event("reload", "") == b"event: reload\ndata: \n\n"
    assert sse_event("reload", "7", 7) == b"id: 7\nevent: reload\ndata: 7\n\n"


def test_a_stream_since_build_0_starts_with_the_current_build_and_its_id(server: Server, site: FakeSite) -> None:
    """What the tab (or worker) that listens for all asks for: where things stand, then each build."""
    port = port_of(server)
    watcher = EventStream(port)
    try:
        (site.content / "post.txt").write_text("BROKEN on line 1", encoding="utf-8")
        site.next_call()  # the rebuild began; its failure is published once it raised:
        event = watcher.next_event()  # wait for that, or the stream below may begin at build 1
        assert event is not None and event[0] == "error"
    finally:
        watcher.close()
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S) as sock:
        sock.sendall(f"GET /__livereload?since=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        received = b""
        while b"hint: fix <the> post\n\n" not in received:
            chunk = sock.recv(4096)
            assert chunk, received
            received += chunk
    assert received.endswith(b"\r\n\r\nretry: 1000\n\nid: 2\nevent: error\ndata: content/post.txt:1: BROKEN on line 1\n"
                             b"data:   hint: fix <the> post\n\n")


def test_the_shared_worker_script_is_served_and_not_written(server: Server, site: FakeSite) -> None:
    status, headers, body = get(server, "/__livereload/worker.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert 'new EventSource("/__livereload?since=0")' in body and "onconnect" in body
    assert not (site.out / "__livereload").exists()


def test_injection_without_body_tag_appends() -> None:
    page = inject_livereload(b"<p>fragment</p>", 4, None)
    assert page.startswith(b"<p>fragment</p><script>") and b'"generation": 4' in page


SERVE_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from site_builder.errors import SiteError
    from site_builder.serve import serve

    content, out = Path(sys.argv[1]), Path(sys.argv[2])

    def rebuild(changed):
        out.mkdir(exist_ok=True)
        (out / "index.html").write_text("<body>" + (content / "post.txt").read_text() + "</body>")

    serve(out, rebuild, [content], port=0)
    """
)


class ServeProcess:
    """A ``serve`` in a subprocess: its stdout lines arrive on a queue, so every wait is bounded."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        # Ctrl-C as a terminal sends it, whatever this test run inherited (a job started in the background by
        # a non-interactive shell ignores SIGINT, and so would the server, which then never stops)
        self.process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.stdout, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr, None), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(stream, lines: list[str], copy: queue.Queue[str] | None) -> None:  # a text pipe
        for line in stream:
            lines.append(line)
            if copy is not None:
                copy.put(line)

    def wait_for_url(self) -> str:
        deadline = time.monotonic() + TIMEOUT_S * 4  # a first import of the whole stack on a busy machine
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line.startswith("Serving "):
                url = line.rsplit(" at ", 1)[1].strip()
                assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
                return url
        raise AssertionError(f"no 'Serving' line; stdout={self.stdout!r} stderr={self.stderr!r}")

    def assert_ctrl_c_stops_cleanly(self, signum: int = signal.SIGINT) -> None:
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:  # where is it stuck? (-X faulthandler prints every thread on SIGABRT)
            self.process.send_signal(signal.SIGABRT)
            self.process.wait(timeout=TIMEOUT_S)
            for reader in self.readers:
                reader.join(timeout=TIMEOUT_S)
            pytest.fail(f"still running {TIMEOUT_S} s after the signal; its threads:\n{''.join(self.stderr)[-6000:]}")
        assert code == 0, self.stderr
        for reader in self.readers:  # the pipes are closed: the readers finish with the last lines
            reader.join(timeout=TIMEOUT_S)
        assert self.stdout[-1] == "Stopped.\n"
        assert "Traceback" not in "".join(self.stderr)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT_S)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_prints_its_url_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "post.txt").write_text("hello")
    serving = ServeProcess([sys.executable, "-c", SERVE_SCRIPT, str(content), str(tmp_path / "out")], cwd=tmp_path)
    try:
        port = port_of_url(serving.wait_for_url())
        assert "hello" in request(port, "/")[2]
        serving.assert_ctrl_c_stops_cleanly(signum)
    finally:
        serving.kill()


POST = """---
title: "A small post"
date: 2024-02-03
speakers:
  Me: {role: user}
  Claude: {role: assistant}
---

Me: What is a generator?

Claude: WORDING
"""


def write_whole(path: Path, text: str) -> None:
    """Save as editors do, in one step (a rename): the watcher never sees half a post (a post that is half
    written may build: a post without title takes its file name)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def test_cli_serve_rebuilds_a_changed_post_and_reloads(tmp_path: Path) -> None:
    """``python -m site_builder serve`` end to end: edit, reload; break, error; fix, reload; Ctrl-C."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    shutil.copy(Path(__file__).parent.parent / "content" / "site.yaml", content / "site.yaml")
    post = content / "posts" / "2024-02-03-a-small-post.md"
    write_whole(post, POST.replace("WORDING", "An iterator that computes values lazily."))
    argv = [sys.executable, "-X", "faulthandler", "-m", "site_builder", "serve", "--content", "content", "--out", "_site",
            "--port", "0"]
    serving = ServeProcess(argv, cwd=tmp_path)
    try:
        port = port_of_url(serving.wait_for_url())
        status, _, page = request(port, "/posts/a-small-post/")
        assert status == 200 and "An iterator that computes values lazily." in page
        assert "new EventSource" in page
        assert "EventSource" not in (tmp_path / "_site" / "posts" / "a-small-post" / "index.html").read_text()

        events = EventStream(port, since=build_state_of(page)["generation"])
        try:
            write_whole(post, POST.replace("WORDING", "A function that yields."))
            assert events.next_event()[0] == "reload"
            status, _, page = request(port, "/posts/a-small-post/")
            assert status == 200 and "A function that yields." in page

            write_whole(post, POST.replace('title: "A small post"\n', "title: [not, text]\n"))
            name, message = events.next_event()
            assert name == "error" and "title" in message and "a-small-post.md" in message
            status, _, page = request(port, "/posts/a-small-post/")
            assert status == 200 and "A function that yields." in page  # the last good build
            assert build_state_of(page)["error"] == message

            write_whole(post, POST.replace("WORDING", "Fixed again."))
            assert events.next_event()[0] == "reload"
            assert "Fixed again." in request(port, "/posts/a-small-post/")[2]
        finally:
            events.close()
        serving.assert_ctrl_c_stops_cleanly()
    finally:
        serving.kill()
    assert "a-small-post.md" in "".join(serving.stderr)  # the failed rebuild was reported in the terminal


def test_nothing_is_written_into_the_output_by_serving(server: Server, site: FakeSite) -> None:
    before = {path: path.read_bytes() for path in site.out.rglob("*") if path.is_file()}
    for path in ["/", "/post/", "/missing", "/style.css"]:
        get(server, path)
    after = {path: path.read_bytes() for path in site.out.rglob("*") if path.is_file()}
    assert after == before


# A stand-in for the browser APIs the injected script uses; it prints what the script did. ``TABS`` sets up the
# Web Locks API and a BroadcastChannel (a tab that gets the lock, or one that waits for it), or neither.
FAKE_BROWSER = """
const listeners = {}; const shown = []; let reloads = 0; const sources = []; const boxes = {}; const posted = [];
let channel = null;
globalThis.EventSource = class {
  static CLOSED = 2;
  constructor(url) { sources.push(url); this.readyState = 1; source = this; }
  addEventListener(name, fn) { listeners[name] = fn; } };
let source = null;
globalThis.location = { reload() { reloads += 1; } };
globalThis.document = {
  getElementById: (id) => boxes[id] || null,
  createElement: () => ({
    style: {},
    set textContent(text) { shown.push(text); },
    set innerHTML(html) { throw new Error("innerHTML used"); },
  }),
  body: { appendChild(box) { boxes[box.id] = box; } },
};
globalThis.navigator = {};  // no Web Locks (not a secure context), no SharedWorker: the tab listens itself
if (TABS !== "none") {
  navigator.locks = { request(name, holder) { if (TABS === "leader") holder(); return new Promise(() => {}); } };
  globalThis.BroadcastChannel = class { constructor(name) { channel = this; } postMessage(data) { posted.push(data); } };
}
function report() {
  console.log(JSON.stringify({ sources, shown, reloads, posted, boxes: Object.keys(boxes) }));
}
"""
ALONE_EVENTS = """
listeners.reload({ data: "4", lastEventId: "4" });  // the stream starts with the current build: this page's
listeners.error({});  // a connection failure: an Event without data
listeners.error({ data: "<img src=x onerror=alert(1)> broke", lastEventId: "5" });
listeners.error({ data: "<img src=x onerror=alert(1)> broke", lastEventId: "5" });  // told again on reconnecting
listeners.reload({ data: "6", lastEventId: "6" });
source.readyState = EventSource.CLOSED;  // refused (a 503): no retry of its own
listeners.error({});
setTimeout(report, 1200);  // after the script's own new try
"""


def run_injected_script(tmp_path: Path, error: str | None, tabs: str, events: str) -> dict:
    """Run the script a page served at build 4 gets, in node, in a stand-in browser; what it did."""
    page = inject_livereload(b"<body></body>", 4, error).decode()
    start = page.index("<script>") + len("<script>")
    script = page[start : page.rindex("</script>")]
    program = tmp_path / "page.js"
    program.write_text(f"const TABS = {tabs!r};" + FAKE_BROWSER + script + events, encoding="utf-8")
    run = subprocess.run(["node", str(program)], capture_output=True, text=True, timeout=TIMEOUT_S)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    report["shown"] = [text.split("\n\n", 1)[1] for text in report["shown"]]
    return report


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the injected script")


@needs_node
@pytest.mark.parametrize("error", [None, "post.md:3: </script> bad"])
def test_injected_script_shows_errors_as_text_and_reloads(tmp_path: Path, error: str | None) -> None:
    report = run_injected_script(tmp_path, error, "none", ALONE_EVENTS)
    assert report["sources"] == ["/__livereload?since=0"] * 2  # the same again a second after the refusal
    shown_on_load = [] if error is None else [error]
    assert report["shown"] == [*shown_on_load, "<img src=x onerror=alert(1)> broke"]
    assert report["reloads"] == 1
    assert report["boxes"] == ["site-builder-error"]  # one overlay, reused
    assert report["posted"] == []


LEADER_EVENTS = """
channel.onmessage({ data: "hello" });  // a tab opened before the stream said anything: nothing to tell yet
listeners.reload({ data: "4", lastEventId: "4" });
channel.onmessage({ data: "hello" });
listeners.error({ data: "</script> broke", lastEventId: "5" });
report();
"""
FOLLOWER_EVENTS = """
channel.onmessage({ data: "hello" });  // another newcomer: only the leader answers
channel.onmessage({ data: { generation: 4, error: null } });  // this page's build
channel.onmessage({ data: { generation: 5, error: "</script> broke" } });
channel.onmessage({ data: { generation: 6, error: null } });
report();
"""


@needs_node
def test_the_tab_with_the_lock_listens_and_tells_the_others(tmp_path: Path) -> None:
    report = run_injected_script(tmp_path, None, "leader", LEADER_EVENTS)
    assert report["sources"] == ["/__livereload?since=0"]
    latest = {"generation": 4, "error": None}
    assert report["posted"] == ["hello", latest, latest, {"generation": 5, "error": "</script> broke"}]
    assert report["shown"] == ["</script> broke"] and report["reloads"] == 0


@needs_node
def test_the_other_tabs_hear_the_news_from_the_channel(tmp_path: Path) -> None:
    report = run_injected_script(tmp_path, None, "follower", FOLLOWER_EVENTS)
    assert report["sources"] == [] and report["posted"] == ["hello"]
    assert report["shown"] == ["</script> broke"] and report["reloads"] == 1
