"""The ``site`` every template sees (``site_data`` -> ``SiteData``): posts newest first, tags, their folders, the
pages and the nav; it notes what a page read of it, for incremental builds. ``LocalSite`` is the same seen from a
page in another language of a multilingual site."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from site_builder import __version__
from site_builder.config import SiteConfig
from site_builder.menu import MenuItem
from site_builder.render.urls import tag_slug, tag_slugs
from site_builder.render.views import PostView
from site_builder.translations import Languages


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
        return self.peek("tag_slugs").get(tag) or tag_slug(tag)

    # The build's own reads (planning the pages, their keys, the search index) are not a page's: not noted.

    def peek(self, key: str) -> Any:
        """The entry ``key``, not noted as read."""
        return super().__getitem__(key)

    def holds(self, key: object) -> bool:
        """Whether there is an entry ``key``, not noted as read."""
        return super().__contains__(key)

    def entry_names(self) -> list[str]:
        """The names of every entry, not noted as read."""
        return list(super().keys())


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
    return [view for key in site.entry_names() if key == "posts" or key.startswith("posts:")
            for view in site.peek(key)]


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

    def peek(self, key: str) -> Any:
        return self.whole.peek(self._entry(key))

    def holds(self, key: object) -> bool:
        return self.whole.holds(self._entry(key))

    def entry_names(self) -> list[str]:
        return self.whole.entry_names()

    def tag_slug(self, tag: str) -> str:
        return self.whole.tag_slug(tag)


def _tags(views: list[PostView]) -> dict[str, list[PostView]]:
    tags: dict[str, list[PostView]] = {}
    for view in views:
        for tag in view.post.tags:
            tags.setdefault(tag, []).append(view)
    return dict(sorted(tags.items(), key=lambda item: item[0].casefold()))
