"""Posts -> pages: Markdown to HTML for every turn, then Jinja2 templates (autoescaped, strict).

Pages link to each other with relative URLs (``url()`` in templates), so the output works from any
sub-path; the feed and sitemap use the configured absolute ``base_url``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

import jinja2
import yaml
from markupsafe import Markup
from markdown_it import MarkdownIt

from site_builder import __version__
from site_builder.caches import warn_unwritable
from site_builder.config import SiteConfig
from site_builder.errors import PostError, TemplateError
from site_builder.feed import feed_html
from site_builder.highlight import Budget, highlight, highlight_lines
from site_builder.links import SCHEME, LinkProblem, PageLinks, Target
from site_builder.markdown.core import Rendered, render_markdown
from site_builder.markdown.fences import FenceContext, FenceDecorator
from site_builder.markdown.mathml import INLINE as INLINE_MATH
from site_builder.menu import MenuItem
from site_builder.model import Exchange, Post, Turn, language_name, text_direction
from site_builder.frontmatter import normalise_text
from site_builder.permalinks import page_file_of
from site_builder.posts import MAX_SLUG, meta_line, slugify
from site_builder.snippets import BlockStatus, badge_words, provenance
from site_builder.translations import Languages, Translation



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
    warnings: tuple[str, ...] = ()
    """``path:line: warning: message`` for what rendered but not as written (a formula shown as its source)."""
    description: str = ""
    """One line for search engines and link previews: the summary, else the first question or line."""
    outro_html: str = ""
    """The author's closing words after the conversation (``Post.outro``)."""
    links: tuple[tuple[str, Target | None], ...] = ()
    """The sources its links name (``links.py``), each with what it led to when rendered (None: not known
    then), in the order they first appear: the page is rendered again when one leads elsewhere."""


@dataclass(frozen=True, slots=True)
class QuoteView:
    """A post's block that quotes a companion, seen from the companion's page."""
    title: str
    """The quoting post's title."""
    url: str
    """Site-relative URL of the quoting turn (``posts/slug/#turn-3``; the post itself for its introduction)."""
    first_line: int
    last_line: int
    """The quoted lines in the companion."""


@dataclass(frozen=True, slots=True)
class CompanionView:
    name: str
    url: str
    lines: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]
    """Line ranges that posts link to (an anchor ``#L40-L43`` exists for each)."""
    quotes: tuple[QuoteView, ...] = ()
    """Where posts quote this companion, in post order then line order."""


THEME_PREFIX = "theme/"
"""``theme/NAME`` names the theme's own ``NAME``, whatever the site overrides: a site's template extends the theme's
version of itself with ``{% extends "theme/base.html" %}``."""


class ThemeLoader(jinja2.BaseLoader):
    """Where a template name is found: ``theme/NAME`` is always the theme's ``NAME`` (never a file of the site, even
    one at ``content/templates/theme/NAME``); any other name is the site's (``content/templates/NAME``) if it has
    one, else the theme's. The theme's templates extend and include names without the prefix, so a site's
    ``base.html`` stands under every theme page, and reaches the theme's with ``theme/base.html``: no loop."""

    def __init__(self, theme: Path, overrides: Path | None) -> None:
        self.theme = jinja2.FileSystemLoader(str(theme))
        self.site = jinja2.FileSystemLoader(str(overrides)) if overrides is not None else None

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        if template.startswith(THEME_PREFIX):
            try:
                return self.theme.get_source(environment, template[len(THEME_PREFIX):])
            except jinja2.TemplateNotFound:
                raise jinja2.TemplateNotFound(template) from None
        if self.site is not None:
            try:
                return self.site.get_source(environment, template)
            except jinja2.TemplateNotFound:
                pass
        return self.theme.get_source(environment, template)

    def list_templates(self) -> list[str]:
        site = self.site.list_templates() if self.site is not None else []
        theme = self.theme.list_templates()
        return sorted({*site, *theme, *(THEME_PREFIX + name for name in theme)})


class PageEnvironment(jinja2.Environment):
    """Jinja2's environment, noting the name of every template a render asks for (``loaded``; ``render_page``
    empties it before each page): an incremental build renders a page again when one of those changed."""

    loaded: set[str]

    def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        self._note(name, parent)
        return super().get_template(name, parent, globals)

    def select_template(self, names: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        if isinstance(names, (list, tuple)):
            for name in names:
                self._note(name, parent)
        return super().select_template(names, parent, globals)

    def _note(self, name: Any, parent: str | None) -> None:
        if isinstance(name, str):
            self.loaded.add(self.join_path(name, parent) if parent is not None else name)


def make_environment(theme: Path, overrides: Path | None, compiled: Path | None = None) -> PageEnvironment:
    """Site templates first (``content/templates``), then the theme (``ThemeLoader``). ``compiled`` is a folder
    where compiled templates are kept between builds (Jinja2 checks each against its source before using it)."""
    env = PageEnvironment(loader=ThemeLoader(theme, overrides), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                          keep_trailing_newline=True, bytecode_cache=_bytecode_cache(compiled))
    env.loaded = set()
    env.filters["isodate"] = _isodate
    env.filters["tag_slug"] = _tag_slug_filter
    env.filters["text_direction"] = text_direction
    env.filters["feed_html"] = feed_html
    env.filters["language_name"] = language_name
    return env


def template_key(env: jinja2.Environment, name: str) -> str:
    """What a template name stands for now: the file it is found in and its text ("absent" when there is none)."""
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        return "absent"
    return hashlib.sha256(f"{filename}\0{source}".encode("utf-8", "surrogatepass")).hexdigest()


def _bytecode_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # an unwritable cache only costs compiling the templates again
    return _CompiledTemplates(str(folder)) if os.access(folder, os.W_OK) else None


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja2's cache of compiled templates, which a full disk does not fail: the template is compiled again
    next time (it failed the build, and so a cache on a full disk failed every build)."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            warn_unwritable(Path(self.directory), exc.strerror or str(exc))


I18N_FOLDER = "i18n"
"""The theme's folder of interface words: ``i18n/<lang>.yaml`` (a site's ``content/templates/i18n/`` overrides)."""
FALLBACK_LANGUAGE = "en"


def words(env: jinja2.Environment, lang: str) -> Mapping[str, Any]:
    """The interface words for ``lang``: its file (``i18n/zh-hans.yaml``, else ``i18n/zh.yaml``), read once per
    environment; the names looked for are noted as templates used, so a page is rendered again when one changes."""
    found: dict[str, Any] = {}
    code = lang.lower().replace("_", "-")
    for name in dict.fromkeys((f"{I18N_FOLDER}/{code}.yaml", f"{I18N_FOLDER}/{code.split('-')[0]}.yaml")):
        loaded = _words_file(env, name)
        found = {**loaded, **found}
    return found


def _words_file(env: jinja2.Environment, name: str) -> Mapping[str, Any]:
    if isinstance(env, PageEnvironment):
        env.loaded.add(name)
    cache = env.__dict__.setdefault("i18n_cache", {})
    if name not in cache:
        try:
            source, filename, _ = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            cache[name] = {}
        else:
            try:
                value = yaml.safe_load(source) or {}
            except yaml.YAMLError as exc:
                raise TemplateError(f"{filename}: not YAML: {exc}", hint="fix the file of interface words") from None
            if not isinstance(value, dict):
                raise TemplateError(f"{filename}: interface words must be a mapping (key: words)",
                                    hint="write one `key: words` a line") from None
            cache[name] = value
    return cache[name]


def translate(env: jinja2.Environment, lang: str, key: str, **values: Any) -> Markup:
    """The interface words ``key`` in ``lang`` (English when ``lang`` has none), as HTML (the words escaped), with
    ``{name}`` filled from ``values`` (escaped, unless HTML already: a link made with ``Markup``); a key with plural forms (``one``, ``other``…) picks the form of ``count``."""
    found = words(env, lang).get(key)
    if found is None:
        found = words(env, FALLBACK_LANGUAGE).get(key)
        if found is None:
            raise KeyError(f"no interface words {key!r} in {I18N_FOLDER}/{FALLBACK_LANGUAGE}.yaml")
    if isinstance(found, dict):
        count = values.get("count", 0)
        found = found.get(plural_form(lang, count)) or found.get("other") or next(iter(found.values()))
    text = Markup.escape(str(found))
    return text.format(**values) if values else text


def plural_form(lang: str, count: int) -> str:
    """CLDR's plural category of ``count`` in ``lang`` (integers): ``one``/``other`` for most languages, none for
    Chinese, Japanese, Korean…, Arabic's six."""
    code = lang.lower().replace("_", "-").split("-")[0]
    if code in ("zh", "ja", "ko", "th", "vi", "id"):
        return "other"
    if code == "ar":
        tail = count % 100
        return ("zero" if count == 0 else "one" if count == 1 else "two" if count == 2
                else "few" if 3 <= tail <= 10 else "many" if 11 <= tail <= 99 else "other")
    if code in ("fr", "hi", "pt"):
        return "one" if count in (0, 1) else "other"
    return "one" if count == 1 else "other"


def js_words(env: jinja2.Environment, lang: str) -> str:
    """The words the theme's scripts show (``js.*`` keys), as JSON, for a page not in English; empty for English
    (the scripts hold the English words)."""
    if lang.lower().split("-")[0] == FALLBACK_LANGUAGE:
        return ""
    english = words(env, FALLBACK_LANGUAGE)
    mine = words(env, lang)
    keys = sorted(key for key in english if key.startswith("js."))
    return json.dumps({key[3:]: str(mine.get(key, english[key])) for key in keys}, ensure_ascii=False,
                      separators=(",", ":"))


def post_url(post: Post) -> str:
    """Site-relative URL of the post: a folder (``posts/slug/``) or a file (``2023/08/03/slug.html``), as its
    ``permalink`` routed it (``permalinks.route``); ``posts/slug/`` for a post not routed (``explain``, tests)."""
    return post.url or f"posts/{post.slug}/"


def page_url(post: Post, name: str, jekyll: bool, *, folders: bool = False) -> str:
    """Site-relative URL of a page (``name``: its file's path in the pages folder, ``docs/setup.md``): its
    ``permalink:``, read as Jekyll reads one (``/about/`` -> ``about/``; ``/about.html`` and ``/about`` ->
    ``about.html``), else its place in ``pages/`` with its slug (``docs/setup/``), or in a Jekyll folder, as
    Jekyll names it, the file's name (``about.md`` -> ``about.html``). A permalink that is not a path of the
    site (``..``, a scheme, a backslash…) is a ``PostError`` at its line."""
    if post.meta.get("permalink") is not None:
        return _permalink_url(post, post.meta["permalink"])
    if jekyll:  # Jekyll's URL: the file's path, .html for its suffix; a folder's index is the folder
        parts = [*PurePosixPath(name).parts[:-1], PurePosixPath(name).stem + ".html"]
        problem = next((_segment_problem(part) for part in parts if _segment_problem(part)), None)
        if problem:
            raise PostError(post.path, 1, f"the page's file name cannot be its URL: it {problem}",
                            hint="rename the file with letters, digits, - and _, or set `permalink: /about/`")
        folder = "".join(f"{part}/" for part in parts[:-1])
        if parts[-1] == "index.html" and len(parts) > 1:
            return folder
        return folder + parts[-1].removesuffix(".html") + "/" if folders else folder + parts[-1]
    folders = [slugify(folder) for folder in PurePosixPath(name).parts[:-1]]
    for folder, slug in zip(PurePosixPath(name).parts, folders):
        if not slug or len(slug) > MAX_SLUG:
            raise PostError(post.path, 1, f"the folder {folder!r} cannot name a part of the page's URL (it needs "
                            f"ASCII letters or digits, at most {MAX_SLUG})",
                            hint="rename the folder, or set `permalink: /about/` in the page's front matter")
    return "".join(slug + "/" for slug in folders) + post.slug + "/"


_URL_SEGMENT = re.compile(r"[\w.~-]+")
"""A part of a page's URL: letters (any script), digits, ``_``, ``-``, ``.``, ``~``; nothing a URL or a file
system reads otherwise (``?``, ``#``, ``%``, ``:``, spaces…)."""
PERMALINK_HINT = "write a path of the site: /about/ (a folder) or /about.html (a file)"


def _permalink_url(post: Post, value: object) -> str:
    """The URL a page's ``permalink:`` asks for, as Jekyll writes it: a folder for a path ending with ``/``, else
    a file, ``.html`` added when the path does not end with it (Jekyll's ``/about`` is ``about.html``)."""
    def refuse(problem: str) -> PostError:
        return PostError(post.path, meta_line(post, "permalink"), f"permalink {value!r} {problem}",
                         hint=PERMALINK_HINT)

    if not isinstance(value, str) or not value.strip("/ "):
        raise refuse("is not a path of a page (/ is the home page, the theme's)")
    if "\\" in value or any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in value):
        raise refuse("holds a backslash, a space or a control character")
    if SCHEME.match(value) or value.startswith("//"):
        raise refuse("is an address, not a path of this site")
    parts = value.strip("/").split("/")
    problem = next((_segment_problem(part) for part in parts if _segment_problem(part)), None)
    if problem:
        raise refuse(problem)
    path = "/".join(parts)
    if value.endswith("/"):
        return path + "/"
    suffix = PurePosixPath(path).suffix
    if suffix not in ("", ".html") and suffix[1:].isalpha():
        raise refuse(f"names a {suffix} file: a page is HTML, its permalink ends with / (a folder) or .html")
    return path if path.endswith(".html") else path + ".html"


def _segment_problem(segment: str) -> str | None:
    """Why ``segment`` cannot be a part of a page's URL (None when it can)."""
    if segment in ("", ".", ".."):
        return "has an empty, . or .. part (a page stays inside the site)"
    if segment.startswith("."):
        return f"has a hidden part {segment!r} (starting with .)"
    if len(segment.encode("utf-8")) > MAX_SLUG:
        return f"has a part {len(segment.encode('utf-8'))} bytes long (the limit is {MAX_SLUG}: it names a file)"
    if not _URL_SEGMENT.fullmatch(segment):
        return f"has a part {segment!r} with characters other than letters, digits, _, -, . and ~"
    return None


page_file = page_file_of


MAX_TAG_SLUG = 100


def tag_slug(tag: str) -> str:
    """The folder name a tag asks for: ``C++`` -> ``c-plus-plus``, ``C#`` -> ``c-sharp``; a tag with no ASCII
    letters (``中文``) gets a stable hash, a very long one is cut and gets it too. Two tags may ask for the
    same folder: ``tag_slugs`` settles that."""
    spelled = tag.replace("+", " plus ").replace("#", " sharp ")
    digest = hashlib.sha1(tag.encode("utf-8", "replace")).hexdigest()[:8]
    slug = slugify(spelled)
    if len(slug) > MAX_TAG_SLUG:  # a folder name: file systems stop at 255 bytes
        return slug[:MAX_TAG_SLUG - 9].rstrip("-") + "-" + digest
    return slug or "tag-" + digest


def tag_slugs(tags: Iterable[str]) -> dict[str, str]:
    """A distinct folder for every tag. When tags ask for the same folder (``Python`` and ``python``), the first
    in (case-folded, then exact) order keeps it and the others get ``-2``, ``-3``…: the same site, the same URLs."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for tag in sorted(set(tags), key=lambda t: (t.casefold(), t)):
        base = slug = tag_slug(tag)
        suffix = 1
        while slug in taken:
            suffix += 1
            slug = f"{base}-{suffix}"
        slugs[tag] = slug
        taken.add(slug)
    return slugs


@jinja2.pass_context
def _tag_slug_filter(context: jinja2.runtime.Context, tag: str) -> str:
    """``{{ tag | tag_slug }}`` in templates: the tag's folder in this site."""
    site = context["site"]
    if isinstance(site, SiteData):
        return site.tag_slug(tag)
    return site["tag_slugs"].get(tag) or tag_slug(tag)


HIGHLIGHT_SECONDS = 0.75
"""CPU time a page's code blocks may spend on highlighting (``highlight.Budget``)."""


def post_view(md: MarkdownIt, post: Post, decorate: FenceDecorator | None, links: PageLinks | None = None,
              url: str | None = None) -> PostView:
    """The post rendered; ``links`` (its URL, source and the targets of its links) writes its links, without it
    they stay as written; ``url``: where it is, when it is a page (a post's is ``post_url``)."""
    ids: set[str] = set()  # heading ids already used on the page
    budget = Budget(HIGHLIGHT_SECONDS)  # in source order: intro, turns, outro
    intro = render_markdown(md, post.intro, intro_line(post), decorate, ids, budget, links) \
        if post.intro else Rendered("")
    turns = {turn.number: render_markdown(md, turn.text, turn.text_line, decorate, ids, budget, links)
             for turn in post.turns}

    def turn_view(turn: Turn) -> TurnView:
        return TurnView(turn, turns[turn.number].html)

    exchanges = tuple(
        ExchangeView(e, turn_view(e.question) if e.question else None,
                     tuple(tuple(turn_view(t) for t in variant) for variant in e.answers))
        for e in post.exchanges
    )
    outline = tuple((e.question.number, _short(md, e.question.text)) for e in post.exchanges if e.question)
    outro = render_markdown(md, post.outro, post.outro_line, decorate, ids, budget, links) \
        if post.outro else Rendered("")
    texts = (intro, *turns.values(), outro)
    warnings = tuple(f"{post.path}:{w.line}: warning: {w.message}" for w in _bounded(w for r in texts for w in r.warnings))
    lookups = dict(lookup for r in texts for lookup in r.lookups)
    return PostView(post, url or post_url(post), intro.html, exchanges, outline, warnings, describe(md, post), outro.html,
                    tuple(lookups.items()))


MAX_LINK_WARNINGS = 20
"""Warnings of links to no post shown for one post; the rest are counted in one more."""


def _bounded(warnings: Iterable[Any]) -> list[Any]:
    """``warnings`` with each link problem once, and at most ``MAX_LINK_WARNINGS`` of them (then a count)."""
    kept, seen, left = [], set(), 0
    for warning in warnings:
        if isinstance(warning, LinkProblem):
            if warning.message in seen:
                continue
            seen.add(warning.message)
            if len(seen) > MAX_LINK_WARNINGS:
                left += 1
                continue
        kept.append(warning)
    if left:
        kept.append(LinkProblem(kept[-1].line, f"and {left} more links to no post"))
    return kept


def describe(md: MarkdownIt, post: Post) -> str:
    """The post's summary, else its first question, else its first line of prose (at most 160 characters)."""
    if post.summary:
        return post.summary
    first = next((e.question.text for e in post.exchanges if e.question), None) or post.intro
    return _short(md, first, 160) if first.strip() else post.title


def intro_line(post: Post) -> int:
    """Source line of the introduction's first line: the parser drops the blank lines that open the body."""
    return post.body_line + len(post.body) - len(post.body.lstrip("\n"))


def companion_url(path: Path) -> str:
    """Site-relative URL of a companion's page (``companions/sgd/``)."""
    return f"companions/{path.stem}/"


def companion_view(path: Path, ranges: Iterable[tuple[int, int]], quotes: Iterable[QuoteView] = ()) -> CompanionView:
    try:
        source = normalise_text(path.read_bytes(), path)
    except OSError as exc:
        raise PostError(path, None, f"cannot read: {exc.strerror}") from None
    return CompanionView(path.name, companion_url(path), tuple(highlight_lines(source, "python")),
                         tuple(sorted(set(ranges))), tuple(quotes))


@dataclass(frozen=True, slots=True)
class CompanionLink:
    """A block of a post that quotes lines of a companion (what the companion's page lists)."""
    stem: str
    """The companion's name without ``.py`` (``sgd``)."""
    line: int
    """The block's fence line in the post."""
    first_line: int
    last_line: int
    url: str
    """Site-relative URL of the quoting turn (the post itself for its introduction)."""


def companion_links(post: Post, statuses: Mapping[int, BlockStatus],
                    url: str | None = None) -> tuple[CompanionLink, ...]:
    """The blocks of ``post`` (at ``url``, when it is a page) that quote a companion, in line order."""
    url = url or post_url(post)
    links = []
    for line, status in sorted(statuses.items()):
        if status.companion and status.first_line:
            turn = next((t for t in post.turns if t.line <= line <= t.end_line), None)
            links.append(CompanionLink(Path(status.companion).with_suffix("").as_posix(), line, status.first_line,
                                       status.last_line or status.first_line,
                                       url + (f"#turn-{turn.number}" if turn else "")))
    return tuple(links)


def quotes_of(path: Path, posts: Iterable[tuple[Post, tuple[CompanionLink, ...]]]) -> list[QuoteView]:
    """The turns (or introductions) of ``posts`` (each with its ``companion_links``) that quote companion
    ``path``, in post order (oldest first; pages without a date first) then line order."""
    ordered = sorted(posts, key=lambda item: (item[0].date or dt.date.min, item[0].slug))
    return [QuoteView(post.title, link.url, link.first_line, link.last_line)
            for post, links in ordered for link in links if link.stem == path.stem]


def fence_decorator(post: Post, statuses: dict[int, BlockStatus], url: str | None = None) -> FenceDecorator:
    """Around each block of ``post`` (at ``url``, when it is a page): its check status, the link to the
    companion, the adapted diff."""
    root = "../" * (url or post_url(post)).count("/")

    def decorate(block: FenceContext) -> dict[str, str]:
        status = statuses.get(block.line)
        if status is None:
            return {}
        words = badge_words(status)
        caption = f'<span class="status status-{escape(words.replace(" ", "-"))}">{escape(words)}</span>'
        if status.companion and status.first_line:
            stem = Path(status.companion).with_suffix("").as_posix()
            anchor = f"L{status.first_line}-L{status.last_line or status.first_line}"
            caption += (f'<a class="runnable" href="{escape(root)}companions/{escape(stem)}/#{anchor}">'
                        f'runnable: {escape(status.companion)}</a>')
        said = provenance(status)
        after = (f'<p class="provenance">{escape(said)}</p>' if said else "") + _reason_html(status)
        if status.diff:
            diff = highlight(_ending_line(status.diff), "diff")
            after += (f'<details class="diff"><summary>What the companion changed to run</summary>'
                      f'<div class="highlight"><pre tabindex="0"><code>{diff}</code></pre></div></details>')
        return {"attrs": f' data-status="{escape(status.status)}"', "caption": caption, "after": after}

    return decorate


def _ending_line(text: str) -> str:
    """Pygments' diff lexer reads a last line without its newline as an error token."""
    return text if text.endswith("\n") else text + "\n"


_REASON_SUMMARIES = {"skipped": "Why it was skipped", "failed": "How it failed", "drifted": "How it drifted"}


def _reason_html(status: BlockStatus) -> str:
    """The reason of a skip or a failure, on the page (a details element: reachable by touch and keyboard)."""
    summary = _REASON_SUMMARIES.get(status.status)
    if summary is None:
        return ""
    evidence = f'<pre class="check-detail" tabindex="0">{escape(status.detail)}</pre>' if status.detail else ""
    return (f'<details class="check-reason"><summary>{summary}</summary>'
            f'<p class="reason">{escape(status.reason)}</p>{evidence}</details>')


def linked_ranges(path: Path, links: Iterable[CompanionLink]) -> list[tuple[int, int]]:
    """The line ranges of companion ``path`` that posts quote (its page gets an anchor for each)."""
    return [(link.first_line, link.last_line) for link in links if link.stem == path.stem]


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page to render: where it goes, its template, and what the template gets besides ``site``."""
    path: str
    template: str
    extra: Mapping[str, Any]


class SiteData(dict):
    """The ``site`` every template sees. It notes which of its entries a page read (``read``), so that an
    incremental build re-renders a page exactly when something it read has changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[Any] = set()

    def __getitem__(self, key: Any) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.read.add(key)
        return super().__contains__(key)

    def _everything(self) -> None:
        self.read.add("*")

    def __iter__(self):
        self._everything()
        return super().__iter__()

    def keys(self):
        self._everything()
        return super().keys()

    def values(self):
        self._everything()
        return super().values()

    def items(self):
        self._everything()
        return super().items()

    def tag_slug(self, tag: str) -> str:
        """The folder of ``tag`` (what the ``tag_slug`` filter shows): a page depends on this tag's slug only."""
        self.read.add(("tag_slug", tag))
        return dict.__getitem__(self, "tag_slugs").get(tag) or tag_slug(tag)


def site_data(config: SiteConfig, views: Iterable[Any], now: dt.datetime, pages: Iterable[Any] = (),
              menu: tuple[MenuItem, ...] = (), languages: Languages | None = None) -> SiteData:
    """What templates see as ``site``: posts newest first, tags, their folders, the generator, the pages (in
    the nav's order) and the nav's links after the theme's own (``menu.py``). A multilingual site (``languages``)
    keeps each language's posts and tags apart: ``posts`` and ``tags`` are the site language's, ``posts:zh`` and
    ``tags:zh`` another's (a page in that language sees them as ``site.posts``, ``site.tags``: ``LocalSite``)."""
    views = sorted(views, key=lambda v: (v.post.date, v.post.slug, v.url), reverse=True)
    every = _tags(views)
    if languages is None or not languages.multilingual:
        return SiteData(config=config, posts=views, tags=every, tag_slugs=tag_slugs(every),
                        generator=f"site_builder {__version__}", built=now, pages=list(pages), menu=menu)
    mine = {lang: [v for v in views if languages.of(v.url) == lang] for lang in languages.all}
    local = {f"{name}:{lang}": value for lang in languages.others
             for name, value in (("posts", mine[lang]), ("tags", _tags(mine[lang])))}
    return SiteData(config=config, posts=mine[languages.default], tags=_tags(mine[languages.default]),
                    tag_slugs=tag_slugs(every), generator=f"site_builder {__version__}", built=now, pages=list(pages),
                    menu=menu, **local)


def every_post(site: SiteData) -> list:
    """Every post's view of the site, whatever its language (``site.posts`` holds one language's)."""
    return [view for key in dict.keys(site) if key == "posts" or key.startswith("posts:")
            for view in dict.__getitem__(site, key)]


class LocalSite(SiteData):
    """``site`` as a page in one of a multilingual site's other languages sees it: ``posts`` and ``tags`` are that
    language's (``posts:zh``); every read is noted in the whole site's ``read``, under the entry it reads."""

    LOCAL = ("posts", "tags")

    def __init__(self, whole: SiteData, lang: str) -> None:
        super().__init__()
        self.whole, self.lang = whole, lang

    def _entry(self, key: Any) -> Any:
        return f"{key}:{self.lang}" if key in self.LOCAL else key

    def __getitem__(self, key: Any) -> Any:
        return self.whole[self._entry(key)]

    def get(self, key: Any, default: Any = None) -> Any:
        return self.whole.get(self._entry(key), default)

    def __contains__(self, key: object) -> bool:
        return self._entry(key) in self.whole

    def __iter__(self):
        return iter(self.whole)

    def keys(self):
        return self.whole.keys()

    def values(self):
        return self.whole.values()

    def items(self):
        return self.whole.items()

    def tag_slug(self, tag: str) -> str:
        return self.whole.tag_slug(tag)


def page_specs(config: SiteConfig, site: SiteData, companions: list[CompanionView],
               languages: Languages | None = None) -> list[PageSpec]:
    """Every page of the site, in the order they are rendered: feed and sitemap last. A multilingual site gets
    its lists (home, archive, tags, feeds, search) once per language, the others' under ``<lang>/``, and every
    page what it needs to link its translations (``page_lang``, ``lang_prefix``, ``alternates``,
    ``translations``)."""
    languages = languages or Languages(config.language)
    views, tags, slugs = dict.__getitem__(site, "posts"), dict.__getitem__(site, "tags"), \
        dict.__getitem__(site, "tag_slugs")
    local = _language_extra(languages, languages.default)
    specs = [*paged("", "index.html", list(views), config.paginate, local),
             *paged("archive/", "archive.html", list(views), config.paginate * ARCHIVE_FACTOR, local),
             PageSpec("404.html", "404.html", {"absolute_links": True})]
    if config.search:
        specs.append(PageSpec("search/index.html", "search.html", dict(local)))
    specs += _post_specs(views, languages)
    specs += [PageSpec(page_file(v.url), str(v.post.meta.get("template", "page.html")),
                       {"view": v, "newer": None, "older": None}) for v in dict.__getitem__(site, "pages")]
    moved = {old: v for v in every_post(site) for old in v.post.redirects}
    specs += [PageSpec(page_file(old), "redirect.html", {"target": v.url, "target_title": v.post.title})
              for old, v in moved.items()]
    if moved:  # what jekyll-redirect-from writes beside them: each old path and the address it moved to
        specs.append(PageSpec("redirects.json", "redirects.json",
                              {"redirects": {"/" + old: config.absolute_root + v.url for old, v in moved.items()}}))
    specs += _tag_specs(config, "", tags, slugs, local)
    specs.append(PageSpec("tags/index.html", "tags.html", dict(local)))
    specs += [PageSpec(f"{c.url}index.html", "companion.html", {"companion": c}) for c in companions]
    feeds = [PageSpec("feed.xml", "feed.xml", {**_feed(config, views, "", None), **local})]
    for lang in languages.others:
        prefix, extra = languages.prefix(lang), _language_extra(languages, lang)
        mine, my_tags = dict.__getitem__(site, f"posts:{lang}"), dict.__getitem__(site, f"tags:{lang}")
        specs += [*paged(prefix, "index.html", list(mine), config.paginate, extra),
                  *paged(f"{prefix}archive/", "archive.html", list(mine), config.paginate * ARCHIVE_FACTOR, extra)]
        if config.search:
            specs.append(PageSpec(f"{prefix}search/index.html", "search.html", dict(extra)))
        specs += _post_specs(mine, languages)
        specs += _tag_specs(config, prefix, my_tags, slugs, extra)
        specs.append(PageSpec(f"{prefix}tags/index.html", "tags.html", dict(extra)))
        feeds.append(PageSpec(f"{prefix}feed.xml", "feed.xml", {**_feed(config, mine, prefix, None), **extra}))
    searches = {f"{languages.prefix(lang)}search/index.html" for lang in languages.all}
    listed = [(spec.path, _last_modified(spec)) for spec in specs
              if spec.path.endswith(".html") and spec.path != "404.html" and spec.path not in searches
              and spec.template != "redirect.html"]
    specs += feeds
    if languages.multilingual:
        specs = _with_alternates(specs, languages)
    return specs + [PageSpec("sitemap.xml", "sitemap.xml", {"paths": listed}),
                    PageSpec("robots.txt", "robots.txt", {})]


def _language_extra(languages: Languages, lang: str) -> dict[str, Any]:
    """What a page in ``lang`` of a multilingual site gets besides its own (nothing on a site in one language)."""
    if not languages.multilingual:
        return {}
    return {"page_lang": lang, "lang_prefix": languages.prefix(lang)}


def _post_specs(views: list, languages: Languages) -> list[PageSpec]:
    """The page of each post of ``views`` (one language's, newest first): the next newer and older ones of that
    language beside it; on a multilingual site, its language and its translations."""
    specs = []
    for i, v in enumerate(views):
        extra = {"view": v, "newer": views[i - 1] if i else None, "older": views[i + 1] if i + 1 < len(views) else None}
        if languages.multilingual:
            extra.update(_language_extra(languages, languages.of(v.url)),
                         translations=(languages.translations or {}).get(v.url, ()))
        specs.append(PageSpec(page_file(v.url), str(v.post.meta.get("template", "post.html")), extra))
    return specs


def _tag_specs(config: SiteConfig, prefix: str, tags: Mapping[str, list], slugs: Mapping[str, str],
               extra: Mapping[str, Any]) -> list[PageSpec]:
    """The pages of each tag and its feed, under ``prefix`` (a language's folder)."""
    specs = [spec for t, tv in tags.items()
             for spec in paged(f"{prefix}tags/{slugs[t]}/", "tag.html", tv, config.paginate, {"tag": t, **extra})]
    return specs + [PageSpec(f"{prefix}tags/{slugs[t]}/feed.xml", "feed.xml",
                             {**_feed(config, tv, f"{prefix}tags/{slugs[t]}/", t), **extra}) for t, tv in tags.items()]


def _with_alternates(specs: list[PageSpec], languages: Languages) -> list[PageSpec]:
    """``specs`` with ``alternates`` given to each page that exists in more than one language: (hreflang, site
    path) for each version, then ``x-default`` (the site language's version, else the first); a list gets its
    versions as ``translations`` too (the header's language switcher)."""
    versions: dict[str, list[tuple[str, str]]] = {}
    for spec in specs:
        lang = spec.extra.get("page_lang")
        if lang is None or "view" in spec.extra or not spec.path.endswith(".html"):
            continue
        versions.setdefault(spec.path[len(spec.extra["lang_prefix"]):], []).append((lang, _folder_url(spec.path)))
    done = []
    for spec in specs:
        lang = spec.extra.get("page_lang")
        if lang is None:
            done.append(spec)
            continue
        if "view" in spec.extra:
            found = [(t.lang, t.url) for t in spec.extra.get("translations", ())]
        else:
            found = versions.get(spec.path[len(spec.extra["lang_prefix"]):], [])
        alternates, extra = (), dict(spec.extra)
        if len(found) > 1:
            default = next((url for code, url in found if code == languages.default), found[0][1])
            alternates = (*found, ("x-default", default))
            if "view" not in spec.extra:  # a list's switcher: the same list in each language
                extra["translations"] = tuple(Translation(code, language_name(code), url) for code, url in found)
        done.append(PageSpec(spec.path, spec.template, {**extra, "alternates": alternates}))
    return done


def _folder_url(path: str) -> str:
    """The site path a page's file is served at (``zh/archive/index.html`` -> ``zh/archive/``)."""
    return path[:-10] if path.endswith("index.html") else path


def _feed(config: SiteConfig, views: list, folder: str, tag: str | None) -> dict[str, Any]:
    """What ``feed.xml`` gets: its newest ``feed_entries`` posts, the page it is the feed of (``folder``, the
    site's home or a tag's page), and the tag (None for the site's feed)."""
    return {"entries": views[:config.feed_entries], "feed_folder": folder, "feed_tag": tag}


ARCHIVE_FACTOR = 4
"""The archive lists this many times ``paginate`` posts a page (a line each, not a card)."""


@dataclass(frozen=True, slots=True)
class Pager:
    """Where a page of a list stands among its pages: the templates' ``pager``."""
    number: int
    """This page's number, from 1."""
    count: int
    """How many pages the list has."""
    previous: str | None
    """The site path of the page before (``""`` for the site's home), None on the first page."""
    next: str | None
    """The site path of the page after, None on the last."""


def paged(folder: str, template: str, views: list, size: int, extra: Mapping[str, Any] | None = None) -> list[PageSpec]:
    """The pages of a list of posts, ``size`` a page (0: one page): the first at ``folder``, the others at
    ``folder/page/N/``. Each gets its posts as ``listed`` (``tagged`` too, for tag pages) and a ``pager``."""
    chunks = [views[start:start + size] for start in range(0, len(views), size)] if size > 0 else [views]
    chunks = chunks or [[]]
    paths = [folder] + [f"{folder}page/{number}/" for number in range(2, len(chunks) + 1)]
    specs = []
    for index, chunk in enumerate(chunks):
        pager = Pager(index + 1, len(chunks), paths[index - 1] if index else None,
                      paths[index + 1] if index + 1 < len(paths) else None)
        given = {**(extra or {}), "listed": chunk, "pager": pager}
        if template == "tag.html":
            given["tagged"] = chunk
        specs.append(PageSpec(f"{paths[index]}index.html", template, given))
    return specs


def _last_modified(spec: PageSpec) -> str:
    """The sitemap's ``lastmod`` of a page: its post's (or page's) date (``last_modified_at`` or ``updated``
    when the front matter has one), the newest post's a list shows; none for a companion's page or a page
    without a date."""
    if "view" in spec.extra:
        post = spec.extra["view"].post
        updated = post.meta.get("last_modified_at") or post.meta.get("updated")
        return str(updated)[:10] if isinstance(updated, (str, dt.date)) and _DAY.match(str(updated)) else \
            post.date.isoformat() if post.date else ""
    shown = spec.extra.get("listed", [])
    return max((v.post.date for v in shown), default=None).isoformat() if shown else ""


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def render_page(env: PageEnvironment, config: SiteConfig, site: SiteData, spec: PageSpec,
                deep_reads: set[str] | None = None) -> str:
    """One page; ``site.read`` afterwards holds the entries of ``site`` it read, ``env.loaded`` the templates it
    used (and ``deep_reads``, if given, is emptied first: lazy views note in it the posts the page read whole)."""
    site.read = set()
    env.loaded.clear()
    if deep_reads is not None:
        deep_reads.clear()
    return _render(env, spec.template, spec.path, config, site, spec.extra)


def render_pages(env: PageEnvironment, config: SiteConfig, views: list[PostView],
                 companions: list[CompanionView], now: dt.datetime) -> list[Page]:
    """Every page of the site. ``views`` may include drafts (when built with --drafts)."""
    site = site_data(config, views, now)
    return [Page(spec.path, render_page(env, config, site, spec)) for spec in page_specs(config, site, companions)]


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

    lang, prefix = extra.get("page_lang") or config.language, extra.get("lang_prefix", "")

    def lang_url(target: str = "") -> str:
        return url(prefix + target)

    def t(key: str, **values: Any) -> str:
        return translate(env, lang, key, **values)

    def script_words() -> str:
        return js_words(env, lang)

    if prefix and isinstance(site, SiteData):
        site = LocalSite(site, lang)
    extra = {"page_lang": lang, "lang_prefix": prefix, "alternates": (), "translations": (), **extra}
    try:
        return printable(env.get_template(template).render(site=site, config=config, page_path=path, url=url,
                                                           absolute=absolute, root=root, lang_url=lang_url, t=t,
                                                           script_words=script_words,
                                                           **extra))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found (needed for {path})",
                            hint=_not_found_hint(env, str(exc.name))) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{_template_line(exc) or template}: {_in_words(exc.message or '')} (while rendering "
                            f"{path})", hint="check the variable names the template uses (the theme's own "
                                             "templates show them: post.html, _turn.html, _post_list.html)") from None
    except RecursionError as exc:
        loop = " -> ".join(dict.fromkeys(_template_frames(exc))) or template
        raise TemplateError(f"templates extend or include each other without end: {loop} (while rendering {path})",
                            hint='a template that builds on the theme\'s version of itself extends "theme/NAME" '
                                 '(content/templates/base.html: {% extends "theme/base.html" %})') from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError) as exc:
        where = _template_line(exc)
        if where is None:
            raise  # not the template's: our own bug, shown as it is
        raise TemplateError(f"{where}: {_in_words(str(exc))} ({type(exc).__name__}, while rendering {path})",
                            hint="fix the expression at that line of the template") from None


def _not_found_hint(env: jinja2.Environment, name: str) -> str:
    if not name.startswith(THEME_PREFIX):
        return "add it to content/templates/ or restore the theme's templates/"
    theme = sorted(n for n in env.loader.list_templates() if n.startswith(THEME_PREFIX) and "/assets/" not in n
                   and n.count("/") == 1)
    return f"{THEME_PREFIX}NAME is a template of the theme; it has {', '.join(theme)}"


def _template_line(exc: BaseException) -> str | None:
    """``file:line`` of the template line where ``exc`` was raised (Jinja2 rewrites tracebacks so that a template's
    frames carry its file and line), the innermost one; None when no template line is in the traceback."""
    return next(reversed(_template_frames(exc)), None)


def _template_frames(exc: BaseException) -> list[str]:
    """``file:line`` of every template frame in the traceback of ``exc``, outermost first."""
    found, tb, known = [], exc.__traceback__, {}
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename not in known:
            known[filename] = filename.endswith((".html", ".xml", ".txt")) and Path(filename).is_file()
        if known[filename]:
            found.append(f"{filename}:{tb.tb_lineno}")
        tb = tb.tb_next
    return found


def _in_words(message: str) -> str:
    """Jinja2's message with our classes named as a theme author knows them (a post's view, not ``Lazy``)."""
    return (message.replace("'site_builder.incremental.Lazy object'", "the post (or its view)")
            .replace("'site_builder.render.PostView object'", "the post's view")
            .replace("'site_builder.model.Post object'", "the post"))


_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` with every character XML 1.0 forbids (C0 controls but tab and line ends, unpaired surrogates,
    U+FFFE/U+FFFF) shown as U+FFFD: pages, feed and sitemap stay well-formed and encodable as UTF-8."""
    return _NOT_XML_CHAR.sub("\ufffd", text)


def _path_of(url: str) -> str:
    match = re.match(r"^[a-z][a-z0-9+.-]*://[^/]+(/.*)?$", url, re.I)
    return (match.group(1) or "/") if match else url


def _tags(views: list[PostView]) -> dict[str, list[PostView]]:
    tags: dict[str, list[PostView]] = {}
    for view in views:
        for tag in view.post.tags:
            tags.setdefault(tag, []).append(view)
    return dict(sorted(tags.items(), key=lambda item: item[0].casefold()))


_TEXT_TOKENS = frozenset({"text", "code_inline", "image", *INLINE_MATH})
"""Tokens of a paragraph whose ``content`` is its text: a formula's is its LaTeX (``E=mc^2``)."""


def _short(md: MarkdownIt, markdown: str, limit: int = 90) -> str:
    """The text of a question's first paragraph as the page shows it (``3 > 2``, ``check_prime``, ``<video>``;
    no Markdown punctuation; a formula as its LaTeX, without its delimiters), for the outline, the description
    and the feed's summary; a note before the question is skipped."""
    tokens = md.parse(markdown[:2000], {})
    inline = next((t for t in tokens if t.type == "inline" and t.level == 1), None) or \
        next((t for t in tokens if t.type == "inline"), None)
    pieces = [" " if c.type in ("softbreak", "hardbreak") else c.content
              for c in (inline.children or []) if c.type in _TEXT_TOKENS or c.type in ("softbreak", "hardbreak")] \
        if inline is not None else []
    text = " ".join("".join(pieces).split())
    if not text:
        return "(code)"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _isodate(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).isoformat()
