"""Code blocks: a fence rendered as a ``<figure>`` highlighted through Pygments (within the page's
``env["highlight_budget"]``), decorated by ``env["decorate"]`` (a ``FenceDecorator``); an indented code block
left to right. Fence attributes (Hugo's ``{hl_lines=[1,"3-4"]}``, kramdown's ``{: .class}`` line after a
fence) are read, never shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from markdown_it.common.utils import escapeHtml

from site_builder.highlight import copy_text, highlight, highlight_within
from site_builder.snippets.parse import fence_attributes, highlighted_lines


@dataclass(frozen=True, slots=True)
class FenceContext:
    lang: str
    info: str
    code: str
    line: int
    """Source-file line of the opening fence (0 when unknown)."""


FenceDecorator = Callable[[FenceContext], dict[str, str]]


_IAL = re.compile(r"\{:[^{}\n]*\}")
_IAL_LANGUAGE = re.compile(r"(?:^|\s)\.language-([\w+#.-]+)")


def fence_ial_lines(state: Any) -> None:
    """A kramdown attribute line (``{: .language-python}``, ``{: .class #id}``) after a fence is read, not shown:
    a ``.language-X`` names the language a bare fence is highlighted in (the block is still not checked: the
    snippet checks read the fence's own info string); the rest is ignored."""
    tokens, kept, index = state.tokens, [], 0
    while index < len(tokens):
        token = tokens[index]
        if (token.type == "paragraph_open" and kept and kept[-1].type == "fence" and index + 2 < len(tokens)
                and tokens[index + 1].type == "inline" and _IAL.fullmatch(tokens[index + 1].content.strip())):
            language = _IAL_LANGUAGE.search(tokens[index + 1].content.strip()[2:-1])
            if language and not kept[-1].info.strip():
                kept[-1].meta = {**(kept[-1].meta or {}), "ial_language": language[1].lower()}
            index += 3
            continue
        kept.append(token)
        index += 1
    state.tokens = kept


def render_fence(self: Any, tokens: list, idx: int, options: dict, env: dict) -> str:
    token = tokens[idx]
    info = token.info.strip()
    words, attributes = fence_attributes(info)
    lang = words.split(maxsplit=1)[0].lower() if words.strip() else (token.meta or {}).get("ial_language", "")
    hl_lines = highlighted_lines(attributes, token.content.count("\n")) if attributes else ()
    line = env.get("line_offset", 1) + token.map[0] if token.map else 0
    context = FenceContext(lang, info, token.content, line)
    extra = env["decorate"](context) if env.get("decorate") else {}
    label = escapeHtml(lang or "text")
    return (
        f'<figure class="code" dir="ltr" data-lang="{label}" data-line="{line}"{extra.get("attrs", "")}>'
        f'<figcaption><span class="code-lang">{label}</span>{extra.get("caption", "")}'
        f'<button type="button" class="copy" data-copy="{escapeHtml(copy_text(token.content, lang))}"'
        f' aria-label="Copy code" hidden>Copy</button></figcaption>'
        f'<div class="highlight"><pre tabindex="0"><code>{_highlighted(token.content, lang, env, hl_lines)}'
        f'</code></pre></div>'
        f'{extra.get("after", "")}</figure>\n'
    )


def render_code_block(self: Any, tokens: list, idx: int, options: dict, env: dict) -> str:
    """An indented code block, left to right even in a right-to-left post."""
    return f'<pre dir="ltr"><code>{escapeHtml(tokens[idx].content)}</code></pre>\n'


def _highlighted(code: str, lang: str, env: dict, hl_lines: tuple[int, ...] = ()) -> str:
    budget = env.get("highlight_budget")
    return highlight(code, lang, hl_lines) if budget is None else highlight_within(code, lang, budget, hl_lines)

