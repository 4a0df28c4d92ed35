"""Make untrusted message text safe to place inside a post (DESIGN §2).

A message becomes the text of one turn. Our parser reads a post line by line, so the text must not
contain a line that the parser would read as a new turn (``User: ...`` at the start of a line), a
rule that would end the turn, or a code fence left open (it would swallow the rest of the post).
The snippet checks run python fences of posts, so every fence of an export is marked ``norun``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable


from site_builder.conversation import LABEL_LINE, RULE_LINE, block_tokens  # the parser's own tests

NORUN = 'norun reason="imported conversation: not checked"'
RUNNABLE_LANGS = frozenset({"python", "py", "python3", "pycon"})
_FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_LANG_SAFE = re.compile(r"[^\w+#.\-]+")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>()#!|~&$])")
_MAYBE_SPECIAL = re.compile(r"```|~~~|^ {0,3}(?:[-*_][ \t]*){3,}$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class _Fence:
    first: int
    """0-based line of the opening fence."""
    last: int
    """0-based line after the block (exclusive end)."""
    closed: bool
    top_level: bool


def neutralise(text: str, labels: Iterable[str]) -> str:
    """``text`` with label lines escaped, trailing/setext rules escaped, fences closed and marked norun."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()
    lines = text.split("\n")
    keys = frozenset(label.casefold() for label in labels)
    if not _MAYBE_SPECIAL.search(text) and not any(_starts_turn(line, keys) for line in lines):
        return text
    fences = _fences(text)
    in_code = {i for fence in fences for i in range(fence.first, fence.last)}
    openers = {fence.first for fence in fences}
    out = []
    for index, line in enumerate(lines):
        if index in openers:
            out.append(_safe_fence_line(line))
        elif index in in_code:
            out.append(line)
        elif _starts_turn(line, keys):
            out.append(f"&#{ord(line[0])};{line[1:]}")
        elif RULE_LINE.match(line) and _rule_is_unsafe(lines, index, in_code):
            stripped = line.lstrip(" ")
            out.append(line[: len(line) - len(stripped)] + "\\" + stripped)
        else:
            out.append(line)
    for fence in fences:
        if fence.top_level and not fence.closed:
            out.append(_FENCE_OPEN.match(lines[fence.first])["fence"])
    return "\n".join(out)


def _starts_turn(line: str, keys: frozenset[str]) -> bool:
    """The parser would read ``line`` as the start of a turn of one of the speakers (casefolded ``keys``)."""
    match = LABEL_LINE.match(line)
    return match is not None and match["label"].casefold() in keys


def _rule_is_unsafe(lines: list[str], index: int, in_code: set[int]) -> bool:
    """A rule ends the turn when nothing follows it; right under text it would be read as a heading."""
    after = [line for line in lines[index + 1:] if line.strip()]
    before = lines[index - 1] if index > 0 else ""
    return not after or (bool(before.strip()) and index - 1 not in in_code)


def _fences(text: str) -> list[_Fence]:
    lines = text.split("\n")
    result = []
    for token in block_tokens(text):
        if token.type != "fence" or not token.map:
            continue
        first, last = token.map
        closing = lines[last - 1].strip() if last - 1 > first else ""
        closed = bool(closing) and set(closing) == {token.markup[0]} and len(closing) >= len(token.markup)
        result.append(_Fence(first, last, closed, token.level == 0))
    return result


def _safe_fence_line(line: str) -> str:
    """Keep the language word of an info string, drop options; python never runs from an import."""
    match = _FENCE_OPEN.match(line)
    if not match:  # a fence inside a list item or a quote: rewrite the part after the fence marks
        head = re.match(r"^(?P<indent>.*?)(?P<fence>`{3,}|~{3,})(?P<info>.*)$", line)
        if not head:
            return line
        match = head
    lang = _LANG_SAFE.sub("", match["info"].strip().split(" ")[0] if match["info"].strip() else "")
    return f"{match['indent']}{match['fence']}{fence_info(lang)}"


def fence_info(lang: str) -> str:
    """Info string for a fence of ``lang`` in an imported post."""
    lang = _LANG_SAFE.sub("", lang.strip().lower())
    if not lang:
        return ""
    return f"{lang} {NORUN}" if lang in RUNNABLE_LANGS else lang


def code_block(code: str, lang: str = "") -> str:
    """A fenced block holding ``code`` verbatim, with a fence longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    body = code.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    info = fence_info(lang)
    if not info and body.lstrip().startswith(">>>"):
        info = fence_info("pycon")
    return f"{fence}{info}\n{body}\n{fence}"


def inline(text: str, limit: int | None = None) -> str:
    """One line of plain text as Markdown that shows exactly that text."""
    flat = " ".join(str(text).split())
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return _INLINE_SPECIAL.sub(r"\\\1", flat)


def note(kind: str, text: str) -> str:
    """A GitHub alert (``> [!NOTE]``): the importer's annotation pinned to a turn."""
    body = "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))
    return f"> [!{kind.upper()}]\n{body}"


def link(title: str, url: str) -> str:
    """A Markdown link for an http(s) URL from an export; anything else is shown as text."""
    label = inline(title or url, 200)
    if not re.match(r"^https?://[^\s<>]+$", url or ""):
        return label + (f" ({inline(url, 200)})" if url else "")
    safe = url.replace("(", "%28").replace(")", "%29")
    return f"[{label}]({safe})"
