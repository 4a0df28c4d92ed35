"""A post -> its URL, and the old URLs that redirect to it.

Our own folders put a post at ``posts/<slug>/``. ``permalink:`` (in ``site.yaml``, or in a post's front matter)
chooses another shape with Jekyll's placeholders (``/:year/:month/:day/:title:output_ext``, ``/:categories/:title/``)
or one of its styles (``date``, ``pretty``, ``ordinal``, ``weekdate``, ``none``), and a few of Hugo's
(``:slugorfilename``, ``:monthname``, ``:section``…). A Jekyll folder gets Jekyll's default, ``date``: the URLs its
posts had, so that a blog moved over keeps every link. The placeholders mean what Jekyll 4 makes of them (its
``UrlDrop``): ``:title`` is the file name's words (or ``slug:``) with their case, ``:categories`` the folders above
``_posts/`` and the front matter's ``category``/``categories``, lower-cased; a date with a zone is read in the site's
``timezone`` (UTC when none is set, as GitHub Pages builds).

``redirect_from:`` (the jekyll-redirect-from plugin) and Hugo's ``aliases:`` name the post's old URLs: each becomes a
page that sends the reader on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from site_builder.errors import PostError, shown
from site_builder.model import Post, folder_language
from site_builder.posts import jekyll_slug, meta_line

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
"""Jekyll's permalink styles (``permalink: pretty``)."""

OUR_DEFAULT = "/posts/:ourslug/"
"""Where a post of our own folders goes: ``posts/<slug>/`` (``slug:``, else the file name without its date)."""

JEKYLL_DEFAULT = "date"
HUGO_DEFAULT = "/:section/:hugodefault/"
"""Where Hugo puts a post when no ``[permalinks]`` says: its section, then its ``slug`` or file name made a path
(a path keeps ``+``: ``c++ & you!.md`` -> ``c++-you``, where ``:filename`` in a pattern gives ``c-you``)."""

_PLACEHOLDER = re.compile(r":([a-z_]+)")
_DATED_NAME = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-(.*)$")
"""Jekyll's post file name: a date (``2023-8-3`` too) and the slug."""
_SAFE = "/!$&'()*+,;=:@-._~"
"""Characters a URL path keeps as they are (RFC 3986 pchar and ``/``); everything else is percent-encoded."""
MAX_SEGMENT = 200
"""Longest part of a URL between slashes, in bytes once decoded: it names a folder or a file."""


@dataclass(frozen=True, slots=True)
class Routing:
    """What a post's URL depends on beyond the post itself: the site-wide pattern and the folder layout."""
    pattern: str = ""
    """``permalink:`` of the site: a pattern or a style name; empty for the folder's default."""
    jekyll: bool = False
    """A Jekyll folder: its default style is ``date``, and ``:categories`` reads the folders above ``_posts/``."""
    timezone: str = ""
    """Jekyll's ``timezone:``: where a date with a zone is read (UTC when empty)."""
    root: Path | None = None
    """The content folder (folders above ``_posts/`` are categories)."""
    sections: tuple[tuple[str, str], ...] = ()
    """Hugo's ``permalinks``: a pattern per section (``posts``, ``post``), over ``pattern``."""
    language: str = ""
    """The site's language: a post in a folder named for another language (``posts/zh/``) goes under ``zh/``."""
    hugo: bool = False
    """A Hugo site folder: its default is ``/:section/:slugorfilename/``, ``:title`` and ``:slug`` are Hugo's
    (the title made a path), a post's ``url:`` is its permalink, and URLs are lower-cased, as Hugo makes them."""

    def template(self) -> str:
        chosen = self.pattern or (JEKYLL_DEFAULT if self.jekyll else HUGO_DEFAULT if self.hugo else OUR_DEFAULT)
        return STYLES.get(chosen, chosen)


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a permalink pattern (None when it can): an unknown placeholder, a scheme, a ``\\``."""
    template = STYLES.get(pattern, pattern)
    if not template.strip("/ "):
        return "is empty: a post would be the home page"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", template):
        return "looks like an address: a permalink is a path inside the site (/:year/:title/)"
    if "\\" in template or any(ord(ch) < 0x20 or ch == "\x7f" for ch in template):
        return "holds a backslash or a control character"
    unknown = sorted({name for name in _PLACEHOLDER.findall(template) if _known(name) is None})
    if unknown:
        return (f"has the unknown placeholder{'s' if len(unknown) > 1 else ''} {', '.join(':' + u for u in unknown)} "
                f"(known: {', '.join(':' + k for k in sorted(_VALUES - {'ourslug', 'hugodefault'}))})")
    return None


def _known(name: str) -> str | None:
    """The placeholder ``name`` stands for: itself, or without a trailing ``_`` (``/:month_:day``), as Jekyll reads it."""
    for candidate in (name, name.rstrip("_")):
        if candidate in _VALUES:
            return candidate
    return None


def route(post: Post, routing: Routing) -> tuple[str, tuple[str, ...]]:
    """The post's site-relative URL (``posts/slug/``, ``2023/08/03/slug.html``; percent-encoded) and the URLs that
    redirect to it; a ``PostError`` at the front-matter line for a permalink or a redirect that cannot be one."""
    key = "url" if routing.hugo and post.meta.get("url") is not None else "permalink"
    own = post.meta.get(key)
    if own is not None and not isinstance(own, str):
        raise PostError(post.path, _line(post, key), f"front matter: {key} must be a path, got {shown(own)}",
                        hint="write `permalink: /:year/:title/` or a path such as `/about/`")
    section = dict(routing.sections).get(_section(post, routing)) if routing.sections else None
    template = own if own else section or routing.template()
    line = _line(post, key) if own else None
    problem = pattern_problem(template)
    if problem:
        raise PostError(post.path, line, f"permalink {shown(template)} {problem}",
                        hint="use Jekyll's placeholders (/:year/:month/:day/:title:output_ext) or a style: "
                             + ", ".join(STYLES))
    url = _language_folder(post, routing, own) + _sanitize(_expand(STYLES.get(template, template), _values(post, routing)))
    return _checked(post, line, "permalink", hugo_path(url) if routing.hugo else url), redirects(post)


def _language_folder(post: Post, routing: Routing, own: object) -> str:
    """``/zh`` for a post of our own folders in ``posts/zh/`` (a language other than the site's, which the post's
    ``lang:`` does not contradict) and routed by the default pattern, as Hugo puts a language's pages: translations
    with one slug (``posts/en/llama.md``, ``posts/zh/llama.md``) get one URL each. Else empty."""
    if routing.jekyll or routing.hugo or routing.pattern or own:
        return ""
    folder = folder_language(post.path)
    if folder is None or folder == routing.language.lower() or (post.lang or folder).lower().replace("_", "-") != folder:
        return ""
    return "/" + folder


def hugo_path(url: str) -> str:
    """A URL path as Hugo makes one (``hugo_text``), percent-encoded."""
    return quote(hugo_text(unquote(url)), safe=_SAFE)


def hugo_text(text: str, *, segment: bool = False) -> str:
    """Text made a path as Hugo makes it: letters, marks, digits and ``./_-#+~@`` kept, a run of spaces between kept
    characters made one ``-``, anything else dropped, lower-cased. A ``segment`` (a title in a permalink) reads ``+``
    as a space too (Hugo 0.111: ``C++ & you`` -> ``c-you``, ``A+B`` -> ``a-b``)."""
    out: list[str] = []
    space = False
    for ch in text:
        if segment and ch == "+" or ch.isspace():
            space = space or bool(out)
        elif ch in "./_-#+~@" or unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd":
            if space:
                out.append("-")
            out.append(ch)
            space = False
    return "".join(out).lower()


def redirects(post: Post) -> tuple[str, ...]:
    """The site-relative URLs of ``redirect_from:`` and Hugo's ``aliases:``, each checked."""
    found: list[str] = []
    for key in ("redirect_from", "aliases"):
        value = post.meta.get(key)
        if value is None:
            continue
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
            raise PostError(post.path, _line(post, key), f"front matter: {key} must be a path or a list of paths, "
                            f"got {shown(value)}", hint=f"write `{key}: [/old/url/, /2019/05/old.html]`")
        for item in items:
            if "://" in item or item.startswith("//"):
                raise PostError(post.path, _line(post, key), f"{key}: {shown(item)} is an address: a redirect is made "
                                "from a path of this site", hint="write the old path, such as /2019/05/old-post.html")
            if any(ch in item for ch in "?#"):
                raise PostError(post.path, _line(post, key), f"{key}: {shown(item)} has a query or fragment, "
                                "which a static page cannot answer", hint="write the path alone")
            found.append(_checked(post, _line(post, key), key, _sanitize(_escape(item.strip()))))
    return tuple(dict.fromkeys(found))


def page_file_of(url: str) -> str:
    """The file a URL is written to, as Jekyll writes it: ``index.html`` in a folder's URL, the file itself when it
    ends in ``.html``, else the name with ``.html`` added (``/2023/x`` -> ``2023/x.html``, served for ``/2023/x``)."""
    path = unquote(url)
    if path == "" or path.endswith("/"):
        return path + "index.html"
    return path if path.endswith(".html") else path + ".html"


def _checked(post: Post, line: int | None, key: str, url: str) -> str:
    """``url`` without its leading ``/``, refused when it names the home page, a ``.``/``..`` part or too long a name."""
    path = url.lstrip("/")
    parts = unquote(path).split("/")
    if not path:
        raise PostError(post.path, line, f"{key} gives the site's home page (/)",
                        hint="choose a path such as /:year/:title/ (the home page lists the posts)")
    if any(part in (".", "..") for part in parts) or "\x00" in unquote(path) or "\\" in unquote(path):
        raise PostError(post.path, line, f"{key} gives {shown(url)}, which leaves its folder (. or .. or \\)",
                        hint="write a path inside the site")
    if any(len(part.encode("utf-8")) > MAX_SEGMENT for part in parts):
        raise PostError(post.path, line, f"{key} gives a name over {MAX_SEGMENT} bytes: {shown(url[:80])}…",
                        hint="set a shorter `slug:` (file systems stop at 255 bytes a name)")
    return path


def _sanitize(url: str) -> str:
    """As Jekyll does: a leading ``/``, ``..`` read as ``/``, ``./`` dropped, runs of ``/`` squeezed."""
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url)


def _expand(template: str, values: Mapping[str, Any]) -> str:
    def value(match: re.Match) -> str:
        name = _known(match[1])
        rest = match[1][len(name):]  # the ``_`` after ``:month_``
        return _escape(str(values[name]())) + rest
    return _PLACEHOLDER.sub(value, template)


def _escape(text: str) -> str:
    """A placeholder's value in a URL path: as it is when plain, else percent-encoded (``#`` and ``?`` too)."""
    return text if re.fullmatch(r"[A-Za-z0-9./-]*", text) else quote(text, safe=_SAFE)


# ---- what each placeholder stands for ------------------------------------------------------------------------


def _values(post: Post, routing: Routing) -> dict[str, Any]:
    """Each placeholder's value for ``post``, computed only when its pattern uses it."""
    stem = post.path.stem
    dated = _DATED_NAME.match(stem)
    file_slug = (dated[4] if dated else stem).rstrip(".")
    slug = str(post.meta["slug"]) if post.meta.get("slug") not in (None, "") else file_slug
    when = lambda: _when(post, routing)  # noqa: E731
    categories = lambda: _categories(post, routing)  # noqa: E731
    section = _section(post, routing)
    hugo_slug = lambda: str(post.meta["slug"]) if post.meta.get("slug") else hugo_text(post.title, segment=True)  # noqa: E731
    values = {
        "ourslug": lambda: post.slug,
        "hugodefault": lambda: stem,
        "title": lambda: jekyll_slug(slug, pretty=True, cased=True) or jekyll_slug(file_slug, pretty=True, cased=True),
        "slug": lambda: jekyll_slug(slug),
        "name": lambda: jekyll_slug(stem),
        "path": lambda: _collection_path(post, routing),
        "categories": lambda: "/".join(dict.fromkeys(c.lower() for c in categories())),
        "slugified_categories": lambda: "/".join(dict.fromkeys(jekyll_slug(c) for c in categories())),
        "output_ext": lambda: ".html",
        "collection": lambda: "posts",
        # Hugo's names
        "section": lambda: section,
        "sections": lambda: section,
        "filename": lambda: stem,
        "contentbasename": lambda: stem,
        "slugorfilename": lambda: str(post.meta["slug"]) if post.meta.get("slug") else stem,
        "slugorcontentbasename": lambda: str(post.meta["slug"]) if post.meta.get("slug") else stem,
    }
    values.update({name: (lambda f=f: f(when())) for name, f in _DATE_PARTS.items()})
    if routing.hugo:  # Hugo's meanings: each value made a path segment (the title's, the slug or else that…)
        segment = lambda text: hugo_text(text, segment=True)  # noqa: E731
        own_slug = str(post.meta["slug"]) if post.meta.get("slug") else None
        values.update({"title": lambda: segment(post.title), "slug": lambda: segment(hugo_slug()),
                       "filename": lambda: segment(stem), "contentbasename": lambda: segment(stem),
                       "slugorfilename": lambda: segment(own_slug or stem),
                       "slugorcontentbasename": lambda: segment(own_slug or stem),
                       "hugodefault": lambda: own_slug or stem})
    return values


def _section(post: Post, routing: Routing) -> str:
    """Hugo's section: the folder of ``content/`` the post is in (``posts``)."""
    if routing.hugo and routing.root is not None:
        try:
            parts = post.path.relative_to(routing.root / "content").parts
            return parts[0] if len(parts) > 1 else "posts"
        except ValueError:
            pass
    return "posts"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DATE_PARTS = {
    "year": lambda d: f"{d.year:04d}",
    "month": lambda d: f"{d.month:02d}",
    "day": lambda d: f"{d.day:02d}",
    "hour": lambda d: f"{d.hour:02d}",
    "minute": lambda d: f"{d.minute:02d}",
    "second": lambda d: f"{d.second:02d}",
    "i_day": lambda d: str(d.day),
    "i_month": lambda d: str(d.month),
    "short_month": lambda d: _MONTHS[d.month - 1][:3],
    "long_month": lambda d: _MONTHS[d.month - 1],
    "short_year": lambda d: f"{d.year % 100:02d}",
    "w_year": lambda d: str(d.isocalendar()[0]),
    "week": lambda d: f"{d.isocalendar()[1]:02d}",
    "w_day": lambda d: str(d.isoweekday()),
    "short_day": lambda d: _DAYS[d.weekday()][:3],
    "long_day": lambda d: _DAYS[d.weekday()],
    "y_day": lambda d: f"{d.timetuple().tm_yday:03d}",
    # Hugo's names
    "monthname": lambda d: _MONTHS[d.month - 1],
    "weekday": lambda d: str(d.isoweekday() % 7),
    "weekdayname": lambda d: _DAYS[d.weekday()],
    "yearday": lambda d: str(d.timetuple().tm_yday),
}
_VALUES = frozenset(_DATE_PARTS) | {"ourslug", "hugodefault", "title", "slug", "name", "path", "categories",
                                    "slugified_categories",
                                    "output_ext", "collection", "section", "sections", "filename", "contentbasename",
                                    "slugorfilename", "slugorcontentbasename"}


def _when(post: Post, routing: Routing) -> dt.datetime:
    """The post's date and time as Jekyll reads it: the front matter's ``date`` (with its time; a zone moved into the
    site's ``timezone``, UTC when none), else the file name's date at midnight."""
    value = post.meta.get("date")
    if isinstance(value, dt.datetime):
        return _in_zone(value, routing)
    if isinstance(value, str) and value.strip():
        parsed = _parse_time(value.strip())
        if parsed is not None:
            return _in_zone(parsed, routing)
    return dt.datetime(post.date.year, post.date.month, post.date.day)


_TIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
                   r" *(Z|[+-]\d{2}:?\d{2})?$")


def _parse_time(text: str) -> dt.datetime | None:
    match = _TIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    tz = None
    if zone:
        sign = -1 if zone.startswith("-") else 1
        digits = zone.lstrip("+-").replace(":", "")
        tz = dt.timezone.utc if zone == "Z" else dt.timezone(sign * dt.timedelta(hours=int(digits[:2]),
                                                                                 minutes=int(digits[2:])))
    try:
        return dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                           tzinfo=tz)
    except ValueError:
        return None


def _in_zone(when: dt.datetime, routing: Routing) -> dt.datetime:
    if when.tzinfo is None:
        return when
    try:
        zone = ZoneInfo(routing.timezone) if routing.timezone else dt.timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.timezone.utc  # the config's check names it; here only the URL is at stake
    return when.astimezone(zone).replace(tzinfo=None)


def _categories(post: Post, routing: Routing) -> list[str]:
    """Jekyll's categories of a post: the folders above its ``_posts/`` (``ai/_posts/x.md`` -> ``ai``), then the
    front matter's ``categories`` (a list, or words), then its ``category`` (one, as written)."""
    found: list[str] = []
    if routing.jekyll and routing.root is not None:
        try:
            parts = post.path.relative_to(routing.root).parts
        except ValueError:
            parts = ()
        if "_posts" in parts:
            found += [part for part in parts[:parts.index("_posts")] if part]
    for key in ("categories", "category"):
        value = post.meta.get(key)
        if isinstance(value, str):
            found += value.split() if key == "categories" else [value]
        elif isinstance(value, list):
            found += [str(item) for item in value if item is not None]
        elif value is not None:
            found.append(str(value))
    return list(dict.fromkeys(found))


def _collection_path(post: Post, routing: Routing) -> str:
    """Jekyll's ``:path``: the file's path inside the posts folder, without its extension."""
    if routing.root is not None:
        try:
            parts = post.path.relative_to(routing.root).parts
            inside = parts[parts.index("_posts" if routing.jekyll else "posts") + 1:]
            return "/".join((*inside[:-1], Path(inside[-1]).stem)) if inside else post.path.stem
        except ValueError:
            pass
    return post.path.stem


def _line(post: Post, key: str) -> int:
    try:
        return meta_line(post, key)
    except OSError:
        return 1


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA time zone (None when it is one)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "is not a time zone name (such as Europe/Paris, America/New_York, UTC)"
    return None
