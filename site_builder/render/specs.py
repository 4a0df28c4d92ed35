"""Every page of the site to render, as a ``PageSpec`` (``page_specs``): lists of posts in pages (``paged``,
``Pager``), posts, pages, redirects, tags, companions, feeds, sitemap; a multilingual site's versions of each and
the links between them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping

from site_builder.config import SiteConfig
from site_builder.model import language_name
from site_builder.render.companions import CompanionView
from site_builder.render.site import SiteData, every_post
from site_builder.render.urls import page_file
from site_builder.translations import Languages, Translation


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page to render: where it goes, its template, and what the template gets besides ``site``."""
    path: str
    template: str
    extra: Mapping[str, Any]


def page_specs(config: SiteConfig, site: SiteData, companions: list[CompanionView],
               languages: Languages | None = None) -> list[PageSpec]:
    """Every page of the site, in the order they are rendered: feed and sitemap last. A multilingual site gets
    its lists (home, archive, tags, feeds, search) once per language, the others' under ``<lang>/``, and every
    page what it needs to link its translations (``page_lang``, ``lang_prefix``, ``alternates``,
    ``translations``)."""
    languages = languages or Languages(config.language)
    views, tags, slugs = site.peek("posts"), site.peek("tags"), site.peek("tag_slugs")
    local = _language_extra(languages, languages.default)
    specs = [*paged("", "index.html", list(views), config.paginate, local),
             *paged("archive/", "archive.html", list(views), config.paginate * ARCHIVE_FACTOR, local),
             PageSpec("404.html", "404.html", {"absolute_links": True})]
    if config.search:
        specs.append(PageSpec("search/index.html", "search.html", dict(local)))
    specs += _post_specs(views, languages)
    specs += [PageSpec(page_file(v.url), str(v.post.meta.get("template", "page.html")),
                       {"view": v, "newer": None, "older": None}) for v in site.peek("pages")]
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
        mine, my_tags = site.peek(f"posts:{lang}"), site.peek(f"tags:{lang}")
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
