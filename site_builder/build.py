"""The pipeline, top to bottom: discover -> config -> parse -> render -> write (atomic)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from html import escape
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from site_builder.config import load_config
from site_builder.discover import Sources, discover
from site_builder.errors import BuildError, PostError, SiteError
from site_builder.highlight import highlight, stylesheet
from site_builder.markdown import FenceContext, FenceDecorator, create_markdown
from site_builder.model import Post
from site_builder.posts import load_post
from site_builder.render import (THEME_DIR, Page, check_templates, companion_view, make_environment,
                                 post_url, post_view, render_pages)
from site_builder.snippets import BlockStatus, block_statuses

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildResult:
    out_dir: Path
    posts: int
    pages: int
    seconds: float


def build_site(content: Path, out_dir: Path, *, drafts: bool = False, base_url: str | None = None,
               theme: Path = THEME_DIR, progress: Progress | None = None) -> BuildResult:
    """Render ``content`` into ``out_dir``. On any error nothing in ``out_dir`` changes."""
    started = time.perf_counter()
    sources = discover(content)
    config = load_config(sources.config, jekyll=sources.jekyll, base_url=base_url)
    posts = load_posts(sources, drafts=drafts)
    env = make_environment(theme, sources.templates)
    _raise_all(check_templates(env, posts))
    statuses = snippet_statuses(posts, sources)
    md = create_markdown()
    views = [post_view(md, post, fence_decorator(post, statuses[post.path])) for post in _announce(posts, progress)]
    companions = [companion_view(path, _linked_ranges(path, statuses)) for path in sources.companions]
    pages = render_pages(env, config, views, companions, dt.datetime.now(dt.timezone.utc))
    pages.append(Page("assets/pygments.css", stylesheet(config.highlight_light, config.highlight_dark)))
    copies = [(theme / "assets", "assets"), *([(sources.static_root, "")] if sources.static_root else [])]
    write_site(pages, copies, out_dir)
    return BuildResult(out_dir, len(posts), len(pages), time.perf_counter() - started)


def load_posts(sources: Sources, *, drafts: bool) -> list[Post]:
    """Parse every post (and draft, if asked); gather every error before stopping."""
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
    errors += _duplicate_slugs(posts)
    _raise_all(errors)
    return posts


def snippet_statuses(posts: list[Post], sources: Sources) -> dict[Path, dict[int, BlockStatus]]:
    """What the snippet checks last proved for every block (read from the cache; nothing runs)."""
    errors: list[SiteError] = []
    statuses: dict[Path, dict[int, BlockStatus]] = {}
    for post in posts:
        try:
            statuses[post.path] = block_statuses(post, sources.root)
        except SiteError as exc:
            errors.append(exc)
    _raise_all(errors)
    return statuses


def fence_decorator(post: Post, statuses: dict[int, BlockStatus]) -> FenceDecorator:
    """Around each block of ``post``: its check status, the link to the companion, the adapted diff."""
    root = "../" * post_url(post).count("/")

    def decorate(block: FenceContext) -> dict[str, str]:
        status = statuses.get(block.line)
        if status is None:
            return {}
        caption = (f'<span class="status status-{escape(status.status)}" title="{escape(status.reason)}">'
                   f'{escape(status.status.replace("-", " "))}</span>')
        if status.companion and status.first_line:
            stem = Path(status.companion).with_suffix("").as_posix()
            anchor = f"L{status.first_line}-L{status.last_line or status.first_line}"
            caption += (f'<a class="runnable" href="{escape(root)}companions/{escape(stem)}/#{anchor}">'
                        f'runnable: {escape(status.companion)}</a>')
        after = ""
        if status.diff:
            after = (f'<details class="diff"><summary>What the companion changed to run</summary>'
                     f'<div class="highlight"><pre><code>{highlight(status.diff, "diff")}</code></pre></div></details>')
        return {"attrs": f' data-status="{escape(status.status)}"', "caption": caption, "after": after}

    return decorate


def _linked_ranges(path: Path, statuses: dict[Path, dict[int, BlockStatus]]) -> list[tuple[int, int]]:
    return [(s.first_line, s.last_line or s.first_line) for by_line in statuses.values() for s in by_line.values()
            if s.companion and s.first_line and Path(s.companion).with_suffix("").as_posix() == path.stem]


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


def _raise_all(errors: list) -> None:
    if errors:
        raise BuildError(errors)


def _announce(posts: list[Post], progress: Progress | None):
    for index, post in enumerate(posts, 1):
        if progress:
            progress(f"rendering {index}/{len(posts)}: {post.path.name}")
        yield post


def write_site(pages: list[Page], copies: list[tuple[Path, str]], out_dir: Path) -> None:
    """Write everything into a fresh folder next to ``out_dir``, then swap it into place.

    ``copies`` are (folder, destination inside the site) pairs copied as they are (theme assets, static/).
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-build-", dir=out_dir.parent))
    try:
        for folder, destination in copies:
            if folder.is_dir():
                shutil.copytree(folder, staging / destination, dirs_exist_ok=True)
        for page in pages:
            path = staging / page.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(page.content, encoding="utf-8")
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}-{time.monotonic_ns()}")
        out_dir.rename(old)
    staging.rename(out_dir)
    os.chmod(out_dir, 0o755)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
