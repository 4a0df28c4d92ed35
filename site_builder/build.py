"""The pipeline, top to bottom: discover -> check the output -> config -> parse -> render -> search index ->
write (atomic)."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from site_builder.config import load_config
from site_builder.discover import Sources, discover
from site_builder.errors import BuildError, PostError, SiteError, display_path
from site_builder.highlight import stylesheet
from site_builder.markdown import create_markdown
from site_builder.model import Post
from site_builder.posts import load_post
from site_builder.render import (THEME_DIR, Page, check_templates, companion_view, fence_decorator,
                                 linked_ranges, make_environment, post_view, quotes_of, render_pages)
from site_builder.search import SearchRecord, search_records, write_search_index
from site_builder.snippets import BlockStatus, block_statuses
from site_builder.write import check_output, write_site

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildResult:
    out_dir: Path
    posts: int
    pages: int
    seconds: float
    warnings: tuple[str, ...] = ()
    """``file:line: warning: …`` for what was built but may not read as meant: a post whose turns may be
    misread (``Post.warnings``), a formula shown as its source."""


def build_site(content: Path, out_dir: Path, *, drafts: bool = False, base_url: str | None = None,
               theme: Path = THEME_DIR, progress: Progress | None = None) -> BuildResult:
    """Render ``content`` into ``out_dir``. On any error nothing in ``out_dir`` changes.

    ``out_dir`` is checked before any work: only a new, empty or earlier-built output is replaced.
    """
    started = time.perf_counter()
    sources = discover(content)
    out = check_output(out_dir, sources, theme)
    config = load_config(sources.config, jekyll=sources.jekyll, base_url=base_url)
    posts, post_errors = load_posts(sources, drafts=drafts)
    env = make_environment(theme, sources.templates)
    statuses, status_errors = snippet_statuses(posts, sources)
    _raise_all([*post_errors, *check_templates(env, posts), *status_errors])
    md = create_markdown()
    views = [post_view(md, post, fence_decorator(post, statuses[post.path])) for post in _announce(posts, progress)]
    companions = [companion_view(path, linked_ranges(path, statuses), quotes_of(path, posts, statuses))
                  for path in sources.companions]
    pages = render_pages(env, config, views, companions, build_time())
    pages.append(Page("assets/pygments.css", stylesheet(config.highlight_light, config.highlight_dark)))
    theme_files, static_files = _theme_copies(theme / "assets", "assets"), _static_copies(sources)
    _raise_all(output_collisions(pages, theme_files, static_files))
    # The search index is written into the staging folder, so it is swapped in with the pages it describes.
    index = [search_index_writer(search_records(views, config.title), config.language)] if config.search else []
    write_site(pages, theme_files + static_files, out, generated=index)
    warnings = reading_warnings(posts) + tuple(w for view in views for w in view.warnings)
    return BuildResult(out_dir, len(posts), len(pages), time.perf_counter() - started, warnings)


def build_time() -> dt.datetime:
    """``$SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when set, else now. Only a site without posts
    shows it (the feed's ``<updated>``): the same content then builds the same bytes when the variable is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def search_index_writer(records: list[SearchRecord], language: str) -> Callable[[Path], Path]:
    """Writes the search index of ``records`` into a staging folder's ``pagefind/``."""
    return lambda staging: write_search_index(records, staging / "pagefind", language)


def reading_warnings(posts: list[Post]) -> tuple[str, ...]:
    return tuple(f"{post.path}:{w.line}: warning: {w.message}" for post in posts for w in post.warnings)


def load_posts(sources: Sources, *, drafts: bool) -> tuple[list[Post], list[SiteError]]:
    """Parse every post (and draft, if asked). Returns the posts that parsed and every error."""
    errors: list[SiteError] = []
    posts: list[Post] = []
    files = [(p, False) for p in sources.posts] + ([(p, True) for p in sources.drafts] if drafts else [])
    for path, is_draft in files:
        try:
            post = load_post(path, draft=is_draft)
        except PostError as exc:
            errors.append(exc)
            continue
        if post.draft and not drafts:
            continue
        posts.append(post)
    return posts, errors + _duplicate_slugs(posts)


def snippet_statuses(posts: list[Post], sources: Sources) -> tuple[dict[Path, dict[int, BlockStatus]],
                                                                   list[SiteError]]:
    """What the snippet checks last proved for every block (read from the cache; nothing runs), and the
    errors of fences whose options are wrong."""
    errors: list[SiteError] = []
    statuses: dict[Path, dict[int, BlockStatus]] = {}
    for post in posts:
        try:
            statuses[post.path] = block_statuses(post, sources.root)
        except SiteError as exc:
            errors.append(exc)
    return statuses, errors


def _duplicate_slugs(posts: list[Post]) -> list[PostError]:
    seen: dict[str, Post] = {}
    errors = []
    for post in posts:
        if post.slug in seen:
            errors.append(PostError(post.path, 1, f"slug {post.slug!r} is already used by {seen[post.slug].path}",
                                    hint="rename one of the files or set `slug:` in its front matter"))
        else:
            seen[post.slug] = post
    return errors


def _theme_copies(folder: Path, destination: str) -> list[tuple[Path, str]]:
    return [(path, f"{destination}/{path.relative_to(folder).as_posix()}")
            for path in sorted(folder.rglob("*")) if path.is_file()]


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


def _announce(posts: list[Post], progress: Progress | None):
    for index, post in enumerate(posts, 1):
        if progress:
            progress(f"rendering {index}/{len(posts)}: {post.path.name}")
        yield post
