"""What a page was made from, as one key (``page_key``): the fingerprint of every entry of ``site`` it read,
every template it used and every post it read whole. A page is rendered again exactly when its key changes."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from site_builder.incremental.signatures import digest
from site_builder.incremental.views import Lazy


_PLAIN = frozenset({str, int, float, bool, type(None)})


def fingerprint(value: Any) -> str:
    """A short, stable text for what a page was given: a post view stands for the key of its summary (what a
    list shows of it; a page that reads more of it depends on its whole view through ``ReadLog``),
    anything else for its ``repr`` (the content model is frozen dataclasses, tuples and dates).

    The exact types come first (a sitemap's spec holds a pair for every page of the site): an ``isinstance``
    against ``Mapping`` costs more than the ``repr`` of a short string."""
    kind = type(value)
    if kind in _PLAIN:
        return repr(value)
    if isinstance(value, Lazy):
        return "view:" + value.summary_key
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(fingerprint(item) for item in value) + "]"
    if kind is dict or isinstance(value, Mapping):  # an ABC: the slow check last
        return "{" + ",".join(f"{k!r}:{fingerprint(v)}" for k, v in value.items()) + "}"
    return repr(value)


class SiteKeys:
    """The fingerprint of each entry of ``site`` (and of each tag's folder), computed once per build."""

    def __init__(self, site: Mapping[str, Any], views: Mapping[str, str],
                 templates: Callable[[str], str] = lambda name: "absent") -> None:
        self.site = site
        self.views = views
        """Post path -> the key of its whole view, for ``("view", path)`` entries (``ReadLog``)."""
        self.templates = templates
        """Template name -> what it stands for now (its file and text), for ``("template", name)`` entries."""
        self._keys: dict[Any, str] = {}

        self._parts: dict[Any, str] = {}

    def __getitem__(self, entry: Any) -> str:
        if entry not in self._keys:
            self._keys[entry] = self._compute(entry)
        return self._keys[entry]

    def part(self, entry: Any) -> str:
        """The entry and its key, as a page's key holds them (a page reads about fifteen entries, most of them
        read by every page: each is written out once a build)."""
        found = self._parts.get(entry)
        if found is None:
            found = self._parts[entry] = f"{entry!r}\0{self[entry]}"
        return found

    def _compute(self, entry: Any) -> str:
        if entry == "*":
            return digest(*(f"{name}={self[name]}" for name in sorted(self.site.entry_names())))
        if isinstance(entry, tuple) and entry[:1] == ("view",):
            return self.views.get(entry[1], "absent")
        if isinstance(entry, tuple) and entry[:1] == ("template",):
            return self.templates(entry[1])
        if isinstance(entry, tuple) and entry[:1] == ("tag_slug",):
            return repr(self.site.peek("tag_slugs").get(entry[1]))
        if isinstance(entry, str) and self.site.holds(entry):
            return digest(fingerprint(self.site.peek(entry)))
        return "absent"


def page_key(common: str, spec: Any, read: Iterable[Any], keys: SiteKeys) -> str:
    """What a page was made from: config and code (``common``), its own inputs, every entry of ``site`` it read
    when it was rendered, and every template it used (``("template", name)``: the file the name stands for)."""
    entries = "\n".join(sorted([keys.part(entry) for entry in read]))  # a repr holds no raw newline
    return digest(common, spec.path, spec.template, fingerprint(spec.extra), entries)
