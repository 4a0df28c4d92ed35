"""Our blockquote rule (site_builder/markdown/blockquotes.py) parses what markdown-it's own rule parses, in linear work.

It tries each quote on a window of lines and keeps the result only when the quote ended inside it, and it puts
back what a quote found in an earlier try of its parent. The property builds posts from quote-heavy lines
(nesting, lazy lines, fences, lists, headings, definitions, footnotes, tables, math, alerts) and compares
every token and the HTML with markdown-it's rule (capped at the same depth); the real posts we have must come
out the same too. The work test counts the lines offered to markdown-it's rule, not seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.rules_block import blockquote as markdown_it_blockquote

from fuzz_support import examples
from site_builder.markdown.blockquotes import QUOTE_DEPTH, capped_blockquotes
from site_builder.conversation import block_tokens
from site_builder.markdown.core import create_markdown, render

ROOT = Path(__file__).resolve().parents[2]


def plain_quotes(md: MarkdownIt) -> MarkdownIt:
    """``md`` with markdown-it's blockquote rule again, capped at ``QUOTE_DEPTH`` as ours is."""
    rule = md.block.ruler.__rules__[md.block.ruler.__find__("blockquote")]

    def blockquote(state: Any, start: int, end: int, silent: bool) -> bool:
        return state.level < QUOTE_DEPTH and markdown_it_blockquote(state, start, end, silent)

    md.block.ruler.at("blockquote", blockquote, {"alt": list(rule.alt)})
    return md


OURS = create_markdown()
THEIRS = plain_quotes(create_markdown())
OURS_BLOCK = capped_blockquotes(MarkdownIt("commonmark").disable("inline"))
THEIRS_BLOCK = plain_quotes(MarkdownIt("commonmark").disable("inline"))

PREFIXES = ["", "", "> ", ">", ">> ", "> > ", ">>> ", ">>>> ", "  > ", "    > ", "- ", "- > ", "> - ", "1. > ",
            "   ", "    ", ">\t", "> >> "]
CONTENTS = ["", "a", "b c", "# h", "## h2", "---", "***", "===", "```", "```py", "~~~", "- item", "* x", "1. one",
            "2) two", "[a]: /u", "[a]: /u 'title'", "'title'", "[a]", "[b]: /v", "[^n]: note", "[^n]", "<div>",
            "</div>", "<!-- c", "-->", "| a | b |", "|---|---|", "| 1 | 2 |", "$$", "x^2", "[!NOTE]", "[!REASONING]",
            "    code", "\\>", ">", "> ", "text with `code`", "*em*"]
LINE = st.tuples(st.sampled_from(PREFIXES), st.sampled_from(CONTENTS)).map("".join)
POST = st.lists(LINE, max_size=40).map("\n".join)


def shape(tokens: list[Any]) -> list[tuple[Any, ...]]:
    return [(t.type, t.tag, t.map, t.content, t.level, t.info, t.markup, t.hidden, tuple(sorted((t.attrs or {}).items())),
             None if t.children is None else shape(t.children)) for t in tokens]


def assert_same(text: str) -> None:
    ours_env: dict[str, Any] = {}
    theirs_env: dict[str, Any] = {}
    assert shape(OURS.parse(text, ours_env)) == shape(THEIRS.parse(text, theirs_env)), text
    assert ours_env.get("references") == theirs_env.get("references")
    assert shape(OURS_BLOCK.parse(text)) == shape(THEIRS_BLOCK.parse(text))
    assert render(OURS, text) == render(THEIRS, text)


@settings(max_examples=examples(full=50_000, short=1_500), deadline=None)
@given(POST)
def test_quotes_parse_as_markdown_it_parses_them(text: str) -> None:
    assert_same(text)


@pytest.mark.parametrize("text", [
    ">>> \nx\n" * 50,  # the fuzz find: each quote used to walk to the end of the post
    "> a\n" + "b\n" * 200,  # one long lazy paragraph: every window try is dropped but the last
    "".join(">" * k + " w\n" for k in range(10, -1, -1)) * 10,  # a staircase: lazy at every level
    ">>> \n> x\n" * 40,  # quotes inside one long quote, each ending at its first lazy line
    "> [a]: /u\n'title\n" + "x\n" * 20 + "'\n\n[a]\n",  # a definition whose title outlasts the first windows
    "> [^n]: note\n" + "lazy\n" * 40 + "> more\n\n[^n]\n",  # a footnote defined in a quote that is tried again
    ">> [a]: /u\n> a\na\na",  # a definition put back when its parent is tried again (a fuzz find)
    "> $$\n> # h\na\n$$",  # block math looked past the quote for its closing line (a fuzz find)
    "- >> \nx\n" * 30,  # quotes in list items
    "> ```\n" + "> code\n" * 50 + "x\n> ```\n",  # a fence that a lazy line closes
])
def test_hard_cases_parse_as_markdown_it_parses_them(text: str) -> None:
    assert_same(text)


def test_real_posts_parse_as_markdown_it_parses_them() -> None:
    """Every Markdown post we hold (our content, the fixtures, the shared corpus of real posts)."""
    paths = [path for folder in (ROOT / "content", ROOT / "tests" / "fixtures", ROOT.parent / "shared")
             for pattern in ("*.md", "*.mdx", "*.markdown") for path in folder.rglob(pattern)]
    assert len(paths) > 20
    for path in paths:
        assert_same(path.read_text(encoding="utf-8", errors="replace"))


def counting_parser(offered: list[int], ours: bool) -> MarkdownIt:
    """A parser that adds to ``offered[0]`` the lines each call of markdown-it's blockquote rule may walk
    (its work, up to a constant), under our rule (``ours``) or alone."""
    md = MarkdownIt("commonmark")
    rule = md.block.ruler.__rules__[md.block.ruler.__find__("blockquote")]

    def counting(state: Any, start: int, end: int, silent: bool) -> bool:
        if not silent:
            offered[0] += end - start
        return markdown_it_blockquote(state, start, end, silent)

    md.block.ruler.at("blockquote", counting, {"alt": list(rule.alt)})
    return capped_blockquotes(md) if ours else md


def offered_lines(text: str, ours: bool = True) -> int:
    offered = [0]
    counting_parser(offered, ours).parse(text)
    return offered[0]


@pytest.mark.parametrize("unit", [
    ">>> \nx\n",  # 1,000 of these took 4 s with markdown-it's rule (each quote walked to the end of the post)
    ">" * 10 + " \nx\n",
    ">> # h\nx\n",
    ">>> \n> x\n",
    "".join(">" * k + " w\n" for k in range(10, -1, -1)),
    "- >> \nx\n",
])
def test_quote_work_grows_linearly(unit: str) -> None:
    """Four times the post, about four times the lines offered (markdown-it's rule alone: sixteen times)."""
    small, large = offered_lines(unit * 100), offered_lines(unit * 400)
    assert large <= 5 * small, (small, large)


def ladder(depth: int, lazy: int) -> str:
    """Quotes ``depth`` deep, each level's paragraph continued by ``lazy`` lines of its parent and closed by a
    heading there: every level is tried several times and ends inside its parent's tries."""
    text = ">" * depth + " a\n"
    for level in range(depth, 0, -1):
        outer = ">" * (level - 1)
        text += f"{outer} b\n" * lazy + f"{outer} # h\n{outer} p\n"
    return text


@pytest.mark.parametrize("text", [
    "".join(">" * k + " w\n" for k in range(10, -1, -1)) * 100,  # a staircase: each level reaches the end
    ladder(10, 10),  # each level ends inside its parent: put back, not parsed again (1.5 million lines if not)
    ladder(8, 40),
])
def test_nested_quotes_cost_no_more_than_a_constant_times_markdown_it(text: str) -> None:
    """Where markdown-it's rule is linear, ours stays within a constant of it: tries at every level would
    multiply (up to 2 ** 10 for quotes ten deep)."""
    assert offered_lines(text) <= 4 * offered_lines(text, ours=False)


def test_the_counting_sees_markdown_it_quadratic_walk() -> None:
    """The measure above can fail: markdown-it's rule alone offers each quote the rest of the post."""
    assert offered_lines(">>> \nx\n" * 400, ours=False) > 10 * offered_lines(">>> \nx\n" * 100, ours=False)


def test_block_tokens_use_the_same_rule() -> None:
    """The turn scan reads quotes as the render does (one rule for both)."""
    text = ">>> \nx\n" * 30
    assert shape(block_tokens(text)) == shape(OURS_BLOCK.parse(text))

