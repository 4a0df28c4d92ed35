"""What a post's permalink is made of: the site's ``Routing``, Jekyll's styles and the folders' defaults, and what each
placeholder stands for for one post (``placeholder_values``), as Jekyll 4 makes them (its ``UrlDrop``) and a few of
Hugo's. ``permalinks.route`` expands a pattern with them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from site_builder.model import Post
from site_builder.posts import jekyll_slug

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

_DATED_NAME = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-(.*)$")
"""Jekyll's post file name: a date (``2023-8-3`` too) and the slug."""


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


def placeholder_values(post: Post, routing: Routing) -> dict[str, Any]:
    """Each placeholder's value for ``post``, computed only when its pattern uses it."""
    stem = post.path.stem
    dated = _DATED_NAME.match(stem)
    file_slug = (dated[4] if dated else stem).rstrip(".")
    slug = str(post.meta["slug"]) if post.meta.get("slug") not in (None, "") else file_slug
    when = lambda: _when(post, routing)  # noqa: E731
    categories = lambda: _categories(post, routing)  # noqa: E731
    section = hugo_section(post, routing)
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


def hugo_section(post: Post, routing: Routing) -> str:
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
PLACEHOLDERS = frozenset(_DATE_PARTS) | {"ourslug", "hugodefault", "title", "slug", "name", "path", "categories",
                                         "slugified_categories",
                                         "output_ext", "collection", "section", "sections", "filename",
                                         "contentbasename", "slugorfilename", "slugorcontentbasename"}
"""Every placeholder a pattern may name (``placeholder_values`` gives each one's value)."""


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
