"""Our Markdown dialect (site_builder/markdown/) renders what mdit-py-plugins' ``gfm_plugin`` renders:
our autolink rules link what its ``gfm_autolink`` links, our table and bracket guards change nothing in
ordinary text.

We replaced that plugin because it is quadratic (tests/test_hostile.py has the inputs); the links must not
change. The property renders generated text full of URL pieces with both and compares the HTML; the
examples are the GFM spec's (https://github.github.com/gfm/#autolinks-extension-).
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.gfm import gfm_plugin

from fuzz_support import examples
from site_builder.markdown.core import create_markdown

OURS = create_markdown()
THEIRS = MarkdownIt("commonmark", {"html": False, "typographer": False}).use(gfm_plugin)

PIECES = ["http", "https", "://", ":", "/", "//", "www.", "www", "w", "mailto:", "xmpp:", "mailto", "@", ".", "_",
          "-", "~", "(", ")", "<", ">", ";", "&", "amp", "&amp;", "a", "B", "x1", "com", "org", ".org", " ", "\n",
          "\t", "*", "[", "]", "![", "](", "!", "?", ",", "'", '"', "é", "\u00a0", "中", "7", "+", "`", "\\", "#",
          "$", "%", "=", "|", "^", "a_b", "_a", ".a_b", "ex.co", "e.x.a.m.p.l.e.c.o.m", "\n| a | b |\n|---|---|\n",
          "| c |", "[^1]", "\n[^1]: x\n", "[x]: /u\n", "[x]", "- [ ] ", "> [!NOTE]\n> "]


@settings(max_examples=examples(full=20_000, short=400))
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_autolinks_match_mdit_py_plugins(text: str) -> None:
    assume("```" not in text and "~~~" not in text)  # fences render through our Pygments rule, not theirs
    assume(not any(opener in text for opener in ("$", "\\(", "\\[")))  # math is ours alone (mathml.py)
    assert links_and_text(OURS.render(text)) == links_and_text(THEIRS.render(text))


EVERY_W = create_markdown()
EVERY_W.inline.terminator_re = re.compile(OURS.inline.terminator_re.pattern.rsplit("|", 1)[0] + "|w")
"""Our dialect with the text rule stopping at every ``w``, as ``add_terminator_char("w")`` makes it."""


def test_the_text_rule_stops_at_a_w_only_where_www_starts() -> None:
    stops = OURS.inline.terminator_re
    assert [m.start() for m in stops.finditer("wow, www.x.org")] == [5]
    assert EVERY_W.inline.terminator_re.search("wow").start() == 0


@settings(max_examples=examples(full=5_000, short=300))
@given(st.lists(st.sampled_from(PIECES + ["wow", "W", "ww", "w.", "www.ex.com", "a www"]), max_size=30).map("".join))
def test_stopping_only_where_www_starts_changes_no_token(text: str) -> None:
    assert tokens_of(OURS, text) == tokens_of(EVERY_W, text)


def tokens_of(md: MarkdownIt, text: str) -> list[tuple[str, str, dict, list]]:
    return [(t.type, t.content, dict(t.attrs), [(c.type, c.content, dict(c.attrs)) for c in t.children or ()])
            for t in md.parse(text, {"line_offset": 1, "decorate": None, "highlight_budget": None,
                                     "heading_ids": set(), "links": None})]


def links_and_text(html: str) -> tuple[list[tuple[str, str]], str]:
    """What autolinking decides: every link (target, text) and the text around them. Our dialect adds its own
    markup elsewhere (heading anchors, alert titles, dir="ltr" on code), which is not the autolinker's business."""
    soup = BeautifulSoup(html, "html.parser")
    for ours in soup.select("a.heading-anchor, .markdown-alert-title"):  # alert titles: "Author's note"
        ours.decompose()
    return [(a.get("href"), a.get_text()) for a in soup.find_all("a")], " ".join(soup.get_text().split())


SPEC = {
    "www.commonmark.org": '<a href="http://www.commonmark.org">www.commonmark.org</a>',
    "Visit www.commonmark.org/help for more information.":
        'Visit <a href="http://www.commonmark.org/help">www.commonmark.org/help</a> for more information.',
    "Visit www.commonmark.org.": 'Visit <a href="http://www.commonmark.org">www.commonmark.org</a>.',
    "Visit www.commonmark.org/a.b.": 'Visit <a href="http://www.commonmark.org/a.b">www.commonmark.org/a.b</a>.',
    "www.google.com/search?q=Markup+(business)))":
        '<a href="http://www.google.com/search?q=Markup+(business)">www.google.com/search?q=Markup+(business)</a>))',
    "(www.google.com/search?q=Markup+(business))":
        '(<a href="http://www.google.com/search?q=Markup+(business)">www.google.com/search?q=Markup+(business)'
        '</a>)',
    "www.google.com/search?q=commonmark&hl;":
        '<a href="http://www.google.com/search?q=commonmark">www.google.com/search?q=commonmark</a>&amp;hl;',
    "www.commonmark.org/he<lp": '<a href="http://www.commonmark.org/he">www.commonmark.org/he</a>&lt;lp',
    "http://commonmark.org": '<a href="http://commonmark.org">http://commonmark.org</a>',
    "(Visit https://encrypted.google.com/search?q=Markup+(business))":
        '(Visit <a href="https://encrypted.google.com/search?q=Markup+(business)">'
        'https://encrypted.google.com/search?q=Markup+(business)</a>)',
    "foo@bar.baz": '<a href="mailto:foo@bar.baz">foo@bar.baz</a>',
    "hello@mail+xyz.example isn't valid, but hello+xyz@mail.example is.":
        'hello@mail+xyz.example isn’t valid, but <a href="mailto:hello+xyz@mail.example">'
        'hello+xyz@mail.example</a> is.'.replace("’", "'"),
    # The spec's a.b-c_d@a.b is linked from d@ here, as by mdit-py-plugins: the emphasis rule takes the `_`.
    "a.b-cd@a.b": '<a href="mailto:a.b-cd@a.b">a.b-cd@a.b</a>',
    "a.b-cd@a.b.": '<a href="mailto:a.b-cd@a.b">a.b-cd@a.b</a>.',
    "a.b-c_d@a.b-": "a.b-c_d@a.b-",
    "a.b-c_d@a.b_": "a.b-c_d@a.b_",
    "mailto:foo@bar.baz": '<a href="mailto:foo@bar.baz">mailto:foo@bar.baz</a>',
    "xmpp:foo@bar.baz/txt@bin.com": '<a href="xmpp:foo@bar.baz/txt@bin.com">xmpp:foo@bar.baz/txt@bin.com</a>',
    "xmpp:foo@bar.baz/txt/bin": '<a href="xmpp:foo@bar.baz/txt">xmpp:foo@bar.baz/txt</a>/bin',
    "a:b and no link": "a:b and no link",
    "javascript:alert(1)": "javascript:alert(1)",
}


@pytest.mark.parametrize("text", SPEC)
def test_gfm_spec_autolinks(text: str) -> None:
    assert OURS.render(text) == f"<p>{SPEC[text]}</p>\n"
