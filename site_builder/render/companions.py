"""Companions' pages: a companion (a ``.py`` file posts quote) highlighted line by line (``companion_view``), the
blocks of posts that quote it (``companion_links``, ``quotes_of``) and the line ranges they link to
(``linked_ranges``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from site_builder.errors import PostError
from site_builder.frontmatter import normalise_text
from site_builder.highlight import highlight_lines
from site_builder.model import Post
from site_builder.render.urls import companion_url, post_url
from site_builder.snippets import BlockStatus


@dataclass(frozen=True, slots=True)
class QuoteView:
    """A post's block that quotes a companion, seen from the companion's page."""
    title: str
    """The quoting post's title."""
    url: str
    """Site-relative URL of the quoting turn (``posts/slug/#turn-3``; the post itself for its introduction)."""
    first_line: int
    last_line: int
    """The quoted lines in the companion."""


@dataclass(frozen=True, slots=True)
class CompanionView:
    name: str
    url: str
    lines: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]
    """Line ranges that posts link to (an anchor ``#L40-L43`` exists for each)."""
    quotes: tuple[QuoteView, ...] = ()
    """Where posts quote this companion, in post order then line order."""


def companion_view(path: Path, ranges: Iterable[tuple[int, int]], quotes: Iterable[QuoteView] = ()) -> CompanionView:
    try:
        source = normalise_text(path.read_bytes(), path)
    except OSError as exc:
        raise PostError(path, None, f"cannot read: {exc.strerror}") from None
    return CompanionView(path.name, companion_url(path), tuple(highlight_lines(source, "python")),
                         tuple(sorted(set(ranges))), tuple(quotes))


@dataclass(frozen=True, slots=True)
class CompanionLink:
    """A block of a post that quotes lines of a companion (what the companion's page lists)."""
    stem: str
    """The companion's name without ``.py`` (``sgd``)."""
    line: int
    """The block's fence line in the post."""
    first_line: int
    last_line: int
    url: str
    """Site-relative URL of the quoting turn (the post itself for its introduction)."""


def companion_links(post: Post, statuses: Mapping[int, BlockStatus],
                    url: str | None = None) -> tuple[CompanionLink, ...]:
    """The blocks of ``post`` (at ``url``, when it is a page) that quote a companion, in line order."""
    url = url or post_url(post)
    links = []
    for line, status in sorted(statuses.items()):
        if status.companion and status.first_line:
            turn = next((t for t in post.turns if t.line <= line <= t.end_line), None)
            links.append(CompanionLink(Path(status.companion).with_suffix("").as_posix(), line, status.first_line,
                                       status.last_line or status.first_line,
                                       url + (f"#turn-{turn.number}" if turn else "")))
    return tuple(links)


def quotes_of(path: Path, posts: Iterable[tuple[Post, tuple[CompanionLink, ...]]]) -> list[QuoteView]:
    """The turns (or introductions) of ``posts`` (each with its ``companion_links``) that quote companion
    ``path``, in post order (oldest first; pages without a date first) then line order."""
    ordered = sorted(posts, key=lambda item: (item[0].date or dt.date.min, item[0].slug))
    return [QuoteView(post.title, link.url, link.first_line, link.last_line)
            for post, links in ordered for link in links if link.stem == path.stem]


def linked_ranges(path: Path, links: Iterable[CompanionLink]) -> list[tuple[int, int]]:
    """The line ranges of companion ``path`` that posts quote (its page gets an anchor for each)."""
    return [(link.first_line, link.last_line) for link in links if link.stem == path.stem]
