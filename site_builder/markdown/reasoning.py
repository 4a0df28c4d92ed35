"""Quotes that are blocks of their own: ``> [!REASONING]`` and ``> [!TOOL]`` folds and ``> [!IMPORTED]``
notes (``reasoning_plugin``), and GitHub alerts titled as the author's annotations (``author_note_titles``)."""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml


_ALERT_TITLES = {"NOTE": "Author's note", "TIP": "Author's tip", "IMPORTANT": "Author's note · Important",
                 "WARNING": "Author's warning", "CAUTION": "Author's caution"}


def author_note_titles(state: Any) -> None:
    """GitHub alerts are the author's annotations: title them so (``Author's note``, not ``Note``)."""
    for index, token in enumerate(state.tokens):
        if token.type == "alert_open" and index + 2 < len(state.tokens):
            title = state.tokens[index + 2]
            if title.type == "inline":
                title.content = _ALERT_TITLES.get(token.info.upper(), title.content)


_FOLD = re.compile(r"\[!(?P<kind>REASONING|TOOL|IMPORTED)\][ \t]*(?P<title>[^\n]*)(?:\n|$)")
"""The first line of a quote that becomes a block of its own: the model's reasoning or a tool call (an agent's
session), folded; or what an importer says of a turn."""
IMPORT_NOTE_TITLE = "Note from the import"


def reasoning_plugin(md: MarkdownIt) -> None:
    """A quote that starts with ``[!REASONING]`` (optionally followed by a title on that line) is the model's
    reasoning: shown collapsed, as ``<details class="reasoning">`` titled "Reasoning", its Markdown intact.
    ``[!TOOL] one-line summary`` is a tool call of a coding agent (the command, the diff, the output), shown
    collapsed the same way as ``<details class="tool">`` titled with its summary line. ``[!IMPORTED]`` is what an
    importer says of a turn (an edited question, an interrupted answer): shown open, titled "Note from the
    import". Unlike ``[!NOTE]`` alerts none is an annotation of the author's; elsewhere they read as plain
    quotes. The title is plain text."""
    md.core.ruler.after("block", "reasoning", _reasoning_blocks)
    md.add_render_rule("reasoning_open", _fold_open)
    md.add_render_rule("reasoning_close", lambda self, tokens, idx, options, env: "</details>\n")
    md.add_render_rule("imported_open", lambda self, tokens, idx, options, env: (
        f'<aside class="markdown-alert markdown-alert-imported" role="note"><p class="markdown-alert-title">'
        f'{IMPORT_NOTE_TITLE}</p>\n'))
    md.add_render_rule("imported_close", lambda self, tokens, idx, options, env: "</aside>\n")


def _fold_open(self: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
    title, kind = tokens[idx].meta["title"], tokens[idx].meta["kind"]
    if kind == "TOOL":
        return f'<details class="tool"><summary>{escapeHtml(title or "Tool call")}</summary>\n'
    return ('<details class="reasoning"><summary>Reasoning'
            + (f" · {escapeHtml(title)}" if title else "") + "</summary>\n")


def _reasoning_blocks(state: Any) -> None:
    tokens, kept, skipped = state.tokens, [], set()
    blocks: list[str] = []
    """For each quote open at this point: the kind of block it became (``reasoning``, ``imported``), or ""."""
    for index, token in enumerate(tokens):
        if index in skipped:
            continue
        if token.type == "blockquote_open":
            marker = _FOLD.match(tokens[index + 2].content) \
                if index + 3 < len(tokens) and tokens[index + 1].type == "paragraph_open" else None
            kind = ("imported" if marker["kind"] == "IMPORTED" else "reasoning") if marker else ""
            blocks.append(kind)
            if marker:
                token.type, token.tag = f"{kind}_open", "aside" if kind == "imported" else "details"
                token.meta = {"title": marker["title"].strip(), "kind": marker["kind"]}
                tokens[index + 2].content = tokens[index + 2].content[marker.end():]
                if not tokens[index + 2].content.strip():
                    skipped |= {index + 1, index + 2, index + 3}  # the marker's paragraph held nothing else
        elif token.type == "blockquote_close" and blocks and (kind := blocks.pop()):
            token.type, token.tag = f"{kind}_close", "aside" if kind == "imported" else "details"
        kept.append(token)
    state.tokens = kept
