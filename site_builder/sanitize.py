"""The author's own raw HTML, kept through an allowlist (nh3, the Python binding of Rust's ammonia).

A post's Markdown renders to our HTML with the author's raw HTML tokens between (``<details>`` blocks, inline
``<kbd>``). ``sanitize`` cleans the author's tokens *together*, as one fragment in which each stretch of our
HTML stands as a placeholder element, so that ``<details>`` in one block and ``</details>`` in a later one
still make one element around the Markdown between them, while our HTML never passes through the cleaner
(its classes, buttons and data attributes are not the author's to write). Then the placeholders are put back.
The result is refused (``None``: the caller shows the raw HTML as text, as for an imported post) when a
placeholder did not come back exactly once (the author's HTML swallowed it: an unclosed ``<textarea>``) or
when the author's elements and ours cross (``<kbd>`` opened in one list item, closed in the next)."""

from __future__ import annotations

import re
import secrets
from html.parser import HTMLParser
from typing import Callable, Iterable
from urllib.parse import urlsplit

import nh3

VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                           "source", "track", "wbr"})
"""HTML's void elements: a start tag and no end tag (``param`` is obsolete, and still parsed as one)."""
TABLE_TAGS = frozenset({"table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td"})
ALLOWED_TAGS = frozenset({"details", "summary", "kbd", "sub", "sup", "mark", "abbr", "br", "ins", "del", "figure",
                          "figcaption", "img", "a", "iframe", "p", "em", "strong", "code"}) | TABLE_TAGS
"""What the author's raw HTML may hold; any other tag of theirs is shown as text (its tokens are not HTML)."""
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "iframe": {"src", "title", "width", "height", "allow", "allowfullscreen", "loading", "referrerpolicy"},
    "details": {"open"},
    "abbr": {"title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    "ins": {"datetime"},
    "del": {"datetime"},
}
_URL_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"[\x00-\x20]*([A-Za-z][A-Za-z0-9+.-]*):")
_IFRAME = re.compile(r"<iframe\b([^>]*)>.*?</iframe>", re.DOTALL)
"""An iframe as the cleaner writes it: attribute values are quoted with ``"`` and have ``>`` escaped, and its
content is raw text that cannot hold ``</iframe``."""


_LINKS = frozenset({("a", "href"), ("img", "src"), ("video", "src"), ("video", "poster"), ("audio", "src"),
                    ("source", "src")})
"""The attributes whose URL a page writes through ``url`` (``links.PageLinks.resolve``); those of tags not on
``ALLOWED_TAGS`` never reach it."""


def sanitize(pieces: list[str], embed_hosts: Iterable[str], url: Callable[[str], str] | None = None) -> str | None:
    """``pieces`` alternate: our HTML, the author's raw HTML, ours, the author's, …, ours (an odd count).
    Returns them joined, the author's pieces cleaned; None when they cannot be kept (module docstring). ``url``
    writes each link's and image's URL that the cleaner kept (a root-absolute one relative to the page…)."""
    ours, theirs = pieces[0::2], pieces[1::2]
    slot = f"sb-{secrets.token_hex(8)}"
    fragment = "".join(f"<{slot}>{n}</{slot}>{raw}" for n, raw in enumerate(theirs)) + f"<{slot}>{len(theirs)}</{slot}>"
    hosts = frozenset(host.lower() for host in embed_hosts)
    cleaned = nh3.clean(fragment, tags=set(ALLOWED_TAGS | {slot}), attributes=_ATTRIBUTES, url_schemes=_URL_SCHEMES,
                        link_rel="noopener",
                        attribute_filter=lambda tag, name, value: _attribute(tag, name, value, hosts, url))
    cleaned = _IFRAME.sub(_embed, cleaned)
    marks = re.split(f"<{slot}>(\\d+)</{slot}>", cleaned)
    numbers = [int(n) for n in marks[1::2]]
    if numbers != list(range(len(ours))):
        return None
    html = marks[0] + "".join(ours[n] + after for n, after in zip(numbers, marks[2::2]))
    return html if well_nested(html) else None


def _attribute(tag: str, name: str, value: str, hosts: frozenset[str],
               url: Callable[[str], str] | None = None) -> str | None:
    """An attribute's value as kept (None drops it): images from http(s) or relative URLs only, frames only from
    ``hosts`` over https (nh3 has already refused every other scheme, ``javascript:`` included); a link's or an
    image's URL written by ``url``."""
    if tag == "img" and name == "src":
        scheme = urlsplit(value.strip()).scheme.lower()
        if scheme not in ("", "http", "https"):
            return None
    if tag == "iframe" and name == "src":
        return _embed_url(value, hosts)
    if url is None or (tag, name) not in _LINKS:
        return value
    written = url(value)
    scheme = _SCHEME.match(written)
    return written if scheme is None or scheme[1].lower() in _URL_SCHEMES else None


def _embed_url(value: str, hosts: frozenset[str]) -> str | None:
    try:
        parts = urlsplit(value.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("", "http", "https") or host not in hosts or port not in (None, 443) \
            or "@" in parts.netloc:
        return None
    return "https:" + value.strip()[len(parts.scheme) + 1 if parts.scheme else 0:]


def _embed(match: re.Match) -> str:
    """An iframe keeps no content (a browser never shows it); one whose ``src`` was refused goes altogether."""
    return f"<iframe{match[1]}></iframe>" if re.search(r'\ssrc="', match[1]) else ""


class _Nesting(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.crossed = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            return
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.crossed = True


def well_nested(html: str) -> bool:
    """Every element of ``html`` is closed, inside the element it was opened in."""
    parser = _Nesting()
    parser.feed(html)
    parser.close()
    return not parser.crossed and not parser.open
