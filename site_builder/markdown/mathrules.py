"""Math delimiters found in linear time: ``$…$``, ``$$…$$``, ``\\(…\\)`` and ``\\[…\\]``, inline and as blocks.

These rules parse what mdit-py-plugins' rules parsed here until now — dollarmath (``allow_space=False,
allow_digits=False, double_inline=True, allow_labels=False``) and texmath (``delimiters="brackets"``) —
into the same tokens, quirks included (see ``_escaped``), but that ``\\[…\\]`` blocks carry their lines, and
that ``\\[…\\]`` holding TeX inside a paragraph's text is display math (``math_inline_double``), where
texmath left two escaped brackets ("[ x^2 ]").
Those rules searched the rest of the text for a closing delimiter at every opening one, and texmath copied
the rest of the text first: 100 kB of ``\\(`` took 22 s to render, of ``\\[`` lines over 90 s. Here each kind
of closing delimiter is listed once per text (``Offsets``, kept in ``env["math_offsets"]``) and every
opening one finds its closing one by a binary search. ``tests/fuzz/test_fuzz_math.py`` compares the tokens
with the plugins' on generated and real posts; ``tests/test_math.py`` times 100 kB of each shape that was
slow and counts the characters listed.

A block's closing line must lie inside the quote or list item it starts in, as a fence's does: a non-empty
line indented less than the block (a quote's lazy line, the line after a list item) ends the search,
unless a line holding ``$$`` or ``\\]`` comes first (``_within_container``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Callable

from markdown_it.common.utils import isWhiteSpace
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

_TEX_SIGN = re.compile(r"[\\^_={}+]")
"""What makes ``\\[…\\]`` in a paragraph's text a formula (``holds_tex``)."""
_EQUATION_LABEL = re.compile(r"\s*\(([^)$\r\n]+)\)")
"""What may follow ``\\[…\\]`` as its label: ``\\[ x \\] (1)``, the label on one line."""


@dataclass(frozen=True, slots=True)
class Offsets:
    """Where one kind of delimiter lies in a text, listed once for all the delimiters that open there."""
    text: str
    at: tuple[int, ...]
    """Sorted offsets in ``text``."""

    def after(self, start: int) -> int:
        """The first offset at or after ``start``, or -1."""
        index = bisect_left(self.at, start)
        return self.at[index] if index < len(self.at) else -1

    def holds(self, offset: int) -> bool:
        """Whether ``offset`` is one of them."""
        index = bisect_left(self.at, offset)
        return index < len(self.at) and self.at[index] == offset


def _matches(pattern: str, flags: int = 0) -> Callable[[str], tuple[int, ...]]:
    compiled = re.compile(pattern, flags)
    return lambda text: tuple(match.start() for match in compiled.finditer(text))


def _unescaped_dollars(text: str) -> tuple[int, ...]:
    """Every ``$`` of ``text`` that no backslash escapes, as dollarmath counts them (``_escaped``)."""
    found = []
    at = text.find("$")
    while at >= 0:
        if not _escaped(text, at):
            found.append(at)
        at = text.find("$", at + 1)
    return tuple(found)


def _escaped(text: str, at: int) -> bool:
    """Whether an odd number of backslashes precede ``text[at]``. (dollarmath, counting them, went on past
    the start of the text at its last character: ``$x$`` was escaped in ``$x$ a\\``.)"""
    start = at
    while start > 0 and text[start - 1] == "\\":
        start -= 1
    return (at - start) % 2 == 1


def _unescaped_double_dollars(text: str) -> tuple[int, ...]:
    return tuple(at for at in _unescaped_dollars(text) if text.startswith("$", at + 1))


_FINDERS: dict[str, Callable[[str], tuple[int, ...]]] = {
    "$": _unescaped_dollars,
    "$$": _unescaped_double_dollars,
    "\\)": _matches(r"\\\)"),
    "\\]": _matches(r"\\\]"),
    "\\[ or \\]": _matches(r"\\[\[\]]"),
    "$$ ending a line": _matches(r"\$\$[^\S\n]*$", re.MULTILINE),
    "$$ or \\]": _matches(r"\$\$|\\\]"),
    "TeX sign": _matches(_TEX_SIGN.pattern),
    "](": _matches(r"\]\("),
}


def offsets(env: dict[str, Any], kind: str, text: str) -> Offsets:
    """The offsets of ``kind`` (a key of ``_FINDERS``) in ``text``, listed at the first call for that text."""
    memo = env.setdefault("math_offsets", {})
    found = memo.get(kind)
    if found is None or found.text is not text:
        found = memo[kind] = Offsets(text, _FINDERS[kind](text))
    return found


# --- inline: $…$, $$…$$, \(…\), \[…\] ------------------------------------------------------------------------

def math_inline(state: StateInline, silent: bool) -> bool:
    """``$…$``, ``$$…$$``, ``\\(…\\)`` or ``\\[…\\]`` at ``state.pos``."""
    if state.src[state.pos] == "$":
        return _dollar_inline(state, silent)
    if state.src[state.pos:state.pos + 2] in _BRACKETS_INLINE:
        return _bracket_inline(state, silent)
    return False


def _dollar_inline(state: StateInline, silent: bool) -> bool:
    """``$…$`` or ``$$…$$``: no space after the opening ``$`` nor before a closing single one, no digit before
    the opening ``$`` nor after the closing one (prices), neither escaped, something inside."""
    src, start = state.src, state.pos
    if start + 1 >= len(src) or isWhiteSpace(ord(src[start + 1])):
        return False
    if (start > 0 and src[start - 1].isdigit()) or not offsets(state.env, "$", src).holds(start):
        return False  # (at start 0 dollarmath read the text's last character: `$n$ is at least 5` was no math)
    double = src[start + 1] == "$"
    if double:
        closing = offsets(state.env, "$$", src).after(start + 2)
        end = closing + 1 if closing >= 0 else -1
    else:
        end = offsets(state.env, "$", src).after(start + 1)
    if end < 0 or (not double and isWhiteSpace(ord(src[end - 1]))):
        return False
    if end + 1 < len(src) and src[end + 1].isdigit():
        return False
    content = src[start + 2:end - 1] if double else src[start + 1:end]
    if not content:
        return False
    if not silent:
        token = state.push("math_inline_double" if double else "math_inline", "math", 0)
        token.content = content
        token.markup = "$$" if double else "$"
    state.pos = end + 1
    return True


_SHORT = 256
"""Within this many characters of a text's end, an opening bracket's closing one is found by reading them
(``str.find``): the same offset as ``offsets`` gives (a closing bracket cannot overlap another), without listing
them for a text of a few characters (a post of 25,000 one-line ``\\[`` paragraphs spent 0.7 s doing that)."""
_BRACKETS_INLINE = {"\\(": ("\\)", "math_inline"), "\\[": ("\\]", "math_inline_double")}
"""An opening bracket in a paragraph's text: its closing one, and the token it makes."""


def holds_tex(content: str) -> bool:
    """Whether ``\\[content\\]`` in a paragraph's text is a formula: it holds a backslash, ``^``, ``_``, ``=``,
    ``+`` or a brace, and no Markdown link. Markdown writes a literal bracket as ``\\[``: a citation ``\\[1\\]``
    or a link in brackets (``\\[ [Next](q32.md) \\]``, in real posts) stays brackets."""
    return _TEX_SIGN.search(content) is not None and "](" not in content


def _holds_tex(env: dict[str, Any], text: str, start: int, end: int) -> bool:
    """``holds_tex(text[start:end])``, from the signs and links listed once per text: the ``\\[`` of a paragraph
    that all close at one ``\\]`` would each search the text up to it."""
    sign, link = offsets(env, "TeX sign", text).after(start), offsets(env, "](", text).after(start)
    return 0 <= sign < end and not 0 <= link < end - 1


def _bracket_inline(state: StateInline, silent: bool) -> bool:
    """``\\(…\\)``, or ``\\[…\\]`` (display math, as ``$$…$$`` is: ``The circle is \\[ x^2+y^2=r^2 \\] in the
    plane.``): closed by the first closing bracket after at least one character, anywhere in the text (as
    texmath had ``\\(`` and a ``\\[`` line, even past the end of a link's text). texmath read ``\\[`` only
    opening a line; elsewhere its backslash escaped the bracket: "[ x^2+y^2=r^2 ]"."""
    src, start = state.src, state.pos
    opening = src[start:start + 2]
    closer, kind = _BRACKETS_INLINE[opening]
    if len(src) - start <= _SHORT:  # read directly: listing offsets costs more than these few characters
        closing = src.find(closer, start + 3)
        formula = closing >= 0 and (opening == "\\(" or holds_tex(src[start + 2:closing]))
    else:
        closing = offsets(state.env, closer, src).after(start + 3)
        formula = closing >= 0 and (opening == "\\(" or _holds_tex(state.env, src, start + 2, closing))
    if not formula:
        return False
    if not silent:
        token = state.push(kind, "math", 0)
        token.content = src[start + 2:closing]
        token.markup = opening
    state.pos = closing + 2
    return True


# --- blocks: $$…$$, \[…\], \[…\] (label) ---------------------------------------------------------------------

def math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line opening with ``$$`` or ``\\[``."""
    opening = state.bMarks[start] + state.tShift[start]
    if state.src.startswith("$$", opening):
        return _dollar_block(state, start, end, silent)
    if state.src.startswith("\\[", opening):
        return _bracket_block(state, start, end, silent, labelled=True) or _bracket_block(
            state, start, end, silent, labelled=False)
    return False


def _dollar_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``$$ x $$`` on one line, or ``$$`` closed by the next line that ends with ``$$`` (a ``$$`` elsewhere in
    the opening line refuses it)."""
    if state.is_code_block(start):
        return False
    opening, line_end = state.bMarks[start] + state.tShift[start], state.eMarks[start]
    if opening + 2 > line_end:
        return False
    text = state.src[opening:line_end].strip()
    if len(text) > 3 and text.endswith("$$"):
        closing = start
    elif len(text) > 3 and "$$" in state.src[opening + 2:line_end]:
        return False
    else:
        closing = _dollar_closing_line(state, start, end)
        if closing < 0 or not _within_container(state, start, end, closing):
            return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block = True
        token.content = _dollar_block_content(state, start, closing)
        token.markup = "$$"
        token.map = [start, closing + 1]
    state.line = closing + 1
    return True


def _dollar_closing_line(state: StateBlock, start: int, end: int) -> int:
    """The first line after ``start`` (and before ``end``) whose text ends with ``$$``, or -1."""
    candidates = offsets(state.env, "$$ ending a line", state.src)
    at = candidates.after(state.eMarks[start])
    while at >= 0:
        line = bisect_left(state.eMarks, at, start + 1, end)
        if line >= end:
            return -1
        if _line_text(state, line).strip().endswith("$$"):
            return line
        at = candidates.after(state.eMarks[line])  # its $$ lies before the line's text (never seen)
    return -1


def _line_text(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]


def _closing_end(text: str, line_end: int) -> int:
    """Where the math ends in a line ``text`` closed by ``$$`` (as dollarmath counts: the spaces stripped
    before the text count too)."""
    return line_end - 2 - (len(text) - len(text.strip()))


def _dollar_block_content(state: StateBlock, start: int, closing: int) -> str:
    """The lines from after the opening ``$$`` to before the closing one, without the prefixes of the quote
    or list they are in (their indentation kept)."""
    src, opening = state.src, state.bMarks[start] + state.tShift[start]
    end = _closing_end(_line_text(state, closing), state.eMarks[closing])
    if closing == start:
        return src[opening + 2:end]
    lines = [src[opening + 2:state.eMarks[start]]]
    lines += [src[state.bMarks[line]:state.eMarks[line]] for line in range(start + 1, closing)]
    return "\n".join([*lines, src[state.bMarks[closing]:end]])


def _bracket_block(state: StateBlock, start: int, end: int, silent: bool, labelled: bool) -> bool:
    """``\\[…\\]`` as texmath reads it: closed by the first ``\\]`` after at least one character, or, with a
    label (``\\[ x \\] (1)``), by the first ``\\]`` before any other ``\\[``. Its last character must lie
    in a line before ``end``, not in a quote's ``>``."""
    src, opening = state.src, state.bMarks[start] + state.tShift[start]
    if labelled:
        closing = offsets(state.env, "\\[ or \\]", src).after(opening + 2)
        if closing <= opening + 2 or not src.startswith("\\]", closing):
            return False
        label = _EQUATION_LABEL.match(src, closing + 2)
        if label is None:
            return False
        last, info = label.end() - 1, label.group(1)
    else:
        closing = offsets(state.env, "\\]", src).after(opening + 3)
        if closing < 0:
            return False
        last, info = closing + 1, src[opening + 2:closing]
    line = bisect_left(state.eMarks, last, start, end)
    if line >= end or last < state.bMarks[line] or not _within_container(state, start, end, line):
        return False
    if not silent:
        token = state.push("math_block_eqno" if labelled else "math_block", "math", 0)
        token.block = True
        token.content = src[opening + 2:closing]
        token.info = info
        token.markup = "\\["
        token.map = [start, line + 1]  # texmath's carried none: the warnings need their line
    state.line = line + 1
    return True


# --- the container a block starts in ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Walked:
    """Lines walked in one container: ``(first, last]`` hold no outdented line, but perhaps ``last``."""
    first: int
    last: int
    outdented: bool
    """Whether line ``last`` is outdented (the walk stopped there)."""


def _within_container(state: StateBlock, start: int, end: int, closing: int) -> bool:
    """Whether a block opened at line ``start`` may close at line ``closing``: no non-empty line between
    them is indented less than the block, or a line holding ``$$`` or ``\\]`` comes before the first one
    that is (the search for a closing line stopped there)."""
    if closing == start:
        return True
    held = offsets(state.env, "$$ or \\]", state.src).after(state.eMarks[start])
    last = closing if held < 0 else bisect_left(state.eMarks, held, start + 1, closing)
    return not _outdented_line(state, start, end, last)


def _outdented_line(state: StateBlock, start: int, end: int, last: int) -> bool:
    """Whether a non-empty line in ``(start, last]`` is indented less than the block. What the walks found is
    kept per container (``env["math_walked"]``), for the next block in it: ``\\[`` lines that all fail on
    the same lazy line would walk to it one after the other."""
    memo = state.env.get("math_walked")
    if memo is None or memo[0] is not state.src:
        memo = state.env["math_walked"] = (state.src, {})
    container = (state.level, state.blkIndent, state.parentType, state.lineMax, end)
    walked = memo[1].get(container)
    if walked is None or not walked.first <= start < walked.last:
        walked = _Walked(start, start, False)
    if walked.outdented:
        return walked.last <= last
    line = walked.last
    while line < last and not _outdented(state, line + 1):
        line += 1
    outdented = line < last
    memo[1][container] = _Walked(walked.first, line + 1 if outdented else line, outdented)
    return outdented


def _outdented(state: StateBlock, line: int) -> bool:
    return state.bMarks[line] + state.tShift[line] < state.eMarks[line] and state.sCount[line] < state.blkIndent
