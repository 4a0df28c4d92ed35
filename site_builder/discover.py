"""A content folder -> the source files of a site, in our layout or Jekyll's.

Nothing outside the content folder is ever read into the site. A symbolic link is followed when it resolves
inside the content folder (``static/logo.svg -> ../shared/logo.svg``); one that resolves outside it, leads
nowhere (dangling) or leads back into itself (a loop) is an error naming the link. Every such error is
reported at once, before any file is read. Files whose name starts with a dot are skipped (editors leave
them); folders are not (``static/.well-known/`` is published).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from site_builder.errors import BuildError, ConfigError, PostError, SiteError

_PACKAGE = Path(__file__).resolve().parent
THEME_DIR = _PACKAGE / "theme" if (_PACKAGE / "theme").is_dir() else _PACKAGE.parent / "templates"
"""The theme, the templates and assets every site starts from: the package data ``site_builder/theme`` in an
installed wheel, the repository's top-level ``templates/`` otherwise (an editable install; pyproject.toml maps
one onto the other)."""
POST_SUFFIXES = (".md", ".markdown")
JEKYLL_PAGE_SUFFIXES = (*POST_SUFFIXES, ".html")
"""A Jekyll folder's pages: these files at its top with front matter (``about.md`` -> ``about.html``)."""
_COMPANION_NAME = re.compile(r"\w[\w-]*")
"""A companion's stem names its page, ``companions/<stem>/``: letters, digits, ``_`` and ``-`` only."""


@dataclass(frozen=True, slots=True)
class Sources:
    root: Path
    """The content folder, resolved (links followed)."""
    config: Path | None
    jekyll: bool
    """True for a Jekyll folder (``_posts/``, ``_config.yml``)."""
    posts: tuple[Path, ...]
    drafts: tuple[Path, ...]
    pages: tuple[Path, ...]
    """Page files (``pages/**/*.md``); in a Jekyll folder, the files at its top that may be pages (whether one
    is, it says with its front matter, read only when it is parsed)."""
    pages_root: Path
    """The folder page names (``menu:``) are relative to: ``pages/``, or a Jekyll folder itself."""
    companions: tuple[Path, ...]
    static: tuple[Path, ...]
    """Files copied as they are, with their path relative to ``static_root``."""
    static_root: Path | None
    templates: Path | None
    """The site's template overrides, if it has any."""
    hugo: bool = False
    """True for a Hugo site folder (``hugo.toml`` or ``config.toml``… beside ``content/``): posts are
    ``content/posts/`` (or ``content/post/``) and the URLs are Hugo's."""
    skipped: tuple[tuple[Path, str], ...] = ()
    """Files in a posts folder that are not read as posts, each with the reason (the build warns of each)."""


def discover(root: Path) -> Sources:
    """The source files of the site in ``root``; raises ``BuildError`` listing every link that leaves it."""
    if not root.is_dir():
        raise ConfigError(f"{root}: content folder not found", hint="pass --content DIR, the folder holding posts/")
    root = root.resolve()
    problems: list[SiteError] = []
    jekyll = (root / "_posts").is_dir() or (root / "_config.yml").is_file()
    hugo_config = None if jekyll or (root / "site.yaml").exists() else hugo_config_of(root)
    config = root / ("_config.yml" if jekyll else "site.yaml") if hugo_config is None else hugo_config
    config_target = _inside(config, root, problems)
    static_root, templates = root / "static", root / "templates"
    tree = jekyll_tree(root) if jekyll else JekyllTree((), (), (), ())
    jekyll_files = [p for folder in tree.post_folders for p in _files(folder, root, problems)]
    _files(templates, root, problems)  # for the links it may hold: Jinja reads templates by name
    sources = Sources(
        root=root,
        config=config if config_target is not None and config_target.is_file() else None,
        jekyll=jekyll,
        posts=tuple(p for p in jekyll_files if _dated(p)) if jekyll else
        tuple(p for section in HUGO_SECTIONS for p in _posts(root / "content" / section, root, problems))
        if hugo_config is not None else _posts(root / "posts", root, problems),
        drafts=_posts(root / ("_drafts" if jekyll else "drafts"), root, problems),
        pages=_jekyll_pages(root, problems) + tree.sub_pages if jekyll else _posts(root / "pages", root, problems),
        pages_root=root if jekyll else root / "pages",
        companions=_companions(root / "companions", root, problems),
        static=tree.copies if jekyll else _files(static_root, root, problems),
        static_root=root if jekyll else static_root if static_root.is_dir() else None,
        templates=templates if templates.is_dir() else None,
        hugo=hugo_config is not None,
        skipped=tuple((p, _not_a_jekyll_post(p)) for p in jekyll_files if not _dated(p)) + tree.passed,
    )
    if problems:
        raise BuildError(problems)
    return sources


HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "config.toml", "config.yaml", "config.yml")
HUGO_SECTIONS = ("posts", "post", "blog")
"""The sections of a Hugo site whose pages are posts (``content/posts/…``)."""


def hugo_config_of(root: Path) -> Path | None:
    """The config file of a Hugo site folder (one of ``HUGO_CONFIGS`` beside a ``content/`` folder), or None."""
    if not (root / "content").is_dir():
        return None
    return next((root / name for name in HUGO_CONFIGS if (root / name).is_file()), None)


_NOT_JEKYLL_SOURCES = frozenset(("node_modules", "vendor", "gemfiles"))


@dataclass(frozen=True, slots=True)
class JekyllTree:
    """What one walk of a Jekyll folder finds, through the folders Jekyll reads (not ``_…``, ``.…``,
    ``node_modules``, ``vendor``; but ``_pages/`` at the top, which themes have Jekyll read with ``include:``);
    links are not followed (Jekyll's safe mode)."""
    post_folders: tuple[Path, ...]
    """``_posts/`` and the ``_posts/`` of folders (``ai/_posts/``: their posts are in category ``ai``)."""
    sub_pages: tuple[Path, ...]
    """Files in sub-folders that may be pages (``LLM/index.md`` -> ``LLM/``, ``pages/about.md``)."""
    copies: tuple[Path, ...]
    """Files the site holds as they are: no front matter (images, ``CNAME``, a ``README.md``), not a ``Gemfile``."""
    passed: tuple[tuple[Path, str], ...]
    """Files with front matter that are no page (a ``feed.xml`` of Liquid, a ``main.scss``), with the reason."""


_BINARY = frozenset((".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico", ".pdf", ".zip", ".gz", ".woff",
                     ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".webm", ".mov", ".key", ".ipynb"))
"""Suffixes whose files never open with front matter: not read at each build to find out."""


def jekyll_tree(root: Path) -> JekyllTree:
    """One walk of the Jekyll folder ``root`` (``JekyllTree``)."""
    folders, pages, copies, passed = [root / "_posts"], [], [], []
    for folder, subfolders, files in os.walk(root):
        here, top = Path(folder), Path(folder) == root
        subfolders[:] = sorted(d for d in subfolders if (not d.startswith(("_", ".", "#", "~")) or top and d == "_pages")
                               and d not in _NOT_JEKYLL_SOURCES and not os.path.islink(os.path.join(folder, d)))
        if not top and os.path.isdir(os.path.join(folder, "_posts")):
            folders.append(here / "_posts")
        for name in sorted(files):
            path = here / name
            if name.startswith((".", "_", "#", "~")) or name in _JEKYLL_OWN and top or os.path.islink(path):
                continue
            page_like = name.lower().endswith(JEKYLL_PAGE_SUFFIXES)
            if page_like and not top:
                pages.append(path)
            if path.suffix.lower() in _BINARY or not _front_matter(path):
                copies.append(path)
            elif not page_like:
                passed.append((path, "not built: a file with front matter is made by Jekyll's Liquid or Sass, which "
                                     "site-builder does not run (the theme makes its own feed, sitemap and styles)"))
    in_pages = [path for path in copies if path.is_relative_to(root / "_pages")]  # Jekyll reads _pages/ for pages
    return JekyllTree(tuple(folders), tuple(sorted(pages)), tuple(p for p in copies if p not in in_pages), tuple(passed))


_JEKYLL_POST_NAME = re.compile(r"^\d{2,4}-\d{1,2}-\d{1,2}-[^/]*\.[^.]+$")
"""The names Jekyll reads as posts in ``_posts/``: a date, a name, an extension."""


def _dated(path: Path) -> bool:
    """A post of a Jekyll folder: a dated name with a Markdown suffix (Jekyll passes over undated files)."""
    return bool(_JEKYLL_POST_NAME.match(path.name)) and path.suffix.lower() in POST_SUFFIXES


def _not_a_jekyll_post(path: Path) -> str:
    if not _JEKYLL_POST_NAME.match(path.name):
        return "not a post: its name does not start with a date (YYYY-MM-DD-), so Jekyll does not publish it either"
    return (f"not read: a {path.suffix or 'suffix-less'} file in _posts/ is not Markdown (only .md and .markdown "
            "posts are built)")


def _posts(folder: Path, root: Path, problems: list[SiteError]) -> tuple[Path, ...]:
    return tuple(p for p in _files(folder, root, problems) if p.suffix.lower() in POST_SUFFIXES)


def _jekyll_pages(root: Path, problems: list[SiteError]) -> tuple[Path, ...]:
    """The files at the top of a Jekyll folder that may be pages: ``*.md``, ``*.markdown``, ``*.html``, not
    hidden (``.``) nor Jekyll's own (``_``). Only these entries are looked at: a link elsewhere in the folder
    (``node_modules -> …``) is none of the site's business."""
    found = []
    try:
        with os.scandir(root) as listing:
            names = sorted(entry.name for entry in listing)
    except OSError as exc:
        problems.append(PostError(root, None, f"cannot read the folder: {exc.strerror}"))
        return ()
    for name in names:
        path = root / name
        if name.startswith((".", "_")) or not name.lower().endswith(JEKYLL_PAGE_SUFFIXES):
            continue
        target = _inside(path, root, problems)
        if target is not None and target.is_file():
            found.append(path)
    return tuple(found)


_JEKYLL_OWN = frozenset(("Gemfile", "Gemfile.lock"))


def _front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            head = file.read(16)
    except OSError:
        return False
    head = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    return re.match(rb"---[ \t]*\r?\n", head) is not None



def _companions(folder: Path, root: Path, problems: list[SiteError]) -> tuple[Path, ...]:
    found = []
    for path in _files(folder, root, problems, recursive=False):
        if path.suffix != ".py":
            continue
        if _COMPANION_NAME.fullmatch(path.stem):
            found.append(path)
        else:
            problems.append(PostError(path, None, f"companion {path.name!r} cannot name its page companions/"
                                      f"{path.stem}/: use letters, digits, _ and - only",
                                      hint="rename the file, e.g. my_module.py"))
    return tuple(found)


def _inside(path: Path, root: Path, problems: list[SiteError]) -> Path | None:
    """Where ``path`` really is, when that is inside ``root`` or nowhere (nothing there); else None and a
    problem (a link out of ``root``, a dangling link, a symlink loop)."""
    if not path.is_symlink() and not path.exists():
        return path
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        why = "leads back to itself (a symlink loop)" if isinstance(exc, RuntimeError) else "points to nothing"
        problems.append(PostError(path, None, f"symbolic link {why}",
                                  hint="remove the link, or point it at a file inside the content folder"))
        return None
    if not target.is_relative_to(root):
        problems.append(PostError(path, None, f"symbolic link to {target}, outside the content folder {root}: "
                                  "nothing outside it goes into the site",
                                  hint="copy the file into the content folder, or remove the link"))
        return None
    return target


def _files(folder: Path, root: Path, problems: list[SiteError], recursive: bool = True) -> tuple[Path, ...]:
    """Every file under ``folder``, named by its path through the folder and its links, sorted.

    A linked folder is walked when it resolves inside ``root`` — unless it holds the folder the walk came
    from (``static/up -> ..``), which would be walked forever: that is a loop.
    """
    start = _inside(folder, root, problems)
    if start is None or not start.is_dir():
        return ()
    found: list[Path] = []
    stack = [(folder, (start,))]
    while stack:
        current, chain = stack.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            problems.append(PostError(current, None, f"cannot read the folder: {exc.strerror}"))
            continue
        for entry in entries:
            path = current / entry.name
            if entry.name.startswith(".") and not entry.is_dir():  # .DS_Store, an editor's .#lock link
                continue
            if entry.is_symlink():
                target = _inside(path, root, problems)
                if target is None:
                    continue
                is_dir, is_file = target.is_dir(), target.is_file()
            else:  # a plain entry of a folder inside root is inside root: no need to resolve it
                target = chain[-1] / entry.name
                is_dir, is_file = entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False)
            if is_dir and recursive:
                if any(walked.is_relative_to(target) for walked in chain):
                    problems.append(PostError(path, None, "symbolic link to a folder that holds it (a loop)",
                                              hint="remove the link, or point it at a folder beside it"))
                else:
                    stack.append((path, (*chain, target)))
            elif is_file:
                found.append(path)
    return tuple(sorted(found))
