"""Assembling the site when something changed: post records (parsed and rendered posts, reused where
nothing they depend on changed), pages (rendered again only when what they were made from changed),
copies, the search index, then the atomic write and the new incremental state (``incremental.py``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import pickle
import threading
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

import jinja2

from site_builder import incremental, secrets
from site_builder.config import EMBED_HOSTS, SiteConfig, load_config
from site_builder.discover import Sources
from site_builder.errors import BuildError, PostError, SiteError, display_path
from site_builder.highlight import stylesheet
from site_builder.incremental import (BuildState, Inputs, OutputRecord, OutputSignature, PostRecord, SiteKeys, ViewStore,
                                      code_key, digest, lazy_view, output_signature, page_key, signature, summary_of)
from site_builder.links import PageLinks, SiteLinks, Target, site_links
from site_builder.markdown.core import create_markdown
from site_builder.menu import menu_items, nav_order
from site_builder.model import Post
from site_builder.pages import load_page, page_name
from site_builder.permalinks import Routing, route
from site_builder.posts import load_post, meta_line
from site_builder.render import (CompanionLink, Page, PageSpec, companion_links, companion_url, companion_view,
                                 fence_decorator, linked_ranges, make_environment, page_file, page_specs, page_url,
                                 every_post, post_url, post_view, quotes_of, render_page, site_data, template_key)
from site_builder.pagefind import SHARDS_FILE, Shard, plan_shards, write_shards
from site_builder.processes import die_with_parent
from site_builder.search import SearchRecord, site_records, view_records
from site_builder.snippets import block_statuses
from site_builder.output import OutputScan, built_id, kept_warning, scan_output
from site_builder.translations import Languages, site_languages
from site_builder.write import Kept, drop_inherited_locks, write_site

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

Progress = Callable[[str], None]

PARALLEL_FROM = 24
"""Posts to render before a build spreads them over worker processes (starting them costs about a second)."""


@dataclass(frozen=True, slots=True)
class Assembled:
    posts: int
    pages: int
    warnings: tuple[str, ...]
    rendered: int
    """Pages rendered (the others were unchanged)."""
    written: int
    """Files written (the others were linked from the current site)."""
    search_pending: bool = False
    """The search index kept is older than the pages (a ``preview`` build)."""
    finish: Callable[[], None] | None = None
    """What a build with ``defer_state`` leaves to do after the page is shown: saving the build's state."""


def assemble(sources: Sources, out: Path, inputs: Inputs, previous: BuildState | None, *, drafts: bool,
             base_url: str | None, theme: Path, progress: Progress | None, jobs: int | None,
             preview: bool = False, defer_state: bool = False, scan: OutputScan | None = None) -> Assembled:
    """Build the site of ``sources`` into ``out`` (already checked), reusing what ``previous`` vouches for.
    ``scan`` is what ``build`` found in the output, if it looked (used when sorted by the same ``keep:``)."""
    config = load_config(sources.config, jekyll=sources.jekyll, hugo=sources.hugo, base_url=base_url)
    env = make_environment(theme, sources.templates, incremental.compiled_templates(sources.root))
    store = incremental.view_store(sources.root)
    searched = incremental.search_store(sources.root) if config.search else None
    records, errors = post_records(inputs, previous, sources.root, store, drafts=drafts, progress=progress,
                                   jobs=jobs, embed_hosts=config.embed_hosts, config_file=sources.config,
                                   routing=routing_of(config, sources), companions=sources.companions,
                                   left_out=() if drafts else sources.drafts, searched=searched)
    page_files, page_errors = page_records(inputs, previous, sources, store, drafts=drafts, jobs=jobs,
                                           embed_hosts=config.embed_hosts, searched=searched,
                                           folders=sources.jekyll and routing_of(config, sources).template().endswith("/"))
    included = {path: record for path, record in records.items() if record.key is not None}
    built_pages = {path: record for path, record in page_files.items() if record.key is not None}
    store.touch(record.key for record in (*included.values(), *built_pages.values()))
    if searched is not None:
        searched.touch(record.key for record in (*included.values(), *built_pages.values()))
    views = [lazy_view(r.key, r.summary_key, r.post_fields, r.view_fields, store) for r in included.values()]
    page_views = {page_name(path, sources.pages_root): lazy_view(r.key, r.summary_key, r.post_fields, r.view_fields,
                                                                 store) for path, r in built_pages.items()}
    left_out = [page_name(path, sources.pages_root) for path in page_files.keys() - built_pages.keys()]
    theirs = theme_made(page_views) if sources.jekyll else {}
    page_views = {name: view for name, view in page_views.items() if name not in theirs}
    built_pages = {path: record for path, record in built_pages.items()
                   if page_name(path, sources.pages_root) not in theirs}
    menu, menu_errors, menu_warnings = menu_items(config.menu, page_views, left_out, sources.config)
    languages, language_errors = site_languages(views, config.language) if not errors else (Languages(config.language), [])
    _raise_all(errors + page_errors + duplicate_urls(views) + template_errors(env, {**included, **built_pages})
               + menu_errors + language_errors)
    companions = companion_views(sources.companions, [*zip(views, included.values())],
                                 [*zip(page_views.values(), built_pages.values())])
    site = site_data(config, views, build_time(), sorted(page_views.values(), key=nav_order), menu, languages)
    theme_files, static_files = _theme_copies(theme / "assets", "assets"), _static_copies(sources)
    if scan is None or scan.keep != config.keep:
        scan = scan_output(out, config.keep)
    own_robots = "robots.txt" in scan.kept or any(d == "robots.txt" for _, d in static_files)  # the user's wins
    specs = [spec for spec in page_specs(config, site, companions, languages) if not (own_robots and spec.path == "robots.txt")]
    if sources.jekyll:  # Jekyll's files copied as they are give way to the pages of the theme (a 404.html, a feed)
        static_files, given_way = _giving_way(static_files, {spec.path for spec in specs})
    else:
        given_way = ()
    trusted = previous if previous is not None and incremental.describes(previous, inputs, built_id(out)) else None
    present = scan.files if trusted else {}
    css = Page("assets/pygments.css", stylesheet(config.highlight_light, config.highlight_dark))
    _raise_all(url_clashes(specs, page_views.values(), config.search))
    _raise_all(output_collisions([Page(spec.path, "") for spec in specs] + [css], theme_files, static_files))
    tally = Tally({css.path: OutputRecord("stylesheet")})
    full_keys = {str(path): record.key for path, record in (*included.items(), *built_pages.items())}
    pages = page_entries(env, config, site, specs, trusted, present, out, tally, full_keys,
                         jobs=jobs or available_cores())
    css_entry = Kept(css.path) if trusted is not None and _unchanged(css.path, trusted, present) \
        and _same_bytes(out / css.path, css.content) else css
    copies, kept_copies = unchanged_copies(theme_files + static_files, trusted, present)
    search_key = digest(code_key(), config.title, config.language,
                        *(v.cache_key for v in (*every_post(site), *dict.__getitem__(site, "pages"))))
    index, kept_index, pending, index_key = search_index(
        config, site, store, searched, search_key, trusted, present, preview,
        languages.of if languages.multilingual else None, incremental.index_shards(sources.root),
        jobs or available_cores(), out)
    build_id = uuid.uuid4().hex
    carried = write_site(itertools.chain(pages, [css_entry]), copies, out, generated=index, kept=[*kept_copies, *kept_index],
               build_id=build_id, remove_previous="background" if preview else "now",
               in_place=present if preview and trusted is not None else None,
               spare=incremental.spare_folder(sources.root, out), scan=scan, keep=config.keep)
    outputs = tally.outputs
    outputs.update({destination: OutputRecord(repr(signature(source))) for source, destination in theme_files + static_files})
    warnings = (tuple(w for record in (*included.values(), *page_files.values()) for w in record.warnings)
                + menu_warnings + tuple(theirs.values()) + given_way + base_url_warning(config, sources)
                + tuple(f"{path}: warning: {reason}" for path, reason in sources.skipped))
    reported = warnings + kept_warning(out, carried)  # the user's files: said by each build, not kept in the state
    state = BuildState(code_key(), inputs.options, inputs.files,
                       {str(path): record for path, record in records.items()},
                       written_outputs(out, outputs, index_key,
                                       {*tally.kept, *kept_copies, *kept_index, *([css.path] if css_entry is not css else [])},
                                       present, [path for writer in index for path in writer.written]), build_id,
                       search_key if config.search and not pending else "", len(included), len(specs) + 1, warnings,
                       pending, {str(path): record for path, record in page_files.items()})
    keys = {record.key for record in (*records.values(), *page_files.values()) if record.key}

    def finish() -> None:
        store.prune(keys)  # first: on a full disk, what it frees may be what the state needs
        if searched is not None:
            searched.prune(keys)
        incremental.save_state(sources.root, state)
    written = tally.written + (css_entry is css) + len(copies)
    if defer_state:  # the preview shows the page first (a state not saved only costs the next build a full one)
        return Assembled(len(included), len(specs) + 1, reported, tally.rendered, written, pending, finish)
    finish()
    return Assembled(len(included), len(specs) + 1, reported, tally.rendered, written, pending)


def companion_views(paths: Iterable[Path], posts: list[tuple[Any, PostRecord]],
                    pages: list[tuple[Any, PostRecord]]) -> list:
    """The page of each companion: the lines that posts and pages (each a view with its record) quote, and
    where they quote them, posts first (oldest first), then pages."""
    links = _links(record for _, record in (*posts, *pages))
    return [companion_view(path, linked_ranges(path, links),
                           [quote for group in (posts, pages)
                            for quote in quotes_of(path, [(view.post, record.links) for view, record in group])])
            for path in paths]


def base_url_warning(config: SiteConfig, sources: Sources) -> tuple[str, ...]:
    """A warning when the site's root is a path, not an address: the feed, the sitemap and canonical links are
    then relative, which feed readers and search engines do not take."""
    if config.base_url.startswith(("http://", "https://")):
        return ()
    where = sources.config or sources.root / "site.yaml"
    links = "the feed, the sitemap, canonical links and the links inside the feed's posts (feed_content: full) are" \
        if config.feed_content == "full" else "the feed, the sitemap and canonical links are"
    return (f"{where}: warning: base_url {config.base_url!r} is not an address: {links} relative; set base_url: "
            "https://you.example/blog/ (or build with --base-url)",)


def search_index(config, site, store: ViewStore, searched: ViewStore | None, search_key: str,
                 trusted: BuildState | None, present: dict[str, OutputSignature], preview: bool,
                 lang_of: Callable[[str], str] | None = None, shards: Path | None = None,
                 jobs: int = 1, out: Path | None = None) -> tuple[list, list[str], bool, Callable[[str], str]]:
    """(the index to write, the current site's index files to keep, whether the kept index is behind, the key
    the state records for each index file). The whole index is kept when it indexes what the site shows now;
    a preview keeps it anyway, and says so. Otherwise each shard (``pagefind.plan_shards``) whose files the
    current site holds untouched, made from the same records, is kept, and the others are made. ``lang_of``
    (a multilingual site) gives each post's language: Pagefind indexes each language apart."""
    recorded = _recorded_keys(trusted, search_key)
    if not config.search:
        return [], [], False, recorded
    kept = _kept_index(search_key, trusted, present)
    if kept:
        return [], kept, False, recorded
    if preview:  # the pages now, with the index they had
        return [], _kept_index(None, trusted, present), True, recorded
    records = site_records(_view_records(site, store, searched), config.title, lang_of)
    plan = plan_shards(records, config.language)
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
    writer = IndexWriter(plan, making, languages, config.language, shards, jobs)
    return [writer], kept, False, lambda path: _shard_key_of(path, keys, search_key)


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


def build_time() -> dt.datetime:
    """``$SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when set, else now. Only a site without posts
    shows it (the feed's ``<updated>``): the same content then builds the same bytes when the variable is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def written_outputs(out: Path, outputs: dict[str, OutputRecord], index_key: Callable[[str], str], kept: set[str],
                    present: dict[str, OutputSignature], generated: Iterable[str] = ()) -> dict[str, OutputRecord]:
    """The record of every file of the site just written, with the signature it has now; a file no record
    names (the search index: the files ``generated`` wrote, and those it kept) is recorded as generated with
    the key ``index_key`` gives it (its shard's). A kept file is a link to the file ``present`` describes (same
    inode, size and date), so only the files written are looked at."""
    files = {path: present[path] if path in kept else output_signature(out / path) for path in outputs}
    files.update({path: present[path] for path in kept if path.startswith("pagefind/")})
    files.update({path: output_signature(out / path) for path in generated})
    records = {}
    for path, file in files.items():
        if file is not None:
            record = outputs.get(path)
            records[path] = OutputRecord(record.key, record.read, file) if record else OutputRecord(index_key(path),
                                                                                                      file=file)
    return records


def _unchanged(path: str, trusted: BuildState, present: dict[str, OutputSignature]) -> bool:
    old = trusted.outputs.get(path)
    return old is not None and present.get(path) == old.file


# ---- posts ---------------------------------------------------------------------------------------------------


def routing_of(config: SiteConfig, sources: Sources) -> Routing:
    """What routes the posts of this site (its ``permalink:`` and layout)."""
    return Routing(pattern=config.permalink, jekyll=sources.jekyll, timezone=config.timezone, root=sources.root,
                   sections=config.section_permalinks, hugo=sources.hugo, language=config.language)


def post_records(inputs: Inputs, previous: BuildState | None, root: Path, store: ViewStore, *, drafts: bool,
                 progress: Progress | None, jobs: int | None, embed_hosts: tuple[str, ...] = EMBED_HOSTS,
                 config_file: Path | None = None, routing: Routing = Routing(), companions: Iterable[Path] = (),
                 left_out: Iterable[Path] = (), searched: ViewStore | None = None,
                 ) -> tuple[dict[Path, PostRecord], list[SiteError]]:
    """A record for every post file: the last build's where nothing it depends on changed (its check
    statuses' inputs, the config, which says which embeds a post may show, and what the sources its links
    name lead to), else a new one (parsed and rendered, in worker processes when there are many); and the
    errors of the posts that have some (they have no record).

    Where a link leads is known once every post's URL is: a post is rendered with what its links led to in
    the last build (nothing, the first time), and rendered again, once all are known, if one leads elsewhere
    now (``links.py``; ``companions`` have pages too, ``left_out`` are the drafts this build leaves out)."""
    old = previous.posts if previous is not None and _statuses_same(inputs, previous, config_file) else {}
    reused, files = _reusable(inputs.posts, old, inputs.post_signatures, drafts)
    last = previous.posts if previous is not None else {}
    todo = [(path, draft_folder, _known_targets(last.get(str(path)))) for path, draft_folder in files]
    fresh, errors = render_posts(todo, root, store, drafts=drafts, progress=progress, jobs=jobs,
                                 embed_hosts=embed_hosts, routing=routing, searched=searched)
    records = {path: fresh.get(path) or reused[path] for path, _ in inputs.posts if path in fresh or path in reused}
    linking = {path: record for path, record in records.items() if record.targets and record.key is not None}
    links = site_links_of(records, root, companions, left_out) if linking else None
    again = [(path, record.draft_folder, {key: links.target(key) for key, _ in record.targets})
             for path, record in linking.items() if _leads_elsewhere(record, links)]
    if again:
        fresh, more = render_posts(again, root, store, drafts=drafts, progress=progress, jobs=jobs,
                                   embed_hosts=embed_hosts, routing=routing, searched=searched)
        records.update(fresh)
        errors += more
    return records, errors


def site_links_of(records: Mapping[Path, PostRecord], root: Path, companions: Iterable[Path] = (),
                  left_out: Iterable[Path] = ()) -> SiteLinks:
    """Which page each source of the site makes (``links.SiteLinks``): the posts of ``records``, and
    companions; drafts left out make none."""
    urls = {source_key(path, root): record.view_fields["url"] for path, record in records.items()
            if record.key is not None}
    urls.update({source_key(path, root): companion_url(path) for path in companions})
    unpublished = [source_key(path, root) for path, record in records.items() if record.key is None]
    return site_links(urls, [*unpublished, *(source_key(path, root) for path in left_out)])


def source_key(path: Path, root: Path) -> str:
    """A source file as links name it: its path in the content folder, ``/``-separated (a post's path is the
    content folder's and its own below it: ``discover`` made it so)."""
    text, folder = str(path), os.path.join(str(root), "")
    return text[len(folder):].replace(os.sep, "/") if text.startswith(folder) else path.name


def _known_targets(record: PostRecord | None) -> dict[str, Target]:
    """What the links of a post led to in the last build: what they most likely lead to now."""
    return {key: target for key, target in record.targets if target is not None} if record is not None else {}


def _leads_elsewhere(record: PostRecord, links: SiteLinks) -> bool:
    """A link of the post was written to lead elsewhere than its source leads now (or before it was known)."""
    return any(target != links.target(key) for key, target in record.targets)


def page_records(inputs: Inputs, previous: BuildState | None, sources: Sources, store: ViewStore, *, drafts: bool,
                 jobs: int | None, embed_hosts: tuple[str, ...], folders: bool = False,
                 searched: ViewStore | None = None) -> tuple[dict[Path, PostRecord], list[SiteError]]:
    """A record for every page file, as ``post_records`` makes them for posts (a file that is not built, a
    draft or a Jekyll file without front matter, has one without a key). ``folders``: a Jekyll folder whose
    ``permalink`` ends with ``/`` (``pretty``), where Jekyll makes ``about.md`` ``about/``, not ``about.html``."""
    old = previous.pages if previous is not None and _statuses_same(inputs, previous, sources.config) else {}
    files = [(path, False) for path in inputs.pages]
    reused, todo = _reusable(files, old, inputs.page_signatures, drafts)
    tasks = [(path, sources.pages_root, sources.jekyll, drafts, sources.root, store.folder, embed_hosts, folders,
              searched and searched.folder) for path, _ in todo]
    fresh, errors = _records_of([path for path, _ in todo], _map(_render_page_packed, tasks, jobs or available_cores()),
                                store, None)
    return {path: fresh.get(path) or reused[path] for path in inputs.pages if path in fresh or path in reused}, errors


def _statuses_same(inputs: Inputs, previous: BuildState, config_file: Path | None) -> bool:
    """What the records of ``previous`` depend on besides their files is unchanged: the check statuses' inputs,
    and the config (which says which embeds a post may show)."""
    depends = dict(inputs.status_files)
    if config_file is not None:
        depends[str(config_file)] = inputs.files.get(str(config_file))
    return all(previous.inputs.get(path) == sig for path, sig in depends.items())


def _reusable(files: list[tuple[Path, bool]], old: Mapping[str, PostRecord], signatures: Mapping[str, Any],
              drafts: bool) -> tuple[dict[Path, PostRecord], list[tuple[Path, bool]]]:
    """(the records of ``old`` that still hold, by file; the files to read again)."""
    reused: dict[Path, PostRecord] = {}
    todo: list[tuple[Path, bool]] = []
    for path, draft_folder in files:
        record = old.get(str(path))
        if (record is not None and record.signature == signatures[str(path)]
                and record.draft_folder == draft_folder and (record.key is not None or not drafts)):
            reused[path] = _left_out(record) if not drafts and record.post_fields.get("draft") else record
        else:
            todo.append((path, draft_folder))
    return reused, todo


def _left_out(record: PostRecord) -> PostRecord:
    return PostRecord(record.signature, record.draft_folder, None)


def render_posts(todo: list[tuple[Path, bool, dict[str, Target]]], root: Path, store: ViewStore, *, drafts: bool,
                 progress: Progress | None, jobs: int | None, embed_hosts: tuple[str, ...] = EMBED_HOSTS,
                 routing: Routing = Routing(), searched: ViewStore | None = None,
                 ) -> tuple[dict[Path, PostRecord], list[SiteError]]:
    """Render each (post file, found in the drafts folder, what the sources its links name lead to); with
    ``searched`` (a site with search), extract each view's search records into it too."""
    jobs = jobs or available_cores()
    tasks = [(path, draft_folder, drafts, root, store.folder, embed_hosts, routing, targets,
              searched and searched.folder) for path, draft_folder, targets in todo]
    return _records_of([path for path, _, _ in todo], _map(_render_packed, tasks, jobs), store, progress)


def _records_of(paths: list[Path], results: Iterator[bytes], store: ViewStore,
                progress: Progress | None) -> tuple[dict[Path, PostRecord], list[SiteError]]:
    """The records of the files ``paths`` from their rendering's ``results`` (pickled), and their errors."""
    records: dict[Path, PostRecord] = {}
    errors: list[SiteError] = []
    for index, (path, packed) in enumerate(zip(paths, results), 1):
        result, unstored = pickle.loads(packed)
        if unstored is not None:
            store.pin(result.key, unstored)
        if progress:
            progress(f"rendering {index}/{len(paths)}: {path.name}")
        if isinstance(result, PostRecord):
            records[path] = result
        else:
            errors += result
    return records, errors


def _map(function: Callable, tasks: list[tuple], jobs: int) -> Iterator:
    if jobs <= 1 or len(tasks) < PARALLEL_FROM:
        return (function(*task) for task in tasks)
    # fork when this is the only thread (a CLI build): workers start at once, already holding our modules,
    # and as our own children their CPU time is counted with ours; a fork server where other threads run
    # (serve), since a forked child may inherit a lock another thread held
    import multiprocessing  # here: a rebuild of one post starts no pool, and importing them takes 25 ms
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context, initializer=_worker_start,
                               initargs=(os.getpid(),))
    return _closing(pool, pool.map(function, *zip(*tasks), chunksize=8))


def _worker_start(build: int) -> None:
    """In each worker process, first thing: end with the build, process ``build`` (SIGKILLed, it left its
    workers waiting for work forever, also when killed as it forked them); then hold none of its locks."""
    die_with_parent(build)
    drop_inherited_locks()


def _closing(pool: ProcessPoolExecutor, results: Iterator) -> Iterator:
    with pool:
        yield from results


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


_MARKDOWN: dict[tuple[bool, tuple[str, ...]], Any] = {}
"""One MarkdownIt per (raw HTML of the author's kept, embed hosts): imported posts show raw HTML as text."""


def _render_packed(*task: object) -> bytes:
    """``render_post_file``'s result, pickled as the content model needs (``incremental.dumps``)."""
    return incremental.dumps(render_post_file(*task))


def _render_page_packed(*task: object) -> bytes:
    return incremental.dumps(render_page_file(*task))


def render_post_file(path: Path, draft_folder: bool, drafts: bool, root: Path, store_folder: Path,
                     embed_hosts: tuple[str, ...] = EMBED_HOSTS,
                     routing: Routing = Routing(),
                     targets: Mapping[str, Target] | None = None,
                     search_folder: Path | None = None) -> tuple[PostRecord | list[SiteError], Any]:
    """Parse, route and render one post (in a worker process or this one); its view goes into the store, unless
    a source its links name is not in ``targets`` (it is rendered again once known). Returns the post's record
    (or its errors), and the view itself when the store could not keep it."""
    sig = signature(path)  # before reading: a change made while we read is seen by the next build
    try:
        post = load_post(path, draft=draft_folder, jekyll=routing.jekyll)
        if post.draft and not drafts:
            return PostRecord(sig, draft_folder, None), None
        url, redirects = route(post, routing)
        post = replace(post, url=url, redirects=redirects)
        statuses = block_statuses(post, root)
    except SiteError as exc:
        return [exc], None
    links = None if post.imported else PageLinks(post_url(post), source_key(path, root), dict(targets or {}))
    return rendered_record(post, statuses, sig, draft_folder, store_folder, embed_hosts, links=links,
                           search_folder=search_folder)


def render_page_file(path: Path, pages_root: Path, jekyll: bool, drafts: bool, root: Path, store_folder: Path,
                     embed_hosts: tuple[str, ...], folders: bool = False,
                     search_folder: Path | None = None) -> tuple[PostRecord | list[SiteError], Any]:
    """``render_post_file`` for a page file: a file that is not built (a draft, a Jekyll file without front
    matter or the theme's own) gets a record without a key, and the warnings saying why when one is due."""
    sig = signature(path)
    try:
        read = load_page(path, pages_root, jekyll=jekyll, folders=folders)
        if read.post is None or read.post.draft and not drafts:
            return PostRecord(sig, False, None, warnings=read.warnings), None
        url = page_url(read.post, read.name, jekyll, folders=folders)
        statuses = block_statuses(read.post, root)
    except SiteError as exc:
        return [exc], None
    return rendered_record(read.post, statuses, sig, False, store_folder, embed_hosts, url,
                           search_folder=search_folder)


def rendered_record(post: Post, statuses: dict, sig: Any, draft_folder: bool, store_folder: Path,
                    embed_hosts: tuple[str, ...], url: str | None = None,
                    links: PageLinks | None = None, search_folder: Path | None = None) -> tuple[PostRecord, Any]:
    """The record of ``post`` (a page's at ``url``), its view rendered unless the store holds it already; a view
    with a link whose target is not known yet is not stored (it is rendered again once known). With
    ``search_folder``, its search records are extracted and stored there too (here: in a worker, for a cold
    build), unless they are already."""
    key = digest(code_key(), repr(post), repr(sorted(statuses.items())), repr(embed_hosts), repr(url),
                 repr(links and (links.page_url, links.source, sorted(links.targets.items()))))
    store = ViewStore(store_folder)
    unstored = None
    view = store.stored(key)
    if view is None:
        md = (not post.imported, embed_hosts)
        if md not in _MARKDOWN:
            _MARKDOWN[md] = create_markdown(*md)
        view = post_view(_MARKDOWN[md], post, fence_decorator(post, statuses, url), links, url)
        if all(target is not None for _, target in view.links):  # else rendered again, once they are known
            unstored = None if store.put(key, view) else view
            if search_folder is not None and unstored is None:
                _records_of_view(key, lambda: view, ViewStore(search_folder))
    post_fields, view_fields = summary_of(view)
    record = PostRecord(sig, draft_folder, key, post_fields, view_fields, companion_links(post, statuses, url),
                        reading_warnings([post]) + secret_warnings(post.path) + view.warnings,
                        meta_line(post, "template") if "template" in post.meta else None,
                        incremental.summary_key(post_fields, view_fields), view.links)
    return record, unstored


def reading_warnings(posts: Iterable[Post]) -> tuple[str, ...]:
    return tuple(w.said(post.path) for post in posts for w in post.warnings)


def secret_warnings(path: Path) -> tuple[str, ...]:
    """A warning with file:line for each secret (API key, token, private key, password in a URL) in the
    source of a post or page: it is about to be published."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    return tuple(secrets.warning(str(path), finding) for finding in secrets.find_secrets(text))


def _links(records: Iterable[PostRecord]) -> list[CompanionLink]:
    return [link for record in records for link in record.links]


def template_errors(env: jinja2.Environment, records: dict[Path, PostRecord]) -> list[PostError]:
    """A post (or page) that names a template that does not exist is an error at its ``template:`` line."""
    errors = []
    for path, record in records.items():
        name = record.post_fields["meta"].get("template")
        if name is None:
            continue
        try:
            env.get_template(str(name))
        except jinja2.TemplateNotFound:
            errors.append(PostError(path, record.template_line, f"template {name!r} not found",
                                    hint="put it in content/templates/ or use one of the theme's: post.html"))
    return errors


def duplicate_urls(views: list) -> list[SiteError]:
    """Two posts at one URL (or one post's redirect at another's URL): an error at each later one, naming the first."""
    seen: dict[str, tuple[Path, str]] = {}
    errors: list[SiteError] = []
    for view in sorted(views, key=lambda v: str(v.post.path)):
        post = view.post
        for url, what in ((post.url or view.url, "URL"), *((r, "redirect_from") for r in post.redirects)):
            file = page_file(url)
            if file in seen:
                first, first_what = seen[file]
                errors.append(PostError(post.path, _meta_line_of(post, what),
                                        f"{what} /{url} is already {'the URL' if first_what == 'URL' else 'a redirect'}"
                                        f" of {first}", hint="rename one of the files, or set `slug:` or "
                                                             "`permalink:` in its front matter"))
            else:
                seen[file] = (post.path, what)
    return errors


def _meta_line_of(post, what: str) -> int:
    keys = ("permalink", "slug") if what == "URL" else ("redirect_from", "aliases")
    for key in keys:
        if key in post.meta:
            return meta_line(post, key)
    return 1


THEME_PAGES = frozenset(("index.html", "404.html", "feed.xml", "sitemap.xml", "robots.txt", "redirects.json",
                         "archive/index.html", "tags/index.html", "search/index.html"))
THEME_FOLDERS = ("archive/page/", "page/", "companions/", "assets/", "pagefind/")


def theme_made(pages: Mapping[str, Any]) -> dict[str, str]:
    """The pages of a Jekyll folder at a URL our theme makes itself (a ``tags.md`` of Liquid at ``/tags/``, an
    ``archive.md``): {name: the warning saying it is not built} — Jekyll's theme made them, ours does."""
    return {name: f"{view.post.path}: warning: not built: its URL /{view.url} is a page the theme makes "
                  f"({page_file(view.url)}); site-builder runs no Liquid, and its own page lists the same"
            for name, view in pages.items()
            if page_file(view.url) in THEME_PAGES or page_file(view.url).startswith(THEME_FOLDERS)}


def url_clashes(specs: list[PageSpec], pages: Iterable[Any], search: bool) -> list[SiteError]:
    """A page (of ``pages``, the views of page files) whose output a post, another page or a page of the theme
    (``tags/``, ``archive/``, ``feed.xml``…) has already, or would need as a folder (``/feed.xml/``), or inside
    the search index's folder: one error naming both files, each at the line that chose the URL
    (``permalink:``, ``slug:``)."""
    ours = {id(view) for view in pages}
    owners = {spec.path: spec for spec in specs if id(spec.extra.get("view")) not in ours}
    errors: list[SiteError] = []
    for spec in (spec for spec in specs if id(spec.extra.get("view")) in ours):
        view = spec.extra["view"]
        problem = _clash(spec, owners, search)
        if problem:
            errors.append(PostError(view.post.path, url_line(view.post), f"the page's URL /{view.url} {problem}",
                                    hint="give the page another URL: `permalink: /about-me/` or `slug:`, or rename it"))
        owners.setdefault(spec.path, spec)
    return errors


def _clash(spec: PageSpec, owners: Mapping[str, PageSpec], search: bool) -> str | None:
    """Why the page of ``spec`` cannot be written where it asks (None when it can)."""
    if spec.path in owners:
        return f"({spec.path}) is already {_owner(owners[spec.path])}"
    folder = next((f for f in _folders(spec.path) if f in owners), None)
    if folder is not None:
        return f"needs a folder {folder}/ where {_owner(owners[folder])} is a file"
    if search and spec.path.startswith("pagefind/"):
        return "is in the search index's folder (pagefind/)"
    return None


def _folders(path: str) -> list[str]:
    """The folders ``path`` is in (``a/b/index.html`` -> ``a``, ``a/b``)."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]


def _owner(spec: PageSpec) -> str:
    """Who writes ``spec``'s file, in an error: a post or page file at the line choosing its URL, or the theme."""
    view = spec.extra.get("view")
    if view is None:
        return f"the theme's page ({spec.template})"
    return f"the URL of {display_path(view.post.path)}:{url_line(view.post)}"


def url_line(post: Any) -> int:
    """The line that chose a post's or page's URL: its ``permalink:``, else its ``slug:`` (else 1)."""
    return meta_line(post, "permalink" if "permalink" in post.meta else "slug")


# ---- pages ---------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What ``page_entries`` found while the pages were written: every page's record, and counts."""
    outputs: dict[str, OutputRecord]
    rendered: int = 0
    written: int = 0
    kept: set[str] = field(default_factory=set)


def page_entries(env: jinja2.Environment, config, site, specs: list[PageSpec], trusted: BuildState | None,
                 present: dict[str, OutputSignature], out: Path, tally: Tally,
                 full_keys: dict[str, str], jobs: int = 1) -> Iterator[Page | Kept]:
    """Each page to write, or ``Kept`` for a file of the current site to keep, one at a time (the writer
    takes them as they come, so a build never holds all its pages); records go into ``tally``.

    A page is kept without rendering when the last build rendered it from what it is made from now (its
    ``page_key``, over the entries of ``site`` it read then) and its file is as that build left it. A page
    rendered again whose bytes did not change is kept too, so its file keeps its date. Many pages to render
    are rendered by ``jobs`` worker processes (``_rendered_pages``)."""
    common = digest(code_key(), repr(config))
    keys = SiteKeys(site, full_keys, lambda name: template_key(env, name))
    plan = []
    for spec in specs:
        old = trusted.outputs.get(spec.path) if trusted is not None else None
        untouched = old is not None and present.get(spec.path) == old.file
        plan.append((spec, old, untouched and page_key(common, spec, old.read, keys) == old.key, untouched))
    rendered = _rendered_pages(_PageJob(env, config, site, common, keys),
                               [spec for spec, _, keep, _ in plan if not keep], jobs)
    for spec, old, keep, untouched in plan:
        if keep:
            tally.outputs[spec.path] = old
            tally.kept.add(spec.path)
            yield Kept(spec.path)
            continue
        content, tally.outputs[spec.path] = next(rendered)
        tally.rendered += 1
        if untouched and _same_bytes(out / spec.path, content):
            tally.kept.add(spec.path)
            yield Kept(spec.path)
        else:
            tally.written += 1
            yield Page(spec.path, content)


@dataclass(frozen=True, slots=True)
class _PageJob:
    """What rendering a page takes: the same for every page of a build."""
    env: jinja2.Environment
    config: Any
    site: Any
    common: str
    keys: SiteKeys

    def render(self, spec: PageSpec) -> tuple[str, OutputRecord]:
        """The page and its record: its key over the entries of ``site`` it read."""
        content = render_page(self.env, self.config, self.site, spec, incremental.DEEP_READS)
        read = frozenset({*self.site.read, *(("view", path) for path in incremental.DEEP_READS),
                          *(("template", name) for name in self.env.loaded)})
        return content, OutputRecord(page_key(self.common, spec, read, self.keys), read)


PARALLEL_PAGES = 200
"""Pages to render from which worker processes share them (a cold build, a template edit)."""

_PAGE_JOB: list[tuple[_PageJob, list[PageSpec]]] = []
"""The build's page job, for the worker processes forked to render its pages (they inherit it)."""


def _rendered_pages(job: _PageJob, specs: list[PageSpec], jobs: int) -> Iterator[tuple[str, OutputRecord]]:
    """(page, record) for each of ``specs``, in order: rendered here one at a time, or, when they are many and
    this process can fork (a CLI build: one thread), by ``jobs`` forked workers that inherit ``job`` (nothing
    is pickled to them, and only pages come back) while this process writes what they return."""
    if jobs <= 1 or len(specs) < PARALLEL_PAGES or threading.active_count() > 1:
        return (job.render(spec) for spec in specs)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _PAGE_JOB[:] = [(job, specs)]
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),))
    chunks = [(start, min(start + 16, len(specs))) for start in range(0, len(specs), 16)]
    return _pages_of(pool, pool.map(_render_chunk, *zip(*chunks)))


def _pages_of(pool: ProcessPoolExecutor, chunks: Iterator[list]) -> Iterator[tuple[str, OutputRecord]]:
    try:
        for chunk in chunks:
            for result in chunk:
                if isinstance(result, SiteError):
                    raise result
                yield result
    finally:  # a page's error, or the writer's: the pages not yet rendered are not
        pool.shutdown(wait=True, cancel_futures=True)
        _PAGE_JOB.clear()


def _render_chunk(start: int, end: int) -> list:
    """In a worker: the pages ``specs[start:end]`` of the inherited job; a page's error ends the chunk."""
    job, specs = _PAGE_JOB[0]
    results: list = []
    for spec in specs[start:end]:
        try:
            results.append(job.render(spec))
        except SiteError as exc:
            results.append(exc)
            break
    return results


def _same_bytes(path: Path, content: str) -> bool:
    try:
        return path.read_bytes() == content.encode("utf-8")
    except OSError:
        return False


def _view_records(site, store: ViewStore, searched: ViewStore | None) -> Iterator[tuple[SearchRecord, ...]]:
    """The search records of every post, then of every page (pages are found by search too): those kept in
    ``searched``, else extracted from the whole view now (and kept)."""
    for view in (*every_post(site), *dict.__getitem__(site, "pages")):
        yield _records_of_view(view.cache_key, lambda key=view.cache_key: store.get(key), searched)


def _records_of_view(key: str, view: Callable[[], Any], searched: ViewStore | None) -> tuple[SearchRecord, ...]:
    """The search records of the view stored under ``key``: kept in ``searched``, else extracted and kept."""
    found = searched.stored(key) if searched is not None else None
    if found is None:
        found = view_records(view())
        if searched is not None and not searched.put(key, found):
            searched.pin(key, found)
    return found


def unchanged_copies(copies: list[tuple[Path, str]], trusted: BuildState | None,
                     present: dict[str, OutputSignature]) -> tuple[list[tuple[Path, str]], list[str]]:
    """(copies to make, destinations kept from the current site): only the last copy to each destination counts
    (a static file replaces the theme's asset: the asset is not copied at all); it is kept when its source has
    the signature it had when the current site's file was copied from it, and that file is untouched."""
    to_copy, kept = [], []
    final = dict((destination, source) for source, destination in copies)  # a later copy replaces an earlier one
    for destination, source in final.items():
        old = trusted.outputs.get(destination) if trusted is not None else None
        if (old is not None and old.key == repr(signature(source))
                and present.get(destination) == old.file):
            kept.append(destination)
        else:
            to_copy.append((source, destination))
    return to_copy, kept


def _kept_index(search_key: str | None, trusted: BuildState | None,
                present: dict[str, OutputSignature]) -> list[str]:
    """The current site's search index files, when they index ``search_key`` (any, for None) and are untouched."""
    if trusted is None or search_key is not None and trusted.search_key != search_key:
        return []
    files = [path for path in trusted.outputs if path.startswith("pagefind/")]
    untouched = all(present.get(path) == trusted.outputs[path].file for path in files)
    return files if files and untouched else []


@dataclass
class IndexWriter:
    """Writes the shards ``making`` of the index ``plan``, and its list of shards, into a staging folder's
    ``pagefind/`` (through its placer's ``write_bytes``; a shard made before comes from ``cache``), and lists
    the files it wrote in ``written`` (the state records those, and takes the kept ones as they were)."""
    plan: list[Shard]
    making: list[Shard]
    kept_languages: dict[str, list[str]]
    language: str
    cache: Path | None = None
    jobs: int = 1
    written: list[str] = field(default_factory=list)

    def __call__(self, place: Any) -> None:
        def put(relative: str, data: bytes) -> None:
            place.write_bytes(f"pagefind/{relative}", data)
            self.written.append(f"pagefind/{relative}")

        write_shards(self.plan, self.making, self.kept_languages, self.language, put, self.cache, self.jobs)


def _theme_copies(folder: Path, destination: str) -> list[tuple[Path, str]]:
    return [(path, f"{destination}/{path.relative_to(folder).as_posix()}")
            for path in sorted(folder.rglob("*")) if path.is_file()]


def _giving_way(copies: list[tuple[Path, str]], pages: set[str]) -> tuple[list[tuple[Path, str]], tuple[str, ...]]:
    """(the copies that no page of the site is written over, a warning for each of the others)."""
    kept = [(source, destination) for source, destination in copies if destination not in pages]
    return kept, tuple(f"{source}: warning: not copied: the theme writes {destination} itself"
                       for source, destination in copies if destination in pages)


def _static_copies(sources: Sources) -> list[tuple[Path, str]]:
    """``static/`` as discovered: links out of the content folder were refused, linked files are copied."""
    if sources.static_root is None:
        return []
    return [(path, path.relative_to(sources.static_root).as_posix()) for path in sources.static]


def output_collisions(pages: list[Page], theme_files: list[tuple[Path, str]],
                      static_files: list[tuple[Path, str]]) -> list[SiteError]:
    """Outputs that would overwrite each other: two pages at one path, a static file at a page's path, a file
    where another output needs a folder, a path that leaves the site. A static file may replace a theme asset
    (``static/assets/style.css``); nothing else is ever overwritten."""
    errors: list[SiteError] = []
    writers: dict[str, str] = {}
    for page in pages:
        if page.path in writers:
            errors.append(SiteError(f"two generated pages would be written to {page.path}"))
        writers[page.path] = f"the generated page {page.path}"
    for source, destination in static_files:
        if destination in writers:
            errors.append(PostError(source, None, f"would replace {writers[destination]}",
                                    hint="rename or move it: files in static/ cannot replace generated pages"))
    sources = {destination: f"the theme asset {destination}" for _, destination in theme_files}
    sources.update({destination: display_path(source) for source, destination in static_files})
    sources.update(writers)
    for path, writer in sorted(sources.items()):
        parts = PurePosixPath(path).parts
        if path.startswith("/") or ".." in parts:
            errors.append(SiteError(f"{writer} would be written outside the site ({path})"))
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in sources:
                errors.append(SiteError(f"{writer} needs a folder {folder}/ where {sources[folder]} is a file",
                                        hint="rename one of them"))
    return errors


def _raise_all(errors: list[SiteError]) -> None:
    if errors:
        raise BuildError(errors)
