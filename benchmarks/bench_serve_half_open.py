"""Half-open connections against the preview server (printed, not asserted).

Opens N sockets to a running ``Server`` that never send a byte, waits, then prints how many the server
still holds open, how many threads it runs beyond its own, and whether a real page request is answered
meanwhile. Usage: ``python benchmarks/bench_serve_half_open.py [--sockets 150] [--wait 6]``.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import tempfile
import threading
import time
from pathlib import Path

from site_builder.serve import Server


def still_open(sock: socket.socket) -> bool:
    """True while the server has neither closed nor reset the connection (an answer it sent, such as a
    503, is read past to see whether the close follows)."""
    sock.setblocking(False)  # with a timeout set, recv would first wait that long for data
    try:
        while sock.recv(4096):
            pass
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def page_status(port: int) -> str:
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/")
        status = connection.getresponse().status
    except OSError as exc:
        return f"failed ({exc!r}) after {time.perf_counter() - start:.2f} s"
    finally:
        connection.close()
    return f"{status} in {time.perf_counter() - start:.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=150)
    parser.add_argument("--wait", type=float, default=6.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        out.mkdir()
        (out / "index.html").write_text("<body>hello</body>", encoding="utf-8")
        server = Server(out, lambda changed: None, [], port=0)
        server.start()
        port = int(server.url.rstrip("/").rsplit(":", 1)[1])
        threads_before = threading.active_count()
        start = time.perf_counter()
        sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(args.sockets)]
        print(f"{args.sockets} connections opened in {time.perf_counter() - start:.2f} s")
        try:
            time.sleep(1.0)
            print(f"after 1 s: {threading.active_count() - threads_before} extra server threads; "
                  f"a page request: {page_status(port)}")
            time.sleep(max(0.0, args.wait - 1.0))
            open_count = sum(still_open(sock) for sock in sockets)
            print(f"after {args.wait:g} s: {open_count} of {args.sockets} silent connections still open, "
                  f"{threading.active_count() - threads_before} extra server threads; "
                  f"a page request: {page_status(port)}")
        finally:
            for sock in sockets:
                sock.close()
            server.stop()


if __name__ == "__main__":
    main()
