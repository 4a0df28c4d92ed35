"""The search index: kept whole when it indexes what the site shows, else made in shards, each kept when its
posts' records are unchanged (``pagefind.py`` makes them)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from site_builder.incremental.plan import kept_index
from site_builder.incremental.signatures import OutputSignature, code_key, digest
from site_builder.incremental.state import BuildState
from site_builder.incremental.store import ViewStore
from site_builder.pagefind import SHARDS_FILE, ShardsInMaking, plan_entries, write_shards
from site_builder.pagefind_shards import Entry, Shard, ViewSummary, entries_of, summary_of
from site_builder.render import every_post
from site_builder.search import SearchRecord, site_records, view_records


@dataclass(frozen=True, slots=True)
class IndexPlan:
    """The search index of a build: what to write, what of the current site's index to keep."""
    key: str
    """What the whole index is made from (our code, the site's title and language, every view's key); the state
    keeps it (``BuildState.search_key``) unless the index is pending."""
    writers: list
    """``IndexWriter``: the shards to make, written through the staging folder."""
    kept: list[str]
    """The current site's index files to keep."""
    pending: bool
    """The index kept is behind the pages (a preview build)."""
    key_of: Callable[[str], str]
    """The key the state records for each index file."""
    summaries: Mapping[str, ViewSummary] = field(default_factory=dict)
    """Each view's records, summed up (by the view's key): the state keeps them for the next build's plan."""

    def start(self) -> IndexPlan:
        """Begin indexing the shards to make, in the background (they run beside the pages)."""
        for writer in self.writers:
            writer.start()
        return self

    def close(self) -> None:
        """Stop what has not begun (a build that failed before the index was written)."""
        for writer in self.writers:
            writer.close()

    def __enter__(self) -> IndexPlan:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def plan_index(config, site, stores: Any, trusted: BuildState | None, present: dict[str, OutputSignature],
               preview: bool, lang_of: Callable[[str], str] | None = None, shards: Path | None = None,
               jobs: int = 1, out: Path | None = None, known: Mapping[str, ViewSummary] | None = None,
               early: EarlyShards | None = None) -> IndexPlan:
    """The index of ``site``. The whole index is kept when it indexes what the site shows now; a preview keeps it
    anyway, and says so. Otherwise each shard (``pagefind_shards.plan``, planned from each view's summary: those
    ``known`` from the last build, the others read now) whose files the current site holds untouched, made from
    the same records, is kept, and the others are made: only they read their records. ``lang_of`` (a
    multilingual site) gives each post's language: Pagefind indexes each language apart. ``early``: the shards
    already begun (``begin_new_shards``), and the plan they were begun from."""
    views = [*every_post(site), *site.peek("pages")]
    search_key = _search_key(config, views)
    recorded = _recorded_keys(trusted, search_key)
    known = known or {}
    still = {view.cache_key: known[view.cache_key] for view in views if view.cache_key in known}
    if not config.search:
        return IndexPlan(search_key, [], [], False, recorded)
    kept = kept_index(search_key, trusted, present)
    if kept:
        return IndexPlan(search_key, [], kept, False, recorded, still)
    if preview:  # the pages now, with the index they had
        return IndexPlan(search_key, [], kept_index(None, trusted, present), True, recorded, still)
    if early is not None and early.plan:
        plan, summaries = early.plan, early.summaries
    else:
        plan, summaries = _shard_plan(config, views, stores, known, lang_of)
    kept, making, languages = [], [], {}
    by_key: dict[str, list[str]] = {}
    for path, record in (trusted.outputs.items() if trusted else ()):
        if record.key.startswith("search:"):
            by_key.setdefault(record.key, []).append(path)
    for shard in plan:
        files = _kept_shard(shard, trusted, present, by_key)
        listed = _entry_languages(out, shard.folder) if files and out is not None else None
        if files and listed is not None:
            kept += files
            languages[shard.folder] = listed
        else:
            making.append(shard)
    keys = {shard.folder: shard.state_key for shard in plan}
    made = early.made if early is not None else None
    if made is not None:
        made.add([shard for shard in making if shard.folder not in made.folders])
    writer = IndexWriter(plan, making, languages, config.language, shards, jobs, made=made)
    return IndexPlan(search_key, [writer], kept, False, lambda path: _shard_key_of(path, keys, search_key), summaries)


def _search_key(config, views: list) -> str:
    """What the whole index is made from: our code, the site's title and language, every view's key."""
    return digest(code_key(), config.title, config.language, *(view.cache_key for view in views))


def _shard_plan(config, views: list, stores: Any, known: Mapping[str, ViewSummary],
                lang_of: Callable[[str], str] | None) -> tuple[list[Shard], dict[str, ViewSummary]]:
    """The shards of the index of ``views``, and every view's summary (``_entries``)."""
    entries, summaries = _entries(views, stores, known, lang_of)
    return plan_entries(entries or entries_of(site_records((), config.title)), config.language), summaries


@dataclass
class EarlyShards:
    """The shards an edit surely makes again (none of the last build's index files has their key), begun as soon
    as the content is read, before the output and the pages are planned (``begin_new_shards``): on an edit's
    build its post's shard was the last thing it waited for. ``plan_index`` takes the plan and begins the other
    shards to make; ``settle`` ends the indexing threads before the page workers are forked."""
    plan: list[Shard] = field(default_factory=list)
    summaries: dict[str, ViewSummary] = field(default_factory=dict)
    made: ShardsInMaking | None = None

    def settle(self) -> None:
        if self.made is not None:
            self.made.settle()

    def __enter__(self) -> EarlyShards:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.made is not None:
            self.made.close()


def begin_new_shards(config, site, stores: Any, previous: BuildState | None, lang_of: Callable[[str], str] | None,
                     cache: Path | None, jobs: int) -> EarlyShards:
    """Begin the shards no index file of the last build (``previous``) has the key of, when they are at most
    ``jobs`` (an edit: one, its post's): waiting for them before forking the page workers (``settle``) then
    costs one shard at most. More (a first build, the shards cut anew): none begun here; nothing without search,
    without a last build, or when what the index is made from is unchanged (``plan_index`` keeps it whole)."""
    views = [*every_post(site), *site.peek("pages")]
    if not config.search or previous is None or previous.search_key == _search_key(config, views):
        return EarlyShards()  # no search, no last build, or nothing it indexes changed (the index is kept)
    plan, summaries = _shard_plan(config, views, stores, previous.search_views, lang_of)
    recorded = {record.key for path, record in previous.outputs.items() if path.startswith("pagefind/")}
    new = [shard for shard in plan if "search:" + shard.state_key not in recorded]
    if not new or len(new) > jobs:
        return EarlyShards(plan, summaries)
    return EarlyShards(plan, summaries, ShardsInMaking(new, config.language, cache, jobs))


def _entries(views: list, stores: Any, known: Mapping[str, ViewSummary],
             lang_of: Callable[[str], str] | None) -> tuple[list[Entry], dict[str, ViewSummary]]:
    """Each view's place in the index (those with something to find), and every view's summary: the one the last
    build knew, else read from its records (kept with the view, else extracted now)."""
    entries, summaries = [], {}
    for view in views:
        key = view.cache_key
        load = functools.partial(records_of_view, key, stores.views)
        summary = known.get(key)
        if summary is None:
            records = load()
            summary, load = summary_of(records), functools.partial(tuple, records)
        summaries[key] = summary
        if summary.count:
            entries.append(Entry(view.url, summary, load, lang_of(view.url) if lang_of else None))
    return entries, summaries


def _recorded_keys(trusted: BuildState | None, search_key: str) -> Callable[[str], str]:
    """The key each kept index file had (the state's), else the whole index's."""
    return lambda path: trusted.outputs[path].key if trusted and path in trusted.outputs else "search:" + search_key


def _shard_key_of(path: str, keys: dict[str, str], search_key: str) -> str:
    """The state's key of an index file: its shard's (``Shard.state_key``); the whole index's for ``shards.json``."""
    relative = path.removeprefix("pagefind/")
    if relative == SHARDS_FILE:
        return "search:" + search_key
    folder = relative[:len("shard/NN/")] if relative.startswith("shard/") else ""
    return "search:" + keys.get(folder, search_key)


def _kept_shard(shard: Shard, trusted: BuildState | None, present: dict[str, OutputSignature],
                by_key: dict[str, list[str]]) -> list[str]:
    """The current site's files of ``shard``, when an earlier build made them from the same records, in the same
    place, and they are untouched; else none. ``by_key``: the state's index files by their key."""
    if trusted is None:
        return []
    files = by_key.get("search:" + shard.state_key, [])
    return files if files and all(present.get(path) == trusted.outputs[path].file for path in files) else []


def _entry_languages(out: Path, folder: str) -> list[str] | None:
    """The languages of the shard in ``folder`` of the current site's index, None when its entry cannot be read."""
    try:
        entry = json.loads((out / "pagefind" / folder / "pagefind-entry.json").read_bytes())
        return sorted(entry["languages"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def records_of_view(key: str, store: ViewStore) -> tuple[SearchRecord, ...]:
    """The search records of the view stored under ``key``: kept with it, else extracted and kept with it."""
    found = store.records(key)
    if found is None:
        view = store.get(key)
        found = view_records(view)
        store.add_records(key, view, found)
    return found


@dataclass
class IndexWriter:
    """Writes the shards ``making`` of the index ``plan``, and its list of shards, into a staging folder's
    ``pagefind/`` (through its placer's ``write_bytes``; a shard made before comes from ``cache``), and lists
    the files it wrote in ``written`` (the state records those, and takes the kept ones as they were).
    ``start`` begins indexing in the background, so that it runs beside the pages' rendering and writing."""
    plan: list[Shard]
    making: list[Shard]
    kept_languages: dict[str, list[str]]
    language: str
    cache: Path | None = None
    jobs: int = 1
    written: list[str] = field(default_factory=list)
    made: ShardsInMaking | None = None

    def start(self) -> None:
        if self.made is None:
            self.made = ShardsInMaking(self.making, self.language, self.cache, self.jobs)

    def close(self) -> None:
        if self.made is not None:
            self.made.close()

    def __call__(self, place: Any) -> None:
        def put(relative: str, data: bytes) -> None:
            place.write_bytes(f"pagefind/{relative}", data)
            self.written.append(f"pagefind/{relative}")

        self.start()
        write_shards(self.plan, self.making, self.kept_languages, self.language, put, self.cache, self.jobs,
                     self.made)
