"""A post's view as templates get it: what lists show of it at hand (kept in the state), the rest read from the
``ViewStore`` only when a page uses it, and noted then (``ReadLog``), so the page depends on the whole view."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from site_builder.incremental.signatures import digest
from site_builder.incremental.store import ViewStore


class Lazy:
    """What lists show of an object, at hand (plain attributes); anything else is read from the whole object,
    loaded on first use (``load``). Templates cannot tell it from the object itself."""

    def __init__(self, fields: Mapping[str, Any], load: Callable[[], Any]) -> None:
        self.__dict__.update(fields)
        self.__dict__["_load"] = load

    def __getattr__(self, name: str) -> Any:  # only for what the fields do not hold
        if name.startswith("__") or name == "_load":
            raise AttributeError(name)
        return getattr(self.__dict__["_load"](), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"Lazy({ {k: v for k, v in self.__dict__.items() if k != '_load'}!r})"


POST_SUMMARY = ("path", "slug", "title", "date", "tags", "draft", "summary", "lang", "speakers", "meta",
                "is_conversation", "question_count", "direction", "imported", "url", "redirects")
"""The post's fields lists show (index, archive, tags, feed): kept in the state, so that listing a thousand
posts reads none of their rendered views."""
VIEW_SUMMARY = ("url", "description", "outline", "warnings")


def summary_of(view: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(post fields, view fields) of a rendered view, as ``lazy_view`` takes them."""
    return ({name: getattr(view.post, name) for name in POST_SUMMARY},
            {name: getattr(view, name) for name in VIEW_SUMMARY})


class ReadLog:
    """The posts (their paths) whose whole view a page read, beyond the summary lists use: one log per build,
    given to every lazy view (``lazy_view``) and emptied by ``render_page`` before each page, which returns what
    it holds then. A page depends on a post's whole view only if its path is here."""

    def __init__(self) -> None:
        self.paths: set[str] = set()

    def clear(self) -> None:
        self.paths.clear()

    def taken(self) -> frozenset[str]:
        """What the log holds, and it empty again."""
        paths, self.paths = frozenset(self.paths), set()
        return paths


def lazy_view(key: str, summary_key: str, post_fields: Mapping[str, Any], view_fields: Mapping[str, Any],
              store: ViewStore, log: ReadLog | None = None) -> Lazy:
    """A post's view for the templates: its summary at hand (``summary_key`` hashes it), the rest read from
    ``store`` when a page uses it, which is noted in ``log``."""
    path = str(post_fields["path"])

    def load() -> Any:
        if log is not None:
            log.paths.add(path)
        return store.get(key)

    post = Lazy(post_fields, lambda: load().post)
    return Lazy({**view_fields, "post": post, "cache_key": key, "summary_key": summary_key}, load)


def summary_key(post_fields: Mapping[str, Any], view_fields: Mapping[str, Any]) -> str:
    return digest(repr(sorted(post_fields.items())), repr(sorted(view_fields.items())))
