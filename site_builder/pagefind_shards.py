"""The search index's shards: which posts each holds and what it is made from, planned from each post's summary
(``ViewSummary``: a digest of its records, their count and languages) so that only the shards to make read
their records. ``pagefind.py`` makes them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from site_builder.search import SearchRecord

SHARD_POSTS = 16
"""About how many posts a shard of the index holds: an edit re-indexes the shard of the post it changed. Pagefind
indexes about 130,000 words a second; a shard of the benchmark's posts (2,000 words each) took 0.43 s at 32
posts, on the critical path of an edit's build (its pages were written 0.23 s before), and 0.25 s at 16. The
search page fetches a file per shard for each word searched: more, smaller shards cost the reader requests."""
MAX_SHARDS = 64


@dataclass(frozen=True, slots=True)
class ViewSummary:
    """What planning the shards needs of one post's (or page's) records, without reading them."""
    digest: str
    """Every field of every record, hashed."""
    count: int
    languages: tuple[str, ...]
    """The records' own languages (``""``: the site's)."""


def summary_of(records: Iterable[SearchRecord]) -> ViewSummary:
    records = tuple(records)
    digest = hashlib.sha256()
    for r in records:  # each field ended by a NUL (no text holds one: Pagefind would not take it either)
        digest.update("\0".join((r.url, r.text, r.title, r.speaker, r.role, "\1".join(r.tags), r.language, "")).encode(
            "utf-8", "surrogatepass"))
    return ViewSummary(digest.hexdigest()[:32], len(records), tuple(sorted({r.language for r in records})))


@dataclass(frozen=True, slots=True)
class Entry:
    """One post's (or page's) place in the index: its address, its records' summary, and how to read them."""
    url: str
    summary: ViewSummary
    load: Callable[[], tuple[SearchRecord, ...]]
    language: str | None = None
    """On a multilingual site, the post's language, which each of its records is indexed in."""

    def records(self) -> tuple[SearchRecord, ...]:
        found = self.load()
        return found if self.language is None else tuple(replace(r, language=self.language) for r in found)

    def languages(self, site_language: str) -> set[str]:
        if self.language is not None:
            return {(self.language or site_language).lower()}
        return {(language or site_language).lower() for language in self.summary.languages}


@dataclass(frozen=True, slots=True)
class Shard:
    """A shard of the index: its posts, where it goes in ``pagefind/`` and what it is made from."""
    number: int
    folder: str
    """Its folder in ``pagefind/``: ``""`` for the main shard (the first), else ``shard/NN/``."""
    entries: tuple[Entry, ...]
    key: str
    """Its posts' records (as their summaries), the site's language and the Pagefind binary, hashed: the same key,
    the same files."""

    @property
    def records(self) -> tuple[SearchRecord, ...]:
        """Its posts' records, in order (read now)."""
        return tuple(record for entry in self.entries for record in entry.records())

    @property
    def state_key(self) -> str:
        """What the build's state records for each of its files: the key and the place."""
        return f"{self.folder}|{self.key}"


def entries_of(records: Iterable[SearchRecord]) -> list[Entry]:
    """An entry for each post of ``records`` (its records are those whose address is the post's, ``#`` and all)."""
    by_post: dict[str, list[SearchRecord]] = {}
    for record in records:
        by_post.setdefault(record.url.split("#", 1)[0], []).append(record)
    return [Entry(url, summary_of(found), lambda found=tuple(found): found) for url, found in by_post.items()]


def plan(entries: list[Entry], language: str, made_by: str = "") -> list[Shard]:
    """The shards of ``entries`` (``shards``), the main one first: the one that holds the most languages (the
    lowest number among those). The search page takes the index of its language from the main shard, so on a
    multilingual site the main shard should hold every language some post is written in. ``made_by`` names the
    Pagefind binary (its keys change with it)."""
    groups = shards(entries)
    spoken = [len(set().union(*(entry.languages(language) for entry in group))) for _, group in groups]
    main = max(range(len(groups)), key=lambda k: (spoken[k], -groups[k][0])) if groups else 0
    ordered = [groups[main], *groups[:main], *groups[main + 1:]]
    return [Shard(number, "" if position == 0 else f"shard/{number:02d}/", tuple(group),
                  _shard_key(group, language, made_by)) for position, (number, group) in enumerate(ordered)]


def shards(entries: list[Entry]) -> list[tuple[int, list[Entry]]]:
    """(shard number, its entries in their order) for each shard that holds some. A site of up to ``SHARD_POSTS``
    posts is one shard; a larger one has the power of two of shards that gives each about that many
    (``MAX_SHARDS`` at most), a post's shard fixed by a hash of its address: a post keeps its shard while the
    number of shards stays."""
    count = 1
    while count * SHARD_POSTS < len(entries) and count < MAX_SHARDS:
        count *= 2
    groups: dict[int, list[Entry]] = {}
    for entry in entries:
        number = 0 if count == 1 else int.from_bytes(hashlib.sha256(entry.url.encode()).digest()[:4], "big") % count
        groups.setdefault(number, []).append(entry)
    return sorted(groups.items())


def _shard_key(entries: list[Entry], language: str, made_by: str) -> str:
    """What a shard's index is made from: its posts' records (their addresses, the digest of their records and
    the language they are indexed in), the site's language and the Pagefind binary."""
    digest = hashlib.sha256(f"{language}\0{made_by}".encode())
    for entry in entries:
        indexed_in = "\1" if entry.language is None else entry.language
        digest.update(f"{entry.url}\0{entry.summary.digest}\0{indexed_in}\0".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]
