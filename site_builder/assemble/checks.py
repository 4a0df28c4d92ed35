"""The checks a site passes before anything is written: templates that exist, one page per URL, no output
written over another or out of the site; and the warnings of a build (a base URL that is not an address)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

import jinja2

from site_builder.config import SiteConfig
from site_builder.discover import Sources
from site_builder.errors import BuildError, PostError, SiteError, display_path
from site_builder.incremental.state import PostRecord
from site_builder.posts import meta_line
from site_builder.render import Page, PageSpec, page_file


def base_url_warning(config: SiteConfig, sources: Sources) -> tuple[str, ...]:
    """A warning when the site's root is a path, not an address: the feed, the sitemap and canonical links are
    then relative, which feed readers and search engines do not take."""
    if config.base_url.startswith(("http://", "https://")):
        return ()
    where = sources.config or sources.root / "site.yaml"
    links = "the feed, the sitemap, canonical links and the links inside the feed's posts (feed_content: full) are" \
        if config.feed_content == "full" else "the feed, the sitemap and canonical links are"
    return (f"{where}: warning: base_url {config.base_url!r} is not an address: {links} relative; set base_url: "
            "https://you.example/blog/ (or build with --base-url)",)


def template_errors(env: jinja2.Environment, records: dict[Path, PostRecord]) -> list[PostError]:
    """A post (or page) that names a template that does not exist is an error at its ``template:`` line."""
    errors = []
    for path, record in records.items():
        name = record.post_fields["meta"].get("template")
        if name is None:
            continue
        try:
            env.get_template(str(name))
        except jinja2.TemplateNotFound:
            errors.append(PostError(path, record.template_line, f"template {name!r} not found",
                                    hint="put it in content/templates/ or use one of the theme's: post.html"))
    return errors


def duplicate_urls(views: list) -> list[SiteError]:
    """Two posts at one URL (or one post's redirect at another's URL): an error at each later one, naming the first."""
    seen: dict[str, tuple[Path, str]] = {}
    errors: list[SiteError] = []
    for view in sorted(views, key=lambda v: str(v.post.path)):
        post = view.post
        for url, what in ((post.url or view.url, "URL"), *((r, "redirect_from") for r in post.redirects)):
            file = page_file(url)
            if file in seen:
                first, first_what = seen[file]
                errors.append(PostError(post.path, _meta_line_of(post, what),
                                        f"{what} /{url} is already {'the URL' if first_what == 'URL' else 'a redirect'}"
                                        f" of {first}", hint="rename one of the files, or set `slug:` or "
                                                             "`permalink:` in its front matter"))
            else:
                seen[file] = (post.path, what)
    return errors


def _meta_line_of(post, what: str) -> int:
    keys = ("permalink", "slug") if what == "URL" else ("redirect_from", "aliases")
    for key in keys:
        if key in post.meta:
            return meta_line(post, key)
    return 1


THEME_PAGES = frozenset(("index.html", "404.html", "feed.xml", "sitemap.xml", "robots.txt", "redirects.json",
                         "archive/index.html", "tags/index.html", "search/index.html"))


THEME_FOLDERS = ("archive/page/", "page/", "companions/", "assets/", "pagefind/")


def theme_made(pages: Mapping[str, Any]) -> dict[str, str]:
    """The pages of a Jekyll folder at a URL our theme makes itself (a ``tags.md`` of Liquid at ``/tags/``, an
    ``archive.md``): {name: the warning saying it is not built} — Jekyll's theme made them, ours does."""
    return {name: f"{view.post.path}: warning: not built: its URL /{view.url} is a page the theme makes "
                  f"({page_file(view.url)}); site-builder runs no Liquid, and its own page lists the same"
            for name, view in pages.items()
            if page_file(view.url) in THEME_PAGES or page_file(view.url).startswith(THEME_FOLDERS)}


def url_clashes(specs: list[PageSpec], pages: Iterable[Any], search: bool) -> list[SiteError]:
    """A page (of ``pages``, the views of page files) whose output a post, another page or a page of the theme
    (``tags/``, ``archive/``, ``feed.xml``…) has already, or would need as a folder (``/feed.xml/``), or inside
    the search index's folder: one error naming both files, each at the line that chose the URL
    (``permalink:``, ``slug:``)."""
    ours = {id(view) for view in pages}
    owners = {spec.path: spec for spec in specs if id(spec.extra.get("view")) not in ours}
    errors: list[SiteError] = []
    for spec in (spec for spec in specs if id(spec.extra.get("view")) in ours):
        view = spec.extra["view"]
        problem = _clash(spec, owners, search)
        if problem:
            errors.append(PostError(view.post.path, url_line(view.post), f"the page's URL /{view.url} {problem}",
                                    hint="give the page another URL: `permalink: /about-me/` or `slug:`, or rename it"))
        owners.setdefault(spec.path, spec)
    return errors


def _clash(spec: PageSpec, owners: Mapping[str, PageSpec], search: bool) -> str | None:
    """Why the page of ``spec`` cannot be written where it asks (None when it can)."""
    if spec.path in owners:
        return f"({spec.path}) is already {_owner(owners[spec.path])}"
    folder = next((f for f in _folders(spec.path) if f in owners), None)
    if folder is not None:
        return f"needs a folder {folder}/ where {_owner(owners[folder])} is a file"
    if search and spec.path.startswith("pagefind/"):
        return "is in the search index's folder (pagefind/)"
    return None


def _folders(path: str) -> list[str]:
    """The folders ``path`` is in (``a/b/index.html`` -> ``a``, ``a/b``)."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]


def _owner(spec: PageSpec) -> str:
    """Who writes ``spec``'s file, in an error: a post or page file at the line choosing its URL, or the theme."""
    view = spec.extra.get("view")
    if view is None:
        return f"the theme's page ({spec.template})"
    return f"the URL of {display_path(view.post.path)}:{url_line(view.post)}"


def url_line(post: Any) -> int:
    """The line that chose a post's or page's URL: its ``permalink:``, else its ``slug:`` (else 1)."""
    return meta_line(post, "permalink" if "permalink" in post.meta else "slug")


def output_collisions(pages: list[Page], theme_files: list[tuple[Path, str]],
                      static_files: list[tuple[Path, str]]) -> list[SiteError]:
    """Outputs that would overwrite each other: two pages at one path, a static file at a page's path, a file
    where another output needs a folder, a path that leaves the site. A static file may replace a theme asset
    (``static/assets/style.css``); nothing else is ever overwritten."""
    errors: list[SiteError] = []
    writers: dict[str, str] = {}
    for page in pages:
        if page.path in writers:
            errors.append(SiteError(f"two generated pages would be written to {page.path}"))
        writers[page.path] = f"the generated page {page.path}"
    for source, destination in static_files:
        if destination in writers:
            errors.append(PostError(source, None, f"would replace {writers[destination]}",
                                    hint="rename or move it: files in static/ cannot replace generated pages"))
    sources = {destination: f"the theme asset {destination}" for _, destination in theme_files}
    sources.update({destination: display_path(source) for source, destination in static_files})
    sources.update(writers)
    for path, writer in sorted(sources.items()):
        pieces = path.split("/")  # most paths are plain: their pieces are their parts (no Path to make)
        parts = tuple(pieces) if all(piece not in ("", ".") for piece in pieces) else PurePosixPath(path).parts
        if path.startswith("/") or ".." in parts:
            errors.append(SiteError(f"{writer} would be written outside the site ({path})"))
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in sources:
                errors.append(SiteError(f"{writer} needs a folder {folder}/ where {sources[folder]} is a file",
                                        hint="rename one of them"))
    return errors


def raise_all(errors: list[SiteError]) -> None:
    if errors:
        raise BuildError(errors)
