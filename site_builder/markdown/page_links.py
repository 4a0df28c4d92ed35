"""Every destination of a text written through the page's ``links.PageLinks`` (``env["links"]``): links and
images as a core rule (``page_links``), the raw HTML's ``href``/``src`` as it is cleaned (``html.cleaned``);
what writing them looked up and found wrong is kept in ``env["link_lookups"]`` and ``env["link_problems"]``
(``note_link``)."""

from __future__ import annotations

from typing import Any

from markdown_it.token import Token

from site_builder.links import LinkProblem, PageLinks, Target, restore


def page_links(state: Any) -> None:
    """Every destination of the text written through the page's ``PageLinks`` (``env["links"]``): links and
    images; the raw HTML's ``href``/``src`` are written as it is cleaned (``html.cleaned``). The text's Liquid
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
                note_link(state.env, result, at)
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


def note_link(env: dict, result: Any, line: int) -> None:
    """Keep what writing one destination looked up, and its problem (once per destination written)."""
    lookups: dict[str, Target | None] = env.setdefault("link_lookups", {})
    for key, target in result.lookups:
        lookups.setdefault(key, target)
    if result.problem:
        env.setdefault("link_problems", []).append(LinkProblem(line, result.problem))

