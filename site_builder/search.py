"""Full-text search, turn by turn: what is searched. One record per turn (its URL is ``posts/slug/#turn-N``, so a
hit lands on the turn), with its text as a reader sees it, its speaker's role and the post's tags (the search page
filters by both). Pagefind indexes them as pages (``search_pages``): one speaker's turns in one post, each turn a
sub-result. ``pagefind.py`` makes the index; the search page (``templates/search.html``, ``assets/search.js``)
loads it in the browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from html import unescape
from typing import Callable, Iterable

from site_builder.render import PostView, TurnView


@dataclass(frozen=True, slots=True)
class SearchRecord:
    url: str
    """Site-relative URL of the hit: ``posts/slug/#turn-3``, or the post for its introduction."""
    text: str
    """What is searched: the turn's text as a reader sees it (code included, controls left out)."""
    title: str
    """The post's title."""
    speaker: str
    """Who said it (empty for an introduction or an article)."""
    role: str
    """``user``, ``assistant``, ``system``, ``tool``; ``article`` for an introduction or an article."""
    tags: tuple[str, ...]
    language: str = ""
    """The post's ``lang:`` (its index: Pagefind cuts Chinese, Japanese and Thai into words by it), else that of
    a post written mostly in one of those (``unspaced_language``); empty for the site's language."""


@dataclass(frozen=True, slots=True)
class SearchPage:
    """What the index holds as one page: one speaker's turns in one post (a post's introduction is a page of its
    own, without a speaker), each turn a sub-result that lands on it. A page per turn made the index twice as
    slow to build (7,334 turns of 1,000 posts: 10.4 s of Pagefind's CPU; as 3,000 pages, 7.7 s) and wrote a
    file per turn; a page per post could not be filtered by role, which is the page's."""
    url: str
    """The post's site-relative URL: a hit's target, with its turn's anchor."""
    title: str
    speaker: str
    role: str
    tags: tuple[str, ...]
    language: str
    turns: tuple[tuple[str, str], ...]
    """(anchor, text) of each turn, in the post's order; the anchor is empty for an introduction."""


PAGE_CHARACTERS = 100_000
"""Most characters of text in one page of the index, unless one turn holds more: a hit loads its page's whole
text (Pagefind's fragment) to show its excerpts, and a long agent session's turns of one speaker run to
megabytes. A speaker's turns past it go on in another page."""


def search_pages(records: Iterable[SearchRecord]) -> list[SearchPage]:
    """``records`` as the pages of the index, in the order of their first record: a post's records with the same
    speaker, role and language make one page (several, past ``PAGE_CHARACTERS``)."""
    pages: dict[tuple[str, str, str, str, int], tuple[SearchRecord, list[tuple[str, str]]]] = {}
    filled: dict[tuple[str, str, str, str], tuple[int, int]] = {}  # the page being filled: its number, its size
    for record in records:
        post, _, anchor = record.url.partition("#")
        text = record.text or record.title
        group = (post, record.speaker, record.role, record.language)
        number, size = filled.get(group, (0, 0))
        if size and size + len(text) > PAGE_CHARACTERS:
            number, size = number + 1, 0
        filled[group] = (number, size + len(text))
        pages.setdefault((*group, number), (record, []))[1].append((anchor, text))
    return [SearchPage(post, first.title, speaker, role, first.tags, language, tuple(turns))
            for (post, speaker, role, language, _), (first, turns) in pages.items()]


_WORD = re.compile(r"\w")
"""Pagefind indexes words: a record of punctuation alone (a ``>>>>`` block) leaves it nothing to index."""


def search_records(views: Iterable[PostView], site_title: str,
                   lang_of: Callable[[str], str] | None = None) -> list[SearchRecord]:
    """One record per turn of every post view (and one per introduction or article) that has text to find.

    A site with nothing to find (no posts yet, or only code) gets one record for its home page, since
    Pagefind builds no index from nothing and the search page needs one.
    """
    return site_records((view_records(view) for view in views), site_title, lang_of)


def view_records(view: PostView) -> tuple[SearchRecord, ...]:
    """The records of one post (or page) view: one per turn, and one for its introduction, that has text to
    find. A build keeps them in the view's file (``ViewStore.records``): an edit extracts one post's text."""
    return tuple(record for record in _records([view]) if _WORD.search(record.text))


def site_records(per_view: Iterable[Iterable[SearchRecord]], site_title: str,
                 lang_of: Callable[[str], str] | None = None) -> list[SearchRecord]:
    """``search_records`` from each view's records (``view_records``), in the views' order."""
    records = [record for records in per_view for record in records]
    if lang_of is not None:  # a multilingual site: each record in its post's language
        records = [replace(record, language=lang_of(record.url.split("#", 1)[0])) for record in records]
    return records or [SearchRecord("", f"{site_title} home", site_title, "", "article", ())]


def _records(views: Iterable[PostView]) -> list[SearchRecord]:
    records = []
    for view in views:
        post = view.post
        found = []
        if view.intro_html:
            found.append(SearchRecord(view.url, plain_text(view.intro_html), post.title, "", "article", post.tags))
        for turn_view in _turn_views(view):
            turn = turn_view.turn
            found.append(SearchRecord(f"{view.url}#turn-{turn.number}", plain_text(turn_view.html), post.title,
                                      turn.speaker.name, turn.role, post.tags))
        language = post.lang or unspaced_language(" ".join(record.text for record in found))
        records += [replace(record, language=language) for record in found] if language else found
    return records


_UNSPACED = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])|([\u3040-\u30ff\u31f0-\u31ff])|([\u0e00-\u0e7f])")
"""A Han character (group 1), a kana (2) or a Thai character (3): one pattern, compiled once (each of these
classes takes Python milliseconds to compile, at every start)."""
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")


def unspaced_language(text: str) -> str:
    """``zh``, ``ja`` or ``th`` for the text of a post without a ``lang:`` that is written mostly in Chinese,
    Japanese or Thai (more of their characters than words in Latin letters), else ``""`` (the site's language).
    Pagefind cuts those languages into words only in an index of their own language: an imported Chinese
    conversation on an English site, indexed as English, found nothing for a word inside its sentences."""
    if text.isascii() or not _UNSPACED.search(text):  # an ASCII text is known so without a look (CPython)
        return ""
    counts = [0, 0, 0, 0]
    for found in _UNSPACED.finditer(text):
        counts[found.lastindex] += 1
    han, kana, thai = counts[1:]
    if han + kana + thai <= len(_LATIN_WORD.findall(text)):
        return ""
    if thai > han + kana:
        return "th"
    return "ja" if kana * 10 >= han + kana else "zh"


def _turn_views(view: PostView) -> list[TurnView]:
    found = []
    for exchange in view.exchanges:
        if exchange.question:
            found.append(exchange.question)
        found += [tv for variant in exchange.variants for tv in variant]
    return found


SKIPPED = frozenset({"figcaption", "button", "summary", "script", "style"})
"""Elements whose text is not searched: the controls around code (captions, buttons), scripts and styles."""
APART = frozenset({"address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
                   "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
                   "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
                   "math", "mi", "mn", "mo", "ms", "mtext"})  # MathML: each symbol a word, as it was
"""Elements whose text is not run on with the text before and after them."""

_MARKUP = re.compile(r"""<(/?)([a-zA-Z][^\s/>]*)((?:[^>"']++|"[^"]*+"|'[^']*+')*+)>|<!--.*?-->|<[!?][^>]*+>""", re.S)
"""A tag (end mark, name, attributes: a quoted value may hold ``>``), a comment, a declaration or an instruction.
The attributes are read possessively (Python 3.11): they can be cut into runs and quoted values one way only,
so nothing is lost, and a try that fails gives nothing back (a quarter of the time of the split on highlighted
code; a name of 3,000 letters without its ``>`` took 0.33 s, 0.03 s now)."""
_RAW_END = {"script": re.compile(r"</script[\s/>]", re.I), "style": re.compile(r"</style[\s/>]", re.I)}
"""Where a script's or a style's text ends: what is inside them is text, not tags, as browsers read it."""


def plain_text(html: str) -> str:
    """The text of rendered HTML, without the controls around code (captions, buttons): inline elements run on
    as the reader sees them (``an <em>iterator</em>.`` is ``an iterator.``), blocks stand apart, character
    references are read, and whitespace is one space.

    It reads the HTML our renderer writes (and the author's HTML as the cleaner writes it) as ``html.parser``
    reads it, about ten times faster than that parser (a cold build of 1,000 posts extracted its 7,000 turns'
    text in 6.7 s of CPU with it); ``tests/test_search_index.py`` compares the two on real and random HTML.
    ``_MARKUP.split`` cuts the HTML at every tag in one pass (highlighted code is mostly ``<span>`` tags); only a
    script or a style, whose text runs to its end tag whatever it holds, is read tag by tag."""
    if _RAW_START.search(html):
        return _plain_text_stepwise(html)
    pieces = _MARKUP.split(html)  # text, then each tag's (end mark, name, attributes) and the text after it
    parts: list[str] = []
    skipping = 0
    for at in range(0, len(pieces) - 1, 4):
        text, end, name, attributes = pieces[at:at + 4]
        if text and not skipping:
            parts.append(_text(text))
        if name:
            skipping = _tag(end, name, attributes, skipping, parts)
    if not skipping and pieces[-1]:
        parts.append(_text(pieces[-1]))
    return " ".join("".join(parts).split())


_RAW_START = re.compile(r"<(?:script|style)", re.I)
_KIND: dict[str, tuple[bool, bool]] = {}
"""Each tag name as written: whether its text is skipped, whether it stands apart (``SKIPPED``, ``APART``)."""


def _tag(end: str, name: str, attributes: str, skipping: int, parts: list[str]) -> int:
    """What a tag does to the text (``end``: ``/`` for an end tag): a block stands apart (a space in ``parts``), a
    control's start and end open and close a skipped stretch; returns how many skipped stretches are open."""
    skipped, apart = _KIND.get(name) or _kind(name)
    if skipped:
        if not end:
            skipping += not attributes.endswith("/")
        elif skipping:
            skipping -= 1
    if apart:
        parts.append(" ")
    return skipping


def _kind(name: str) -> tuple[bool, bool]:
    tag = name.lower()
    kind = (tag in SKIPPED, tag in APART)
    if len(_KIND) < 4096:  # the names an author's HTML may invent are not all kept
        _KIND[name] = kind
    return kind


def _plain_text_stepwise(html: str) -> str:
    """``plain_text`` of HTML with a script or a style: what is inside them is text, not tags (``_RAW_END``)."""
    parts: list[str] = []
    skipping = pos = 0
    while (match := _MARKUP.search(html, pos)) is not None:
        if not skipping and match.start() > pos:
            parts.append(_text(html[pos:match.start()]))
        pos = match.end()
        name = match.group(2)
        if not name:
            continue
        skipping = _tag(match.group(1), name, match.group(3), skipping, parts)
        tag = name.lower()
        if tag in _RAW_END and not match.group(1) and not match.group(3).endswith("/"):
            end = _RAW_END[tag].search(html, pos)
            pos = end.start() if end else len(html)
    if not skipping:
        parts.append(_text(html[pos:]))
    return " ".join("".join(parts).split())


def _text(data: str) -> str:
    return unescape(data) if "&" in data else data
