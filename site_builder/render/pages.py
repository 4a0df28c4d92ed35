"""Pages rendered from their templates (``render_page``, ``render_pages``): what every template gets (``url()``,
``t()``, ``site``…), a template's errors as a ``TemplateError`` naming its file and line, and the text made
printable as XML. Pages link to each other with relative URLs (``url()`` in templates), so the output works from
any sub-path; the feed and sitemap use the configured absolute ``base_url``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import jinja2

from site_builder.config import SiteConfig
from site_builder.errors import TemplateError
from site_builder.render.companions import CompanionView
from site_builder.render.environment import THEME_PREFIX, PageEnvironment
from site_builder.render.i18n import js_words, translate
from site_builder.render.site import LocalSite, SiteData, site_data
from site_builder.render.specs import PageSpec, page_specs
from site_builder.render.views import Page, PostView


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page, and what it was made from: the entries of ``site`` it read, ``("view", path)`` for each post it
    read whole (beyond what lists show of it), ``("template", name)`` for each template it used."""
    html: str
    read: frozenset


def render_page(env: PageEnvironment, config: SiteConfig, site: SiteData, spec: PageSpec,
                log: Any = None) -> RenderedPage:
    """One page, and what it read. ``log`` (``incremental.ReadLog``) is where the site's lazy views note the posts
    a page reads whole: emptied first, and what it holds afterwards is the page's."""
    site.read = set()
    env.loaded.clear()
    if log is not None:
        log.clear()
    html = _render(env, spec.template, spec.path, config, site, spec.extra)
    views = log.taken() if log is not None else ()
    return RenderedPage(html, frozenset({*site.read, *(("view", path) for path in views),
                                         *(("template", name) for name in env.loaded)}))


def render_pages(env: PageEnvironment, config: SiteConfig, views: list[PostView],
                 companions: list[CompanionView], now: dt.datetime) -> list[Page]:
    """Every page of the site. ``views`` may include drafts (when built with --drafts)."""
    site = site_data(config, views, now)
    return [Page(spec.path, render_page(env, config, site, spec).html) for spec in page_specs(config, site, companions)]


def _render(env: jinja2.Environment, template: str, path: str, config: SiteConfig, site: Mapping[str, Any],
            extra: Mapping[str, Any]) -> str:
    depth = path.count("/")
    if extra.get("absolute_links"):
        root = _path_of(config.absolute_root)
    else:
        root = "../" * depth if depth else "./"

    def url(target: str = "") -> str:
        return root + target if root != "./" or not target else target

    def absolute(target: str = "") -> str:
        return config.absolute_root + target

    lang, prefix = extra.get("page_lang") or config.language, extra.get("lang_prefix", "")

    def lang_url(target: str = "") -> str:
        return url(prefix + target)

    def t(key: str, **values: Any) -> str:
        return translate(env, lang, key, **values)

    def script_words() -> str:
        return js_words(env, lang)

    if prefix and isinstance(site, SiteData):
        site = LocalSite(site, lang)
    extra = {"page_lang": lang, "lang_prefix": prefix, "alternates": (), "translations": (), **extra}
    try:
        return printable(env.get_template(template).render(site=site, config=config, page_path=path, url=url,
                                                           absolute=absolute, root=root, lang_url=lang_url, t=t,
                                                           script_words=script_words,
                                                           **extra))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found (needed for {path})",
                            hint=_not_found_hint(env, str(exc.name))) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{_template_line(exc) or template}: {_in_words(exc.message or '')} (while rendering "
                            f"{path})", hint="check the variable names the template uses (the theme's own "
                                             "templates show them: post.html, _turn.html, _post_list.html)") from None
    except RecursionError as exc:
        loop = " -> ".join(dict.fromkeys(_template_frames(exc))) or template
        raise TemplateError(f"templates extend or include each other without end: {loop} (while rendering {path})",
                            hint='a template that builds on the theme\'s version of itself extends "theme/NAME" '
                                 '(content/templates/base.html: {% extends "theme/base.html" %})') from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError) as exc:
        where = _template_line(exc)
        if where is None:
            raise  # not the template's: our own bug, shown as it is
        raise TemplateError(f"{where}: {_in_words(str(exc))} ({type(exc).__name__}, while rendering {path})",
                            hint="fix the expression at that line of the template") from None


def _not_found_hint(env: jinja2.Environment, name: str) -> str:
    if not name.startswith(THEME_PREFIX):
        return "add it to content/templates/ or restore the theme's templates/"
    theme = sorted(n for n in env.loader.list_templates() if n.startswith(THEME_PREFIX) and "/assets/" not in n
                   and n.count("/") == 1)
    return f"{THEME_PREFIX}NAME is a template of the theme; it has {', '.join(theme)}"


def _template_line(exc: BaseException) -> str | None:
    """``file:line`` of the template line where ``exc`` was raised (Jinja2 rewrites tracebacks so that a template's
    frames carry its file and line), the innermost one; None when no template line is in the traceback."""
    return next(reversed(_template_frames(exc)), None)


def _template_frames(exc: BaseException) -> list[str]:
    """``file:line`` of every template frame in the traceback of ``exc``, outermost first."""
    found, tb, known = [], exc.__traceback__, {}
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename not in known:
            known[filename] = filename.endswith((".html", ".xml", ".txt")) and Path(filename).is_file()
        if known[filename]:
            found.append(f"{filename}:{tb.tb_lineno}")
        tb = tb.tb_next
    return found


_OUR_CLASS = re.compile(r"'site_builder\.[\w.]+\.(\w+) object'")
_AS_AUTHORS_KNOW_THEM = {"Lazy": "the post (or its view)", "PostView": "the post's view", "Post": "the post"}


def _in_words(message: str) -> str:
    """Jinja2's message with our classes named as a theme author knows them (a post's view, not ``Lazy``), wherever
    in the package they live."""
    return _OUR_CLASS.sub(lambda found: _AS_AUTHORS_KNOW_THEM.get(found.group(1), found.group(0)), message)


_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` with every character XML 1.0 forbids (C0 controls but tab and line ends, unpaired surrogates,
    U+FFFE/U+FFFF) shown as U+FFFD: pages, feed and sitemap stay well-formed and encodable as UTF-8."""
    return _NOT_XML_CHAR.sub("\ufffd", text)


def _path_of(url: str) -> str:
    match = re.match(r"^[a-z][a-z0-9+.-]*://[^/]+(/.*)?$", url, re.I)
    return (match.group(1) or "/") if match else url
