"""Make untrusted message text safe to place inside a post (DESIGN §2).

A message becomes the text of one turn. Our parser reads a post line by line, so the text must not
contain a line that the parser would read as a new turn (``User: ...`` at the start of a line), a
rule that would end the turn, or a code fence left open (it would swallow the rest of the post).

Code from an export never runs, so every fence of a message is marked ``norun``, whatever its language
or first line. A message is read here on its own but in the post next to others, so nothing of it may
change how the next one reads: a raw HTML block (``<!--``, ``<pre>``) left open would swallow what follows
and could end inside another message, where a fence the neutraliser never saw would open. The site shows
raw HTML as text anyway, so the ``<`` that opens an HTML block is written ``&lt;`` (it looks the same) and
the fences it hid are found and marked. This is the second of three layers: the post says ``imported:``
(the snippet checks run none of its blocks), each fence says ``norun``, and ``trust.secure_post`` reads the
assembled post again and marks whatever would still run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable


from site_builder.conversation import LABEL_LINE, RULE_LINE, block_tokens  # the parser's own tests

NORUN = 'norun reason="imported conversation: not checked"'
_FENCE_LINE = re.compile(r"^(?P<indent>[^`~]*?)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
"""An opening fence line: container marks and indentation (``> - ``), the fence, the info string."""
_HTML_LINE = re.compile(r"^[ \t>*+\-0-9.)]*<")
"""A line whose first character after container marks is ``<``: it may open an HTML block."""
_LANG_SAFE = re.compile(r"[^\w+#.\-]+")
_INLINE_SPECIAL = re.compile(r"([\\`*_<>#!|~&$])")
_BRACKETS = re.compile(r"[\[\]()]")
"""Written as character references: a backslash before them would open math (``\\(…\\)``, ``\\[…\\]``)."""
_MAYBE_SPECIAL = re.compile(r"```|~~~|^ {0,3}(?:[-*_][ \t]*){3,}$|^[ \t>*+\-0-9.)]*<|\[!", re.MULTILINE)
_AUTHOR_ALERT = re.compile(r"^(?P<quote>(?: {0,3}>[ \t]?)+)\[!(?=(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\])", re.IGNORECASE)
"""A GitHub alert (``> [!NOTE]``) in a message: the site shows those as the author's notes, so the ``[`` is
written as a character reference (the message shows ``[!NOTE]`` as it wrote it, in a plain quote)."""
_ROUNDS = 4
"""Parses spent on the escapes that change the block structure (see ``_settled``)."""


@dataclass(frozen=True, slots=True)
class _Fence:
    first: int
    """0-based line of the opening fence."""
    last: int
    """0-based line after the block (exclusive end)."""
    closed: bool
    top_level: bool
    first_code_line: str


def neutralise(text: str, labels: Iterable[str]) -> str:
    """``text`` with label lines escaped, trailing/setext rules escaped, HTML blocks escaped, and every
    fence marked norun (and closed when the message left it open)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()
    keys = frozenset(label.casefold() for label in labels)
    if not _MAYBE_SPECIAL.search(text) and not any(_starts_turn(line, keys) for line in text.split("\n")):
        return text
    lines, tokens = _settled(text.split("\n"))
    return "\n".join(_marked(lines, tokens, keys))


def _settled(lines: list[str]) -> tuple[list[str], list]:
    """``lines`` after the escapes that change the block structure (HTML blocks, rules), and their tokens.

    Each escape can change what the lines around it are (a rule ends a list, an HTML block hides a fence),
    so this parses again until nothing more is escaped, a bounded number of times; the last round escapes
    every ``<`` line outside code at once. ``trust.secure_post`` checks the assembled post after this.
    """
    tokens = block_tokens("\n".join(lines))
    for round_ in range(_ROUNDS):
        escaped = _structural_escapes(lines, tokens, everything=round_ == _ROUNDS - 1)
        if escaped == lines:
            break
        lines = escaped
        tokens = block_tokens("\n".join(lines))
    return lines, tokens


def _structural_escapes(lines: list[str], tokens: list, everything: bool) -> list[str]:
    """``&lt;`` for the ``<`` of each line in an HTML block (of each line outside code, with ``everything``),
    ``\\`` before a rule that would end the turn or underline a heading."""
    code = {i for t in tokens if t.type in ("fence", "code_block") and t.map for i in range(*t.map)}
    fenced = {i for t in tokens if t.type == "fence" and t.map for i in range(*t.map)}
    html = set(range(len(lines))) - code if everything else \
        {i for t in tokens if t.type == "html_block" and t.map for i in range(*t.map)}
    out = []
    for index, line in enumerate(lines):
        if index in html and _HTML_LINE.match(line):
            at = line.index("<")
            line = f"{line[:at]}&lt;{line[at + 1:]}"
        elif index not in code and RULE_LINE.match(line) and _rule_is_unsafe(lines, index, fenced):
            stripped = line.lstrip(" ")
            line = line[: len(line) - len(stripped)] + "\\" + stripped
        out.append(line)
    return out


def _marked(lines: list[str], tokens: list, keys: frozenset[str]) -> list[str]:
    """Every fence opener says norun, label lines outside code are escaped, open fences are closed (none of
    this changes the block structure)."""
    fences = _fences(lines, tokens)
    in_code = {i for fence in fences for i in range(fence.first, fence.last)}
    openers = {fence.first: fence for fence in fences}
    out = []
    for index, line in enumerate(lines):
        if index in openers:
            out.append(safe_fence_line(line, openers[index].first_code_line))
        elif index not in in_code and _starts_turn(line, keys):
            out.append(f"&#{ord(line[0])};{line[1:]}")
        elif index not in in_code and (alert := _AUTHOR_ALERT.match(line)):
            out.append(f"{alert['quote']}&#91;{line[alert.end() - 1:]}")
        else:
            out.append(line)
    for fence in fences:
        if fence.top_level and not fence.closed:
            out.append(_FENCE_LINE.match(lines[fence.first])["fence"])
    return out


def _starts_turn(line: str, keys: frozenset[str]) -> bool:
    """The parser would read ``line`` as the start of a turn of one of the speakers (casefolded ``keys``)."""
    match = LABEL_LINE.match(line)
    return match is not None and match["label"].casefold() in keys


def _rule_is_unsafe(lines: list[str], index: int, in_code: set[int]) -> bool:
    """A rule ends the turn when nothing follows it; right under text it would be read as a heading."""
    after = [line for line in lines[index + 1:] if line.strip()]
    before = lines[index - 1] if index > 0 else ""
    return not after or (bool(before.strip()) and index - 1 not in in_code)


def _fences(lines: list[str], tokens: list) -> list[_Fence]:
    result = []
    for token in tokens:
        if token.type != "fence" or not token.map:
            continue
        first, last = token.map
        closing = lines[last - 1].strip() if last - 1 > first else ""
        closed = bool(closing) and set(closing) == {token.markup[0]} and len(closing) >= len(token.markup)
        result.append(_Fence(first, last, closed, token.level == 0, token.content.split("\n", 1)[0]))
    return result


def safe_fence_line(line: str, first_code_line: str = "") -> str:
    """An opening fence line that keeps its container marks, fence and language word, and says ``norun``.

    Any other option is dropped: an export cannot name a companion, a session, ``run`` or ``trusted``.
    """
    match = _FENCE_LINE.match(line)
    if not match:
        return line
    words = match["info"].strip().split()
    return f"{match['indent']}{match['fence']}{fence_info(words[0] if words else '', first_code_line)}"


def fence_info(lang: str, first_code_line: str = "") -> str:
    """Info string of a fence of ``lang`` in an imported post: the language word (``text`` for a bare
    fence, ``pycon`` for a bare one that starts with ``>>>``), then ``norun``, whatever the language."""
    lang = _LANG_SAFE.sub("", lang.strip().lower())
    if not lang:
        lang = "pycon" if first_code_line.lstrip().startswith(">>>") else "text"
    return f"{lang} {NORUN}"


def code_block(code: str, lang: str = "") -> str:
    """A fenced block holding ``code`` verbatim, with a fence longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    body = code.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return f"{fence}{fence_info(lang, body.lstrip())}\n{body}\n{fence}"


def inline(text: str, limit: int | None = None) -> str:
    """One line of plain text as Markdown that shows exactly that text."""
    flat = " ".join(str(text).split())
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    escaped = _INLINE_SPECIAL.sub(r"\\\1", flat)
    return _BRACKETS.sub(lambda match: f"&#{ord(match.group())};", escaped)


def code_span(text: str, limit: int | None = None) -> str:
    """One line of plain text as a Markdown code span that shows exactly that text: nothing inside a code span
    is escaped (a backslash would show), so the span is fenced with more backticks than it holds."""
    flat = " ".join(str(text).split())
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    if not flat:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat[0] == "`" or flat[-1] == "`" else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def note(kind: str, text: str) -> str:
    """A quote marked ``> [!KIND]``: ``IMPORTED`` for what the importer says of a turn (shown as "Note from the
    import"), ``NOTE`` for what the user asked to show as a note (custom instructions)."""
    body = "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))
    return f"> [!{kind.upper()}]\n{body}"


def as_blocks(text: str, pattern: "re.Pattern[str]", render: Callable[["re.Match[str]"], str]) -> str:
    """``text`` with each match of ``pattern`` replaced by ``render(match)`` as a block of its own: one blank line
    before and after it, never a run of them (the text around keeps its own lines)."""
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces += [text[last:match.start()], render(match)]
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "\n\n".join(p.strip("\n") for p in pieces if p.strip())


def reasoning(markdown: str, title: str = "") -> str:
    """The model's reasoning as a ``> [!REASONING]`` block: shown collapsed in its turn with its Markdown intact
    (``markdown.reasoning.reasoning_plugin``), never as an annotation of the author's. ``title`` is one line of plain
    text after the marker (ChatGPT's "Thought for 9 seconds", Claude's summary)."""
    head = " ".join(f"> [!REASONING] {' '.join(str(title).split())[:120]}".split())
    body = markdown.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()
    if not body.strip():
        return head
    return "\n".join([head, ">", *(f"> {line}" if line.strip() else ">" for line in body.split("\n"))])


def link(title: str, url: str) -> str:
    """A Markdown link for an http(s) URL from an export; anything else is shown as text."""
    label = inline(title or url, 200)
    if not re.match(r"^https?://[^\s<>]+$", url or ""):
        return label + (f" ({inline(url, 200)})" if url else "")
    safe = url.replace("(", "%28").replace(")", "%29")
    return f"[{label}]({safe})"
