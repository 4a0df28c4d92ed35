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
from site_builder.snippets.model import BlockStatus
from site_builder.snippets.parse import parse_snippets


def block_statuses(post: Post, content_dir: Path) -> dict[int, BlockStatus]:
    """Each block's status from the cache only, keyed by fence line, as a page may show it (``published``).

    Bad fence options raise ``SnippetError``, as in a check.
    """
    snippets = parse_snippets(post, content_dir)
    stored = bool(snippets) and holds_results(cache_dir(content_dir))
    return {snippet.line: published(cached_result(snippet, snippets, content_dir, stored), content_dir)
            for snippet in snippets}


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
