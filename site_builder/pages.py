"""A page file -> a ``Post`` value read as a page: ``content/pages/about.md`` (or, in a Jekyll folder, ``about.md``
with front matter at its top) becomes a page of the site outside the lists of posts.

A page is read like a post (front matter optional, the same title rules, turns when it holds a conversation);
what differs: its date is optional (``date`` is None without one), it has no tags, and two keys of its own
place it in the nav: ``menu:`` (false: left out of it; text: the link's words) and ``weight:`` (lower first).
Its URL is ``render.page_url``'s.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from site_builder.errors import PostError, shown
from site_builder.frontmatter import normalise_text
from site_builder.model import Post
from site_builder.posts import meta_line, parse_post

_UNDATED = dt.date.min
"""The date ``parse_post`` gives a page without one, replaced by None."""
JEKYLL_HOME = ("index", "404")
"""Jekyll pages the theme makes itself: the home page (the list of posts) and the page for a missing address."""
_LIQUID = re.compile(r"\{[%{]")


@dataclass(frozen=True, slots=True)
class PageRead:
    """What a page file holds: a page, or nothing to build (a Jekyll file without front matter, the home page)."""
    post: Post | None
    """The page (its ``date`` is None when it has none); None when the file is not built."""
    name: str
    """Its file's path in the pages folder (``docs/setup.md``), as ``menu:`` names it."""
    warnings: tuple[str, ...] = ()
    """``file:line: warning: …``: why a file that looks like a page is not built."""


def page_name(path: Path, pages_root: Path) -> str:
    """The name ``menu:`` knows a page by: its path in the pages folder, with ``/`` (``docs/setup.md``)."""
    return PurePosixPath(*path.relative_to(pages_root).parts).as_posix()


def load_page(path: Path, pages_root: Path, *, jekyll: bool, folders: bool = False) -> PageRead:
    """Read the page file ``path`` (in ``pages_root``). In a Jekyll folder, only a file with front matter is a
    page (Jekyll copies the others as they are), and ``index``/``404`` are the theme's own pages: not built,
    with a warning when they hold more than front matter."""
    name = page_name(path, pages_root)
    try:
        text = normalise_text(path.read_bytes(), path).removeprefix("\ufeff")
    except OSError as exc:
        raise PostError(path, None, f"cannot read: {exc.strerror}") from None
    if jekyll and text.split("\n", 1)[0].rstrip() != "---":
        return PageRead(None, name)
    post = parse_post(path, text, fallback_date=_UNDATED, jekyll=jekyll)
    if jekyll:
        skipped = _jekyll_skip(path, post, top=path.parent == pages_root, folders=folders)
        if skipped is not None:
            return PageRead(None, name, (skipped,) if skipped else ())
    _check_keys(post)
    undated = post.date == _UNDATED and post.meta.get("date") is None
    return PageRead(replace(post, date=None if undated else post.date, tags=()), name)


def _jekyll_skip(path: Path, post: Post, *, top: bool = True, folders: bool = False) -> str | None:
    """Why a Jekyll page is not built ("" when no warning is due), or None when it is (an ``index`` in a
    sub-folder is that folder's page; with ``folders``, ``404.md`` is at ``404/``, not the theme's ``404.html``)."""
    where = f"{path}:{post.body_line}"
    at_404 = str(post.meta.get("permalink") or "").strip("/") in ("", "404.html", "404") and not folders
    if path.stem in JEKYLL_HOME and top and (path.stem == "index" or at_404):
        if not post.body.strip() or path.stem == "404":
            return ""
        return (f"{where}: warning: not built: the theme makes the home page (the list of posts); move what this "
                "page says into site.yaml's description or a page of its own")
    if path.suffix.lower() == ".html" and _LIQUID.search(post.body):
        return (f"{where}: warning: not built: an HTML page of Liquid tags ({{% … %}}, {{{{ … }}}}), which "
                "site-builder does not run; the theme makes the archive, tag and search pages itself")
    return None


def _check_keys(post: Post) -> None:
    """``menu:`` is true, false or the link's words; ``weight:`` a whole number."""
    menu, weight = post.meta.get("menu"), post.meta.get("weight")
    if menu is not None and not isinstance(menu, (bool, str)):
        raise PostError(post.path, meta_line(post, "menu"), f"front matter: menu must be true, false or the "
                        f"link's words, got {shown(menu)}", hint="write `menu: false` to leave the page out of the nav")
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int)):
        raise PostError(post.path, meta_line(post, "weight"), f"front matter: weight must be a whole number, got "
                        f"{shown(weight)}", hint="write `weight: 1`: the nav lists lower weights first")
