"""One configured MarkdownIt per build: raw HTML escaped, GitHub extensions, fences through Pygments.

Per-document state travels in ``env`` (markdown-it's convention), never in globals:
- ``env["line_offset"]``: source line of the rendered text's first line, so a fence knows its file line;
- ``env["fence"]``: a callable ``(CodeBlockView) -> str`` returning the extra HTML around a block
  (status badge, companion link, diff); absent means plain blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.gfm import gfm_plugin

from site_builder.highlight import copy_text, highlight
from site_builder.mathml import MathWarning, math_plugin, math_warnings


@dataclass(frozen=True, slots=True)
class FenceContext:
    lang: str
    info: str
    code: str
    line: int
    """Source-file line of the opening fence (0 when unknown)."""


FenceDecorator = Callable[[FenceContext], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    warnings: tuple[MathWarning, ...] = ()
    """What rendered but not as written (a formula shown as its source), at source lines."""


def create_markdown() -> MarkdownIt:
    """The site's Markdown dialect: CommonMark + GFM (tables, strikethrough, autolinks, task lists, alerts,
    footnotes), raw HTML shown as text."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).use(gfm_plugin).use(math_plugin)
    md.add_render_rule("fence", _render_fence)
    md.core.ruler.after("block", "author_note_titles", _author_note_titles)
    md.core.ruler.push("heading_anchors", _heading_anchors)
    return md


_SLUG_DROP = re.compile(r"[^\w\- ]+")
_RESERVED_ID = re.compile(r"^(?:turn|exchange|variant|tab)-\d|^L\d|^main$")
"""Ids the page itself uses (turns, tabs, line anchors, the skip link's target)."""


def _heading_anchors(state: Any) -> None:
    """``## A heading`` gets ``id="a-heading"`` and a ``#`` link to itself: unique among the texts of one page
    (``env["heading_ids"]``); an id the page uses itself (``turn-3``) gets a ``-section`` suffix."""
    taken: set[str] = state.env.setdefault("heading_ids", set())
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag == "h1" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        text = "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))
        base = "-".join(_SLUG_DROP.sub("", text).lower().split()) or "section"
        base = base + "-section" if _RESERVED_ID.match(base) else base
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        token.attrSet("id", slug)
        inline.children = [*(inline.children or []), *_anchor_link(slug)]


def _anchor_link(slug: str) -> list[Token]:
    return [Token("text", "", 0, content=" "),
            Token("link_open", "a", 1, attrs={"class": "heading-anchor", "href": f"#{slug}",
                                               "aria-label": "Link to this section"}),
            Token("text", "", 0, content="#"), Token("link_close", "a", -1)]


_ALERT_TITLES = {"NOTE": "Author's note", "TIP": "Author's tip", "IMPORTANT": "Author's note · Important",
                 "WARNING": "Author's warning", "CAUTION": "Author's caution"}


def _author_note_titles(state: Any) -> None:
    """GitHub alerts are the author's annotations: title them so (``Author's note``, not ``Note``)."""
    for index, token in enumerate(state.tokens):
        if token.type == "alert_open" and index + 2 < len(state.tokens):
            title = state.tokens[index + 2]
            if title.type == "inline":
                title.content = _ALERT_TITLES.get(token.info.upper(), title.content)


def render(md: MarkdownIt, text: str, line_offset: int = 1, decorate: FenceDecorator | None = None) -> str:
    """Render ``text`` whose first line is source line ``line_offset``."""
    return render_markdown(md, text, line_offset, decorate).html


def render_markdown(md: MarkdownIt, text: str, line_offset: int = 1, decorate: FenceDecorator | None = None,
                    heading_ids: set[str] | None = None) -> Rendered:
    """``render``, with the warnings: formulas that could not be rendered. Texts rendered into one page share
    ``heading_ids`` (the heading ids taken so far), so their headings get distinct anchors."""
    env: dict[str, Any] = {"line_offset": line_offset, "decorate": decorate,
                           "heading_ids": set() if heading_ids is None else heading_ids}
    tokens = md.parse(text, env)
    return Rendered(md.renderer.render(tokens, md.options, env), tuple(math_warnings(tokens, text, line_offset)))


def _render_fence(self: Any, tokens: list, idx: int, options: dict, env: dict) -> str:
    token = tokens[idx]
    info = token.info.strip()
    lang = info.split(maxsplit=1)[0].lower() if info else ""
    line = env.get("line_offset", 1) + token.map[0] if token.map else 0
    context = FenceContext(lang, info, token.content, line)
    extra = env["decorate"](context) if env.get("decorate") else {}
    label = escapeHtml(lang or "text")
    return (
        f'<figure class="code" data-lang="{label}" data-line="{line}"{extra.get("attrs", "")}>'
        f'<figcaption><span class="code-lang">{label}</span>{extra.get("caption", "")}'
        f'<button type="button" class="copy" data-copy="{escapeHtml(copy_text(token.content, lang))}"'
        f' aria-label="Copy code">Copy</button></figcaption>'
        f'<div class="highlight"><pre tabindex="0"><code>{highlight(token.content, lang)}</code></pre></div>'
        f'{extra.get("after", "")}</figure>\n'
    )
