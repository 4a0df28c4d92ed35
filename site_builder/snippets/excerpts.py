"""Excerpt arithmetic for the snippet checks: where a quote sits in a companion, how it differs,
and which of its lines coverage.py saw run. Pure functions over source lines and ``ast`` trees.
"""

from __future__ import annotations

import ast
import difflib
import textwrap


def _lines(code: str) -> list[str]:
    """Dedented, trailing spaces and surrounding blank lines removed."""
    lines = [line.rstrip() for line in textwrap.dedent(code).splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def locate(code: str, definition: list[str]) -> tuple[int, int] | None:
    """Offsets (first, last) of the excerpt inside the definition's lines, compared after dedent."""
    excerpt = _lines(code)
    size = len(excerpt)
    for offset in range(len(definition) - size + 1):
        window = definition[offset:offset + size]
        if _lines("\n".join(window)) == excerpt and window[0].strip() == excerpt[0].strip():
            return offset, offset + size - 1
    return None


def closest_diff(code: str, definition: list[str], ref, first: int) -> str:
    """Unified diff between the excerpt and the most similar stretch of the definition."""
    excerpt = _lines(code)
    size = max(1, min(len(excerpt), len(definition)))
    windows = [(offset, _lines("\n".join(definition[offset:offset + size])))
               for offset in range(len(definition) - size + 1)]
    text = "\n".join(excerpt)
    offset, best = max(windows, key=lambda w: difflib.SequenceMatcher(None, text, "\n".join(w[1])).ratio())
    return "\n".join(difflib.unified_diff(excerpt, best, "quoted in the post",
                                          f"{ref.file}::{ref.qualname} (line {first + offset})", lineterm=""))


def align_adapted(quote: list[str], definition: list[str]) -> tuple[list[str], list[str]]:
    """The quote and the part of the companion's definition it covers, both dedented.

    A quote that starts with the enclosing scope (``class Llama:`` above ``def build``) is compared
    from the line that opens the definition; one that stops early (the top of a long function) is
    compared with the definition up to the quote's last line, when the companion has that line.
    """
    opening = definition[0].strip()
    start = next((i for i, line in enumerate(quote) if line.strip() == opening), 0)
    quoted = _lines("\n".join(quote[start:]))
    ends = [i for i, line in enumerate(definition) if quoted and line.strip() == quoted[-1].strip()]
    return quoted, _lines("\n".join(definition[:ends[-1] + 1] if ends else definition))


def adapted_diff(code: str, definition: list[str], ref, first: int) -> tuple[int, str]:
    """For an ``adapted`` quote of the definition whose lines (from companion line ``first``) are
    ``definition``: the last companion line the quote covers, and the unified diff from the quote to it."""
    quoted, covered = align_adapted(code.splitlines(), definition)
    last = first + len(covered) - 1
    return last, "\n".join(difflib.unified_diff(quoted, covered, "quoted in the post",
                                                 f"{ref.file}::{ref.qualname} (lines {first}-{last})", lineterm=""))


def statement_lines(tree: ast.Module) -> dict[int, frozenset[int]]:
    """For each source line that belongs to a statement, the lines of its innermost statement.

    A statement spanning several lines executes as one (coverage.py reports one of its lines);
    a compound statement owns only its header (decorators to the line before its body).
    Docstrings and other bare constants, ``global`` and ``nonlocal`` generate no code: skipped.
    """
    owner: dict[int, frozenset[int]] = {}
    for node in ast.walk(tree):  # breadth-first: inner statements overwrite outer ones
        if not isinstance(node, ast.stmt) or _generates_no_code(node):
            continue
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        body = getattr(node, "body", None)
        last = max(node.lineno, body[0].lineno - 1) if body else node.end_lineno
        lines = frozenset(range(first, last + 1))
        owner.update(dict.fromkeys(lines, lines))
    return owner


def _generates_no_code(node: ast.stmt) -> bool:
    return isinstance(node, (ast.Global, ast.Nonlocal)) or (
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))


def never_executed(tree: ast.Module, source: list[str], lines: range, executed: set[int]) -> list[int]:
    """Non-blank, non-comment lines of ``lines`` whose statement never ran."""
    owner = statement_lines(tree)
    return [n for n in lines
            if source[n - 1].strip() and not source[n - 1].strip().startswith("#")
            and n in owner and not owner[n] & executed]


def definition_ran(node: ast.AST, executed: set[int]) -> bool:
    """A function ran if a statement of its body did; a class if its body did (it was defined)."""
    body = [stmt for stmt in node.body if not _generates_no_code(stmt)]
    return any(set(range(stmt.lineno, stmt.end_lineno + 1)) & executed for stmt in body)
