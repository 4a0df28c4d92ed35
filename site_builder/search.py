"""Full-text search, turn by turn: one Pagefind record per turn (its URL is ``posts/slug/#turn-N``, so a hit
lands on the turn), filtered by the speaker's role and the post's tags.

The index is written by Pagefind (PyPI ``pagefind[bin]`` ships the binary) into the build's staging folder,
after the pages, so it is swapped in with the site it describes, atomically (README "Safety"). The search
page (``templates/search.html``, ``assets/search.js``) loads it in the browser.
"""

from __future__ import annotations

import re

import ctypes
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from html import escape
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


_WORD = re.compile(r"\w")
"""Pagefind indexes words: a record of punctuation alone (a ``>>>>`` block) leaves it nothing to index."""


def search_records(views: Iterable[PostView], site_title: str) -> list[SearchRecord]:
    """One record per turn of every post view (and one per introduction or article) that has text to find.

    A site with nothing to find (no posts yet, or only code) gets one record for its home page, since
    Pagefind builds no index from nothing and the search page needs one.
    """
    records = [record for record in _records(views) if _WORD.search(record.text)]
    return records or [SearchRecord("", f"{site_title} home", site_title, "", "article", ())]


def _records(views: Iterable[PostView]) -> list[SearchRecord]:
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
    """Index ``records`` with the Pagefind binary into ``folder`` (created); returns it.

    Each record becomes a tiny HTML file in a scratch folder beside ``folder`` (removed afterwards), which
    ``pagefind --site`` indexes in one run: its Python API costs a tenth of a second per record. One index,
    in the site's language, so every post is found from the one search page.
    """
    scratch = folder.parent / f".{folder.name}-records"
    try:
        for number, record in enumerate(records):
            page = scratch / str(number) / "index.html"
            page.parent.mkdir(parents=True)
            page.write_text(record_html(record, language), encoding="utf-8")
        scratch.mkdir(exist_ok=True)
        _run_pagefind(scratch, folder, language)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not (folder / "pagefind.js").is_file():
        raise SiteError(f"search index: Pagefind wrote no index into {folder}",
                        hint="set `search: false` in site.yaml to build without search")
    return folder


def record_html(record: SearchRecord, language: str) -> str:
    """A record as Pagefind reads it: the text is the body; title, speaker and target URL are metadata;
    role and tags are filters."""
    meta = {"title": record.title, "speaker": record.speaker, "target": record.url}
    fields = [f'<span data-pagefind-meta="{key}">{escape(value)}</span>' for key, value in meta.items()]
    fields += [f'<span data-pagefind-filter="tag">{escape(tag)}</span>' for tag in record.tags]
    if record.role:
        fields.append(f'<span data-pagefind-filter="role">{escape(record.role)}</span>')
    return (f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8"><title>{escape(record.title)}'
            f'</title></head><body><div hidden>{"".join(fields)}</div>'
            f'<main data-pagefind-body><p>{escape(record.text or record.title)}</p></main></body></html>\n')


def _run_pagefind(site: Path, output: Path, language: str) -> None:
    try:
        from pagefind_bin import get_executable
        binary = str(get_executable())
    except (ImportError, FileNotFoundError) as exc:
        raise SiteError(f"search index: no Pagefind binary ({exc})",
                        hint="reinstall site_builder (pip install -e .), or set `search: false` in site.yaml") from None
    run = subprocess.run([binary, "--site", str(site), "--output-path", str(output), "--force-language", language,
                          "--silent"], capture_output=True, text=True, check=False, preexec_fn=_die_with_parent)
    if run.returncode != 0:
        raise SiteError(f"search index: Pagefind failed (exit {run.returncode}): {run.stderr.strip()[-500:]}",
                        hint="set `search: false` in site.yaml to build without search")


def _die_with_parent() -> None:
    """In the Pagefind child, before it starts: on Linux, be killed when the build is (a build killed with
    SIGKILL must not leave Pagefind writing into a staging folder that the next build removes)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


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
