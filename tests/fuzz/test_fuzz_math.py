"""Our math rules (site_builder/markdown/mathrules.py) parse what mdit-py-plugins' rules parsed here before them, in
linear work: dollarmath (``$…$``, ``$$…$$``) and texmath ("brackets": ``\\(…\\)``, ``\\[…\\]``), their block
rules cut at the end of the quote or list item they start in, as mathml.py cut them (``cut_at_container``).

The property builds text from math delimiters, escapes, digits, spaces of every kind and the Markdown around
math (emphasis, links, code, tables, lists, quotes, footnotes), or from lines of block math in quotes and
lists, and compares every token, the HTML and the warnings with the plugins' rules; the real posts and
exports we hold must come out the same too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.texmath import texmath_plugin
from mdit_py_plugins.texmath.index import make_inline_func

from fuzz_support import examples
from site_builder.markdown.core import create_markdown, render_markdown
from site_builder.markdown.mathrules import holds_tex
from test_fuzz_blockquotes import shape

ROOT = Path(__file__).resolve().parents[2]

PLUGINS = (MarkdownIt("commonmark")
           .use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True, allow_labels=False)
           .use(texmath_plugin, delimiters="brackets"))


def cut_at_container(rule: Any) -> Any:
    """A plugin block rule that looks for its closing line only up to the first non-empty line indented less
    than the block, unless a line holding ``$$`` or ``\\]`` comes first: how mathml.py wrapped them."""
    def cut(state: Any, start: int, end: int, silent: bool) -> bool:
        line = start + 1
        while line < end:
            first, last = state.bMarks[line] + state.tShift[line], state.eMarks[line]
            if first < last:
                if state.sCount[line] < state.blkIndent:
                    end = line
                    break
                if "$$" in state.src[first:last] or "\\]" in state.src[first:last]:
                    break
            line += 1
        return rule(state, start, end, silent)
    return cut


def without_wrap_around(rule: Any) -> Any:
    """dollarmath's inline rule as it was meant: looking before the start of the text, for a digit or a
    backslash, it read the text's last character (``src[-1]``), so ``$n$ is at least 5`` showed no math. Ours
    reads nothing there; the reference is given the text with a space after it, which changes only those
    reads (every other read past the end was an IndexError that the rule took for "no", as a space is)."""
    def fixed(state: Any, silent: bool) -> bool:
        src = state.src
        state.src = src + " "
        try:
            return rule(state, silent)
        finally:
            state.src = src
    return fixed


DISPLAY_BRACKETS = {"name": "math_inline_double", "rex": re.compile(r"^\\\[(.+?)\\\]", re.DOTALL), "tmpl": "",
                    "tag": "\\["}
TEXMATH_DISPLAY_BRACKETS = make_inline_func(DISPLAY_BRACKETS)


def display_brackets_inline(state: Any, silent: bool) -> bool:
    """``\\[…\\]`` inside a paragraph's text, as texmath reads ``\\(…\\)`` there, when it holds TeX
    (``holds_tex``): display math (ours read it there since issue 22; the plugins read only lines opening with
    ``\\[``, and escaped both brackets elsewhere)."""
    match = DISPLAY_BRACKETS["rex"].match(state.src[state.pos:])
    return match is not None and holds_tex(match[1]) and TEXMATH_DISPLAY_BRACKETS(state, silent)


def plugin_math(md: MarkdownIt) -> MarkdownIt:
    """``md`` with the plugins' math rules in place of ours, in the same places of the chains (dollarmath's
    without its wrap-around: ``without_wrap_around``), and texmath's inline rule made for ``\\[…\\]``."""
    dollars, brackets = [rule.fn for rule in PLUGINS.inline.ruler.__rules__ if rule.name == "math_inline"]
    dollars = without_wrap_around(dollars)
    md.inline.ruler.at("math_inline", dollars)
    md.inline.ruler.after("math_inline", "math_inline_brackets", brackets)
    md.inline.ruler.after("math_inline_brackets", "math_inline_display_brackets", display_brackets_inline)
    dollar_block, labelled, bracket_block = [cut_at_container(rule.fn) for rule in PLUGINS.block.ruler.__rules__
                                             if rule.name.startswith("math_block")]
    md.block.ruler.at("math_block", dollar_block)
    md.block.ruler.after("math_block", "math_block_eqno", labelled)
    md.block.ruler.after("math_block_eqno", "math_block_brackets", bracket_block)
    return md


OURS = create_markdown()
THEIRS = plugin_math(create_markdown())

PIECES = ["$", "$", "$$", "$$", "\\(", "\\)", "\\[", "\\]", "\\", "\\\\", "\\$", "x", "a b", "1", "²", " ", "  ",
          "\t", "\n", "\n", "\n\n", "\n> ", "\n>> ", ">", "\n- ", "\n  ", "\n    ", "\n1. ", "(1)", "(eq 2)", "(",
          ")", "*", "_", "**", "[", "](u)", "]", "![", "`", "|", "\n| a | b |\n|---|---|\n", "\xa0", "\x1c",
          "\u2003", "\u2028", "\x85", "\r\n", "\r", "\0", "{", "}", "^", "<", "&amp;", "#", "\n# ", "\n```\n",
          "\n---\n", "[^1]", "\n[^1]: ", "\n> [!NOTE]\n> ", "$x$", "$$x$$", "\\(x\\)", "\\[x\\]", "\\[x^2\\]",
          "\\[ [a](u) \\]", "\\frac{1}{2}", "$5", "5$"]
PREFIXES = ["", "", "> ", ">", ">> ", "> > ", "- ", "  ", "    ", "   ", "1. ", "> - ", "- > ", "  - ", "\t"]
CONTENTS = ["", "$$", "$$", "$$ x $$", "$$x", "x$$", "x $$ ", "a $$ b", "\\[", "\\]", "\\[ x \\]", "\\[ x \\] (1)",
            "\\[x", "x\\]", "(1)", "x", "y z", "$x$", "\\(x", "x\\)", "[^1]: $$", "[^1]", "```", "# h", "---",
            "| a | b |", "|---|---|", "> [!NOTE]", "<div>"]
LINE = st.tuples(st.sampled_from(PREFIXES), st.sampled_from(CONTENTS)).map("".join)
TEXT = st.one_of(st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
                 st.lists(LINE, max_size=30).map("\n".join))


def assert_same(text: str) -> None:
    """The same tokens and HTML, the same warnings (at the same lines, but where texmath's ``\\[…\\]`` blocks
    carried no lines: ours carry them, and the old warnings found them by searching the text)."""
    ours, theirs = OURS.parse(text, {}), THEIRS.parse(text, {})
    brackets = [token for token in ours if token.block and token.markup == "\\["]
    for token in brackets:
        assert token.map and token.map[0] < token.map[1], text
        token.map = None
    assert shape(ours) == shape(theirs), text
    ours_rendered, theirs_rendered = render_markdown(OURS, text), render_markdown(THEIRS, text)
    assert ours_rendered.html == theirs_rendered.html, text
    if brackets:
        assert [w.message for w in ours_rendered.warnings] == [w.message for w in theirs_rendered.warnings], text
    else:
        assert ours_rendered.warnings == theirs_rendered.warnings, text


@settings(max_examples=examples(full=50_000, short=1_500), deadline=None)
@given(TEXT)
def test_math_parses_as_the_plugins_parse_it(text: str) -> None:
    assert_same(text)


@pytest.mark.parametrize("text", [
    "\\(a\\) and \\(b", "\\(\\)x\\)", "\\(a\\\\)", "$x$ a\\", "\\$x$ \\", "$x$ 5", "$$x$$5", "$$ x $$", "$ x$",
    "$x $", "$$$$", "$$$", "$\\$$", "\\\\$x$", "a$b$c", "²$x$", "$x$²", "$$a$b$$", "$$a\\$$b$$",
    "\\[ x \\] (1)", "\\[ x \\]\n\n(1)", "\\[ x \\] (a$b)", "\\[ x \\[ y \\] (1)", "\\[\\] (1)", "\\[\n\\]",
    "$$\nx\n$$", "$$ x\ny $$", "$$x$$ y", "$$ a $$ b\nc $$", "$$\n\n\nx\n$$", "$$\u00a0x\u00a0$$\u00a0",
    "> $$\n> x\nlazy $$\n", "> \\[\n> x\nlazy \\]\n", "- $$\n  x\n$$", "- \\[\n  x\n\\]", "- $$\n  a $$ b\nx\n$$",
    "- \\[a\n\n  \\[b\n\nx\n\\]", "> \\[a\n>\n> \\[b\nlazy\n\\]", "[\\(](u) \\)", "*\\(*\\)", "`\\(` \\)",
    "| \\( | $a |\n|---|---|\n| \\) | $ |", "[^1]: $$\n    x\n$$\n\n[^1]", "    $$\n    x\n    $$",
])
def test_hard_cases_parse_as_the_plugins_parse_them(text: str) -> None:
    assert_same(text)


def json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def real_texts() -> list[str]:
    """Every Markdown post we hold, and every message of the exports we hold that holds a math delimiter."""
    folders = [ROOT / "content", ROOT / "tests" / "fixtures", ROOT.parent / "shared"]
    texts = [path.read_text(encoding="utf-8", errors="replace") for folder in folders
             for pattern in ("*.md", "*.mdx", "*.markdown") for path in folder.rglob(pattern)]
    for path in [path for folder in folders for pattern in ("*.json", "*.jsonl") for path in folder.rglob(pattern)]:
        texts += [text for text in json_strings(json_values(path.read_text(encoding="utf-8", errors="replace")))
                  if any(delimiter in text for delimiter in ("$", "\\(", "\\["))]
    return texts


def json_values(text: str) -> list[Any]:
    """The JSON document ``text``, or the documents of its lines (JSON Lines; a line that is not JSON, as in
    the hostile exports, is left out)."""
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    values = []
    for line in text.splitlines():
        try:
            values.append(json.loads(line))
        except ValueError:
            continue
    return values


def test_real_posts_and_messages_parse_as_the_plugins_parse_them() -> None:
    texts = real_texts()
    assert len(texts) > 100 and sum("$" in text for text in texts) > 20
    for text in texts:
        assert_same(text)
