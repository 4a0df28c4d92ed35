"""What a request names: the ``Host`` it is addressed to, and the file under the output folder its URL path
names (never outside it: ``..``, encoded or not, backslashes, NUL, symlinks out).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import quote, unquote

HOST = "127.0.0.1"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
"""The ``Host`` names always answered (lower case, without the port)."""

# A Host header: a name or a bracketed IPv6 address, then an optional port (matched in lower case).
HOST_HEADER = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::[0-9]{0,5})?", re.ASCII)


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
