"""Blockquotes in bounded time: markdown-it's blockquote rule, nested at most ``QUOTE_DEPTH`` deep and parsed
on a window of lines first (used by the turn scan and the render alike, so they agree on every quote).

markdown-it finds a quote's extent *before* it parses the inside: it walks every following line that starts
with ``>`` or may continue a paragraph lazily, to the end of the run, and the parse inside then stops where
the quote really ends. ``>>> `` alternating with lines of text made each of 1,000 quotes walk to the end of
the post (4 s for 40 kB). So a quote is first parsed up to its first lazy line (a line without its ``>``);
when the parse stops before the window's end, the result is the one the whole run gives (every rule decided
on lines inside the window, which the walk left exactly as the whole walk would); otherwise the tokens are
dropped and the window grows ``QUOTE_GROWTH`` times, up to the whole run. Windows count runs of lazy lines,
not lines: a paragraph that takes the first line of a run takes the run (a quote ten deep over 8,000 lazy
lines was tried six times when windows counted lines).

A quote inside a quote is parsed again with each try of its parent, and tries at every level would multiply
(ten levels, each continuing the paragraph of the one inside it: 1.5 million lines walked for 121). So the
parse remembers what each quote's tries found (``_Memo``): a quote that ended inside its window is put back
as it was (its tokens and definitions: the lines it read are the same in every try of its parents), and one
that reached its parent's window end is next parsed on the whole run at once. Each level then costs a
constant number of walks over its parent's window. ``tests/fuzz/test_fuzz_blockquotes.py`` compares every
token with markdown-it's own rule on generated and real posts, and counts the lines walked;
``docs/upstream/blockquote-lazy-lines.md`` writes the slow shape up for markdown-it-py.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

QUOTE_DEPTH = 10
"""Blockquotes nest this deep at most; a deeper ``>`` is text in the innermost one. markdown-it's blockquote
rule checks every open quote again on each line (a 56 kB post of lines 20 quotes deep took 5 s to read),
and past its nesting limit (20) it dropped the text altogether."""

QUOTE_WINDOW = 1
"""Runs of lazy lines (lines without this quote's ``>``) a quote is first parsed up to: most end at the first."""

QUOTE_GROWTH = 8
"""How much the window (counted in runs of lazy lines) grows after a try that reached its end."""

_ENV_TABLES = (("references",), ("footnotes", "refs"))
"""The ``env`` dicts a block rule adds to (first definition wins, so a dropped try must take its own back)."""


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A quote that ended inside its window: what to put back when a parent's next try reaches it."""
    window: int
    line: int
    tokens: tuple[Token, ...]
    definitions: tuple[tuple[tuple[str, ...], str, Any], ...]
    tables: tuple[tuple[str, ...], ...]
    """The ``env`` entries its parse created: ``("references",)``, or ``("footnotes", "refs", "list")`` for an
    entry holding tables."""


@dataclass(frozen=True, slots=True)
class _Reached:
    """A quote whose parse reached ``end``: with a longer run, parse it on the whole run at once."""
    end: int


@dataclass(slots=True)
class _Memo:
    """What the quotes of one parse found, by position: start line, nesting, indent, enclosing quotes."""
    found: dict[tuple[Any, ...], _Parsed | _Reached] = field(default_factory=dict)
    enclosing: tuple[int, ...] = ()


_QUOTE_ALT = ["paragraph", "reference", "blockquote", "list"]
"""The rules a quote may interrupt: markdown-it's ``alt`` for its blockquote rule (``parser_block.py``)."""


def capped_blockquotes(md: MarkdownIt) -> MarkdownIt:
    """``md`` with the bounded blockquote rule in place of markdown-it's (see the module docstring), which it
    calls: the rule ``md`` runs as ``blockquote`` now (markdown-it's own, ``rules_block.blockquote``, unless
    something replaced it, as the work tests do to count the lines it walks)."""
    quote = dict(zip(md.block.ruler.get_active_rules(), md.block.ruler.getRules("")))["blockquote"]

    def blockquote(state: Any, start: int, end: int, silent: bool) -> bool:
        if state.level >= QUOTE_DEPTH or not quote(state, start, end, True):
            return False
        if silent:
            return True
        memo = _memo(state)
        key = (start, state.level, state.blkIndent, state.parentType, memo.enclosing)
        seen = memo.found.get(key)
        if isinstance(seen, _Parsed) and seen.window <= end:
            _put_back(state, seen)
            return True
        memo.enclosing, enclosing = memo.enclosing + (start,), memo.enclosing
        try:
            memo.found[key] = _parse(state, quote, start, end, isinstance(seen, _Reached) and seen.end < end)
        finally:
            memo.enclosing = enclosing
        return True

    md.block.ruler.at("blockquote", blockquote, {"alt": list(_QUOTE_ALT)})
    return md


def _parse(state: Any, quote: Callable[..., bool], start: int, end: int, whole: bool) -> _Parsed | _Reached:
    """Parse the quote at ``start`` in growing windows (or on the whole run), leaving its tokens in ``state``."""
    lazy, window = QUOTE_WINDOW, start + 1
    while True:
        window = end if whole else _after_lazy_lines(state, window, end, lazy)
        mark = _Mark.of(state)
        quote(state, start, window, False)
        if state.line < window:
            return mark.parsed(state, window)
        if window >= end:
            return _Reached(end)
        mark.undo(state)
        lazy *= QUOTE_GROWTH


def _memo(state: Any) -> _Memo:
    """The memo of this parse, kept in ``env["blockquote_memo"]`` with (a weak reference to) the state of the
    parse it belongs to: one parse, one state, so an ``env`` used for another parse gets a fresh memo."""
    kept = state.env.get("blockquote_memo")
    if kept is None or kept[0]() is not state:
        kept = state.env["blockquote_memo"] = (weakref.ref(state), _Memo())
    return kept[1]


def _after_lazy_lines(state: Any, line: int, end: int, count: int) -> int:
    """The line after the first line of the ``count``-th run of lazy lines from ``line`` on (lines without this
    quote's ``>``, the first not already lazy in an enclosing quote), or ``end`` (also when a blank line comes
    first: the quote's own walk stops there, so the whole run costs no more than a window).

    Only the first line of a run can end the quote: a paragraph that takes it lazily takes the rest of the run
    (markdown-it continues a paragraph over every lazy line), and anything else ends the quote there."""
    src, b_marks, t_shift, e_marks, s_count, indent = (state.src, state.bMarks, state.tShift, state.eMarks,
                                                       state.sCount, state.blkIndent)
    quoted = True  # the line before ``line`` (the quote's first, or a window's last) counts as quoted
    while line < end:
        pos = b_marks[line] + t_shift[line]
        if pos >= e_marks[line]:
            return end  # the quote's walk stops here whatever the window
        if s_count[line] >= 0 and src[pos] == ">" and s_count[line] >= indent:
            quoted = True
        elif quoted:
            quoted = False
            if s_count[line] >= 0:
                count -= 1
                if count == 0:
                    return line + 1
        line += 1
    return end


@dataclass(frozen=True, slots=True)
class _Mark:
    """Where ``state`` stood before a try: its tokens, line, and the size of each ``env`` table."""
    tokens: int
    line: int
    level: int
    sizes: tuple[int | None, ...]

    @classmethod
    def of(cls, state: Any) -> _Mark:
        sizes = tuple(None if (table := _env_table(state.env, path)) is None else len(table) for path in _ENV_TABLES)
        return cls(len(state.tokens), state.line, state.level, sizes)

    def added(self, state: Any) -> list[tuple[tuple[str, ...], str, Any]]:
        """The definitions added to ``env`` since the mark, in the order they were added."""
        found = []
        for path, size in zip(_ENV_TABLES, self.sizes):
            table = _env_table(state.env, path)
            if table is not None:
                new = list(islice(reversed(table.items()), len(table) - (size or 0)))
                found.extend((path, key, value) for key, value in reversed(new))
        return found

    def parsed(self, state: Any, window: int) -> _Parsed:
        tables = tuple(path[:1] + (tuple(state.env[path[0]]) if len(path) > 1 else ())
                       for path, size in zip(_ENV_TABLES, self.sizes)
                       if size is None and isinstance(state.env.get(path[0]), dict))
        return _Parsed(window, state.line, tuple(state.tokens[self.tokens:]), tuple(self.added(state)), tables)

    def undo(self, state: Any) -> None:
        """Take back what the try did (markdown-it's rule restores the line arrays itself)."""
        del state.tokens[self.tokens:]
        state.line, state.level = self.line, self.level
        for path, size in zip(_ENV_TABLES, self.sizes):
            if size is None:
                state.env.pop(path[0], None)
            elif (table := _env_table(state.env, path)) is not None:
                for key in list(islice(reversed(table), len(table) - size)):
                    del table[key]


def _put_back(state: Any, parsed: _Parsed) -> None:
    """Add a remembered quote's tokens and definitions to ``state`` as its parse did."""
    state.tokens.extend(parsed.tokens)
    state.line = parsed.line
    for created in parsed.tables:
        if created[0] not in state.env:
            state.env[created[0]] = {key: {} for key in created[1:]} if len(created) > 1 else {}
    for path, key, value in parsed.definitions:
        table = state.env
        for name in path:
            table = table.setdefault(name, {})
        table.setdefault(key, value)


def _env_table(env: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    node: Any = env
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None
