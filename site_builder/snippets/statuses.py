"""What a page shows on each code block: the snippet checks' last result, read from the cache.

The build calls ``block_statuses`` for every post. It never runs anything: a block whose current key
(text, companion sources, package versions) has no stored result is ``not-checked``, never verified.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Callable

from site_builder.model import Post
from site_builder.snippets.cache import cache_dir, cached_result, holds_results
from site_builder.snippets.excerpts import adapted_diff, locate
from site_builder.snippets.model import (ADAPTED, DOCTEST, DRIFTED, EXCERPT, FAILED, NOT_CHECKED, OUTPUT, PROGRAM,
                                         SHELL, VERIFIED, BlockStatus, Snippet)
from site_builder.snippets.parse import definition_span, find_definition, parse_snippets, read_module


def block_statuses(post: Post, content_dir: Path) -> dict[int, BlockStatus]:
    """Each block's status from the cache only, keyed by fence line, as a page may show it (``published``).

    Bad fence options raise ``SnippetError``, as in a check.
    """
    snippets = parse_snippets(post, content_dir)
    stored = bool(snippets) and holds_results(cache_dir(content_dir))
    return {snippet.line: located(snippet, published(cached_result(snippet, snippets, content_dir, stored),
                                                     content_dir))
            for snippet in snippets}


def located(snippet: Snippet, status: BlockStatus) -> BlockStatus:
    """``status`` with the block's ``kind`` and, for a block that quotes a companion, where it sits there even
    when no check result says so (never checked, or stale): the page links the companion's lines either way.
    An excerpt found verbatim gets its own lines, an adapted block the lines it covers and its diff (which
    needs no run); otherwise the whole definition's."""
    status = dataclasses.replace(status, kind=snippet.kind)
    ref = snippet.companion
    if ref is None or status.first_line:
        return status
    node = find_definition(read_module(ref.path), ref.qualname)
    if node is None:
        return status
    first, last = definition_span(node)
    definition = ref.path.read_text(encoding="utf-8").splitlines()[first - 1:last]
    diff = status.diff
    if snippet.kind == EXCERPT:
        span = locate(snippet.code, definition)
        first, last = (first + span[0], first + span[1]) if span else (first, last)
    elif snippet.kind == ADAPTED:
        last, diff = adapted_diff(snippet.code, definition, ref, first)
    return dataclasses.replace(status, companion=status.companion or ref.file, first_line=first, last_line=last,
                               diff=diff)


def published(status: BlockStatus, content_dir: Path) -> BlockStatus:
    """``status`` without the paths of the machine that checked it, in its reason, evidence and diff.

    A traceback names the post and the companions by absolute path (``/home/me/blog/content/posts/…``), the
    check's temporary folders, Python's own files. A page shows them relative to the content folder
    (``posts/….md``, ``../`` for its parent), ``<tmp>``, ``<python>``/``<site-packages>``/``<stdlib>`` and
    ``~`` for the rest of the home folder; ``site-builder check`` keeps the full paths.
    """
    rename = _path_renamer(content_dir.absolute())
    changed = {name: rename(getattr(status, name)) for name in ("reason", "detail", "diff") if getattr(status, name)}
    return dataclasses.replace(status, **changed) if changed else status


_NAME_CHAR = r"[\w.~+@-]"
_SCRATCH = rf"(?<!{_NAME_CHAR})(?:/[^\s/'\"<>()]+)*?/snippet-(?:check|run)-\w+(?!{_NAME_CHAR})"
"""A check's temporary folder (``run.py``, ``contain.py``), wherever the temporary folders were."""


@functools.lru_cache(maxsize=8)
def _path_renamer(content_dir: Path) -> Callable[[str], str]:
    paths = sysconfig.get_paths()
    named = [(content_dir.parent, ".."), (Path(tempfile.gettempdir()), "<tmp>"), (Path.home(), "~"),
             *((Path(paths[key]), "<stdlib>") for key in ("stdlib", "platstdlib") if key in paths),
             *((Path(paths[key]), "<site-packages>") for key in ("purelib", "platlib") if key in paths),
             *((Path(prefix), "<python>") for prefix in {sys.prefix, sys.exec_prefix} if prefix != sys.base_prefix),
             (content_dir, ".")]
    roots: dict[str, str] = {}
    for path, label in named:  # later entries win: the content folder over its parent, the home folder…
        for form in {str(path), str(path.resolve())}:
            if form != "/":
                roots[form] = label
    alternatives = "|".join(re.escape(root) for root in sorted(roots, key=len, reverse=True))
    pattern = re.compile(rf"(?P<scratch>{_SCRATCH})|(?<!{_NAME_CHAR})(?P<root>{alternatives})"
                         rf"(?P<sep>/|(?!{_NAME_CHAR}))")

    def replace(match: re.Match[str]) -> str:
        if match["scratch"]:
            return "<tmp>"
        label, sep = roots[match["root"]], match["sep"]
        return ("" if sep else ".") if label == "." else label + sep

    return lambda text: pattern.sub(replace, text)


def badge_words(status: BlockStatus) -> str:
    """The badge on a block: its status in words, ``adapted`` for an adapted block that ran (the companion's
    version of the code ran, not the quote: it is never called verified)."""
    if status.kind == ADAPTED and status.status == VERIFIED:
        return "adapted"
    return status.status.replace("-", " ")


def provenance(status: BlockStatus) -> str:
    """One sentence under a block saying in words what its check proved ("" when the badge says all: a block
    that is not code, or one whose skip or failure has its own reason on the page)."""
    where = _where(status)
    if status.kind == EXCERPT or (not status.kind and where):
        return {VERIFIED: f"Runs as part of {where}: quoted verbatim, every line executed by its smoke test.",
                DRIFTED: f"Quotes {where}, which has changed since: see how it drifted.",
                FAILED: f"Quotes {where}; the check failed: see how."}.get(
                    status.status, f"Quotes {where}; not checked against it yet.")
    if status.kind == ADAPTED:
        if status.status == VERIFIED:
            return f"Adapted from {where}: {changed_lines(status.diff)} to run — see the diff. That version ran."
        return (f"Adapted from {where}: {changed_lines(status.diff)} to run — see the diff; "
                + ("the check failed: see how." if status.failed else "not checked yet."))
    if status.kind == OUTPUT:
        return {VERIFIED: f"Output of {where}, produced again by the check.",
                FAILED: f"Output of {where}; the check did not produce it: see how."}.get(
                    status.status, f"Output of {where}; not checked yet.")
    if status.kind in (PROGRAM, DOCTEST, SHELL) and status.status in (VERIFIED, NOT_CHECKED):
        return f"Checked: {status.reason}." if status.status == VERIFIED else "Not checked yet."
    return ""


def _where(status: BlockStatus) -> str:
    """``sgd.py, lines 98–101`` (the companion's lines the block stands for), or ``sgd.py``, or ""."""
    if not status.companion:
        return ""
    if not status.first_line:
        return status.companion
    last = status.last_line or status.first_line
    lines = f"line {last}" if last == status.first_line else f"lines {status.first_line}–{last}"
    return f"{status.companion}, {lines}"


def changed_lines(diff: str) -> str:
    """What a unified diff changes, in words: ``2 lines changed``, ``1 line changed, 1 added``."""
    body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    removed = sum(line.startswith("-") for line in body)
    added = sum(line.startswith("+") for line in body)
    changed = min(removed, added)
    words = [f"{count} {what}" for count, what in
             ((changed, "changed"), (removed - changed, "removed"), (added - changed, "added")) if count]
    if not words:
        return "no lines changed"
    count = words[0].split()[0]
    return ", ".join([words[0].replace(" ", " line " if count == "1" else " lines ", 1), *words[1:]])
