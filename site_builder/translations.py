"""Which posts are translations of each other, and the languages of a site written in several.

A post's language is its ``lang:``, else the language folder it sits in (``_posts/zh/``, ``zh/_posts/``,
``posts/fr/``: a folder named for a language of ``LANGUAGE_NAMES``), else the site's. Posts are translations of
each other when they share a translation key:

(a) the layout of machine-translated blogs: in a language folder, or with the language at the end of the file
    name (``2023-08-18-llama-zh.md`` with ``lang: zh``): the key is the slug without that ``-zh``;
(b) the same slug in language folders (``posts/en/llama.md``, ``posts/fr/llama.md``);
(c) a key in the front matter, as Hugo and Jekyll's plugins name one: ``translationKey`` (Hugo),
    ``translation_key``, ``translation_id`` (octopress-multilingual), ``ref`` / ``lang_ref`` (the
    jekyll-multiple-languages-plugin recipes), ``translation_of`` (the original's file name or slug), or the same
    ``permalink:`` with another ``lang`` (jekyll-polyglot).

A post that names another post's slug (``translation_of: llama``) joins that post. Two posts of one language
that claim one key are an error naming both. A site is multilingual when at least two posts are translations of
each other: only then do lists, feeds and search pages come in one version per language (the site's language at
the root, the others under ``<lang>/``); any other site builds as it always did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from site_builder.errors import PostError, display_path
from site_builder.model import LANGUAGE_NAMES, folder_language, language_name
from site_builder.posts import _key_line

KEY_FIELDS = ("translationKey", "translation_key", "translation_id", "ref", "lang_ref", "translation_of")
"""Front-matter keys that name a post's translation key, first found wins."""


@dataclass(frozen=True, slots=True)
class Translation:
    """One language version of a post, as its switcher links it."""
    lang: str
    """Its language tag (``zh``, ``fr``)."""
    name: str
    """The language's name in itself (``中文``, ``Français``)."""
    url: str
    """Its site path."""


@dataclass(frozen=True, slots=True)
class Languages:
    """The languages of a site and its posts' translations."""
    default: str
    """The site's language (``language:`` in site.yaml): its pages stay at the root."""
    others: tuple[str, ...] = ()
    """The other languages posts are written in, in order; empty for a site in one language."""
    post_lang: Mapping[str, str] | None = None
    """Each post's URL -> its language (multilingual sites only)."""
    translations: Mapping[str, tuple[Translation, ...]] | None = None
    """Each post's URL -> every version of it (itself included), the site's language first; only posts that have
    a translation."""

    @property
    def multilingual(self) -> bool:
        return bool(self.others)

    @property
    def all(self) -> tuple[str, ...]:
        return (self.default, *self.others)

    def prefix(self, lang: str) -> str:
        """The folder of ``lang``'s lists: ``""`` for the site's language, ``zh/`` for another."""
        return "" if lang == self.default else f"{lang.lower()}/"

    def of(self, url: str) -> str:
        """The language of the post at ``url``."""
        return (self.post_lang or {}).get(url, self.default)


@dataclass(frozen=True, slots=True)
class _Claim:
    """A post's place among translations: its key, how strongly it claims it, and where it says so."""
    url: str
    path: Path
    lang: str
    key: str | None
    """Its own key (explicit, or from the layout); None when it has neither."""
    field: str | None
    """The front-matter key that claims ``key`` (None: the file's name and folder)."""
    own_names: tuple[str, ...]
    """What another post's ``translation_of:`` may call it: its slug, its file name without the suffix."""


_DATE = re.compile(r"^\d{2,4}-\d{1,2}-\d{1,2}-")


def _normalised(value: str) -> str:
    """A key as written in ``translation_of:`` and the like: the file name's stem without its date, lower-cased."""
    name = str(value).strip().strip("/").rsplit("/", 1)[-1]
    name = re.sub(r"\.(md|markdown|html)$", "", name, flags=re.I)
    return _DATE.sub("", name).lower()


def _without_suffix(name: str, lang: str) -> str | None:
    """``name`` without ``-lang`` at its end (``llama-zh`` -> ``llama``), None when it does not end so."""
    suffix = "-" + lang.lower()
    return name[: -len(suffix)] if name.lower().endswith(suffix) and len(name) > len(suffix) else None


def _claim(post: Any, url: str, default: str) -> _Claim:
    declared = post.lang
    path = post.path if isinstance(post.path, Path) else Path(post.path)  # each Path() parses it again
    folder = folder_language(path)
    lang = declared or folder or default
    meta = post.meta
    explicit = next((field for field in KEY_FIELDS if meta.get(field) not in (None, "")), None)
    slug = str(post.slug)
    stem = _DATE.sub("", path.stem)
    bare = _without_suffix(slug, lang) or _without_suffix(stem, lang)
    names = tuple(dict.fromkeys(n.lower() for n in (slug, stem, bare or "") if n))
    if explicit is not None:
        value = _normalised(str(meta[explicit]))
        # a key that ends with a language (translation_of: llama-en) names that post's group
        key = next((k for k in (_strip_any_language(value),) if k), value)
        return _Claim(url, path, lang, "key:" + key, explicit, names)
    if isinstance(meta.get("permalink"), str) and declared:  # jekyll-polyglot: one permalink, several langs
        return _Claim(url, path, lang, "permalink:" + meta["permalink"].strip("/"),
                      "permalink", names)
    if bare is not None and (declared or folder):
        return _Claim(url, path, lang, "key:" + bare.lower(), _lang_field(post), names)
    if folder is not None:
        return _Claim(url, path, lang, "key:" + _normalised(slug), _lang_field(post), names)
    return _Claim(url, path, lang, None, None, names)


def _strip_any_language(value: str) -> str | None:
    """``value`` without a known language's ``-xx`` at its end (``llama-en`` -> ``llama``), else None."""
    head, _, tail = value.rpartition("-")
    return head if head and tail in LANGUAGE_NAMES else None


def _lang_field(post: Any) -> str | None:
    return "lang" if "lang" in post.meta else None


def _line(claim: _Claim) -> int:
    """The source line of the key that makes the claim (1 for a claim made by the file's name or folder)."""
    if claim.field is None:
        return 1
    try:
        lines = claim.path.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return 1
    end = next((i for i, text in enumerate(lines[1:], 1) if text.strip() in ("---", "+++")), len(lines))
    return _key_line(lines[:end], claim.field)


def site_languages(views: Iterable[Any], default: str) -> tuple[Languages, list[PostError]]:
    """The languages of the site whose post views are ``views``, and the errors: two posts of one language that
    claim one translation key (each named, at the line that claims it)."""
    claims = [_claim(view.post, view.url, default) for view in views]
    groups: dict[str, list[_Claim]] = {}
    for claim in claims:
        if claim.key is not None:
            groups.setdefault(claim.key, []).append(claim)
    for claim in claims:  # a post without a key joins the group that names it (translation_of: its slug)
        if claim.key is None:
            named = next((("key:" + n) for n in claim.own_names if "key:" + n in groups), None)
            if named is not None and all(other.lang != claim.lang for other in groups[named]):
                groups[named].append(claim)
    errors = []
    for key, members in groups.items():
        seen: dict[str, _Claim] = {}
        for claim in sorted(members, key=lambda c: str(c.path)):
            first = seen.setdefault(claim.lang, claim)
            if first is not claim:
                errors.append(PostError(claim.path, _line(claim), f"this post and {display_path(first.path)}:"
                                        f"{_line(first)} are both the {claim.lang!r} translation of "
                                        f"{key.split(':', 1)[1]!r}",
                                        hint="give one of them another `translationKey:` (or `lang:`), or remove one"))
    linked = {key: members for key, members in groups.items() if len({c.lang for c in members}) > 1}
    if not linked:
        return Languages(default), errors
    langs = {claim.lang for claim in claims}
    others = tuple(sorted(lang for lang in langs if lang != default))
    order = {lang: index for index, lang in enumerate((default, *others))}
    translations: dict[str, tuple[Translation, ...]] = {}
    for members in linked.values():
        versions = tuple(Translation(c.lang, language_name(c.lang), c.url)
                         for c in sorted({c.lang: c for c in members}.values(), key=lambda c: order[c.lang]))
        for claim in members:
            translations[claim.url] = versions
    return Languages(default, others, {claim.url: claim.lang for claim in claims}, translations), errors
