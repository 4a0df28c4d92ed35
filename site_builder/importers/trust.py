"""Assemble, then verify: the importer's last word on whether a post it writes could run code.

``text.neutralise`` marks every fence of a message ``norun``, but it reads one message at a time, and a
message is read again in the post, next to others, where its Markdown can mean something else (a list
item continued by the next message turns its indented code into a fence). So the writer hands the
assembled post to ``secure_post``: the real parser reads it as the build will (``posts.parse_post``), the
snippet parser reads each block as if the post were *not* marked imported, and every fence that does not
say ``norun`` gets it (the neutraliser's rewrite). Then no block may be runnable (a program, a doctest, a
quote of a companion, a shell block with ``run``, a fence the snippet parser rejects); if one is, or the
post does not parse, the post is refused: it is never written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from site_builder.errors import PostError, SnippetError
from site_builder.frontmatter import normalise_text
from site_builder.model import CodeBlock, Post
from site_builder.posts import parse_post
from site_builder.snippets.model import NORUN, NOT_EXECUTABLE
from site_builder.snippets.parse import parse_snippet
from site_builder.importers.text import safe_fence_line

SAFE_KINDS = frozenset({NORUN, NOT_EXECUTABLE})
_PATH = Path("2000-01-01-imported.md")
_NO_COMPANIONS = Path("/nonexistent/companions")
"""Imported text may not refer to companions: every reference to one is unresolved, hence unsafe."""


@dataclass(frozen=True, slots=True)
class SecuredPost:
    text: str
    """The post to write: the assembled text, with the fence of every block that would have run marked norun."""
    fixed: tuple[int, ...] = ()
    """1-based lines whose fence was marked ``norun`` here (the per-message neutraliser did not see them)."""
    refusal: str | None = None
    """Why the post must not be written (a block still runs, or the post does not parse); None when safe."""


def secure_post(text: str) -> SecuredPost:
    """``text`` with every block marked ``norun`` (see the module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as the build reads it; lines count the same
    if "```" not in text and "~~~" not in text:
        return SecuredPost(text)  # no fence, no code block: nothing can run
    try:
        unmarked = _unmarked_lines(_read(text))
        if not unmarked:
            return SecuredPost(text)
        lines = text.split("\n")
        for number in unmarked:
            lines[number - 1] = safe_fence_line(lines[number - 1])
        fixed = "\n".join(lines)
        still = runnable_lines(fixed)
    except PostError as exc:
        return SecuredPost(text, refusal=f"the assembled post does not parse ({exc.message})")
    if still:
        where = ", ".join(str(n) for n in still[:5])
        return SecuredPost(text, unmarked, f"a code block would run (line {where} of the post)")
    return SecuredPost(fixed, unmarked)


def runnable_lines(text: str) -> tuple[int, ...]:
    """1-based lines of the opening fences of ``text`` whose block a snippet check would run, were the post
    not marked imported. ``text`` is read exactly as the build reads a post file."""
    post = _read(text)
    return tuple(block.line for block in post.code_blocks if _kind(post, block) not in SAFE_KINDS)


def _unmarked_lines(post: Post) -> tuple[int, ...]:
    """Lines of the fences that do not say ``norun`` (the neutraliser marks every fence it sees)."""
    return tuple(block.line for block in post.code_blocks if _kind(post, block) != NORUN)


def _read(text: str) -> Post:
    return parse_post(_PATH, normalise_text(text.encode("utf-8", "surrogatepass"), _PATH))


def _kind(post: Post, block: CodeBlock) -> str | None:
    """What the snippet checks would make of ``block`` with the post-level switch off (None: an error)."""
    try:
        return parse_snippet(post.path, block, _NO_COMPANIONS, imported=False).kind
    except SnippetError:
        return None
