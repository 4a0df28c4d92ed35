"""What templates get of a post: its Markdown rendered to HTML, turn by turn (``post_view`` -> ``PostView``), the
outline of its questions and its one-line description (``describe``); ``Page`` is a rendered page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from markdown_it import MarkdownIt

from site_builder.highlight import Budget
from site_builder.links import LinkProblem, PageLinks, Target
from site_builder.markdown.core import Rendered, render_markdown
from site_builder.markdown.fences import FenceDecorator
from site_builder.markdown.mathml import INLINE as INLINE_MATH
from site_builder.model import Exchange, Post, Turn
from site_builder.render.urls import post_url


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    """Output path relative to the site root, with forward slashes (``posts/x/index.html``)."""
    content: str


@dataclass(frozen=True, slots=True)
class TurnView:
    turn: Turn
    html: str


@dataclass(frozen=True, slots=True)
class ExchangeView:
    exchange: Exchange
    question: TurnView | None
    variants: tuple[tuple[TurnView, ...], ...]


@dataclass(frozen=True, slots=True)
class PostView:
    post: Post
    url: str
    """Site-relative URL of the post (``posts/slug/``)."""
    intro_html: str
    exchanges: tuple[ExchangeView, ...]
    outline: tuple[tuple[int, str], ...]
    """(turn number, short question text) for each user question."""
    warnings: tuple[str, ...] = ()
    """``path:line: warning: message`` for what rendered but not as written (a formula shown as its source)."""
    description: str = ""
    """One line for search engines and link previews: the summary, else the first question or line."""
    outro_html: str = ""
    """The author's closing words after the conversation (``Post.outro``)."""
    links: tuple[tuple[str, Target | None], ...] = ()
    """The sources its links name (``links.py``), each with what it led to when rendered (None: not known
    then), in the order they first appear: the page is rendered again when one leads elsewhere."""


HIGHLIGHT_SECONDS = 1.5
"""CPU time a page's code blocks may spend on highlighting (``highlight.Budget``): pathological lexers are cut
(minutes on 5 kB), ordinary code is not, on a slow machine either (0.75 s left 100 kB of C++ plain on one that
took 0.9 s for it)."""


def post_view(md: MarkdownIt, post: Post, decorate: FenceDecorator | None, links: PageLinks | None = None,
              url: str | None = None) -> PostView:
    """The post rendered; ``links`` (its URL, source and the targets of its links) writes its links, without it
    they stay as written; ``url``: where it is, when it is a page (a post's is ``post_url``)."""
    ids: set[str] = set()  # heading ids already used on the page
    budget = Budget(HIGHLIGHT_SECONDS)  # in source order: intro, turns, outro
    intro = render_markdown(md, post.intro, intro_line(post), decorate, ids, budget, links) \
        if post.intro else Rendered("")
    turns = {turn.number: render_markdown(md, turn.text, turn.text_line, decorate, ids, budget, links)
             for turn in post.turns}

    def turn_view(turn: Turn) -> TurnView:
        return TurnView(turn, turns[turn.number].html)

    exchanges = tuple(
        ExchangeView(e, turn_view(e.question) if e.question else None,
                     tuple(tuple(turn_view(t) for t in variant) for variant in e.answers))
        for e in post.exchanges
    )
    outline = tuple((e.question.number, _short(md, e.question.text)) for e in post.exchanges if e.question)
    outro = render_markdown(md, post.outro, post.outro_line, decorate, ids, budget, links) \
        if post.outro else Rendered("")
    texts = (intro, *turns.values(), outro)
    warnings = tuple(f"{post.path}:{w.line}: warning: {w.message}" for w in _bounded(w for r in texts for w in r.warnings))
    lookups = dict(lookup for r in texts for lookup in r.lookups)
    return PostView(post, url or post_url(post), intro.html, exchanges, outline, warnings, describe(md, post), outro.html,
                    tuple(lookups.items()))


MAX_LINK_WARNINGS = 20
"""Warnings of links to no post shown for one post; the rest are counted in one more."""


def _bounded(warnings: Iterable[Any]) -> list[Any]:
    """``warnings`` with each link problem once, and at most ``MAX_LINK_WARNINGS`` of them (then a count)."""
    kept, seen, left = [], set(), 0
    for warning in warnings:
        if isinstance(warning, LinkProblem):
            if warning.message in seen:
                continue
            seen.add(warning.message)
            if len(seen) > MAX_LINK_WARNINGS:
                left += 1
                continue
        kept.append(warning)
    if left:
        kept.append(LinkProblem(kept[-1].line, f"and {left} more links to no post"))
    return kept


def describe(md: MarkdownIt, post: Post) -> str:
    """The post's summary, else its first question, else its first line of prose (at most 160 characters)."""
    if post.summary:
        return post.summary
    first = next((e.question.text for e in post.exchanges if e.question), None) or post.intro
    return _short(md, first, 160) if first.strip() else post.title


def intro_line(post: Post) -> int:
    """Source line of the introduction's first line: the parser drops the blank lines that open the body."""
    return post.body_line + len(post.body) - len(post.body.lstrip("\n"))


_TEXT_TOKENS = frozenset({"text", "code_inline", "image", *INLINE_MATH})
"""Tokens of a paragraph whose ``content`` is its text: a formula's is its LaTeX (``E=mc^2``)."""


def _short(md: MarkdownIt, markdown: str, limit: int = 90) -> str:
    """The text of a question's first paragraph as the page shows it (``3 > 2``, ``check_prime``, ``<video>``;
    no Markdown punctuation; a formula as its LaTeX, without its delimiters), for the outline, the description
    and the feed's summary; a note before the question is skipped."""
    tokens = md.parse(markdown[:2000], {})
    inline = next((t for t in tokens if t.type == "inline" and t.level == 1), None) or \
        next((t for t in tokens if t.type == "inline"), None)
    pieces = [" " if c.type in ("softbreak", "hardbreak") else c.content
              for c in (inline.children or []) if c.type in _TEXT_TOKENS or c.type in ("softbreak", "hardbreak")] \
        if inline is not None else []
    text = " ".join("".join(pieces).split())
    if not text:
        return "(code)"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
