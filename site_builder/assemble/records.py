"""Post and page records: each source file parsed, routed and rendered into a view (in worker processes when
there are many), or the last build's record reused when nothing it depends on changed."""

from __future__ import annotations

import os
import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from site_builder import incremental, secrets
from site_builder.assemble.workers import Progress, available_cores, map_tasks
from site_builder.config import EMBED_HOSTS, SiteConfig
from site_builder.discover import Sources
from site_builder.errors import SiteError
from site_builder.incremental.plan import reusable, statuses_same
from site_builder.incremental.signatures import code_key, digest, signature
from site_builder.incremental.state import BuildState, Inputs, PostRecord
from site_builder.incremental.store import ViewStore
from site_builder.incremental.views import summary_of
from site_builder.links import PageLinks, SiteLinks, Target, site_links
from site_builder.markdown.core import create_markdown
from site_builder.model import Post
from site_builder.pages import load_page
from site_builder.permalinks import Routing, route
from site_builder.posts import load_post, meta_line
from site_builder.render import (
    CompanionLink,
    companion_links,
    companion_url,
    companion_view,
    fence_decorator,
    linked_ranges,
    page_url,
    post_url,
    post_view,
    quotes_of,
)
from site_builder.search import view_records
from site_builder.snippets.statuses import block_statuses


def routing_of(config: SiteConfig, sources: Sources) -> Routing:
    """What routes the posts of this site (its ``permalink:`` and layout)."""
    return Routing(pattern=config.permalink, jekyll=sources.jekyll, timezone=config.timezone, root=sources.root,
                   sections=config.section_permalinks, hugo=sources.hugo, language=config.language)


def post_records(inputs: Inputs, previous: BuildState | None, root: Path, store: ViewStore, *, drafts: bool,
                 progress: Progress | None, jobs: int | None, embed_hosts: tuple[str, ...] = EMBED_HOSTS,
                 config_file: Path | None = None, routing: Routing = Routing(), companions: Iterable[Path] = (),
                 left_out: Iterable[Path] = (), search: bool = False,
                 ) -> tuple[dict[Path, PostRecord], list[SiteError]]:
    """A record for every post file: the last build's where nothing it depends on changed (its check
    statuses' inputs, the config, which says which embeds a post may show, and what the sources its links
    name lead to), else a new one (parsed and rendered, in worker processes when there are many); and the
    errors of the posts that have some (they have no record).

    Where a link leads is known once every post's URL is: a post is rendered with what its links led to in
    the last build (nothing, the first time), and rendered again, once all are known, if one leads elsewhere
    now (``links.py``; ``companions`` have pages too, ``left_out`` are the drafts this build leaves out)."""
    old = previous.posts if previous is not None and statuses_same(inputs, previous, config_file) else {}
    reused, files = reusable(inputs.posts, old, inputs.post_signatures, drafts)
    last = previous.posts if previous is not None else {}
    todo = [(path, draft_folder, _known_targets(last.get(str(path)))) for path, draft_folder in files]
    fresh, errors = render_posts(todo, root, store, drafts=drafts, progress=progress, jobs=jobs,
                                 embed_hosts=embed_hosts, routing=routing, search=search)
    records = {path: fresh.get(path) or reused[path] for path, _ in inputs.posts if path in fresh or path in reused}
    linking = {path: record for path, record in records.items() if record.targets and record.key is not None}
    links = site_links_of(records, root, companions, left_out) if linking else None
    again = [(path, record.draft_folder, {key: links.target(key) for key, _ in record.targets})
             for path, record in linking.items() if _leads_elsewhere(record, links)]
    if again:
        fresh, more = render_posts(again, root, store, drafts=drafts, progress=progress, jobs=jobs,
                                   embed_hosts=embed_hosts, routing=routing, search=search)
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
                 search: bool = False) -> tuple[dict[Path, PostRecord], list[SiteError]]:
    """A record for every page file, as ``post_records`` makes them for posts (a file that is not built, a
    draft or a Jekyll file without front matter, has one without a key). ``folders``: a Jekyll folder whose
    ``permalink`` ends with ``/`` (``pretty``), where Jekyll makes ``about.md`` ``about/``, not ``about.html``."""
    old = previous.pages if previous is not None and statuses_same(inputs, previous, sources.config) else {}
    files = [(path, False) for path in inputs.pages]
    reused, todo = reusable(files, old, inputs.page_signatures, drafts)
    tasks = [(path, sources.pages_root, sources.jekyll, drafts, sources.root, store.folder, embed_hosts, folders,
              search) for path, _ in todo]
    fresh, errors = _records_of([path for path, _ in todo], map_tasks(_render_page_packed, tasks, jobs or available_cores()),
                                store, None)
    return {path: fresh.get(path) or reused[path] for path in inputs.pages if path in fresh or path in reused}, errors


def render_posts(todo: list[tuple[Path, bool, dict[str, Target]]], root: Path, store: ViewStore, *, drafts: bool,
                 progress: Progress | None, jobs: int | None, embed_hosts: tuple[str, ...] = EMBED_HOSTS,
                 routing: Routing = Routing(), search: bool = False,
                 ) -> tuple[dict[Path, PostRecord], list[SiteError]]:
    """Render each (post file, found in the drafts folder, what the sources its links name lead to); with
    ``search`` (a site with search), extract each view's search records and store them with it."""
    jobs = jobs or available_cores()
    tasks = [(path, draft_folder, drafts, root, store.folder, embed_hosts, routing, targets, search)
             for path, draft_folder, targets in todo]
    return _records_of([path for path, _, _ in todo], map_tasks(_render_packed, tasks, jobs), store, progress)


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
                     search: bool = False) -> tuple[PostRecord | list[SiteError], Any]:
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
                           search=search)


def render_page_file(path: Path, pages_root: Path, jekyll: bool, drafts: bool, root: Path, store_folder: Path,
                     embed_hosts: tuple[str, ...], folders: bool = False,
                     search: bool = False) -> tuple[PostRecord | list[SiteError], Any]:
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
    return rendered_record(read.post, statuses, sig, False, store_folder, embed_hosts, url, search=search)


def rendered_record(post: Post, statuses: dict, sig: Any, draft_folder: bool, store_folder: Path,
                    embed_hosts: tuple[str, ...], url: str | None = None,
                    links: PageLinks | None = None, search: bool = False) -> tuple[PostRecord, Any]:
    """The record of ``post`` (a page's at ``url``), its view rendered unless the store holds it already; a view
    with a link whose target is not known yet is not stored (it is rendered again once known). With ``search``,
    a view rendered here is stored with its search records (here: in a worker, for a cold build)."""
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
            unstored = None if store.put(key, view, view_records(view) if search else None) else view
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


def companion_views(paths: Iterable[Path], posts: list[tuple[Any, PostRecord]],
                    pages: list[tuple[Any, PostRecord]]) -> list:
    """The page of each companion: the lines that posts and pages (each a view with its record) quote, and
    where they quote them, posts first (oldest first), then pages."""
    links = _links(record for _, record in (*posts, *pages))
    return [companion_view(path, linked_ranges(path, links),
                           [quote for group in (posts, pages)
                            for quote in quotes_of(path, [(view.post, record.links) for view, record in group])])
            for path in paths]


def _links(records: Iterable[PostRecord]) -> list[CompanionLink]:
    return [link for record in records for link in record.links]
