"""Posts -> pages: Markdown to HTML for every turn, then Jinja2 templates (autoescaped, strict).

Pages link to each other with relative URLs (``url()`` in templates), so the output works from any
sub-path; the feed and sitemap use the configured absolute ``base_url``.

The modules, each importing only those above it:

- ``urls``: a post's, a page's (its ``permalink:`` checked), a tag's and a companion's site-relative URL;
- ``views``: a post rendered for the templates (``post_view`` -> ``PostView``), its outline and description;
- ``companions``: a companion's page (``companion_view``) and the blocks of posts that quote it;
- ``blocks``: what a checked code block shows around it: status, companion link, reason, diff (``fence_decorator``);
- ``site``: the ``site`` every template sees (``site_data`` -> ``SiteData``), noting what a page read of it;
- ``environment``: the Jinja2 environment (``make_environment``): theme and site templates, filters, compiled cache;
- ``i18n``: the theme's interface words per language (``translate``, ``plural_form``, ``js_words``);
- ``specs``: every page of the site to render, as a ``PageSpec`` (``page_specs``), lists in pages (``paged``);
- ``pages``: a page rendered from its template (``render_page``), template errors in words.

The names other modules use are re-exported here: ``from site_builder.render import post_view``.
"""

from site_builder.render.urls import (MAX_TAG_SLUG, PERMALINK_HINT, companion_url, page_file, page_url, post_url,
                                      tag_slug, tag_slugs)
from site_builder.render.views import (HIGHLIGHT_SECONDS, MAX_LINK_WARNINGS, ExchangeView, Page, PostView, TurnView,
                                       describe, intro_line, post_view)
from site_builder.render.companions import (CompanionLink, CompanionView, QuoteView, companion_links, companion_view,
                                            linked_ranges, quotes_of)
from site_builder.render.blocks import fence_decorator
from site_builder.render.site import LocalSite, SiteData, every_post, site_data
from site_builder.render.environment import THEME_PREFIX, PageEnvironment, ThemeLoader, make_environment, template_key
from site_builder.render.i18n import FALLBACK_LANGUAGE, I18N_FOLDER, js_words, plural_form, translate, words
from site_builder.render.specs import ARCHIVE_FACTOR, PageSpec, Pager, page_specs, paged
from site_builder.render.pages import printable, render_page, render_pages

__all__ = [
    "MAX_TAG_SLUG", "PERMALINK_HINT", "companion_url", "page_file", "page_url", "post_url", "tag_slug", "tag_slugs",
    "HIGHLIGHT_SECONDS", "MAX_LINK_WARNINGS", "ExchangeView", "Page", "PostView", "TurnView", "describe", "intro_line",
    "post_view",
    "CompanionLink", "CompanionView", "QuoteView", "companion_links", "companion_view", "linked_ranges", "quotes_of",
    "fence_decorator",
    "LocalSite", "SiteData", "every_post", "site_data",
    "THEME_PREFIX", "PageEnvironment", "ThemeLoader", "make_environment", "template_key",
    "FALLBACK_LANGUAGE", "I18N_FOLDER", "js_words", "plural_form", "translate", "words",
    "ARCHIVE_FACTOR", "PageSpec", "Pager", "page_specs", "paged",
    "printable", "render_page", "render_pages",
]
