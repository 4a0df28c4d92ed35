"""Math in posts, rendered at build time to MathML (no JavaScript in the reader's browser).

The delimiters AI answers use: ``$…$`` and ``$$…$$``, ``\\(…\\)`` and ``\\[…\\]``, found by our rules in
linear time (site_builder/markdown/mathrules.py) where mdit-py-plugins' dollarmath and texmath found them. Prices are
not math: a ``$`` followed by a space, or a closing ``$`` next to a digit (``$1 billion to $2 billion``),
does not delimit anything. ``\\[…\\]`` inside a paragraph's text is display math, as ``$$…$$`` there is, when
it holds TeX (``\\[1\\]`` is Markdown's escaped brackets). The amsmath environments latex2mathml lacks
(``aligned``, ``gathered``…) are given to it as the ones it has that look the same (``known_environments``).
LaTeX that latex2mathml cannot convert, or a command it does not know, is shown as its source with a visible
mark, and reported as a warning at its line (``math_warnings``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any, Iterable
from xml.etree import ElementTree

from markdown_it import MarkdownIt
from markdown_it.token import Token

from site_builder.markdown.mathrules import math_block, math_inline

INLINE = ("math_inline", "math_inline_double")
BLOCK = ("math_block", "math_block_eqno", "math_block_label")
_DELIMITERS = {"math_inline": ("$", "$"), "math_inline_double": ("$$", "$$")}
_UNKNOWN_COMMAND = re.compile(r"<m[io]>(\\[A-Za-z]+)</m[io]>")


@dataclass(frozen=True, slots=True)
class MathWarning:
    line: int
    """Source line of the formula (the paragraph's line for inline math)."""
    message: str


def math_plugin(md: MarkdownIt) -> None:
    """Parse the four kinds of delimiters and render them as MathML."""
    md.inline.ruler.before("escape", "math_inline", math_inline)
    md.block.ruler.before("fence", "math_block", math_block)
    for name in INLINE + BLOCK:
        md.add_render_rule(name, _render_math)


def _render_math(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    display = token.type in BLOCK or token.type == "math_inline_double"
    mathml, _ = to_mathml(token.content.strip(), display)
    if mathml is not None:
        return mathml + ("\n" if token.type in BLOCK else "")
    opening, closing = _DELIMITERS.get(token.type, ("$$", "$$")) if token.markup.startswith("$") else (
        ("\\[", "\\]") if display else ("\\(", "\\)"))
    source = f"{opening}{token.content}{closing}"
    tag = "pre" if token.type in BLOCK else "code"
    return (f'<{tag} class="math-error" title="This formula could not be rendered">'
            f'<span class="math-mark" aria-label="Formula that could not be rendered">⚠</span> '
            f'{escape(source)}</{tag}>' + ("\n" if token.type in BLOCK else ""))


@lru_cache(maxsize=4096)
def to_mathml(latex: str, display: bool) -> tuple[str | None, str]:
    """MathML for ``latex``, or None and why latex2mathml could not convert it."""
    import latex2mathml.converter  # loaded by the first formula: most builds have none (60 ms saved)

    try:
        mathml = latex2mathml.converter.convert(known_environments(latex), display="block" if display else "inline")
    except Exception as exc:  # noqa: BLE001 - latex2mathml raises many kinds: all mean "bad LaTeX"
        return None, f"{type(exc).__name__}{': ' + str(exc) if str(exc) else ''}"
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown:
        return None, f"unknown command {unknown.group(1)}"
    return safe_mathml(mathml)


_ENVIRONMENT = re.compile(r"\\(?:(begin)|end)\{(aligned|alignedat|alignat\*?|gathered|gather\*?)\}"
                          r"(?(1)(?:\s*\[[tbc]\])?(?:\s*\{\d+\})?)")
_SAME_AS = {"aligned": "align*", "alignedat": "align*", "alignat": "align*", "alignat*": "align*",
            "gathered": "displaylines", "gather": "displaylines", "gather*": "displaylines"}
"""amsmath environments latex2mathml does not know (their ``&`` came out as a bare ``<mi>&</mi>``: no MathML),
and the one it knows that lays them out the same: ``aligned`` is ``align*``'s right-left column pairs in a
formula, ``gathered`` a column of centred lines. Numbers are left out, as ``align*`` leaves them."""


def known_environments(latex: str) -> str:
    """``latex`` with each amsmath environment latex2mathml lacks written as the one it knows that looks the
    same (``_SAME_AS``); an ``aligned``'s placement (``[t]``) and an ``alignat``'s column count go."""
    return _ENVIRONMENT.sub(lambda match: f"\\{match[1] or 'end'}{{{_SAME_AS[match[2]]}}}", latex)


# MathML Core's presentation elements; latex2mathml makes no others from LaTeX, but it copies some input
# through: \text{<script>…} as a <script> element, \href{javascript:…} as an href, \style{…} as a style.
_ELEMENTS = frozenset("""math mrow mi mo mn ms mtext mspace msup msub msubsup mfrac msqrt mroot mstyle mtable mtr
    mtd mlabeledtr munder mover munderover mmultiscripts mprescripts none mpadded mphantom menclose merror
    semantics annotation mfenced""".split())
_ATTRIBUTES = frozenset("""xmlns display mathvariant displaystyle scriptlevel stretchy fence separator lspace rspace
    accent accentunder linethickness columnalign rowalign columnspacing rowspacing columnlines rowlines frame
    mathsize minsize maxsize movablelimits largeop symmetric form width height depth voffset notation open close
    separators mathcolor mathbackground columnspan rowspan encoding""".split())
_VALUE = re.compile(r"[\w .,%#+\-/:]*")
_MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def safe_mathml(mathml: str) -> tuple[str | None, str]:
    """latex2mathml's output rebuilt from known MathML elements and attributes, every text escaped.

    An element that is not MathML (``\\text{<script>…}``) refuses the formula: it is shown as its source.
    Attributes that are not MathML presentation attributes (``href``, ``style``) are dropped, as is a value
    with quotes or brackets; ``xmlns`` is written by us.
    """
    try:
        root = ElementTree.fromstring(mathml)
    except ElementTree.ParseError as exc:
        return None, f"not well-formed MathML ({exc})"
    parts: list[str] = []
    problem = _rebuild(root, parts)
    return (None, problem) if problem else ("".join(parts), "")


def _rebuild(element: ElementTree.Element, parts: list[str]) -> str:
    name = element.tag.rpartition("}")[2]
    if name not in _ELEMENTS:
        return f"<{name}> is not MathML"
    attributes = [(key, value) for key, value in element.attrib.items()
                  if key in _ATTRIBUTES and key != "xmlns" and _VALUE.fullmatch(value)]
    if name == "math":
        attributes.insert(0, ("xmlns", _MATHML_NS))
    parts.append(f"<{name}" + "".join(f' {key}="{escape(value)}"' for key, value in attributes) + ">")
    parts.append(escape(element.text or "", quote=False))
    for child in element:
        problem = _rebuild(child, parts)
        if problem:
            return problem
        parts.append(escape(child.tail or "", quote=False))
    parts.append(f"</{name}>")
    return ""


def math_warnings(tokens: Iterable[Token], line_offset: int) -> list[MathWarning]:
    """A warning for every formula of a parsed document whose first line is source line ``line_offset``
    that did not render, at its source line. Every block carries its lines, ``\\[…\\]`` too (texmath's
    carried none, and finding them in the text took a walk from the top of it per block, and found an equal
    formula before)."""
    warnings, line = [], line_offset
    for token in tokens:
        if token.map:
            line = line_offset + token.map[0]
        for math, at in _formulas(token, line):
            _, why = to_mathml(math.content.strip(), math.type in BLOCK or math.type == "math_inline_double")
            if why:
                warnings.append(MathWarning(at, f"math not rendered ({why}): {math.content.strip()[:60]}"))
    return warnings


def _formulas(token: Token, line: int) -> list[tuple[Token, int]]:
    if token.type in BLOCK:
        return [(token, line)]
    found, at = [], line
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            at += 1
        elif child.type in INLINE:
            found.append((child, at))
    return found
