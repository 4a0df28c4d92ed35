"""The nav's links after the theme's own (Archive, Feed, Search): ``menu:`` in site.yaml, or every page.

``menu:`` is a list. An item is a page's name (``about``, ``docs/setup.md``: that page, with its title) or a
mapping: ``{title: Talks, url: /talks/}`` — a path of the site, linked relatively from every page so that it
works under a sub-path, or an http(s) address — or ``{page: about, title: Me}``. A Jekyll folder's
``header_pages:`` (minima's list of page files) is its ``menu:``. Without either, the nav lists every page but
those whose front matter says ``menu: false``: by ``weight:`` (lower first; pages without one after), then by
title.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import yaml

from site_builder.errors import ConfigError, SiteError, shown

MAX_ITEMS = 100
"""The most links ``menu:`` may hold: every page of the site shows them all."""
MAX_TITLE = 200
"""The longest words of a link of ``menu:``."""
MENU_HINT = ("write each item as a page's name (about) or {title: Talks, url: /talks/} (a path of the site or "
             "https://…)")
_NOT_IN_URL = frozenset('"<>\\^`{|}')


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """An item of ``menu:`` as site.yaml writes it, checked: a page's name, or a title and a URL."""
    title: str | None
    url: str | None
    """A path of the site without its leading ``/`` (``talks/``; ``""`` is the home page), or an http(s) address."""
    page: str | None
    """The name of a page (``about``, ``docs/setup.md``)."""
    line: int = field(default=0, compare=False, repr=False)
    """Its line in the config file, for errors (it makes no page different)."""
    optional: bool = False
    """A page that may be missing (Jekyll's ``header_pages``, which minima skips then): a warning, not an error."""

    @property
    def external(self) -> bool:
        """``url`` is an address of another site (http or https)."""
        return self.url is not None and bool(urlsplit(self.url).scheme)


@dataclass(frozen=True, slots=True)
class MenuItem:
    """A link of the nav, as templates get it (``site.menu``)."""
    title: str
    url: str
    """A path of the site (``about/``: templates link it with ``url()``) or an http(s) address."""
    external: bool
    """``url`` is an address of another site."""
    path: str | None
    """The site path it leads to, without query or fragment, to mark the current page's link (None for an
    address)."""


def read_menu(path: Path | None, value: Any, key: str = "menu") -> tuple[tuple[MenuEntry, ...], list[str]]:
    """``menu:`` (or Jekyll's ``header_pages:``, given as ``key``) of the config file ``path``: its entries, and
    a problem (``file:line: …``) for each item that is not one."""
    if not isinstance(value, list):
        return (), [f"{key} must be a list of links, got {shown(value)}"]
    if len(value) > MAX_ITEMS:
        return (), [f"{key} holds {len(value)} items (the limit is {MAX_ITEMS}): every page shows them all"]
    lines = item_lines(path, key) if path is not None else []
    entries, problems = [], []
    for index, item in enumerate(value):
        line = lines[index] if index < len(lines) else 0
        entry, problem = _entry(item, line, key)
        if problem:
            problems.append(f"{path}:{line}: {key}: {problem}" if line else f"{key} item {index + 1}: {problem}")
        else:
            entries.append(entry)
    return tuple(entries), problems


def item_lines(path: Path, key: str) -> list[int]:
    """The line of each item of the list ``key`` in the YAML file ``path`` (read again, for errors only);
    empty when it cannot be told."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for name, node in root.value:
        if name.value == key and isinstance(node, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in node.value]
    return []


def _entry(item: Any, line: int, key: str) -> tuple[MenuEntry | None, str | None]:
    """The entry of one item, or why it is not one."""
    if isinstance(item, str):
        name = item.strip().strip("/")
        return (MenuEntry(None, None, name, line, key != "menu"), None) if name else (None, "an empty page name")
    if not isinstance(item, dict):
        return None, f"{shown(item)} is neither a page's name nor {{title: …, url: …}}"
    unknown = sorted(str(name) for name in item if name not in ("title", "url", "page"))
    if unknown:
        return None, f"unknown key {unknown[0]!r} in {shown(item)} (known: title, url, page)"
    title, url, page = item.get("title"), item.get("url"), item.get("page")
    if title is not None and _title_problem(title):
        return None, _title_problem(title)
    if (url is None) == (page is None):
        return None, f"{shown(item)} needs one of url: (a link) and page: (a page's name)"
    if page is not None:
        if not isinstance(page, str) or not page.strip("/ "):
            return None, f"page must be a page's name, got {shown(page)}"
        return MenuEntry(_text(title), None, page.strip().strip("/"), line, key != "menu"), None
    if title is None:
        return None, f"{shown(item)} needs a title: for its link"
    link, problem = _link(url)
    return (None, problem) if problem else (MenuEntry(_text(title), link, None, line), None)


def _title_problem(title: Any) -> str | None:
    """Why ``title`` cannot be a link's words (None when it can): text, not empty, at most ``MAX_TITLE`` long."""
    if isinstance(title, bool) or not isinstance(title, (str, int, float)) or not str(title).strip():
        return f"title must be text, got {shown(title)}"
    if len(str(title)) > MAX_TITLE:
        return f"title is {len(str(title))} characters long (the limit is {MAX_TITLE}): every page shows it"
    return None


def _text(title: Any) -> str | None:
    return None if title is None else str(title).strip()


def _link(url: Any) -> tuple[str, str | None]:
    """``url`` as the nav links it (a path of the site without its leading ``/``, or an http(s) address), or why
    it cannot be one: another scheme (``javascript:``), another host without one (``//host``), a path with
    ``.``/``..`` parts, or characters a URL does not hold."""
    if not isinstance(url, str) or not url:
        return "", f"url must be a path of the site or an http(s) address, got {shown(url)}"
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" or ch in _NOT_IN_URL for ch in url):
        return "", f"url {shown(url)} holds a space, a control character or one of \" < > \\ ^ ` {{ | }}"
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        return "", f"url {shown(url)} is not a URL"
    if parts.scheme:
        if parts.scheme not in ("http", "https"):
            return "", (f"url {shown(url)} uses the scheme {parts.scheme!r}: a menu links to a path of the site "
                        "(/about/) or an http(s) address")
        if not parts.hostname or "@" in parts.netloc:
            return "", f"url {shown(url)} has no host name (or a user name before @)"
        return url, None
    if url.startswith("//"):
        return "", f"url {shown(url)} names another host without a scheme: write https://…"
    if any(part in (".", "..") for part in parts.path.split("/")):
        return "", f"url {shown(url)} has a . or .. part: write the path from the site's root (/about/)"
    return url.lstrip("/"), None


def menu_items(entries: tuple[MenuEntry, ...] | None, pages: Mapping[str, Any], left_out: Iterable[str],
               config: Path | None) -> tuple[tuple[MenuItem, ...], list[SiteError], tuple[str, ...]]:
    """The nav's links: ``entries`` (site.yaml's ``menu:``) with each page they name found in ``pages`` (name ->
    the page's view), or, without entries (None), every page whose ``menu:`` is not false, by weight and title.
    Returns (links, an error for each entry naming no page, warnings for Jekyll's ``header_pages`` naming none).
    A page of ``left_out`` (a draft, a file not built) is left out of the nav quietly."""
    if entries is None:
        listed = sorted((view for view in pages.values() if view.post.meta.get("menu") is not False), key=nav_order)
        return tuple(_page_item(view, None) for view in listed), [], ()
    names = _names(pages)
    skipped = {key for name in left_out for key in _keys(name)}
    items, errors, warnings = [], [], []
    for entry in entries:
        if entry.page is None:
            url = entry.url or ""
            path = None if entry.external else urlsplit(url).path
            items.append(MenuItem(entry.title or "", url, entry.external, path))
            continue
        view = next((names[key] for key in _keys(entry.page) if key in names), None)
        if view is not None:
            items.append(_page_item(view, entry.title))
        elif not any(key in skipped for key in _keys(entry.page)):
            known = ", ".join(sorted({_keys(name)[1] for name in pages})) or "none"
            message = f"{config}:{entry.line}: menu: no page {entry.page!r} (the pages: {known})"
            if entry.optional:
                warnings.append(f"{config}:{entry.line}: warning: header_pages: no page {entry.page!r}; left out "
                                "of the nav")
            else:
                errors.append(ConfigError(message, hint="name a page by its file in content/pages/ (about for "
                                                        "pages/about.md), or write {title: …, url: …}"))
    return tuple(items), errors, tuple(warnings)


def nav_order(view: Any) -> tuple:
    """Pages in the nav's order: by ``weight:`` (lower first; pages without one after), then by the link's words."""
    weight = view.post.meta.get("weight")
    return (weight is None, weight or 0, _words(view).casefold(), view.url)


def _page_item(view: Any, title: str | None) -> MenuItem:
    return MenuItem(title or _words(view), view.url, False, view.url)


def _words(view: Any) -> str:
    """A page's link in the nav: its ``menu:`` words, else its title."""
    words = view.post.meta.get("menu")
    return words.strip() if isinstance(words, str) and words.strip() else view.post.title


def _keys(name: str) -> tuple[str, str]:
    """The names a page answers to: its file's path in the pages folder, and that path without its suffix."""
    path = PurePosixPath(name.removeprefix("pages/"))
    return path.as_posix(), path.with_suffix("").as_posix() if path.suffix else path.as_posix()


def _names(pages: Mapping[str, Any]) -> dict[str, Any]:
    names: dict[str, Any] = {}
    for name, view in pages.items():
        for key in _keys(name):
            names.setdefault(key, view)
    return names
