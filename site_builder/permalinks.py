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

import re
from typing import Any, Mapping
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from site_builder.errors import PostError, shown
from site_builder.model import Post, folder_language
from site_builder.permalink_values import PLACEHOLDERS, STYLES, Routing, hugo_section, hugo_text, placeholder_values
from site_builder.posts import meta_line

_PLACEHOLDER = re.compile(r":([a-z_]+)")
_SAFE = "/!$&'()*+,;=:@-._~"
"""Characters a URL path keeps as they are (RFC 3986 pchar and ``/``); everything else is percent-encoded."""
MAX_SEGMENT = 200
"""Longest part of a URL between slashes, in bytes once decoded: it names a folder or a file."""


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
                f"(known: {', '.join(':' + k for k in sorted(PLACEHOLDERS - {'ourslug', 'hugodefault'}))})")
    return None


def _known(name: str) -> str | None:
    """The placeholder ``name`` stands for: itself, or without a trailing ``_`` (``/:month_:day``), as Jekyll reads it."""
    for candidate in (name, name.rstrip("_")):
        if candidate in PLACEHOLDERS:
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
    section = dict(routing.sections).get(hugo_section(post, routing)) if routing.sections else None
    template = own if own else section or routing.template()
    line = _line(post, key) if own else None
    problem = pattern_problem(template)
    if problem:
        raise PostError(post.path, line, f"permalink {shown(template)} {problem}",
                        hint="use Jekyll's placeholders (/:year/:month/:day/:title:output_ext) or a style: "
                             + ", ".join(STYLES))
    url = _language_folder(post, routing, own) + _sanitize(_expand(STYLES.get(template, template),
                                                                   placeholder_values(post, routing)))
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
