"""Posts -> pages: Markdown to HTML for every turn, then Jinja2 templates (autoescaped, strict).

Pages link to each other with relative URLs (``url()`` in templates), so the output works from any
sub-path; the feed and sitemap use the configured absolute ``base_url``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping

import jinja2
from markdown_it import MarkdownIt

from site_builder import __version__
from site_builder.config import SiteConfig
from site_builder.errors import PostError, TemplateError
from site_builder.highlight import highlight, highlight_lines
from site_builder.markdown import FenceContext, FenceDecorator, render
from site_builder.model import Exchange, Post, Turn
from site_builder.posts import meta_line, slugify
from site_builder.snippets import BlockStatus

THEME_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    """Output path relative to the site root, with forward slashes (``posts/x/index.html``)."""
    content: str


@dataclass(frozen=True, slots=True)
class TurnView:
    turn: Turn
    html: str


@dataclass(frozen=True, slots=True)
class ExchangeView:
    exchange: Exchange
    question: TurnView | None
    variants: tuple[tuple[TurnView, ...], ...]


@dataclass(frozen=True, slots=True)
class PostView:
    post: Post
    url: str
    """Site-relative URL of the post (``posts/slug/``)."""
    intro_html: str
    exchanges: tuple[ExchangeView, ...]
    outline: tuple[tuple[int, str], ...]
    """(turn number, short question text) for each user question."""


@dataclass(frozen=True, slots=True)
class CompanionView:
    name: str
    url: str
    lines: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]
    """Line ranges that posts link to (an anchor ``#L40-L43`` exists for each)."""


def make_environment(theme: Path, overrides: Path | None) -> jinja2.Environment:
    """Site templates first (``content/templates``), then the theme."""
    loaders = [jinja2.FileSystemLoader(str(p)) for p in (overrides, theme) if p is not None]
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["isodate"] = _isodate
    env.filters["tag_slug"] = tag_slug
    return env


def check_templates(env: jinja2.Environment, posts: Iterable[Post]) -> list[PostError]:
    """A post that names a template that does not exist is an error at its ``template:`` line."""
    errors = []
    for post in posts:
        name = post.meta.get("template")
        if name is None:
            continue
        try:
            env.get_template(str(name))
        except jinja2.TemplateNotFound:
            errors.append(PostError(post.path, meta_line(post, "template"), f"template {name!r} not found",
                                    hint="put it in content/templates/ or use one of the theme's: post.html"))
    return errors


def post_url(post: Post) -> str:
    return f"posts/{post.slug}/"


def tag_slug(tag: str) -> str:
    """The folder of a tag's page; a tag with no ASCII letters (``中文``) gets a stable hash."""
    return slugify(tag) or "tag-" + hashlib.sha1(tag.encode()).hexdigest()[:8]


def post_view(md: MarkdownIt, post: Post, decorate: FenceDecorator | None) -> PostView:
    def turn_view(turn: Turn) -> TurnView:
        return TurnView(turn, render(md, turn.text, turn.text_line, decorate))

    exchanges = tuple(
        ExchangeView(e, turn_view(e.question) if e.question else None,
                     tuple(tuple(turn_view(t) for t in variant) for variant in e.answers))
        for e in post.exchanges
    )
    outline = tuple((e.question.number, _short(md, e.question.text)) for e in post.exchanges if e.question)
    return PostView(post, post_url(post), render(md, post.intro, post.body_line, decorate) if post.intro else "",
                    exchanges, outline)


def companion_view(path: Path, ranges: Iterable[tuple[int, int]]) -> CompanionView:
    source = path.read_text(encoding="utf-8")
    return CompanionView(path.name, f"companions/{path.stem}/", tuple(highlight_lines(source, "python")),
                         tuple(sorted(set(ranges))))


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


def linked_ranges(path: Path, statuses: dict[Path, dict[int, BlockStatus]]) -> list[tuple[int, int]]:
    """The line ranges of companion ``path`` that posts quote (its page gets an anchor for each)."""
    return [(s.first_line, s.last_line or s.first_line) for by_line in statuses.values() for s in by_line.values()
            if s.companion and s.first_line and Path(s.companion).with_suffix("").as_posix() == path.stem]


def render_pages(env: jinja2.Environment, config: SiteConfig, views: list[PostView],
                 companions: list[CompanionView], now: dt.datetime) -> list[Page]:
    """Every page of the site. ``views`` may include drafts (when built with --drafts)."""
    views = sorted(views, key=lambda v: (v.post.date, v.post.slug), reverse=True)
    tags = _tags(views)
    site = {"config": config, "posts": views, "tags": tags, "generator": f"site_builder {__version__}",
            "built": now}
    pages: list[tuple[str, str, Mapping[str, Any]]] = [
        ("index.html", "index.html", {}),
        ("archive/index.html", "archive.html", {}),
        ("404.html", "404.html", {"absolute_links": True}),
    ]
    pages += [(f"{v.url}index.html", str(v.post.meta.get("template", "post.html")), {"view": v}) for v in views]
    pages += [(f"tags/{tag_slug(t)}/index.html", "tag.html", {"tag": t, "tagged": tv}) for t, tv in tags.items()]
    pages += [(f"{c.url}index.html", "companion.html", {"companion": c}) for c in companions]
    rendered = [Page(path, _render(env, template, path, config, site, extra)) for path, template, extra in pages]
    html_paths = [p.path for p in rendered if p.path != "404.html"]
    rendered.append(Page("feed.xml", _render(env, "feed.xml", "feed.xml", config, site, {})))
    rendered.append(Page("sitemap.xml", _render(env, "sitemap.xml", "sitemap.xml", config, site,
                                                {"paths": html_paths})))
    return rendered


def _render(env: jinja2.Environment, template: str, path: str, config: SiteConfig, site: Mapping[str, Any],
            extra: Mapping[str, Any]) -> str:
    depth = path.count("/")
    if extra.get("absolute_links"):
        root = _path_of(config.absolute_root)
    else:
        root = "../" * depth if depth else "./"

    def url(target: str = "") -> str:
        return root + target if root != "./" or not target else target

    def absolute(target: str = "") -> str:
        return config.absolute_root + target

    try:
        return env.get_template(template).render(site=site, config=config, page_path=path, url=url,
                                                 absolute=absolute, root=root, **extra)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found (needed for {path})",
                            hint="add it to content/templates/ or restore the theme's templates/") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{template}: {exc.message} (while rendering {path})",
                            hint="check the variable names the template uses") from None


def _path_of(url: str) -> str:
    match = re.match(r"^[a-z][a-z0-9+.-]*://[^/]+(/.*)?$", url, re.I)
    return (match.group(1) or "/") if match else url


def _tags(views: list[PostView]) -> dict[str, list[PostView]]:
    tags: dict[str, list[PostView]] = {}
    for view in views:
        for tag in view.post.tags:
            tags.setdefault(tag, []).append(view)
    return dict(sorted(tags.items(), key=lambda item: item[0].casefold()))


def _short(md: MarkdownIt, markdown: str, limit: int = 90) -> str:
    """The text of a question's first paragraph as the page shows it (``3 > 2``, ``check_prime``, ``<video>``;
    no Markdown punctuation), for the outline; a note before the question is skipped."""
    tokens = md.parse(markdown[:2000], {})
    inline = next((t for t in tokens if t.type == "inline" and t.level == 1), None) or \
        next((t for t in tokens if t.type == "inline"), None)
    pieces = [" " if c.type in ("softbreak", "hardbreak") else c.content
              for c in (inline.children or []) if c.type in ("text", "code_inline", "image", "softbreak", "hardbreak")] \
        if inline is not None else []
    text = " ".join("".join(pieces).split())
    if not text:
        return "(code)"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _isodate(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).isoformat()
