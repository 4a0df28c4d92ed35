"""A content folder -> the source files of a site, in our layout or Jekyll's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from site_builder.errors import ConfigError

POST_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class Sources:
    root: Path
    config: Path | None
    jekyll: bool
    """True for a Jekyll folder (``_posts/``, ``_config.yml``)."""
    posts: tuple[Path, ...]
    drafts: tuple[Path, ...]
    companions: tuple[Path, ...]
    static: tuple[Path, ...]
    """Files copied as they are, with their path relative to ``static_root``."""
    static_root: Path | None
    templates: Path | None
    """The site's template overrides, if it has any."""


def discover(root: Path) -> Sources:
    if not root.is_dir():
        raise ConfigError(f"{root}: content folder not found", hint="pass --content DIR, the folder holding posts/")
    jekyll = (root / "_posts").is_dir() or (root / "_config.yml").is_file()
    posts_dir = root / ("_posts" if jekyll else "posts")
    drafts_dir = root / ("_drafts" if jekyll else "drafts")
    config = root / ("_config.yml" if jekyll else "site.yaml")
    static_root = root / "static"
    templates = root / "templates"
    return Sources(
        root=root,
        config=config if config.is_file() else None,
        jekyll=jekyll,
        posts=_files(posts_dir, POST_SUFFIXES),
        drafts=_files(drafts_dir, POST_SUFFIXES),
        companions=tuple(sorted((root / "companions").glob("*.py"))),
        static=_files(static_root, None),
        static_root=static_root if static_root.is_dir() else None,
        templates=templates if templates.is_dir() else None,
    )


def _files(folder: Path, suffixes: tuple[str, ...] | None) -> tuple[Path, ...]:
    if not folder.is_dir():
        return ()
    return tuple(sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and (suffixes is None or p.suffix.lower() in suffixes)
    ))
