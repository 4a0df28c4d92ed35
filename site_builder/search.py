"""Full-text search, turn by turn: one Pagefind record per turn (its URL is ``posts/slug/#turn-N``, so a hit
lands on the turn), filtered by the speaker's role and the post's tags.

The index is written by Pagefind (PyPI ``pagefind[bin]`` ships the binary) into a folder the build then
copies into its staging folder with the pages, so the index is swapped in with the site it describes,
atomically (README "Safety"). The search page (``templates/search.html``) loads it in the browser.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable

from site_builder.errors import SiteError
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


def search_records(views: Iterable[PostView]) -> list[SearchRecord]:
    """One record per turn of every post view (and one per introduction or article)."""
    records = []
    for view in views:
        post = view.post
        if view.intro_html:
            records.append(SearchRecord(view.url, plain_text(view.intro_html), post.title, "", "article", post.tags))
        for turn_view in _turn_views(view):
            turn = turn_view.turn
            records.append(SearchRecord(f"{view.url}#turn-{turn.number}", plain_text(turn_view.html), post.title,
                                        turn.speaker.name, turn.role, post.tags))
    return records


def _turn_views(view: PostView) -> list[TurnView]:
    found = []
    for exchange in view.exchanges:
        if exchange.question:
            found.append(exchange.question)
        found += [tv for variant in exchange.variants for tv in variant]
    return found


def write_search_index(records: list[SearchRecord], folder: Path, language: str) -> Path:
    """Index ``records`` with Pagefind into ``folder`` (created); returns it. One index in the site's
    language, so every post is found from the one search page."""
    try:
        # Pagefind's API is async; its own thread keeps it apart from any event loop of the caller's.
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pagefind") as pool:
            pool.submit(asyncio.run, _index(records, folder, language)).result()
    except Exception as exc:  # the Pagefind service: a missing binary, a crash, a bad record
        raise SiteError(f"search index: Pagefind failed: {type(exc).__name__}: {exc}",
                        hint="reinstall site_builder (pip install -e .), or set `search: false` in site.yaml") from None
    if not (folder / "pagefind.js").is_file():
        raise SiteError(f"search index: Pagefind wrote no index into {folder}",
                        hint="set `search: false` in site.yaml to build without search")
    return folder


async def _index(records: list[SearchRecord], folder: Path, language: str) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(output_path=str(folder.resolve()), force_language=language)
    async with PagefindIndex(config) as index:  # leaving the block writes the files into output_path
        for record in records:
            meta = {"title": record.title, "speaker": record.speaker}
            filters = {"tag": list(record.tags), **({"role": [record.role]} if record.role else {})}
            await index.add_custom_record(url=record.url, content=record.text or record.title, language=language,
                                          meta=meta, filters=filters)


class _Text(HTMLParser):
    """The text of rendered HTML, without the controls around code (captions, buttons)."""

    SKIPPED = frozenset({"figcaption", "button", "summary", "script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())
