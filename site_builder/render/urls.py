"""Where things are in the site: a post's and a page's URL (``post_url``, ``page_url``; a page's ``permalink:``
checked), the file a URL is written to (``page_file``), a tag's folder (``tag_slug``, ``tag_slugs``) and a
companion's page (``companion_url``). URLs here are site-relative (``posts/slug/``)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath
from typing import Iterable

from site_builder.errors import PostError
from site_builder.links import SCHEME
from site_builder.model import Post
from site_builder.permalinks import page_file_of
from site_builder.posts import MAX_SLUG, meta_line, slugify


def post_url(post: Post) -> str:
    """Site-relative URL of the post: a folder (``posts/slug/``) or a file (``2023/08/03/slug.html``), as its
    ``permalink`` routed it (``permalinks.route``); ``posts/slug/`` for a post not routed (``explain``, tests)."""
    return post.url or f"posts/{post.slug}/"


def page_url(post: Post, name: str, jekyll: bool, *, folders: bool = False) -> str:
    """Site-relative URL of a page (``name``: its file's path in the pages folder, ``docs/setup.md``): its
    ``permalink:``, read as Jekyll reads one (``/about/`` -> ``about/``; ``/about.html`` and ``/about`` ->
    ``about.html``), else its place in ``pages/`` with its slug (``docs/setup/``), or in a Jekyll folder, as
    Jekyll names it, the file's name (``about.md`` -> ``about.html``). A permalink that is not a path of the
    site (``..``, a scheme, a backslash…) is a ``PostError`` at its line."""
    if post.meta.get("permalink") is not None:
        return _permalink_url(post, post.meta["permalink"])
    if jekyll:  # Jekyll's URL: the file's path, .html for its suffix; a folder's index is the folder
        parts = [*PurePosixPath(name).parts[:-1], PurePosixPath(name).stem + ".html"]
        problem = next((_segment_problem(part) for part in parts if _segment_problem(part)), None)
        if problem:
            raise PostError(post.path, 1, f"the page's file name cannot be its URL: it {problem}",
                            hint="rename the file with letters, digits, - and _, or set `permalink: /about/`")
        folder = "".join(f"{part}/" for part in parts[:-1])
        if parts[-1] == "index.html" and len(parts) > 1:
            return folder
        return folder + parts[-1].removesuffix(".html") + "/" if folders else folder + parts[-1]
    folders = [slugify(folder) for folder in PurePosixPath(name).parts[:-1]]
    for folder, slug in zip(PurePosixPath(name).parts, folders):
        if not slug or len(slug) > MAX_SLUG:
            raise PostError(post.path, 1, f"the folder {folder!r} cannot name a part of the page's URL (it needs "
                            f"ASCII letters or digits, at most {MAX_SLUG})",
                            hint="rename the folder, or set `permalink: /about/` in the page's front matter")
    return "".join(slug + "/" for slug in folders) + post.slug + "/"


_URL_SEGMENT = re.compile(r"[\w.~-]+")
"""A part of a page's URL: letters (any script), digits, ``_``, ``-``, ``.``, ``~``; nothing a URL or a file
system reads otherwise (``?``, ``#``, ``%``, ``:``, spaces…)."""
PERMALINK_HINT = "write a path of the site: /about/ (a folder) or /about.html (a file)"


def _permalink_url(post: Post, value: object) -> str:
    """The URL a page's ``permalink:`` asks for, as Jekyll writes it: a folder for a path ending with ``/``, else
    a file, ``.html`` added when the path does not end with it (Jekyll's ``/about`` is ``about.html``)."""
    def refuse(problem: str) -> PostError:
        return PostError(post.path, meta_line(post, "permalink"), f"permalink {value!r} {problem}",
                         hint=PERMALINK_HINT)

    if not isinstance(value, str) or not value.strip("/ "):
        raise refuse("is not a path of a page (/ is the home page, the theme's)")
    if "\\" in value or any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in value):
        raise refuse("holds a backslash, a space or a control character")
    if SCHEME.match(value) or value.startswith("//"):
        raise refuse("is an address, not a path of this site")
    parts = value.strip("/").split("/")
    problem = next((_segment_problem(part) for part in parts if _segment_problem(part)), None)
    if problem:
        raise refuse(problem)
    path = "/".join(parts)
    if value.endswith("/"):
        return path + "/"
    suffix = PurePosixPath(path).suffix
    if suffix not in ("", ".html") and suffix[1:].isalpha():
        raise refuse(f"names a {suffix} file: a page is HTML, its permalink ends with / (a folder) or .html")
    return path if path.endswith(".html") else path + ".html"


def _segment_problem(segment: str) -> str | None:
    """Why ``segment`` cannot be a part of a page's URL (None when it can)."""
    if segment in ("", ".", ".."):
        return "has an empty, . or .. part (a page stays inside the site)"
    if segment.startswith("."):
        return f"has a hidden part {segment!r} (starting with .)"
    if len(segment.encode("utf-8")) > MAX_SLUG:
        return f"has a part {len(segment.encode('utf-8'))} bytes long (the limit is {MAX_SLUG}: it names a file)"
    if not _URL_SEGMENT.fullmatch(segment):
        return f"has a part {segment!r} with characters other than letters, digits, _, -, . and ~"
    return None


page_file = page_file_of


MAX_TAG_SLUG = 100


def tag_slug(tag: str) -> str:
    """The folder name a tag asks for: ``C++`` -> ``c-plus-plus``, ``C#`` -> ``c-sharp``; a tag with no ASCII
    letters (``中文``) gets a stable hash, a very long one is cut and gets it too. Two tags may ask for the
    same folder: ``tag_slugs`` settles that."""
    spelled = tag.replace("+", " plus ").replace("#", " sharp ")
    digest = hashlib.sha1(tag.encode("utf-8", "replace")).hexdigest()[:8]
    slug = slugify(spelled)
    if len(slug) > MAX_TAG_SLUG:  # a folder name: file systems stop at 255 bytes
        return slug[:MAX_TAG_SLUG - 9].rstrip("-") + "-" + digest
    return slug or "tag-" + digest


def tag_slugs(tags: Iterable[str]) -> dict[str, str]:
    """A distinct folder for every tag. When tags ask for the same folder (``Python`` and ``python``), the first
    in (case-folded, then exact) order keeps it and the others get ``-2``, ``-3``…: the same site, the same URLs."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for tag in sorted(set(tags), key=lambda t: (t.casefold(), t)):
        base = slug = tag_slug(tag)
        suffix = 1
        while slug in taken:
            suffix += 1
            slug = f"{base}-{suffix}"
        slugs[tag] = slug
        taken.add(slug)
    return slugs


def companion_url(path: Path) -> str:
    """Site-relative URL of a companion's page (``companions/sgd/``)."""
    return f"companions/{path.stem}/"
