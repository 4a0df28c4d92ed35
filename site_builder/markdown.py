"""One configured MarkdownIt per build: GitHub extensions, fences through Pygments, and raw HTML either kept
through an allowlist (``create_markdown(author_html=True)``: the author's own posts, ``sanitize.py``) or shown as
text (imported posts). Fence attributes (Hugo's ``{hl_lines=[1,"3-4"]}``, kramdown's ``{: .class}`` line after a
fence) are read, never shown.

Per-document state travels in ``env`` (markdown-it's convention), never in globals; ``render_markdown`` fills
the first five, the rules and renderers below the rest:
- ``env["line_offset"]``: source line of the rendered text's first line, so a fence knows its file line;
- ``env["decorate"]``: a ``FenceDecorator``, ``(FenceContext) -> {"attrs", "caption", "after": HTML}``, the
  extra HTML of a code block (status badge, companion link, diff); None means plain blocks;
- ``env["highlight_budget"]``: the CPU seconds the page's code blocks may still spend on highlighting;
- ``env["heading_ids"]``: the heading ids taken on the page so far (shared by the texts of one page);
- ``env["links"]``: the page's ``links.PageLinks``, through which every destination of the text is written
  (``_page_links``; None: as written), and ``env["liquid"]``, the text's Liquid expressions by placeholder;
- ``env["link_problems"]``, ``env["link_lookups"]``: what writing the links found (``Rendered``'s warnings and
  lookups); ``env["raw_html"]``: the author's raw HTML tokens, cleaned together after rendering (``sanitize``);
- ``env["autolink_run"]``, ``env["last_bracket"]``, ``env["table_rows"]`` (and ``mathrules``'
  ``env["math_walked"]``, ``env["math_offsets"]``): what the rules already measured in a paragraph or block.

GFM autolinks (``www.…``, ``https://…``, ``mailto:``/``xmpp:``, bare e-mail addresses) are our own rules
here, not mdit-py-plugins' ``gfm_autolink``: its protocol rule searches all the text gathered so far at
every ``:`` and copies the rest of the paragraph at every ``:``, ``@`` and ``www.``, so 40 kB of ``a:a:…``
took 16 s. These rules recognise the same links (tests/fuzz/test_fuzz_autolink.py compares the two on
generated text) and look at each character a bounded number of times. With the table and bracket guards
below, rendering is linear in the text: 100 kB takes well under a second for prose, about 1.5 s of CPU for
the heaviest block structure (100 kB of one-line list items, markdown-it-py's own block parser).
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import html_block as markdown_it_html_block
from markdown_it.rules_block import table as gfm_table
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import html_inline as markdown_it_html_inline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from site_builder.blockquotes import capped_blockquotes
from site_builder.config import EMBED_HOSTS
from site_builder.highlight import Budget, copy_text, highlight, highlight_within
from site_builder.links import LinkProblem, PageLinks, Target, liquid_placeholders, restore
from site_builder.mathml import MathWarning, math_plugin, math_warnings
from site_builder.sanitize import ALLOWED_TAGS, sanitize
from site_builder.snippets.parse import fence_attributes, highlighted_lines


@dataclass(frozen=True, slots=True)
class FenceContext:
    lang: str
    info: str
    code: str
    line: int
    """Source-file line of the opening fence (0 when unknown)."""


FenceDecorator = Callable[[FenceContext], dict[str, str]]


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
    md.inline.ruler.before("link", "unclosed_bracket", _unclosed_bracket)
    md.block.ruler.at("table", _table_within_budget, {"alt": ["paragraph", "reference"]})  # as markdown-it's
    md.add_render_rule("fence", _render_fence)
    md.core.ruler.after("block", "author_note_titles", _author_note_titles)
    md.core.ruler.push("page_links", _page_links)
    md.core.ruler.push("heading_anchors", _heading_anchors)
    md.add_render_rule("code_block", _render_code_block)
    md.core.ruler.after("block", "fence_ial", _fence_ial_lines)
    if author_html:
        md.block.ruler.at("html_block", _allowed_html_block, {"alt": ["paragraph", "reference", "blockquote"]})
        md.inline.ruler.at("html_inline", _allowed_html_inline)
        md.add_render_rule("html_block", _render_raw_html)
        md.add_render_rule("html_inline", _render_raw_html)
        md.options["embed_hosts"] = tuple(embed_hosts)
    return capped_blockquotes(md)


# --- the author's raw HTML (sanitize.py) ------------------------------------------------------------------

_LEADING_TAG = re.compile(r"<(?:(!--)|/?([A-Za-z][A-Za-z0-9-]*))")
_RAW = "\x00"
"""Stands for a raw HTML token in the rendered text until ``_cleaned`` puts it back cleaned (markdown-it reads
a NUL of the source as U+FFFD, so none is left in what it renders)."""


def _allowed_tag(src: str, pos: int) -> bool:
    """A comment (removed), or a tag the author may write (``sanitize.ALLOWED_TAGS``); other raw HTML (``<div>``,
    ``<script>``, ``<!DOCTYPE``, ``<?php``) is not HTML here: it is read as text, as in an imported post."""
    match = _LEADING_TAG.match(src, pos)
    return match is not None and (match[1] is not None or match[2].lower() in ALLOWED_TAGS)


def _allowed_html_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    return _allowed_tag(state.src, state.bMarks[start] + state.tShift[start]) and \
        markdown_it_html_block(state, start, end, silent)


def _allowed_html_inline(state: StateInline, silent: bool) -> bool:
    return _allowed_tag(state.src, state.pos) and markdown_it_html_inline(state, silent)


def _render_raw_html(self: Any, tokens: list, idx: int, options: dict, env: dict) -> str:
    token = tokens[idx]
    line = env.get("line_offset", 1) + token.map[0] if token.map else (token.meta or {}).get("line", 0)
    env.setdefault("raw_html", []).append((token.type, token.content, line))
    return _RAW


def _cleaned(html: str, env: dict, embed_hosts: tuple[str, ...]) -> str:
    """The rendered text with its raw HTML cleaned (``sanitize``; its URLs written through ``env["links"]``),
    or, where the cleaner refuses it, shown as text."""
    raw = env.get("raw_html", [])
    ours = html.split(_RAW)
    if not raw or len(ours) != len(raw) + 1:
        return html.replace(_RAW, "")
    pieces = [piece for pair in zip(ours, (content for _, content, _ in raw)) for piece in pair] + [ours[-1]]
    links, resolved = env.get("links"), []

    def url(value: str) -> str:
        resolved.append((value, links.resolve(value, env.get("liquid"))))
        return resolved[-1][1].href

    kept = sanitize(pieces, embed_hosts, url if links is not None else None)
    if kept is not None:
        for (_, result), line in zip(resolved, _raw_lines(raw, resolved)):
            _note_link(env, result, line)
        return kept
    texts = [f"<p>{escapeHtml(content)}</p>\n" if kind == "html_block" else escapeHtml(content)
             for kind, content, _ in raw]
    return "".join(piece for pair in zip(ours, texts) for piece in pair) + ours[-1]


def _raw_lines(raw: list[tuple[str, str, int]], resolved: list[tuple[str, Any]]) -> list[int]:
    """The source line of each URL of the raw HTML written (``(value, result)``, in the order of the text), as
    far as a problem needs it (else the line last found). Each search starts where the last one ended and looks
    a few pieces ahead at most: 10,000 links cost one walk through the text, not one each."""
    lines, piece, offset, line = [], 0, 0, raw[0][2]
    for value, result in resolved:
        for index in range(piece, min(piece + 8, len(raw)) if result.problem else piece):
            start = offset if index == piece else 0
            at = raw[index][1].find(value, start)
            if at >= 0:
                line = (line if index == piece else raw[index][2]) + raw[index][1].count("\n", start, at)
                piece, offset = index, at
                break
        lines.append(line)
    return lines


# --- links (links.py) -----------------------------------------------------------------------------------------


def _page_links(state: Any) -> None:
    """Every destination of the text written through the page's ``PageLinks`` (``env["links"]``): links and
    images; the raw HTML's ``href``/``src`` are written as it is cleaned (``_cleaned``). The text's Liquid
    expressions, read as placeholders so far, are evaluated in destinations and put back as written
    everywhere else (raw HTML: once cleaned). Each raw inline HTML token is given its source line."""
    links: PageLinks | None = state.env.get("links")
    if links is None:
        return
    liquid = state.env.get("liquid") or {}
    offset, line = state.env.get("line_offset", 1), state.env.get("line_offset", 1)
    for token in state.tokens:
        if token.map:
            line = offset + token.map[0]
        if liquid and token.type != "html_block":
            _restore_token(token, liquid)
        at = line
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):
                at += 1
            elif child.type in ("link_open", "image"):
                name = "href" if child.type == "link_open" else "src"
                result = links.resolve(str(child.attrs.get(name, "")), liquid)
                child.attrSet(name, result.href)
                _note_link(state.env, result, at)
            elif child.type == "html_inline":
                child.meta = {**(child.meta or {}), "line": at}
                at += child.content.count("\n")
                continue
            if liquid:
                _restore_token(child, liquid)


def _restore_token(token: Token, liquid: dict[str, str]) -> None:
    """The token's text, info string, attributes (its destination has been written already) and children with
    their Liquid as written."""
    token.content = restore(token.content, liquid)
    token.info = restore(token.info, liquid)
    if token.attrs:
        for name, value in token.attrs.items():
            if isinstance(value, str):
                token.attrs[name] = restore(value, liquid)
    if token.type == "image":
        for child in token.children or ():
            _restore_token(child, liquid)


def _note_link(env: dict, result: Any, line: int) -> None:
    """Keep what writing one destination looked up, and its problem (once per destination written)."""
    lookups: dict[str, Target | None] = env.setdefault("link_lookups", {})
    for key, target in result.lookups:
        lookups.setdefault(key, target)
    if result.problem:
        env.setdefault("link_problems", []).append(LinkProblem(line, result.problem))


# --- fence attributes ---------------------------------------------------------------------------------------

_IAL = re.compile(r"\{:[^{}\n]*\}")
_IAL_LANGUAGE = re.compile(r"(?:^|\s)\.language-([\w+#.-]+)")


def _fence_ial_lines(state: Any) -> None:
    """A kramdown attribute line (``{: .language-python}``, ``{: .class #id}``) after a fence is read, not shown:
    a ``.language-X`` names the language a bare fence is highlighted in (the block is still not checked: the
    snippet checks read the fence's own info string); the rest is ignored."""
    tokens, kept, index = state.tokens, [], 0
    while index < len(tokens):
        token = tokens[index]
        if (token.type == "paragraph_open" and kept and kept[-1].type == "fence" and index + 2 < len(tokens)
                and tokens[index + 1].type == "inline" and _IAL.fullmatch(tokens[index + 1].content.strip())):
            language = _IAL_LANGUAGE.search(tokens[index + 1].content.strip()[2:-1])
            if language and not kept[-1].info.strip():
                kept[-1].meta = {**(kept[-1].meta or {}), "ial_language": language[1].lower()}
            index += 3
            continue
        kept.append(token)
        index += 1
    state.tokens = kept


_SLUG_DROP = re.compile(r"[^\w\- ]+")
_RESERVED_ID = re.compile(r"^(?:turn|exchange|variant|tab)-\d|^L\d|^main$")
"""Ids the page itself uses (turns, tabs, line anchors, the skip link's target)."""


def _heading_anchors(state: Any) -> None:
    """``## A heading`` gets ``id="a-heading"`` and a ``#`` link to itself: unique among the texts of one page
    (``env["heading_ids"]``); an id the page uses itself (``turn-3``) gets a ``-section`` suffix."""
    taken: set[str] = state.env.setdefault("heading_ids", set())
    tried: dict[str, int] = state.env.setdefault("heading_suffixes", {})  # base -> last suffix tried
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag == "h1" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        text = "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))
        base = "-".join(_SLUG_DROP.sub("", text).lower().split()) or "section"
        base = base + "-section" if _RESERVED_ID.match(base) else base
        slug, n = base, tried.get(base, 1)  # not from 1 again: 6,000 empty headings were 18 million tries
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        tried[base] = n
        taken.add(slug)
        token.attrSet("id", slug)
        inline.children = [*(inline.children or []), *_anchor_link(slug)]


def _anchor_link(slug: str) -> list[Token]:
    return [Token("text", "", 0, content=" "),
            Token("link_open", "a", 1, attrs={"class": "heading-anchor", "href": f"#{slug}",
                                               "aria-label": "Link to this section"}),
            Token("text", "", 0, content="#"), Token("link_close", "a", -1)]


_ALERT_TITLES = {"NOTE": "Author's note", "TIP": "Author's tip", "IMPORTANT": "Author's note · Important",
                 "WARNING": "Author's warning", "CAUTION": "Author's caution"}


def _author_note_titles(state: Any) -> None:
    """GitHub alerts are the author's annotations: title them so (``Author's note``, not ``Note``)."""
    for index, token in enumerate(state.tokens):
        if token.type == "alert_open" and index + 2 < len(state.tokens):
            title = state.tokens[index + 2]
            if title.type == "inline":
                title.content = _ALERT_TITLES.get(token.info.upper(), title.content)


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
        html = _cleaned(html, env, md.options.get("embed_hosts", ()))
    if env.get("liquid"):  # what is left of them is in the author's raw HTML, shown as written
        html = restore(html, {mark: escapeHtml(expression) for mark, expression in env["liquid"].items()})
    warnings = sorted([*math_warnings(tokens, line_offset), *env.get("link_problems", ())], key=lambda w: w.line)
    return Rendered(html, tuple(warnings), tuple(env.get("link_lookups", {}).items()))


def _render_fence(self: Any, tokens: list, idx: int, options: dict, env: dict) -> str:
    token = tokens[idx]
    info = token.info.strip()
    words, attributes = fence_attributes(info)
    lang = words.split(maxsplit=1)[0].lower() if words.strip() else (token.meta or {}).get("ial_language", "")
    hl_lines = highlighted_lines(attributes, token.content.count("\n")) if attributes else ()
    line = env.get("line_offset", 1) + token.map[0] if token.map else 0
    context = FenceContext(lang, info, token.content, line)
    extra = env["decorate"](context) if env.get("decorate") else {}
    label = escapeHtml(lang or "text")
    return (
        f'<figure class="code" dir="ltr" data-lang="{label}" data-line="{line}"{extra.get("attrs", "")}>'
        f'<figcaption><span class="code-lang">{label}</span>{extra.get("caption", "")}'
        f'<button type="button" class="copy" data-copy="{escapeHtml(copy_text(token.content, lang))}"'
        f' aria-label="Copy code" hidden>Copy</button></figcaption>'
        f'<div class="highlight"><pre tabindex="0"><code>{_highlighted(token.content, lang, env, hl_lines)}'
        f'</code></pre></div>'
        f'{extra.get("after", "")}</figure>\n'
    )


def _render_code_block(self: Any, tokens: list, idx: int, options: dict, env: dict) -> str:
    """An indented code block, left to right even in a right-to-left post."""
    return f'<pre dir="ltr"><code>{escapeHtml(tokens[idx].content)}</code></pre>\n'


def _highlighted(code: str, lang: str, env: dict, hl_lines: tuple[int, ...] = ()) -> str:
    budget = env.get("highlight_budget")
    return highlight(code, lang, hl_lines) if budget is None else highlight_within(code, lang, budget, hl_lines)


def _unclosed_bracket(state: StateInline, silent: bool) -> bool:
    """A ``[`` (or the ``!`` of ``![``) with no ``]`` after it is text: no link, image or footnote can start
    there. Saying so at once spares markdown-it a label scan per bracket (100 kB of ``![`` took 3 s)."""
    src, pos = state.src, state.pos
    if not (src[pos] == "[" or (src[pos] == "!" and src.startswith("[", pos + 1))):
        return False
    memo = state.env.get("last_bracket")
    if memo is None or memo[0] is not src:
        memo = state.env["last_bracket"] = (src, src.rfind("]"))
    if memo[1] > pos:
        return False
    if not silent:
        state.pending += src[pos]
    state.pos += 1
    return True


def _table_within_budget(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A table may not hold many more cells than its text has characters: markdown-it fills every short
    row up to the header's width, so a row ``x`` under 250 columns is 250 cells — 46 kB of such tables asked
    for 2 million cells (25 s, 2 GB). Over budget (half a cell per character), the lines stay a paragraph."""
    if not gfm_table(state, start, end, True):
        return False
    rows_end = _table_rows_end(state, start + 2, end)
    delimiter = state.src[state.bMarks[start + 1] + state.tShift[start + 1]:state.eMarks[start + 1]].strip()
    columns = delimiter.strip("|").count("|") + 1
    cells = columns * (rows_end - start - 1)
    size = state.eMarks[rows_end - 1] - state.bMarks[start]
    if cells > size // 2 + 8:
        return False
    return silent or gfm_table(state, start, end, False)


def _table_rows_end(state: StateBlock, first: int, end: int) -> int:
    """The first blank line at or after ``first`` (or ``end``): where the table's rows stop at the latest.
    Measured once per run of lines (``env`` keeps the last), not once per line that may start a table."""
    context = (end, state.blkIndent, state.parentType)
    memo = state.env.get("table_rows")
    if memo is not None and memo[0] is state.src and memo[1] == context and memo[2] <= first < memo[3]:
        return memo[3]
    line = first
    while line < end and not state.isEmpty(line):
        line += 1
    state.env["table_rows"] = (state.src, context, first, line)
    return line


# --- GFM autolinks (https://github.github.com/gfm/#autolinks-extension-) ---------------------------------

_MAY_PRECEDE = frozenset(" \t\r\n*_~(")
"""An autolink starts at the start of the text or after one of these."""
_ENDS_URL = frozenset(" \t\r\n\x00\x0b\x0c<")
_TRAILING = frozenset("?!.,:*_~'\"[]")
"""Punctuation at the end of a URL that belongs to the sentence, not the link."""
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
_LOCAL_PART = _ASCII_ALNUM | frozenset(".+-_")
_SCHEMES = ("https", "http", "mailto", "xmpp")


def autolink_plugin(md: MarkdownIt) -> None:
    """Link ``www.x.org``, ``http(s)://x``, ``mailto:a@x.org``, ``xmpp:a@x.org/res`` and ``a@x.org`` in text."""
    md.inline.add_terminator_char("w")  # so that the text rule stops where ``www.`` may start
    md.inline.ruler.push("autolink_www", _www_rule)
    md.inline.ruler.push("autolink_scheme", _scheme_rule)
    md.inline.ruler.push("autolink_email", _email_rule)


@dataclass(frozen=True, slots=True)
class _Run:
    """A stretch of domain characters (``src[start:end]``), measured once for every domain starting in it."""
    src: str
    limit: int
    start: int
    end: int
    periods: tuple[int, ...]
    """Positions of the ``.`` in the stretch."""
    underscores_last: int
    """``_`` after the last period: a host name has none in its last two labels."""
    underscores_before_last: int
    """``_`` between the last two periods."""


def _www_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if silent or state.linkLevel > 0 or pos + 4 > state.posMax or not src.startswith("www.", pos):
        return False
    before = state.pending[-1] if state.pending else (src[pos - 1] if pos else " ")
    if before not in _MAY_PRECEDE:
        return False
    length = _domain_length(state, pos + 4, allow_short=False)
    if length is None:
        return False
    end = _url_end(src, pos, pos + 4 + length, state.posMax)
    return _emit(state, pos, end, "http://" + src[pos:end])


def _scheme_rule(state: StateInline, silent: bool) -> bool:
    """``http(s)://…``, ``mailto:…``, ``xmpp:…``: triggered by the colon, the scheme is the end of the text
    gathered so far (``state.pending``), of which only the last few characters are looked at."""
    src, pos = state.src, state.pos
    if silent or state.linkLevel > 0 or src[pos] != ":" or state.posMax - pos < 4:
        return False
    scheme = next((name for name in _SCHEMES if state.pending.endswith(name)), None)
    if scheme is None:
        return False
    start = pos - len(scheme)
    if start > 0 and src[start - 1] not in _MAY_PRECEDE:
        return False
    if scheme in ("mailto", "xmpp"):
        end = _address_end(src, pos + 1, state.posMax, xmpp=scheme == "xmpp")
        return end is not None and _emit(state, start, end, src[start:end])
    if not src.startswith("//", pos + 1):
        return False
    length = _domain_length(state, pos + 3, allow_short=True)
    if length is None:
        return False
    end = _url_end(src, start, pos + 3 + length, state.posMax)
    return _emit(state, start, end, src[start:end])


def _email_rule(state: StateInline, silent: bool) -> bool:
    """A bare ``local@domain.tld``: triggered by the ``@``; the local part is the end of the pending text."""
    src, pos, limit = state.src, state.pos, state.posMax
    if silent or state.linkLevel > 0 or src[pos] != "@" or pos + 1 >= limit:
        return False
    local = 0
    while local < len(state.pending) and state.pending[-1 - local] in _LOCAL_PART:
        local += 1
    start = pos - local
    if not local or (start > 0 and src[start - 1] not in _MAY_PRECEDE):
        return False
    end, periods = pos + 1, 0
    while end < limit:
        ch = src[end]
        if ch == "@":
            return False
        if ch == "." and end + 1 < limit and src[end + 1] in _ASCII_ALNUM:
            periods += 1
        elif ch not in _ASCII_ALNUM and ch not in "-_":
            break
        end += 1
    if end == pos + 1 or not periods or src[end - 1] not in _ASCII_ALNUM:
        return False
    return _emit(state, start, end, "mailto:" + src[start:end])


def _address_end(src: str, start: int, limit: int, xmpp: bool) -> int | None:
    """End of ``local@domain`` at ``start`` (after ``mailto:``/``xmpp:``; xmpp adds one ``/resource``)."""
    at = start
    while at < limit and src[at] in _LOCAL_PART:
        at += 1
    if at == start or at >= limit or src[at] != "@":
        return None
    end, periods, slashes = at + 1, 0, 0
    while end < limit:
        ch = src[end]
        if ch == "@" and not xmpp:
            return None
        if ch == "." and end + 1 < limit and src[end + 1] in _ASCII_ALNUM:
            periods += 1
        elif ch == "/" and xmpp and not slashes:
            slashes += 1
        elif ch not in _ASCII_ALNUM and ch not in "-_@":
            break
        end += 1
    if not periods or not src[end - 1].isascii() or not src[end - 1].isalpha():
        return None
    return end


def _domain_length(state: StateInline, start: int, allow_short: bool) -> int | None:
    """Length of the domain at ``start``, or None when there is none (cmark-gfm's rules: no ``_`` in the
    last two labels unless the name has more than ten; ``www.`` needs a period after it)."""
    run = _run_at(state, start)
    if start == run.end == run.limit:
        return None
    first = bisect_left(run.periods, start)
    periods = len(run.periods) - first
    if periods >= 2:
        underscores = run.underscores_last + run.underscores_before_last
    elif periods == 1:
        underscores = run.underscores_last + state.src.count("_", start, run.periods[-1])
    else:
        underscores = state.src.count("_", start, run.end)
    if not (allow_short or periods):
        return None
    if run.end == run.limit:  # the domain runs to the end of the text
        return None if underscores and periods <= 10 else run.end - start
    return None if underscores else run.end - start


def _run_at(state: StateInline, start: int) -> _Run:
    """The stretch of domain characters holding ``start``, measured once per stretch (``env`` keeps the
    last one): every ``_www.`` inside ``_www._www._www.…`` shares it, so none is scanned twice."""
    src, limit = state.src, state.posMax
    run = state.env.get("autolink_run")
    if run is not None and run.src is src and run.limit == limit and run.start <= start < run.end:
        return run
    end, periods = start, []
    while end < limit and _in_domain(src[end]):
        if src[end] == ".":
            periods.append(end)
        end += 1
    last = periods[-1] if periods else start - 1
    before_last = periods[-2] if len(periods) > 1 else start - 1
    run = _Run(src, limit, start, end, tuple(periods), src.count("_", last + 1, end),
               src.count("_", before_last + 1, last) if periods else 0)
    state.env["autolink_run"] = run
    return run


def _in_domain(ch: str) -> bool:
    """Letters, digits, symbols and ``-._``: anything but space and other punctuation."""
    return ch in "-._" or not (ch.isspace() or unicodedata.category(ch).startswith("P"))


def _url_end(src: str, start: int, domain_end: int, limit: int) -> int:
    """Where the link that starts at ``start`` ends: at the first space or ``<`` (which may sit inside the
    domain), less the sentence's punctuation after it."""
    end = src.find("<", start, domain_end)
    if end < 0:
        end = domain_end
        while end < limit and src[end] not in _ENDS_URL:
            end += 1
    return _trim_trailing(src, start, end)


def _trim_trailing(src: str, start: int, end: int) -> int:
    """Drop trailing ``?!.,:*_~'"[]``, an ``&entity;`` and every ``)`` without its ``(`` (counted once)."""
    opening = closing = -1
    while end > start:
        ch = src[end - 1]
        if ch in _TRAILING:
            end -= 1
        elif ch == ";":
            name = end - 2
            while name > start and src[name].isalpha():
                name -= 1
            end = name if name < end - 2 and src[name] == "&" else end - 1
        elif ch == ")":
            if opening < 0:
                opening, closing = src.count("(", start, end), src.count(")", start, end)
            if closing <= opening:
                break
            closing -= 1
            end -= 1
        else:
            break
    return end


def _emit(state: StateInline, start: int, end: int, href: str) -> bool:
    """Push a link over ``src[start:end]``; what of it is already in ``state.pending`` is taken back."""
    url = state.md.normalizeLink(href)
    if not state.md.validateLink(url):
        return False
    taken_back = state.pos - start
    if taken_back:
        state.pending = state.pending[:-taken_back]
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": url}
    token.markup, token.info = "autolink", "auto"
    token = state.push("text", "", 0)
    token.content = state.md.normalizeLinkText(state.src[start:end])
    token = state.push("link_close", "a", -1)
    token.markup, token.info = "autolink", "auto"
    state.pos = end
    return True


_FOLD = re.compile(r"\[!(?P<kind>REASONING|TOOL|IMPORTED)\][ \t]*(?P<title>[^\n]*)(?:\n|$)")
"""The first line of a quote that becomes a block of its own: the model's reasoning or a tool call (an agent's
session), folded; or what an importer says of a turn."""
IMPORT_NOTE_TITLE = "Note from the import"


def reasoning_plugin(md: MarkdownIt) -> None:
    """A quote that starts with ``[!REASONING]`` (optionally followed by a title on that line) is the model's
    reasoning: shown collapsed, as ``<details class="reasoning">`` titled "Reasoning", its Markdown intact.
    ``[!TOOL] one-line summary`` is a tool call of a coding agent (the command, the diff, the output), shown
    collapsed the same way as ``<details class="tool">`` titled with its summary line. ``[!IMPORTED]`` is what an
    importer says of a turn (an edited question, an interrupted answer): shown open, titled "Note from the
    import". Unlike ``[!NOTE]`` alerts none is an annotation of the author's; elsewhere they read as plain
    quotes. The title is plain text."""
    md.core.ruler.after("block", "reasoning", _reasoning_blocks)
    md.add_render_rule("reasoning_open", _fold_open)
    md.add_render_rule("reasoning_close", lambda self, tokens, idx, options, env: "</details>\n")
    md.add_render_rule("imported_open", lambda self, tokens, idx, options, env: (
        f'<aside class="markdown-alert markdown-alert-imported" role="note"><p class="markdown-alert-title">'
        f'{IMPORT_NOTE_TITLE}</p>\n'))
    md.add_render_rule("imported_close", lambda self, tokens, idx, options, env: "</aside>\n")


def _fold_open(self: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
    title, kind = tokens[idx].meta["title"], tokens[idx].meta["kind"]
    if kind == "TOOL":
        return f'<details class="tool"><summary>{escapeHtml(title or "Tool call")}</summary>\n'
    return ('<details class="reasoning"><summary>Reasoning'
            + (f" · {escapeHtml(title)}" if title else "") + "</summary>\n")


def _reasoning_blocks(state: Any) -> None:
    tokens, kept, skipped = state.tokens, [], set()
    blocks: list[str] = []
    """For each quote open at this point: the kind of block it became (``reasoning``, ``imported``), or ""."""
    for index, token in enumerate(tokens):
        if index in skipped:
            continue
        if token.type == "blockquote_open":
            marker = _FOLD.match(tokens[index + 2].content) \
                if index + 3 < len(tokens) and tokens[index + 1].type == "paragraph_open" else None
            kind = ("imported" if marker["kind"] == "IMPORTED" else "reasoning") if marker else ""
            blocks.append(kind)
            if marker:
                token.type, token.tag = f"{kind}_open", "aside" if kind == "imported" else "details"
                token.meta = {"title": marker["title"].strip(), "kind": marker["kind"]}
                tokens[index + 2].content = tokens[index + 2].content[marker.end():]
                if not tokens[index + 2].content.strip():
                    skipped |= {index + 1, index + 2, index + 3}  # the marker's paragraph held nothing else
        elif token.type == "blockquote_close" and blocks and (kind := blocks.pop()):
            token.type, token.tag = f"{kind}_close", "aside" if kind == "imported" else "details"
        kept.append(token)
    state.tokens = kept
