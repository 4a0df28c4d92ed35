"""The code of a post body, for the turn scan: which lines are inside code, and each fenced block.

What the scan needs of the block structure is only where code is (a label inside a fence is content). Parsing the
body's whole block structure for it (markdown-it, inline rules off) took about a tenth of a cold build's CPU,
a second parse of every body beside the render's. Most bodies are flat around their code: every fence opens at
the start of a line, outside any list or indentation. For those, ``code_tokens`` finds the fences in one pass
over the lines, with CommonMark's rules for opening and closing them, and makes the tokens markdown-it would;
any line that could put code elsewhere (indented, an HTML block, a quote holding more than text, a link
reference) sends the body to the full parse. ``tests/test_parser.py`` compares the two on real posts and on
generated ones.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from site_builder.reading.lines import block_tokens

_OPEN = re.compile(r"(`{3,}|~{3,})(.*)")
"""A fence opening at the start of a line: its marker, and its info string."""
_CLOSE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")
"""A line that may close a fence (``fullmatch``): its marker, indented at most three spaces, nothing after it."""
_CONTAINERS = re.compile(r"(?:>[ ]?|(?:[-*+]|[0-9]{1,9}[.)])(?: |(?=\t|$)))*")
"""The quote and list item markers at the start of a line, one pass however many (a quote's ``>`` with the space
after it; an item's marker with its one space: more spaces or a tab after either send the body to the full
parse)."""
_ONE_LINE_COMMENT = re.compile(r"<!--.*-->.*")
"""An HTML comment that ends on the line it opens: a block of one line, which holds no fence."""
_REFERENCE = re.compile(r"\[[^\]]*(?:\]:|$)")
"""A link reference definition, or a label that goes on past its line (its destination may be the next line)."""
_ONE_LINE_REFERENCE = re.compile(r"\[[^\]\[]+\]:[ \t]*[^\s\"'(<]\S*[ \t]*")
"""A definition whole on its line (``fullmatch``): a label, a destination, no title. Only a title on the next
line (a line that opens with a quote or a parenthesis) could take more lines: that line goes to the full parse."""


def code_tokens(body: str) -> list[Token]:
    """The tokens of ``body`` that hold code (``fence`` and ``code_block``), with their ``map``, ``info`` and
    ``content`` as markdown-it's block parse gives them."""
    found = _flat_fences(body)
    if found is None:
        return [token for token in block_tokens(body) if token.type in ("fence", "code_block")]
    return found


def _flat_fences(body: str) -> list[Token] | None:
    """The fences of a body whose every line outside them is flat (``_flat``), else None."""
    if "\0" in body:
        return None  # markdown-it reads NUL as U+FFFD in the code's text
    lines = body.split("\n")
    ended = not lines[-1].strip(" \t")
    if ended:
        lines.pop()  # a body's last newline ends its last line, not one more; a last line of blanks is none
    tokens: list[Token] = []
    at, defined = 0, False
    while at < len(lines):
        line = lines[at]
        if defined and line[:1] in ("\"", "'", "("):
            return None  # may be the title of the definition above, and a title may run over several lines
        defined = line[:1] == "[" and _ONE_LINE_REFERENCE.fullmatch(line) is not None
        opening = _OPEN.match(line)
        if opening is None or (opening[1][0] == "`" and "`" in opening[2]):
            if not _flat(line):
                return None
            at += 1
            continue
        marker, end = opening[1], at + 1
        while end < len(lines):
            closing = _CLOSE.fullmatch(lines[end])
            if closing is not None and closing[1][0] == marker[0] and len(closing[1]) >= len(marker):
                break
            end += 1
        token = Token("fence", "code", 0, map=[at, min(end + 1, len(lines))], info=opening[2], markup=marker,
                      block=True)
        token.content = "".join(f"{text}\n" for text in lines[at + 1:end])
        if end == len(lines) and not ended and token.content:  # never closed: up to the body's very end
            token.content = token.content[:-1]
        tokens.append(token)
        at = end + 1
    return tokens


def _flat(line: str) -> bool:
    """Whether a line outside code leaves the code around it where ``_flat_fences`` looks for it: not indented
    (a list item's content, indented code), not an HTML block but a one-line comment, not a link reference;
    what follows a quote's or a list item's marker is text (no fence, indent, HTML or reference there)."""
    head = line[:1]
    if head in (" ", "\t"):
        return not line.strip(" \t")  # a blank line with spaces
    if head == "<":
        return _ONE_LINE_COMMENT.fullmatch(line) is not None
    inside = _CONTAINERS.match(line).end()
    if inside:
        line = line[inside:]
        if line[:1] in (" ", "\t", "<", "`", "~"):
            return False
    return line[:1] != "[" or _REFERENCE.match(line) is None or _ONE_LINE_REFERENCE.fullmatch(line) is not None
