"""The interface words of the theme, per language (``i18n/<lang>.yaml``): ``t()`` in templates
(``translate``), the plural form of a count (``plural_form``), and the words the theme's scripts show (``js_words``)."""

from __future__ import annotations

import json
from typing import Any, Mapping

import jinja2
import yaml
from markupsafe import Markup

from site_builder.errors import TemplateError
from site_builder.render.environment import PageEnvironment


I18N_FOLDER = "i18n"
"""The theme's folder of interface words: ``i18n/<lang>.yaml`` (a site's ``content/templates/i18n/`` overrides)."""
FALLBACK_LANGUAGE = "en"


def words(env: jinja2.Environment, lang: str) -> Mapping[str, Any]:
    """The interface words for ``lang``: its file (``i18n/zh-hans.yaml``, else ``i18n/zh.yaml``), read once per
    environment; the names looked for are noted as templates used, so a page is rendered again when one changes."""
    known = env.__dict__.setdefault("i18n_words", {})  # per language: (the files' names, their words merged)
    if lang not in known:
        code = lang.lower().replace("_", "-")
        names = tuple(dict.fromkeys((f"{I18N_FOLDER}/{code}.yaml", f"{I18N_FOLDER}/{code.split('-')[0]}.yaml")))
        found: dict[str, Any] = {}
        for name in names:
            found = {**_words_file(env, name), **found}
        known[lang] = (names, found)
    names, found = known[lang]
    if isinstance(env, PageEnvironment):
        env.loaded.update(names)
    return found


def _words_file(env: jinja2.Environment, name: str) -> Mapping[str, Any]:
    if isinstance(env, PageEnvironment):
        env.loaded.add(name)
    cache = env.__dict__.setdefault("i18n_cache", {})
    if name not in cache:
        try:
            source, filename, _ = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            cache[name] = {}
        else:
            try:
                value = yaml.safe_load(source) or {}
            except yaml.YAMLError as exc:
                raise TemplateError(f"{filename}: not YAML: {exc}", hint="fix the file of interface words") from None
            if not isinstance(value, dict):
                raise TemplateError(f"{filename}: interface words must be a mapping (key: words)",
                                    hint="write one `key: words` a line") from None
            cache[name] = value
    return cache[name]


def translate(env: jinja2.Environment, lang: str, key: str, **values: Any) -> Markup:
    """The interface words ``key`` in ``lang`` (English when ``lang`` has none), as HTML (the words escaped), with
    ``{name}`` filled from ``values`` (escaped, unless HTML already: a link made with ``Markup``); a key with plural forms (``one``, ``other``…) picks the form of ``count``."""
    found = words(env, lang).get(key)
    if found is None:
        found = words(env, FALLBACK_LANGUAGE).get(key)
        if found is None:
            raise KeyError(f"no interface words {key!r} in {I18N_FOLDER}/{FALLBACK_LANGUAGE}.yaml")
    if isinstance(found, dict):
        count = values.get("count", 0)
        found = found.get(plural_form(lang, count)) or found.get("other") or next(iter(found.values()))
    text = Markup.escape(str(found))
    return text.format(**values) if values else text


def plural_form(lang: str, count: int) -> str:
    """CLDR's plural category of ``count`` in ``lang`` (integers): ``one``/``other`` for most languages, none for
    Chinese, Japanese, Korean…, Arabic's six."""
    code = lang.lower().replace("_", "-").split("-")[0]
    if code in ("zh", "ja", "ko", "th", "vi", "id"):
        return "other"
    if code == "ar":
        tail = count % 100
        return ("zero" if count == 0 else "one" if count == 1 else "two" if count == 2
                else "few" if 3 <= tail <= 10 else "many" if 11 <= tail <= 99 else "other")
    if code in ("fr", "hi", "pt"):
        return "one" if count in (0, 1) else "other"
    return "one" if count == 1 else "other"


def js_words(env: jinja2.Environment, lang: str) -> str:
    """The words the theme's scripts show (``js.*`` keys), as JSON, for a page not in English; empty for English
    (the scripts hold the English words)."""
    if lang.lower().split("-")[0] == FALLBACK_LANGUAGE:
        return ""
    english = words(env, FALLBACK_LANGUAGE)
    mine = words(env, lang)
    keys = sorted(key for key in english if key.startswith("js."))
    return json.dumps({key[3:]: str(mine.get(key, english[key])) for key in keys}, ensure_ascii=False,
                      separators=(",", ":"))
