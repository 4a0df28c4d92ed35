"""The Jinja2 environment pages are rendered in: where a template name is found (``ThemeLoader``: the site's
``content/templates`` over the theme), which templates a render used (``PageEnvironment``), the filters templates
get, what a template name stands for now (``template_key``), and the cache of compiled templates."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any

import jinja2

from site_builder.caches import warn_unwritable
from site_builder.feed import feed_html
from site_builder.model import language_name, text_direction
from site_builder.render.site import SiteData
from site_builder.render.urls import tag_slug


THEME_PREFIX = "theme/"
"""``theme/NAME`` names the theme's own ``NAME``, whatever the site overrides: a site's template extends the theme's
version of itself with ``{% extends "theme/base.html" %}``."""


class ThemeLoader(jinja2.BaseLoader):
    """Where a template name is found: ``theme/NAME`` is always the theme's ``NAME`` (never a file of the site, even
    one at ``content/templates/theme/NAME``); any other name is the site's (``content/templates/NAME``) if it has
    one, else the theme's. The theme's templates extend and include names without the prefix, so a site's
    ``base.html`` stands under every theme page, and reaches the theme's with ``theme/base.html``: no loop."""

    def __init__(self, theme: Path, overrides: Path | None) -> None:
        self.theme = jinja2.FileSystemLoader(str(theme))
        self.site = jinja2.FileSystemLoader(str(overrides)) if overrides is not None else None

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        if template.startswith(THEME_PREFIX):
            try:
                return self.theme.get_source(environment, template[len(THEME_PREFIX):])
            except jinja2.TemplateNotFound:
                raise jinja2.TemplateNotFound(template) from None
        if self.site is not None:
            try:
                return self.site.get_source(environment, template)
            except jinja2.TemplateNotFound:
                pass
        return self.theme.get_source(environment, template)

    def list_templates(self) -> list[str]:
        site = self.site.list_templates() if self.site is not None else []
        theme = self.theme.list_templates()
        return sorted({*site, *theme, *(THEME_PREFIX + name for name in theme)})


class PageEnvironment(jinja2.Environment):
    """Jinja2's environment, noting the name of every template a render asks for (``loaded``; ``render_page``
    empties it before each page): an incremental build renders a page again when one of those changed."""

    loaded: set[str]

    def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        self._note(name, parent)
        return super().get_template(name, parent, globals)

    def select_template(self, names: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        if isinstance(names, (list, tuple)):
            for name in names:
                self._note(name, parent)
        return super().select_template(names, parent, globals)

    def _note(self, name: Any, parent: str | None) -> None:
        if isinstance(name, str):
            self.loaded.add(self.join_path(name, parent) if parent is not None else name)


def make_environment(theme: Path, overrides: Path | None, compiled: Path | None = None) -> PageEnvironment:
    """Site templates first (``content/templates``), then the theme (``ThemeLoader``). ``compiled`` is a folder
    where compiled templates are kept between builds (Jinja2 checks each against its source before using it). An
    environment serves one build: a template is read once, and not checked again at each page that uses it."""
    env = PageEnvironment(loader=ThemeLoader(theme, overrides), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                          keep_trailing_newline=True, bytecode_cache=_bytecode_cache(compiled),
                          auto_reload=False)  # one build, one environment: no file checks at every include
    env.loaded = set()
    env.filters["isodate"] = _isodate
    env.filters["tag_slug"] = _tag_slug_filter
    env.filters["text_direction"] = text_direction
    env.filters["feed_html"] = feed_html
    env.filters["language_name"] = language_name
    return env


def template_key(env: jinja2.Environment, name: str) -> str:
    """What a template name stands for now: the file it is found in and its text ("absent" when there is none)."""
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        return "absent"
    return hashlib.sha256(f"{filename}\0{source}".encode("utf-8", "surrogatepass")).hexdigest()


def _bytecode_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # an unwritable cache only costs compiling the templates again
    return _CompiledTemplates(str(folder)) if os.access(folder, os.W_OK) else None


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja2's cache of compiled templates, which a full disk does not fail: the template is compiled again
    next time (it failed the build, and so a cache on a full disk failed every build)."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            warn_unwritable(Path(self.directory), exc.strerror or str(exc))


@jinja2.pass_context
def _tag_slug_filter(context: jinja2.runtime.Context, tag: str) -> str:
    """``{{ tag | tag_slug }}`` in templates: the tag's folder in this site."""
    site = context["site"]
    if isinstance(site, SiteData):
        return site.tag_slug(tag)
    return site["tag_slugs"].get(tag) or tag_slug(tag)


def _isodate(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).isoformat()
