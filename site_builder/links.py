"""The links an author writes in a post, made to work wherever the site is served (a sub-path, ``file://``).

Pages link to each other relatively; so do the links of a post once the Markdown renderer (``markdown/``) has
passed each destination (``[x](…)``, ``![x](…)``, ``href``/``src`` of the author's raw HTML) through
``PageLinks.resolve``:

- a root-absolute path (``/img/cat.png``, ``/about/``) is made relative to the page (``../../img/cat.png`` from
  ``posts/slug/``), its ``..`` stopped at the site's root, its query and fragment kept; ``//host/x`` is a link
  to another host and stays as it is;
- a link to a source file of the site (``2023-08-04-other.md``, ``../_posts/x.markdown#part``,
  ``../companions/sgd.py``), relative to the post's file (backslashes read as ``/``), becomes the URL of the
  page made from it; one to a ``.md`` or ``.markdown`` (or ``.py``) file of which no page is made is a
  problem (a warning of the build) and is left as written;
- Jekyll's Liquid in a destination is read as Jekyll reads it: ``{{ site.baseurl }}`` and ``{{ site.url }}``
  are the site's root, ``{% post_url 2023-08-04-other %}`` and ``{% link _posts/x.md %}`` the URL of that post,
  ``{{ '/x.png' | relative_url }}`` (``absolute_url``, ``prepend: site.baseurl``) the path. Elsewhere (prose,
  code) Liquid is shown as written.

Which source file makes which page is ``SiteLinks``, built once per build from every post and companion (a
kind of page more is one more entry of its ``urls``). A page looks up only the sources its links name: the
lookups it made, with what they gave, are part of what it was rendered from (``assemble/records.py`` renders it again
when one of them gives something else).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping
from urllib.parse import unquote

LINKED_SUFFIXES = (".md", ".markdown", ".py")
"""Files a link may name by their source: posts (and pages) and companions. A link to another file is a link to
the file."""
POST_FOLDERS = ("posts/", "_posts/", "drafts/", "_drafts/")
"""Where ``{% post_url NAME %}`` looks for ``NAME.md`` (``NAME`` may hold sub-folders)."""
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
"""A URL's scheme (``https:``, ``mailto:``, ``javascript:``), matched at its start: not a path of the site."""
_KEPT_SCHEMES = ("http", "https", "mailto")
"""What a Liquid expression may evaluate to besides a path (``{{ 'https://doi.org/…' | absolute_url }}``)."""
_DATED_NAME = re.compile(r"^((?:.*/)?)(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")


@dataclass(frozen=True, slots=True)
class Target:
    """What a link to a source file leads to."""
    url: str | None
    """Site-relative URL of the page made from it (``posts/slug/``); None when no page is."""
    problem: str = ""
    """Why there is none, in words that follow ``link to X:`` (``no post at posts/x.md``)."""


@dataclass(frozen=True, slots=True)
class LinkProblem:
    line: int
    """Source line of the link (of its paragraph or HTML block when the line inside is not known)."""
    message: str


@dataclass(frozen=True, slots=True)
class Resolved:
    """A destination as the page writes it."""
    href: str
    lookups: tuple[tuple[str, Target | None], ...] = ()
    """The sources it named (``posts/x.md``, ``post_url:2023-08-04-x``), with what each gave (None: not known
    to this render)."""
    problem: str = ""
    """``link to X: …`` when it names a source of which no page is made (then ``href`` is as written)."""


@dataclass(frozen=True, slots=True)
class PageLinks:
    """How the links of one page are written."""
    page_url: str
    """Site-relative URL of the page: a folder (``posts/slug/``) or a file (``2023/08/03/slug.html``)."""
    source: str
    """The page's source file, relative to the content folder (``posts/2023-08-03-slug.md``)."""
    targets: Mapping[str, Target] = field(default_factory=lambda: MappingProxyType({}))
    """What the sources its links name lead to (``SiteLinks.target``), by lookup key; a key missing here is
    not known yet: such a link is left as written, with no problem, and the lookup says so (None)."""

    @property
    def root(self) -> str:
        """From the page to the site's root: ``../`` per ``/`` of its URL (``./`` at the root itself)."""
        return "../" * self.page_url.count("/") or "./"

    def resolve(self, href: str, liquid: Mapping[str, str] | None = None) -> Resolved:
        """``href`` as this page writes it. ``liquid``: the placeholders of the text's Liquid expressions
        (``liquid_placeholders``), by placeholder."""
        if liquid and PLACEHOLDER_MARK in href:
            return self._liquid(href, liquid)
        return self._plain(href)

    def _plain(self, href: str, written: str | None = None) -> Resolved:
        """A destination without Liquid (``written``: how the author wrote it, when it had some)."""
        url = href.strip(" \t\n\r\f")
        if not url or url[0] in "#?" or SCHEME.match(url):
            return Resolved(href)
        lead = url[:2].replace("\\", "/")
        if lead == "//":
            return Resolved(href)  # another host, whatever the scheme of the page
        path, rest = _split(url)
        if lead[0] == "/":
            return self._root_absolute(path, rest)
        return self._source(href, path, rest, written)

    def _root_absolute(self, path: str, rest: str) -> Resolved:
        """``/img/cat.png`` -> ``../../img/cat.png``; ``/posts/x.md``, a source, -> the URL of its page."""
        inside = _clamped(path.replace("\\", "/").replace("%5C", "/").replace("%5c", "/"))
        key = unquote(inside)
        if key.lower().endswith(LINKED_SUFFIXES):
            target = self.targets.get(key)
            if target is not None and target.url is not None:
                return Resolved(self.root + target.url + rest, ((key, target),))
            return Resolved(self.root + inside + rest, ((key, target),))
        return Resolved(self.root + inside + rest)

    def _source(self, href: str, path: str, rest: str, written: str | None) -> Resolved:
        """``../posts/x.md#part``, relative to the page's source -> the URL of the page made from it."""
        name = unquote(path).replace("\\", "/")
        if not name.lower().endswith(LINKED_SUFFIXES):
            return Resolved(href)
        where = shown(written if written is not None else unquote(href))
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(self.source), name))
        if joined == ".." or joined.startswith("../"):
            return Resolved(href, (), f"link to {where}: no post (it leads out of the content folder)")
        target = self.targets.get(joined)
        if target is None:
            return Resolved(href, ((joined, None),))
        if target.url is None:
            return Resolved(href, ((joined, target),), f"link to {where}: {target.problem}")
        return Resolved(self.root + target.url + rest, ((joined, target),))

    def _liquid(self, href: str, liquid: Mapping[str, str]) -> Resolved:
        """A destination holding Liquid: each expression evaluated, then the result resolved as a destination
        written so; one that names no post leaves the destination as written (Liquid and all)."""
        written = restore(href, liquid)
        lookups: list[tuple[str, Target | None]] = []
        problems: list[str] = []

        def value(match: re.Match) -> str:
            key, text = evaluate(liquid.get(match[0], ""))
            if key is None:
                return text
            target = self.targets.get(key)
            lookups.append((key, target))
            if target is None or target.url is None:
                problems.append(target.problem if target is not None else "")
                return match[0]
            return "/" + target.url

        expanded = _PLACEHOLDER.sub(value, href)
        if problems:  # a source of which no page is made, or not known yet
            problem = next((p for p in problems if p), "")
            return Resolved(written, tuple(lookups), f"link to {shown(written)}: {problem}" if problem else "")
        scheme = SCHEME.match(expanded.strip())
        if scheme and scheme[0][:-1].lower() not in _KEPT_SCHEMES:
            return Resolved(written, tuple(lookups))  # ``{{ 'javascript:…' | relative_url }}`` is not a link
        resolved = self._plain(expanded or "/", written)
        return Resolved(resolved.href, (*lookups, *resolved.lookups), resolved.problem)


def shown(destination: str) -> str:
    """A destination as a warning quotes it: on one line, at most 120 characters."""
    text = " ".join(destination.split())
    return text if len(text) <= 120 else text[:119] + "…"


def _split(url: str) -> tuple[str, str]:
    """(path, ``?query#fragment``)."""
    cut = len(url)
    for mark in "?#":
        at = url.find(mark)
        if 0 <= at < cut:
            cut = at
    return url[:cut], url[cut:]


def _clamped(path: str) -> str:
    """A root-absolute path without its leading ``/`` and its dot segments (``%2e`` too), a ``..`` at the root
    staying there (as a browser reads ``/../x``: ``x``); a path that ended in a folder still does."""
    kept: list[str] = []
    segments = path.lstrip("/").split("/")
    for index, segment in enumerate(segments):
        dots = unquote(segment)
        last = index == len(segments) - 1
        if dots in (".", ".."):
            if dots == ".." and kept:
                kept.pop()
            if last:
                kept.append("")
        else:
            kept.append(segment)
    return "/".join(kept)


# ---- Liquid ---------------------------------------------------------------------------------------------------

_LIQUID = re.compile(
    r"\{\{-?[ \t]*(?:site\.(?P<site>baseurl|url|github\.url)"
    r"|(?P<q>['\"])(?P<path>[^'\"\n{}]{0,2000})(?P=q)[ \t]*\|[ \t]*(?:relative_url|absolute_url"
    r"|prepend:[ \t]*site\.baseurl))[ \t]*-?\}\}"
    r"|\{%-?[ \t]*(?P<tag>post_url|link)[ \t]+(?P<name>[^\s{}%'\"]{1,2000})[ \t]*-?%\}")
"""The Liquid of Jekyll posts' link destinations, each on one line."""
PLACEHOLDER_MARK = "sbliquid"
_PLACEHOLDER = re.compile(PLACEHOLDER_MARK + r"[0-9a-f]{12}n\d+z")


def liquid_placeholders(text: str, nonce: str) -> tuple[str, dict[str, str]]:
    """``text`` with each Liquid expression of ``_LIQUID`` replaced by a placeholder (letters and digits, so
    Markdown reads ``[x]({% post_url y %})`` as a link, as Jekyll does after evaluating it), and the expressions
    by placeholder. ``nonce`` (12 hex digits) keeps them apart from anything the text holds. The same expression
    gets the same placeholder (a reference label holding one still matches)."""
    table: dict[str, str] = {}
    numbers: dict[str, str] = {}

    def placeholder(match: re.Match) -> str:
        expression = match[0]
        if expression not in numbers:
            numbers[expression] = f"{PLACEHOLDER_MARK}{nonce}n{len(numbers)}z"
            table[numbers[expression]] = expression
        return numbers[expression]

    return _LIQUID.sub(placeholder, text), table


def restore(text: str, liquid: Mapping[str, str]) -> str:
    """``text`` with its placeholders back to the Liquid they stand for."""
    if not liquid or PLACEHOLDER_MARK not in text:
        return text
    return _PLACEHOLDER.sub(lambda match: liquid.get(match[0], match[0]), text)


def evaluate(expression: str) -> tuple[str | None, str]:
    """(lookup key, ``""``) for an expression naming a source (``{% post_url x %}``, ``{% link _posts/x.md %}``),
    else (None, its value): ``""`` for the site's root, the root-absolute path of ``relative_url``."""
    match = _LIQUID.fullmatch(expression)
    if match is None:
        return None, expression
    if match["site"]:
        return None, ""
    if match["tag"] == "post_url":
        return "post_url:" + post_name(match["name"].lstrip("/")), ""
    if match["tag"] == "link":
        path = posixpath.normpath(match["name"].lstrip("/"))
        if path.lower().endswith(LINKED_SUFFIXES) and not path.startswith("../") and path != "..":
            return path, ""
        return None, "/" + path
    path = match["path"].strip()
    return None, path if SCHEME.match(path) else "/" + path.lstrip("/")


def post_name(name: str) -> str:
    """A post's name as ``post_url`` matches it: ``[folder/]YYYY-MM-DD-slug`` with the month and day on two
    digits (Jekyll finds ``2017-7-28-hydra`` as ``2017-07-28-hydra``)."""
    match = _DATED_NAME.match(name)
    if match is None:
        return name
    folder, year, month, day, slug = match.groups()
    return f"{folder}{year}-{int(month):02d}-{int(day):02d}-{slug}"


# ---- the site -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteLinks:
    """Which page each source file of the site makes, built once per build."""
    urls: Mapping[str, str]
    """Source file (relative to the content folder, ``/``-separated) -> site-relative URL of its page."""
    unpublished: frozenset[str] = frozenset()
    """Sources of the site that make no page in this build: drafts."""
    names: Mapping[str, str] = field(default_factory=dict)
    """``post_name`` of every post -> its source."""

    def target(self, key: str) -> Target:
        """What a lookup key (a source, or ``post_url:NAME``) leads to."""
        if key.startswith("post_url:"):
            name = key.removeprefix("post_url:")
            source = self.names.get(name)
            if source is None:
                return Target(None, f"no post named {name} (a file {name}.md in posts/ or _posts/)")
            return self.target(source)
        if key in self.urls:
            return Target(self.urls[key])
        if key in self.unpublished or key.startswith(("drafts/", "_drafts/")):
            return Target(None, f"no post is published from {key}: it is a draft (build with --drafts to see it)")
        return Target(None, f"no {'companion' if key.lower().endswith('.py') else 'post'} at {key}")


    def page_links(self, page_url: str, source: str) -> PageLinks:
        """The ``PageLinks`` of a page rendered once every source's page is known (every target at hand)."""
        return PageLinks(page_url, source, _Targets(self))


class _Targets(Mapping[str, Target]):
    """Every lookup key's target, computed when asked (``SiteLinks.page_links``)."""

    def __init__(self, site: SiteLinks) -> None:
        self._site = site

    def __getitem__(self, key: str) -> Target:
        return self._site.target(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._site.urls)

    def __len__(self) -> int:
        return len(self._site.urls)


def site_links(urls: Mapping[str, str], unpublished: Iterable[str] = ()) -> SiteLinks:
    """The ``SiteLinks`` of these sources (in a stable order: the first of two posts with one name wins)."""
    left_out = frozenset(unpublished)
    posts = []
    for source in sorted({*urls, *left_out}):
        folder = next((f for f in POST_FOLDERS if source.startswith(f)), None)
        stem, suffix = posixpath.splitext(source)
        if folder is not None and suffix.lower() in (".md", ".markdown"):
            posts.append((post_name(stem.removeprefix(folder)), source))
    names: dict[str, str] = {}
    for name, source in posts:
        names.setdefault(name, source)
    for name, source in posts:  # Jekyll's fallback: the name without the post's sub-folder
        names.setdefault(posixpath.basename(name), source)
    return SiteLinks(MappingProxyType(dict(urls)), left_out, MappingProxyType(names))
