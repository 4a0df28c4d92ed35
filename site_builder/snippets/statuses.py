"""What a page shows on each code block: the snippet checks' last result, read from the cache.

The build calls ``block_statuses`` for every post. It never runs anything: a block whose current key
(text, companion sources, package versions) has no stored result is ``not-checked``, never verified.
"""

from __future__ import annotations

from pathlib import Path

from site_builder.model import Post
from site_builder.snippets.cache import cache_dir, cached_result, holds_results
from site_builder.snippets.model import BlockStatus
from site_builder.snippets.parse import parse_snippets


def block_statuses(post: Post, content_dir: Path) -> dict[int, BlockStatus]:
    """Each block's status from the cache only, keyed by fence line.

    Bad fence options raise ``SnippetError``, as in a check.
    """
    snippets = parse_snippets(post, content_dir)
    stored = bool(snippets) and holds_results(cache_dir(content_dir))
    return {snippet.line: cached_result(snippet, snippets, content_dir, stored) for snippet in snippets}
