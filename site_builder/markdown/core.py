"""One configured MarkdownIt per build (``create_markdown``) and the rendering of one text with it
(``render_markdown``): GitHub extensions, fences through Pygments (``fences``), and raw HTML either kept
through an allowlist (``create_markdown(author_html=True)``: the author's own posts, ``html``, ``sanitize.py``)
or shown as text (imported posts). The rules themselves live in the modules beside this one.

Per-document state travels in ``env`` (markdown-it's convention), never in globals; ``render_markdown`` fills
the first five, the rules and renderers of the package the rest:
- ``env["line_offset"]``: source line of the rendered text's first line, so a fence knows its file line;
- ``env["decorate"]``: a ``FenceDecorator``, ``(FenceContext) -> {"attrs", "caption", "after": HTML}``, the
  extra HTML of a code block (status badge, companion link, diff); None means plain blocks;
- ``env["highlight_budget"]``: the CPU seconds the page's code blocks may still spend on highlighting;
- ``env["heading_ids"]``: the heading ids taken on the page so far (shared by the texts of one page);
- ``env["links"]``: the page's ``links.PageLinks``, through which every destination of the text is written
  (``page_links``; None: as written), and ``env["liquid"]``, the text's Liquid expressions by placeholder;
- ``env["link_problems"]``, ``env["link_lookups"]``: what writing the links found (``Rendered``'s warnings and
  lookups); ``env["raw_html"]``: the author's raw HTML tokens, cleaned together after rendering (``sanitize``);
- ``env["autolink_run"]``, ``env["last_bracket"]``, ``env["table_rows"]``, ``env["blockquote_memo"]`` (and
  ``mathrules``' ``env["math_walked"]``, ``env["math_offsets"]``): what the rules already measured in a
  paragraph or block.

With our own autolinks (``autolinks``), blockquotes (``blockquotes``), math delimiters (``mathrules``) and the
table and bracket guards (``tables``, ``brackets``), rendering is linear in the text: 100 kB takes well under
a second for prose, about 1.5 s of CPU for the heaviest block structure (100 kB of one-line list items,
markdown-it-py's own block parser). ``docs/upstream/`` writes up the markdown-it rules we replaced for that.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.footnote import footnote_plugin

from site_builder.config import EMBED_HOSTS
from site_builder.highlight import Budget
from site_builder.links import LinkProblem, PageLinks, Target, liquid_placeholders, restore
from site_builder.markdown.autolinks import autolink_plugin
from site_builder.markdown.blockquotes import capped_blockquotes
from site_builder.markdown.brackets import unclosed_bracket
from site_builder.markdown.fences import FenceDecorator, fence_ial_lines, render_code_block, render_fence
from site_builder.markdown.headings import heading_anchors
from site_builder.markdown.html import (allowed_html_block, allowed_html_inline, cleaned,
                                        render_raw_html)
from site_builder.markdown.mathml import MathWarning, math_plugin, math_warnings
from site_builder.markdown.page_links import page_links
from site_builder.markdown.reasoning import author_note_titles, reasoning_plugin
from site_builder.markdown.tables import table_within_budget


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    warnings: tuple[MathWarning | LinkProblem, ...] = ()
    """What rendered but not as written (a formula shown as its source, a link to no post), at source lines."""
    lookups: tuple[tuple[str, Target | None], ...] = ()
    """The sources its links named, each with what it led to (``links.Resolved.lookups``), once each."""


def create_markdown(author_html: bool = False, embed_hosts: tuple[str, ...] = EMBED_HOSTS) -> MarkdownIt:
    """The site's Markdown dialect: CommonMark + GFM (tables, strikethrough, autolinks, task lists, alerts,
    footnotes), math, and ``> [!REASONING]`` / ``> [!TOOL]`` folds (``reasoning_plugin``). What mdit-py-plugins' ``gfm_plugin``
    sets up, with our autolinks. Raw HTML is shown as text, unless ``author_html`` (a post of the author's own,
    not an imported one): then a tag on ``sanitize.ALLOWED_TAGS`` is HTML, cleaned by ``sanitize``, with
    ``<iframe>`` pages from ``embed_hosts`` only; any other tag is still text."""
    md = MarkdownIt("commonmark", {"html": author_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.options.update({"tasklists": True, "tasklists_editable": False, "alerts": True,
                       "strikethrough_single_tilde": True})
    md.use(autolink_plugin).use(footnote_plugin, inline=False).use(math_plugin).use(reasoning_plugin)
    md.inline.ruler.before("link", "unclosed_bracket", unclosed_bracket)
    md.block.ruler.at("table", table_within_budget, {"alt": ["paragraph", "reference"]})  # as markdown-it's
    md.add_render_rule("fence", render_fence)
    md.core.ruler.after("block", "author_note_titles", author_note_titles)
    md.core.ruler.push("page_links", page_links)
    md.core.ruler.push("heading_anchors", heading_anchors)
    md.add_render_rule("code_block", render_code_block)
    md.core.ruler.after("block", "fence_ial", fence_ial_lines)
    if author_html:
        md.block.ruler.at("html_block", allowed_html_block, {"alt": ["paragraph", "reference", "blockquote"]})
        md.inline.ruler.at("html_inline", allowed_html_inline)
        md.add_render_rule("html_block", render_raw_html)
        md.add_render_rule("html_inline", render_raw_html)
        md.options["embed_hosts"] = tuple(embed_hosts)
    return capped_blockquotes(md)


def render(md: MarkdownIt, text: str, line_offset: int = 1, decorate: FenceDecorator | None = None) -> str:
    """Render ``text`` whose first line is source line ``line_offset``."""
    return render_markdown(md, text, line_offset, decorate).html


def render_markdown(md: MarkdownIt, text: str, line_offset: int = 1, decorate: FenceDecorator | None = None,
                    heading_ids: set[str] | None = None, budget: Budget | None = None,
                    links: PageLinks | None = None) -> Rendered:
    """``render``, with the warnings: formulas that could not be rendered, links to no post. Texts rendered into
    one page share ``heading_ids`` (the heading ids taken so far), so their headings get distinct anchors, and
    ``budget``, the CPU time their code blocks may spend on highlighting (without it each is highlighted
    whatever it costs). ``links``: how the page writes its destinations (``links.py``), Liquid's included;
    without it they are written as they are."""
    env: dict[str, Any] = {"line_offset": line_offset, "decorate": decorate, "highlight_budget": budget,
                           "heading_ids": set() if heading_ids is None else heading_ids, "links": links}
    if links is not None and ("{{" in text or "{%" in text):
        text, env["liquid"] = liquid_placeholders(text, secrets.token_hex(6))
    tokens = md.parse(text, env)
    html = md.renderer.render(tokens, md.options, env)
    if md.options.get("html"):
        html = cleaned(html, env, md.options.get("embed_hosts", ()))
    if env.get("liquid"):  # what is left of them is in the author's raw HTML, shown as written
        html = restore(html, {mark: escapeHtml(expression) for mark, expression in env["liquid"].items()})
    warnings = sorted([*math_warnings(tokens, line_offset), *env.get("link_problems", ())], key=lambda w: w.line)
    return Rendered(html, tuple(warnings), tuple(env.get("link_lookups", {}).items()))


