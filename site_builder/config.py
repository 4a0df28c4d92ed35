"""``content/site.yaml`` (or a Jekyll ``_config.yml``) -> a frozen ``SiteConfig``.

Every bad key is reported at once, then the build stops (MkDocs' habit). Jekyll configs carry many
keys for Jekyll plugins; those are ignored, since the folder must build without changes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml
from pygments.styles import get_all_styles

from site_builder.errors import ConfigError
from site_builder.frontmatter import normalise_text


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str = "Conversations"
    """Site name, shown in the header and the feed."""
    description: str = ""
    author: str = ""
    base_url: str = "/"
    """Public URL of the site root, e.g. ``https://me.github.io/blog/``; feeds and sitemap use it.
    Pages link relatively, so the output works from any sub-path."""
    language: str = "en"
    highlight_light: str = "friendly"
    """Pygments style for the light theme."""
    highlight_dark: str = "github-dark"
    """Pygments style for the dark theme."""
    feed_entries: int = 20
    """How many posts the Atom feed lists."""
    search: bool = True
    """Build the search page and its Pagefind index (``search: false`` builds without them)."""

    @property
    def absolute_root(self) -> str:
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"


_TYPES = {f.name: {"feed_entries": int, "search": bool}.get(f.name, str) for f in fields(SiteConfig)}
_TYPE_NAMES = {int: "a number", bool: "true or false", str: "text"}
_JEKYLL_KEYS = {"title": "title", "description": "description", "author": "author", "lang": "language"}


def load_config(path: Path | None, *, jekyll: bool = False, base_url: str | None = None) -> SiteConfig:
    """Read the config file (None = defaults). ``base_url`` from the command line wins over the file."""
    data = _read(path) if path is not None else {}
    config = _from_jekyll(data) if jekyll else _validate(path, data)
    return replace(config, base_url=base_url) if base_url else config


def _read(path: Path) -> dict[str, Any]:
    try:
        text = normalise_text(path.read_bytes(), path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    return data


def _validate(path: Path | None, data: dict[str, Any]) -> SiteConfig:
    problems, values = [], {}
    styles = set(get_all_styles())
    for key, value in data.items():
        if key not in _TYPES:
            problems.append(f"unknown setting {key!r} (known: {', '.join(_TYPES)})")
        elif not isinstance(value, _TYPES[key]) or (isinstance(value, bool) and _TYPES[key] is not bool):
            problems.append(f"{key} must be {_TYPE_NAMES[_TYPES[key]]}, got {value!r}")
        elif key.startswith("highlight_") and value not in styles:
            problems.append(f"{key}: no Pygments style {value!r} (try friendly, github-dark, monokai, solarized-light)")
        else:
            values[key] = value
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{path}: {len(problems)} bad setting{'s' if len(problems) > 1 else ''}:\n{listing}")
    return SiteConfig(**values)


def _from_jekyll(data: dict[str, Any]) -> SiteConfig:
    values = {ours: str(data[theirs]) for theirs, ours in _JEKYLL_KEYS.items() if data.get(theirs) is not None}
    if isinstance(data.get("author"), dict):
        values["author"] = str(data["author"].get("name", ""))
    url, baseurl = str(data.get("url") or "").rstrip("/"), str(data.get("baseurl") or "").strip("/")
    values["base_url"] = f"{url}/{baseurl}/" if baseurl else f"{url}/"
    return SiteConfig(**values)
