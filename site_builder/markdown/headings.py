"""Heading anchors: ``## A heading`` gets an id unique on its page and a ``#`` link to itself."""

from __future__ import annotations

import re
from typing import Any

from markdown_it.token import Token


_SLUG_DROP = re.compile(r"[^\w\- ]+")
_RESERVED_ID = re.compile(r"^(?:turn|exchange|variant|tab)-\d|^L\d|^main$")
"""Ids the page itself uses (turns, tabs, line anchors, the skip link's target)."""


def heading_anchors(state: Any) -> None:
    """``## A heading`` gets ``id="a-heading"`` and a ``#`` link to itself: unique among the texts of one page
    (``env["heading_ids"]``); an id the page uses itself (``turn-3``) gets a ``-section`` suffix."""
    taken: set[str] = state.env.setdefault("heading_ids", set())
    tried: dict[str, int] = state.env.setdefault("heading_suffixes", {})  # base -> last suffix tried
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag == "h1" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        text = "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))
        base = "-".join(_SLUG_DROP.sub("", text).lower().split()) or "section"
        base = base + "-section" if _RESERVED_ID.match(base) else base
        slug, n = base, tried.get(base, 1)  # not from 1 again: 6,000 empty headings were 18 million tries
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        tried[base] = n
        taken.add(slug)
        token.attrSet("id", slug)
        inline.children = [*(inline.children or []), *_anchor_link(slug)]


def _anchor_link(slug: str) -> list[Token]:
    return [Token("text", "", 0, content=" "),
            Token("link_open", "a", 1, attrs={"class": "heading-anchor", "href": f"#{slug}",
                                               "aria-label": "Link to this section"}),
            Token("text", "", 0, content="#"), Token("link_close", "a", -1)]

