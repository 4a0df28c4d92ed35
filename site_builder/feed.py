"""The full-content feed (``feed_content: full``): a post's HTML as a feed reader gets it.

A page's HTML links relatively (``../../img/cat.png``, ``#turn-3``), which means nothing in a feed reader; and
it holds page controls (copy buttons, heading anchors) and hooks for the page's scripts (``data-…``,
``tabindex``) that mean nothing there either. ``feed_html`` makes every URL absolute against the post's address
and leaves those out; the rest passes through as it is (it was escaped and sanitized when the post was rendered).
"""

from __future__ import annotations

import functools
import re
from html import escape
from html.parser import HTMLParser
from urllib.parse import urljoin

from site_builder.sanitize import VOID_ELEMENTS

URL_ATTRIBUTES = frozenset({"href", "src", "poster", "cite", "action", "formaction", "longdesc", "data"})
"""Attributes whose value is a URL (``srcset`` holds several: see ``_srcset``)."""
DROPPED = frozenset({"script", "style", "button", "template", "noscript", "form", "input", "select", "textarea"})
"""Elements left out with everything in them: scripts and the page's controls."""
PAGE_CLASSES = frozenset({"heading-anchor", "turn-anchor", "copy", "copy-turn"})
"""Elements of the page's own chrome, known by their class, left out too."""


def feed_html(html: str, base: str) -> str:
    """``html`` (a fragment of a post's page) with every URL made absolute against ``base`` (the post's address)
    and without scripts, controls, comments and page-script attributes."""
    return _feed_html(str.__str__(html), str(base))  # as plain text: the parser slices it, and a Markup slice is slow


_CODE = re.compile(r"<pre\b[^>]*>.*?</pre>", re.S)
_SPAN = re.compile(r"</?span\b[^>]*>")


@functools.lru_cache(maxsize=256)
def _feed_html(html: str, base: str) -> str:
    """``feed_html``; a post is in the site's feed and in a feed per tag: the result is kept for the next feed.
    The highlighter's spans in code blocks go first, their text kept: their classes mean nothing without the
    page's stylesheet, they were more than half of a post's HTML and two thirds of the time spent here (a
    ``pre`` holds only spans and escaped text: the fence renderer's or markdown-it's, never the author's HTML)."""
    writer = _FeedWriter(base)
    writer.feed(_CODE.sub(lambda code: _SPAN.sub("", code[0]), html))
    writer.close()
    return "".join(writer.out)


class _FeedWriter(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=False)
        self.base = base
        self.out: list[str] = []
        self.skipping: str | None = None
        """The element being left out (with its content), if any; ``depth`` counts its nesting."""
        self.depth = 0
        self.captions = 0
        """How many ``figcaption`` elements are open: a code block's caption is a row of spans and links that the
        page's style spaces, a space apart here."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, " /")
        if self.skipping == tag and tag not in VOID_ELEMENTS:
            self._end(tag)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> None:
        if self.skipping is not None:
            self.depth += tag == self.skipping
            return
        if tag in DROPPED or PAGE_CLASSES.intersection((dict(attrs).get("class") or "").split()):
            if tag not in VOID_ELEMENTS:
                self.skipping, self.depth = tag, 1
            return
        self.out.append(f"<{tag}{''.join(self._attribute(name, value) for name, value in attrs)}{close}>")
        self.captions += tag == "figcaption" and not close

    def _attribute(self, name: str, value: str | None) -> str:
        if name == "tabindex" or name.startswith("data-"):
            return ""
        if value is None:
            return f" {name}"
        if name in URL_ATTRIBUTES:
            value = urljoin(self.base, value.strip())
        elif name == "srcset":
            value = _srcset(self.base, value)
        return f' {name}="{escape(value, quote=True)}"'

    def handle_endtag(self, tag: str) -> None:
        self._end(tag)

    def _end(self, tag: str) -> None:
        if self.skipping is not None:
            if tag == self.skipping:
                self.depth -= 1
                if self.depth == 0:
                    self.skipping = None
            return
        if tag not in VOID_ELEMENTS:
            self.out.append(f"</{tag}>")
        if tag == "figcaption":
            self.captions = max(self.captions - 1, 0)
        elif self.captions and tag in ("span", "a"):
            self.out.append(" ")

    def handle_data(self, data: str) -> None:
        if self.skipping is None:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        if self.skipping is None:
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if self.skipping is None:
            self.out.append(f"&#{name};")


def _srcset(base: str, value: str) -> str:
    """``img.png 1x, big.png 2x`` with each image's URL made absolute."""
    candidates = []
    for candidate in value.split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        candidates.append(f"{urljoin(base, url)} {descriptor.strip()}".strip() if url else "")
    return ", ".join(c for c in candidates if c)
