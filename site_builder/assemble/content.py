"""The content stage: every post and page file read into a record (``records.py``), the views templates get,
the nav and the languages, and the ``site`` every template sees. Every error of the content is raised at once."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from site_builder import incremental
from site_builder.assemble.checks import duplicate_urls, raise_all, template_errors, theme_made
from site_builder.assemble.records import companion_views, page_records, post_records, routing_of
from site_builder.assemble.workers import Progress
from site_builder.config import SiteConfig
from site_builder.discover import Sources
from site_builder.incremental.state import BuildState, Inputs, PostRecord
from site_builder.incremental.store import ViewStore
from site_builder.incremental.views import ReadLog, lazy_view
from site_builder.menu import menu_items, nav_order
from site_builder.pages import page_name
from site_builder.render import SiteData, site_data
from site_builder.translations import Languages, site_languages


@dataclass(frozen=True, slots=True)
class Stores:
    """Where rendered views are kept (``views``), with their search records after them when ``search`` is on."""
    views: ViewStore
    search: bool
    legacy: Path
    """The folder where earlier builds kept the search records apart (``incremental.legacy_search_store``)."""

    @classmethod
    def of(cls, content_root: Path, search: bool) -> Stores:
        return cls(incremental.view_store(content_root), search, incremental.legacy_search_store(content_root))

    def touch(self, keys: list[str]) -> None:
        """Mark the views this build uses, so that a build running beside it does not prune them."""
        self.views.touch(keys)

    def prune(self, keys: set[str]) -> None:
        if self.views.prune(keys) and self.legacy.is_dir():
            shutil.rmtree(self.legacy, ignore_errors=True)  # ours, and no build that may read it is running


@dataclass(frozen=True, slots=True)
class Content:
    """The content of the site, read: the record of every post and page file, and the site templates see."""
    posts: dict[Path, PostRecord]
    """Every post file's record (a draft left out has one without a key)."""
    pages: dict[Path, PostRecord]
    """Every page file's record (a file that is not built has one without a key)."""
    built: dict[Path, PostRecord]
    """The posts and pages that are built (pages the theme makes itself left out), by file."""
    post_count: int
    """The posts that are built."""
    site: SiteData
    companions: list
    """The page of each companion (``render.CompanionView``)."""
    page_views: list
    languages: Languages
    log: ReadLog
    """Where the site's lazy views note the posts a page reads whole."""
    warnings: tuple[str, ...]
    """The nav's, and a warning for each Jekyll page the theme makes itself."""


def read_content(sources: Sources, inputs: Inputs, previous: BuildState | None, config: SiteConfig,
                 env: jinja2.Environment, stores: Stores, *, drafts: bool, progress: Progress | None,
                 jobs: int) -> Content:
    """Read (or take from ``previous``) every post and page, and make the site of those that are built; raise
    every error found in them, their templates, URLs, nav and languages at once."""
    routing = routing_of(config, sources)
    posts, errors = post_records(inputs, previous, sources.root, stores.views, drafts=drafts, progress=progress,
                                 jobs=jobs, embed_hosts=config.embed_hosts, config_file=sources.config,
                                 routing=routing, companions=sources.companions,
                                 left_out=() if drafts else sources.drafts, search=stores.search)
    pages, page_errors = page_records(inputs, previous, sources, stores.views, drafts=drafts, jobs=jobs,
                                      embed_hosts=config.embed_hosts, search=stores.search,
                                      folders=sources.jekyll and routing.template().endswith("/"))
    included = {path: record for path, record in posts.items() if record.key is not None}
    built_pages = {path: record for path, record in pages.items() if record.key is not None}
    stores.touch([record.key for record in (*included.values(), *built_pages.values())])
    log = ReadLog()
    views = [_view(record, stores.views, log) for record in included.values()]
    page_views = {page_name(path, sources.pages_root): _view(record, stores.views, log)
                  for path, record in built_pages.items()}
    left_out = [page_name(path, sources.pages_root) for path in pages.keys() - built_pages.keys()]
    theirs = theme_made(page_views) if sources.jekyll else {}
    page_views = {name: view for name, view in page_views.items() if name not in theirs}
    built_pages = {path: record for path, record in built_pages.items()
                   if page_name(path, sources.pages_root) not in theirs}
    menu, menu_errors, menu_warnings = menu_items(config.menu, page_views, left_out, sources.config)
    languages, language_errors = site_languages(views, config.language) if not errors \
        else (Languages(config.language), [])
    raise_all(errors + page_errors + duplicate_urls(views) + template_errors(env, {**included, **built_pages})
              + menu_errors + language_errors)
    companions = companion_views(sources.companions, [*zip(views, included.values())],
                                 [*zip(page_views.values(), built_pages.values())])
    site = site_data(config, views, build_time(), sorted(page_views.values(), key=nav_order), menu, languages)
    return Content(posts, pages, {**included, **built_pages}, len(included), site, companions, list(page_views.values()),
                   languages, log, menu_warnings + tuple(theirs.values()))


def _view(record: PostRecord, store: ViewStore, log: ReadLog) -> Any:
    return lazy_view(record.key, record.summary_key, record.post_fields, record.view_fields, store, log)


def build_time() -> dt.datetime:
    """``$SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when set, else now. Only a site without posts
    shows it (the feed's ``<updated>``): the same content then builds the same bytes when the variable is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)
