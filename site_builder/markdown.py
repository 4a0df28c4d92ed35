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
from mdit_py_plugins.gfm import gfm_plugin

from site_builder.highlight import copy_text, highlight


@dataclass(frozen=True, slots=True)
class FenceContext:
    lang: str
    info: str
    code: str
    line: int
    """Source-file line of the opening fence (0 when unknown)."""


FenceDecorator = Callable[[FenceContext], dict[str, str]]


def create_markdown() -> MarkdownIt:
    """The site's Markdown dialect: CommonMark + GFM (tables, strikethrough, autolinks, task lists, alerts,
    footnotes), raw HTML shown as text, and ``> [!REASONING]`` blocks (``reasoning_plugin``)."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).use(gfm_plugin).use(reasoning_plugin)
    md.add_render_rule("fence", _render_fence)
    return md


def render(md: MarkdownIt, text: str, line_offset: int = 1, decorate: FenceDecorator | None = None) -> str:
    """Render ``text`` whose first line is source line ``line_offset``."""
    env: dict[str, Any] = {"line_offset": line_offset, "decorate": decorate}
    return md.render(text, env)


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
        f'<div class="highlight"><pre><code>{highlight(token.content, lang)}</code></pre></div>'
        f'{extra.get("after", "")}</figure>\n'
    )


_REASONING = re.compile(r"\[!REASONING\][ \t]*(?P<title>[^\n]*)(?:\n|$)")


def reasoning_plugin(md: MarkdownIt) -> None:
    """A quote that starts with ``[!REASONING]`` (optionally followed by a title on that line) is the model's
    reasoning: shown collapsed, as ``<details class="reasoning">`` titled "Reasoning", its Markdown intact.
    Unlike ``[!NOTE]`` alerts it is not an annotation of the author's; elsewhere it reads as a plain quote."""
    md.core.ruler.after("block", "reasoning", _reasoning_blocks)
    md.add_render_rule("reasoning_open", lambda self, tokens, idx, options, env: (
        '<details class="reasoning"><summary>Reasoning'
        + (f" · {escapeHtml(tokens[idx].meta['title'])}" if tokens[idx].meta["title"] else "") + "</summary>\n"))
    md.add_render_rule("reasoning_close", lambda self, tokens, idx, options, env: "</details>\n")


def _reasoning_blocks(state: Any) -> None:
    tokens, kept, skipped = state.tokens, [], set()
    reasoning: list[bool] = []
    """For each quote open at this point: whether it is a reasoning block."""
    for index, token in enumerate(tokens):
        if index in skipped:
            continue
        if token.type == "blockquote_open":
            marker = _REASONING.match(tokens[index + 2].content) \
                if index + 3 < len(tokens) and tokens[index + 1].type == "paragraph_open" else None
            reasoning.append(marker is not None)
            if marker:
                token.type, token.tag, token.meta = "reasoning_open", "details", {"title": marker["title"].strip()}
                tokens[index + 2].content = tokens[index + 2].content[marker.end():]
                if not tokens[index + 2].content.strip():
                    skipped |= {index + 1, index + 2, index + 3}  # the marker's paragraph held nothing else
        elif token.type == "blockquote_close" and reasoning and reasoning.pop():
            token.type, token.tag = "reasoning_close", "details"
        kept.append(token)
    state.tokens = kept
