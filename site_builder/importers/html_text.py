"""HTML from an export (Gemini's answers in Google Takeout) -> Markdown text, with the stdlib ``html.parser``.

No markup of the export reaches the post: the HTML is read into a small tree of elements (``parse``) and each
element is written as the Markdown that shows the same thing (``markdown``): paragraphs, headings, emphasis,
lists (nested), code blocks (with their language) and code spans, links (http(s) only, ``text.link``),
quotes, tables, images as their description. Text is escaped so that it shows as text; what cannot be shown
(``script``, ``style``, frames, forms, SVG) is left out with everything inside it. ``Tree`` is also used
whole-page by the Takeout ``MyActivity.html`` reader, which is fed in chunks and hands each activity cell over
as it closes, so a large page is never held whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable

from site_builder.importers.text import code_block, code_span, link
from site_builder.sanitize import VOID_ELEMENTS

MAX_DEPTH = 100
"""Elements nested deeper than this are read as part of their ancestor (no recursion without end)."""
_HIDDEN = frozenset("script style template iframe frame frameset object embed noscript svg math canvas "
                    "button input select textarea form head title audio video".split())
_BLOCKS = frozenset("p div section article aside header footer main nav figure figcaption details summary "
                    "address h1 h2 h3 h4 h5 h6 ul ol li pre blockquote table thead tbody tfoot tr td th hr dl dt dd"
                    .split())
_CLOSES_P = _BLOCKS - {"li", "td", "th", "tr", "thead", "tbody", "tfoot", "dt", "dd", "figcaption", "summary"}
_ESCAPE = re.compile(r"([\\`*_<>|~&$])")
_BRACKET = re.compile(r"[\[\]]")
_LINE_START = re.compile(r"^(\s*)(?:(?P<mark>#|>|[-+*](?=\s|$)|=+\s*$|-+\s*$)|(?P<number>\d{1,9})(?P<dot>[.)])(?=\s|$))")
_LANG = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")


@dataclass(slots=True)
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["Element | str"] = field(default_factory=list)

    def text(self) -> str:
        """All the text inside, as it stands (entities decoded), hidden elements left out."""
        if self.tag in _HIDDEN:
            return ""
        return "".join(c if isinstance(c, str) else ("\n" if c.tag == "br" else c.text()) for c in self.children)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class Tree(HTMLParser):
    """A forgiving tree builder: unclosed elements are closed by their parent's end, a stray end tag is ignored,
    a block closes an open ``p`` (as browsers do). ``on_close(element)`` is called as each element closes; when it
    returns True the element is taken out of the tree (the page reader keeps only what it has not handled)."""

    def __init__(self, on_close: Callable[[Element], bool] | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self.stack: list[Element] = [self.root]
        self.on_close = on_close

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_P and self.stack[-1].tag == "p":
            self._close(len(self.stack) - 1)
        if tag == "li":
            self._close_open("li", stop=("ul", "ol"))
        if tag in ("td", "th"):
            self._close_open("td", "th", stop=("tr", "table"))
        if tag == "tr":
            self._close_open("tr", stop=("table",))
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID_ELEMENTS and len(self.stack) < MAX_DEPTH:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                self._close(index)
                return

    def handle_data(self, data: str) -> None:
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)

    def _close_open(self, *tags: str, stop: tuple[str, ...]) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag in stop:
                return
            if self.stack[index].tag in tags:
                self._close(index)
                return

    def _close(self, index: int) -> None:
        """Close the element at ``index`` of the stack and every element opened inside it."""
        while len(self.stack) > index:
            element = self.stack.pop()
            if self.on_close and self.on_close(element):
                self.stack[-1].children.remove(element)

    def finish(self) -> Element:
        self.close()
        self._close(1)
        return self.root


def parse(html: str) -> Element:
    """The tree of ``html`` (a fragment or a page)."""
    tree = Tree()
    tree.feed(html)
    return tree.finish()


def markdown(html: str) -> str:
    """``html`` as Markdown text that shows what the page showed; no markup of it passes through."""
    return blocks(parse(html).children)


def blocks(children: list["Element | str"]) -> str:
    """Children of an element as Markdown blocks: runs of inline content become paragraphs."""
    out: list[str] = []
    run: list[Element | str] = []

    def flush() -> None:
        text = _paragraph(run)
        if text:
            out.append(text)
        run.clear()

    for child in children:
        if isinstance(child, Element) and child.tag in _BLOCKS:
            flush()
            text = _block(child)
            if text.strip():
                out.append(text)
        else:
            run.append(child)
    flush()
    return "\n\n".join(out)


def _block(element: Element) -> str:
    tag = element.tag
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        words = " ".join(_inline(element.children).split())
        return f"{'#' * int(tag[1])} {words}" if words else ""
    if tag in ("ul", "ol"):
        return _list(element)
    if tag == "pre":
        return _pre(element)
    if tag == "blockquote":
        inner = blocks(element.children)
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n")) if inner.strip() else ""
    if tag == "table":
        return _table(element)
    if tag == "hr":
        return "---"
    if tag == "li":  # a list item outside a list
        return _list(Element("ul", {}, [element]))
    return blocks(element.children)


def _list(element: Element) -> str:
    ordered = element.tag == "ol"
    number = _start(element.attrs.get("start")) if ordered else 0
    items: list[str] = []
    for child in element.children:
        if isinstance(child, str):
            if child.strip():
                items.append("- " + _escape_lines(_escape(child.strip())))
            continue
        if child.tag in ("ul", "ol"):  # a list right inside a list: part of the item before it
            nested = _list(child)
            if nested:
                items.append(nested) if not items else items.__setitem__(-1, items[-1] + "\n" + _indent(nested, 2))
            continue
        marker = f"{number}. " if ordered else "- "
        number += 1 if ordered else 0
        body = blocks(child.children if child.tag == "li" else [child]) or ""
        lines = body.split("\n")
        items.append(marker + lines[0] + ("\n" + _indent("\n".join(lines[1:]), len(marker)) if len(lines) > 1 else ""))
    return "\n".join(items)


def _start(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 9 else 1


def _indent(text: str, width: int) -> str:
    return "\n".join(" " * width + line if line.strip() else "" for line in text.split("\n"))


def _pre(element: Element) -> str:
    code = element.text().strip("\n")
    codes = [c for c in element.children if isinstance(c, Element) and c.tag == "code"]
    names = " ".join([element.attrs.get("class", ""), *(c.attrs.get("class", "") for c in codes),
                      element.attrs.get("data-language", "")])
    match = _LANG.search(names)
    lang = match[1] if match else element.attrs.get("data-language", "")
    return code_block(code, lang) if code.strip() else ""


def _table(element: Element) -> str:
    rows: list[list[str]] = []
    header = False
    for row in _rows(element):
        cells = [c for c in row.children if isinstance(c, Element) and c.tag in ("td", "th")]
        if not rows:
            header = any(c.tag == "th" for c in cells)
        rows.append([" ".join(_inline(c.children).split()) or " " for c in cells])
    rows = [r for r in rows if r]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [" "] * (width - len(r)) for r in rows]
    head, body = (rows[0], rows[1:]) if header else ([" "] * width, rows)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * width]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])


def _rows(element: Element) -> list[Element]:
    found: list[Element] = []
    for child in element.children:
        if isinstance(child, Element):
            if child.tag == "tr":
                found.append(child)
            elif child.tag in ("thead", "tbody", "tfoot"):
                found += _rows(child)
    return found


def _paragraph(run: list["Element | str"]) -> str:
    text = _inline(run)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    return "\\\n".join(_escape_lines(line) for line in lines)


def _inline(children: list["Element | str"]) -> str:
    """Inline content as one Markdown line (``\\n`` where a ``br`` broke it)."""
    parts: list[str] = []
    for child in children:
        if isinstance(child, str):
            parts.append(_escape(re.sub(r"\s+", " ", child)))
            continue
        parts.append(_inline_element(child))
    return "".join(parts)


def _inline_element(element: Element) -> str:
    tag = element.tag
    if tag in _HIDDEN:
        return ""
    if tag == "br":
        return "\n"
    if tag == "img":
        alt = " ".join(element.attrs.get("alt", "").split())
        return f"*(image{': ' + _escape(alt) if alt else ''})*"
    if tag == "code":
        return code_span(element.text())
    if tag == "a":
        label = " ".join(element.text().split())
        href = element.attrs.get("href", "").strip()
        if re.match(r"^https?://", href):
            return link(label or href, href)
        return _escape(label)
    inner = _inline(element.children)
    if tag in ("strong", "b") and inner.strip():
        return _wrap(inner, "**")
    if tag in ("em", "i", "cite") and inner.strip():
        return _wrap(inner, "*")
    if tag in ("s", "del", "strike") and inner.strip():
        return _wrap(inner, "~~")
    if tag in _BLOCKS:  # a block inside inline content (a list in a link): its text, on its own lines
        return "\n" + _escape(element.text()) + "\n"
    return inner


def _wrap(inner: str, mark: str) -> str:
    """``inner`` between ``mark``s, the marks inside its spaces (``** x**`` is not emphasis)."""
    core = inner.strip()
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()):]
    return f"{lead}{mark}{core}{mark}{trail}" if "\n" not in core else inner


def _escape(text: str) -> str:
    """Plain text that shows as itself in Markdown."""
    return _BRACKET.sub(lambda m: f"&#{ord(m.group())};", _ESCAPE.sub(r"\\\1", text))


def _escape_lines(text: str) -> str:
    """Each line of a paragraph with the start that would make it a heading, quote or list item escaped."""
    return "\n".join(_LINE_START.sub(_escaped_start, line, count=1) for line in text.split("\n"))


def _escaped_start(match: "re.Match[str]") -> str:
    if match["mark"]:
        return f"{match[1]}\\{match['mark']}"
    return f"{match[1]}{match['number']}\\{match['dot']}"
