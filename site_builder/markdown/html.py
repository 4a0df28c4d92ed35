"""The author's raw HTML (``create_markdown(author_html=True)``): a tag on ``sanitize.ALLOWED_TAGS`` (or a
comment) is read as HTML, any other as text, as in an imported post. Each raw token renders as a placeholder
and its source line is kept in ``env["raw_html"]``; after rendering ``cleaned`` puts them back together,
cleaned by ``sanitize`` (their URLs written through ``env["links"]``), or shown as text where the cleaner
refuses them."""

from __future__ import annotations

import re
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import html_block as markdown_it_html_block
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import html_inline as markdown_it_html_inline

from site_builder.markdown.page_links import note_link
from site_builder.sanitize import ALLOWED_TAGS, sanitize


_LEADING_TAG = re.compile(r"<(?:(!--)|/?([A-Za-z][A-Za-z0-9-]*))")
_RAW = "\x00"
"""Stands for a raw HTML token in the rendered text until ``cleaned`` puts it back cleaned (markdown-it reads
a NUL of the source as U+FFFD, so none is left in what it renders)."""


def _allowed_tag(src: str, pos: int) -> bool:
    """A comment (removed), or a tag the author may write (``sanitize.ALLOWED_TAGS``); other raw HTML (``<div>``,
    ``<script>``, ``<!DOCTYPE``, ``<?php``) is not HTML here: it is read as text, as in an imported post."""
    match = _LEADING_TAG.match(src, pos)
    return match is not None and (match[1] is not None or match[2].lower() in ALLOWED_TAGS)


def allowed_html_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    return _allowed_tag(state.src, state.bMarks[start] + state.tShift[start]) and \
        markdown_it_html_block(state, start, end, silent)


def allowed_html_inline(state: StateInline, silent: bool) -> bool:
    return _allowed_tag(state.src, state.pos) and markdown_it_html_inline(state, silent)


def render_raw_html(self: Any, tokens: list, idx: int, options: dict, env: dict) -> str:
    token = tokens[idx]
    line = env.get("line_offset", 1) + token.map[0] if token.map else (token.meta or {}).get("line", 0)
    env.setdefault("raw_html", []).append((token.type, token.content, line))
    return _RAW


def cleaned(html: str, env: dict, embed_hosts: tuple[str, ...]) -> str:
    """The rendered text with its raw HTML cleaned (``sanitize``; its URLs written through ``env["links"]``),
    or, where the cleaner refuses it, shown as text."""
    raw = env.get("raw_html", [])
    ours = html.split(_RAW)
    if not raw or len(ours) != len(raw) + 1:
        return html.replace(_RAW, "")
    pieces = [piece for pair in zip(ours, (content for _, content, _ in raw)) for piece in pair] + [ours[-1]]
    links, resolved = env.get("links"), []

    def url(value: str) -> str:
        resolved.append((value, links.resolve(value, env.get("liquid"))))
        return resolved[-1][1].href

    kept = sanitize(pieces, embed_hosts, url if links is not None else None)
    if kept is not None:
        for (_, result), line in zip(resolved, _raw_lines(raw, resolved)):
            note_link(env, result, line)
        return kept
    texts = [f"<p>{escapeHtml(content)}</p>\n" if kind == "html_block" else escapeHtml(content)
             for kind, content, _ in raw]
    return "".join(piece for pair in zip(ours, texts) for piece in pair) + ours[-1]


def _raw_lines(raw: list[tuple[str, str, int]], resolved: list[tuple[str, Any]]) -> list[int]:
    """The source line of each URL of the raw HTML written (``(value, result)``, in the order of the text), as
    far as a problem needs it (else the line last found). Each search starts where the last one ended and looks
    a few pieces ahead at most: 10,000 links cost one walk through the text, not one each."""
    lines, piece, offset, line = [], 0, 0, raw[0][2]
    for value, result in resolved:
        for index in range(piece, min(piece + 8, len(raw)) if result.problem else piece):
            start = offset if index == piece else 0
            at = raw[index][1].find(value, start)
            if at >= 0:
                line = (line if index == piece else raw[index][2]) + raw[index][1].count("\n", start, at)
                piece, offset = index, at
                break
        lines.append(line)
    return lines

