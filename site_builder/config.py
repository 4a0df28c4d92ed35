"""``content/site.yaml`` (or a Jekyll ``_config.yml``) -> a frozen ``SiteConfig``.

Every bad key is reported at once, then the build stops (MkDocs' habit). Jekyll configs carry many
keys for Jekyll plugins; those are ignored, since the folder must build without changes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pygments.styles import STYLE_MAP, get_all_styles

from site_builder.errors import ConfigError, SiteError, shown
from site_builder.frontmatter import load_yaml, normalise_text
from site_builder.menu import MENU_HINT, MenuEntry, read_menu
from site_builder.model import LANGUAGE_HINT, language_problem
from site_builder.permalinks import pattern_problem, timezone_problem
from site_builder.services import Analytics, Giscus, Problem, read_analytics, read_comments


EMBED_HOSTS = ("www.youtube-nocookie.com", "www.youtube.com", "player.vimeo.com")


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
    feed_content: str = "summary"
    """What a feed entry holds: ``summary`` (the summary or first question, linking to the page) or ``full`` (the
    whole post as HTML, every URL in it absolute)."""
    paginate: int = 20
    """Posts a page of the home page and of each tag's page (the archive: four times as many); 0: one page."""
    search: bool = True
    """Build the search page and its Pagefind index (``search: false`` builds without them)."""
    comments: Giscus | None = None
    """Comments below each post (``services.Giscus``); None: none."""
    analytics: Analytics | None = None
    """A page-view counter in every page's head (``services.Plausible``, ``GoatCounter``, ``GoogleAnalytics``)."""
    menu: tuple[MenuEntry, ...] | None = None
    """The nav's links after the theme's own (``menu.py``); None: every page (Jekyll: ``header_pages``)."""
    keep: tuple[str, ...] = ()
    """Paths inside the output folder that are the user's (``CNAME``, ``downloads/``): builds never touched
    what they did not write, these they keep without a warning. Jekyll's ``keep_files``."""
    embed_hosts: tuple[str, ...] = EMBED_HOSTS
    """Hosts whose pages an ``<iframe>`` in a post of the author's may show (video embeds); others are removed."""
    permalink: str = ""
    """Where posts go: a pattern (``/:year/:month/:day/:title:output_ext``) or a Jekyll style (``date``, ``pretty``…);
    empty: ``posts/<slug>/`` in our folders, Jekyll's ``date`` in a Jekyll folder (``permalinks.py``)."""
    timezone: str = ""
    """Where a post's date with a zone is read for its URL (Jekyll's ``timezone``; UTC when empty)."""
    section_permalinks: tuple[tuple[str, str], ...] = ()
    """Hugo's ``permalinks``: (section, pattern) for the posts of each section (read from a Hugo config only)."""

    @property
    def absolute_root(self) -> str:
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"


_HUGO_ONLY = ("section_permalinks",)
_TYPES = {f.name: {"feed_entries": int, "paginate": int, "search": bool, "keep": (list, str),
                  "embed_hosts": list}.get(f.name, str)
          for f in fields(SiteConfig) if f.name not in _HUGO_ONLY}
_TYPE_NAMES = {int: "a number", bool: "true or false", str: "text", (list, str): "a list of paths inside the output",
               list: "a list of host names"}
_JEKYLL_KEYS = {"title": "title", "description": "description", "author": "author", "lang": "language",
                "permalink": "permalink", "timezone": "timezone"}


BASE_URL_HINT = "use an absolute http(s) URL such as https://me.github.io/blog/, or a path from the root such as /blog/"
_NOT_URL_CHARS = frozenset('"<>\\^`{|}')
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def load_config(path: Path | None, *, jekyll: bool = False, hugo: bool = False,
                base_url: str | None = None) -> SiteConfig:
    """Read the config file (None = defaults). ``base_url`` from the command line wins over the file."""
    data = (_read_toml(path) if path.suffix == ".toml" else _read(path)) if path is not None else {}
    config = _from_jekyll(path, data) if jekyll else _from_hugo(path, data) if hugo else _validate(path, data)
    if base_url is None:
        return config
    problem = base_url_problem(base_url)
    if problem:
        raise ConfigError(f"--base-url {shown(base_url)} {problem}", hint=BASE_URL_HINT)
    return replace(config, base_url=base_url)


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the site's root (None when it can): only ``http(s)://host/…`` or ``/path/``, so that
    no ``javascript:``, other host (``//evil``) or relative root ever reaches a link, the feed or the sitemap."""
    if not url:
        return "is empty"
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" or ch in _NOT_URL_CHARS for ch in url):
        return "holds a space, a control character or one of \" < > \\ ^ ` { | }"
    parts = urlsplit(url)
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "has a query (?) or fragment (#)"
    if not parts.scheme:
        rooted = url.startswith("/") and not url.startswith("//")
        return None if rooted else "is neither an http(s) URL nor a path from the root (/…)"
    if parts.scheme.lower() not in ("http", "https"):
        return f"uses the scheme {parts.scheme!r}; only http and https are allowed"
    if not parts.hostname or "@" in parts.netloc:
        return "has no host name (or has a user name before @)"
    try:
        parts.port
    except ValueError:
        return "has an invalid port"
    return None


def keep_problem(names: Any) -> str | None:
    """Why ``names`` is not a path or a list of paths inside the output folder (None when it is)."""
    names = [names] if isinstance(names, str) else names
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return f"must be a list of paths inside the output folder, got {shown(names)}"
    for name in names:
        parts = name.strip("/").split("/")
        if name.startswith("/") or "\0" in name or any(part in ("", ".", "..") for part in parts):
            return f"{shown(name)} is not a path inside the output folder (no leading /, no . or .. parts)"
    return None


def keep_names(names: str | list[str]) -> tuple[str, ...]:
    """``keep:`` as paths without a leading or trailing ``/`` (one path may be given alone)."""
    return tuple(name.strip("/") for name in ([names] if isinstance(names, str) else names))


def _read(path: Path) -> dict[str, Any]:
    try:
        text = normalise_text(path.read_bytes(), path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None

    def fail(line: int, message: str, hint: str) -> ConfigError:
        return ConfigError(f"{path}:{line}: {message}", hint=hint)

    data = load_yaml(text, fail)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    return data


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(normalise_text(path.read_bytes(), path))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+)", str(exc))
        raise ConfigError(f"{path}:{where[1] if where else 1}: invalid TOML: {exc}") from None


def _from_hugo(path: Path | None, data: dict[str, Any]) -> SiteConfig:
    """A Hugo config: ``title``, ``baseURL``, ``languageCode``, ``permalinks`` of the posts section, ``timeZone``;
    other keys are Hugo's or its theme's and are ignored."""
    keys = {key.lower(): value for key, value in data.items()}
    values: dict[str, Any] = {}
    if isinstance(keys.get("title"), str):
        values["title"] = keys["title"]
    params = keys.get("params") if isinstance(keys.get("params"), dict) else {}
    if isinstance(params.get("description"), str):
        values["description"] = params["description"]
    language = keys.get("languagecode") or keys.get("defaultcontentlanguage")
    if isinstance(language, str) and not language_problem(language):
        values["language"] = language.replace("_", "-")
    url = keys.get("baseurl")
    if isinstance(url, str) and url.strip():
        url = url.strip() if url.strip().endswith("/") else url.strip() + "/"
        if base_url_problem(url):
            raise ConfigError(f"{path}: baseURL {shown(url)} {base_url_problem(url)}", hint=BASE_URL_HINT)
        values["base_url"] = url
    links = {str(k): v for k, v in keys["permalinks"].items()} if isinstance(keys.get("permalinks"), dict) else {}
    for section, pattern in links.items():
        if isinstance(pattern, str) and pattern_problem(pattern):
            raise ConfigError(f"{path}: permalinks: {section}: {shown(pattern)} {pattern_problem(pattern)}")
    values["section_permalinks"] = tuple((s, p) for s, p in links.items() if isinstance(p, str))
    zone = keys.get("timezone")
    if isinstance(zone, str) and zone and not timezone_problem(zone):
        values["timezone"] = zone
    return SiteConfig(**values)


def _style_exists(name: str) -> bool:
    """A Pygments style, built in or from a plugin (looking for plugins reads every installed package's entry
    points: 30 ms, so only for a name that is not built in)."""
    return name in STYLE_MAP or name in set(get_all_styles())


def _validate(path: Path | None, data: dict[str, Any]) -> SiteConfig:
    problems, values, hint = [], {}, None
    for key, value in data.items():
        if key == "menu":
            values["menu"], menu_problems = read_menu(path, value)
            problems += menu_problems
            hint = MENU_HINT if menu_problems else hint
        elif key not in _TYPES:
            problems.append(f"unknown setting {shown(key)} (known: {', '.join(_TYPES)})")
        elif key in _SERVICES:
            value, found = _SERVICES[key](value)
            problems += [_at_line(path, key, problem) for problem in found]
            values[key] = value
        elif not isinstance(value, _TYPES[key]) or (isinstance(value, bool) and _TYPES[key] is not bool):
            problems.append(f"{key} must be {_TYPE_NAMES[_TYPES[key]]}, got {shown(value)}")
        elif key.startswith("highlight_") and not _style_exists(value):
            problems.append(f"{key}: no Pygments style {shown(value)} (try friendly, github-dark, monokai, "
                            "solarized-light)")
        elif key == "base_url" and base_url_problem(value):
            problems.append(f"base_url {shown(value)} {base_url_problem(value)}")
            hint = BASE_URL_HINT
        elif key == "language" and language_problem(value):
            problems.append(f"language {shown(value)} {language_problem(value)}")
            hint = LANGUAGE_HINT
        elif key == "paginate" and not 0 <= value <= 10_000:
            problems.append(f"paginate must be a number of posts from 0 (one page) to 10000, got {value}")
        elif key == "keep" and keep_problem(value):
            problems.append(f"keep: {keep_problem(value)}")
        elif key == "permalink" and pattern_problem(value):
            problems.append(f"permalink {shown(value)} {pattern_problem(value)}")
        elif key == "timezone" and timezone_problem(value):
            problems.append(f"timezone {shown(value)} {timezone_problem(value)}")
        elif key == "embed_hosts" and not all(isinstance(h, str) and _HOST.fullmatch(h) for h in value):
            problems.append(f"embed_hosts must be a list of host names such as www.youtube.com, got {shown(value)}")
        else:
            values[key] = value
    if "keep" in values:
        values["keep"] = keep_names(values["keep"])
    if "embed_hosts" in values:
        values["embed_hosts"] = tuple(host.lower() for host in values["embed_hosts"])
    if "language" in values:
        values["language"] = values["language"].replace("_", "-")
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{path}: {len(problems)} bad setting{'s' if len(problems) > 1 else ''}:\n{listing}",
                          hint=hint)
    return SiteConfig(**values)


def _feed_content(value: Any) -> tuple[str, list[Problem]]:
    if value in FEED_CONTENT:
        return value, []
    return "summary", [Problem(None, f"feed_content must be {' or '.join(FEED_CONTENT)}, got {shown(value)}")]


FEED_CONTENT = ("summary", "full")
_SERVICES = {"comments": read_comments, "analytics": read_analytics, "feed_content": _feed_content}
"""Settings read by their own function: (value, problems)."""


def _at_line(path: Path | None, key: str, problem: Problem) -> str:
    """The problem, after the line of ``site.yaml`` it is at (the key inside the setting, else the setting)."""
    line = setting_line(path, key, problem.field) if path is not None else None
    return f"{path}:{line}: {problem.message}" if line else problem.message


def setting_line(path: Path, key: str, field: str | None = None) -> int | None:
    """The 1-based line of ``key:`` in the config file, or of ``field:`` inside its mapping (block or flow style);
    None when it cannot be found."""
    try:
        root = yaml.compose(normalise_text(path.read_bytes(), path), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError, SiteError):
        return None
    node = _key_node(root, key)
    if node is None:
        return None
    inner = _key_node(_value_of(root, node), field) if field is not None else None
    return (inner or node).start_mark.line + 1


def _key_node(mapping: Any, key: str | None) -> Any:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next((k for k, _ in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _value_of(mapping: yaml.MappingNode, key_node: Any) -> Any:
    return next(v for k, v in mapping.value if k is key_node)


def _from_jekyll(path: Path | None, data: dict[str, Any]) -> SiteConfig:
    values: dict[str, Any] = {ours: str(data[theirs]) for theirs, ours in _JEKYLL_KEYS.items()
                              if data.get(theirs) is not None}
    if isinstance(data.get("author"), dict):
        values["author"] = str(data["author"].get("name", ""))
    if "language" in values:
        if language_problem(values["language"]):
            raise ConfigError(f"{path}: lang {shown(values['language'])} {language_problem(values['language'])}",
                              hint=LANGUAGE_HINT)
        values["language"] = values["language"].replace("_", "-")
    for key, check in (("permalink", pattern_problem), ("timezone", timezone_problem)):
        if key in values and check(values[key]):
            raise ConfigError(f"{path}: {key} {shown(values[key])} {check(values[key])}",
                              hint="see https://jekyllrb.com/docs/permalinks/" if key == "permalink" else None)
    keep = data.get("keep_files")
    if keep is not None:
        if keep_problem(keep):
            raise ConfigError(f"{path}: keep_files: {keep_problem(keep)}")
        values["keep"] = keep_names(keep)
    if data.get("header_pages") is not None:
        values["menu"], problems = read_menu(path, data["header_pages"], "header_pages")
        if problems:
            raise ConfigError(f"{path}: " + "; ".join(problems), hint="list the page files of the nav: [about.md]")
    url, baseurl = str(data.get("url") or "").rstrip("/"), str(data.get("baseurl") or "").strip("/")
    values["base_url"] = f"{url}/{baseurl}/" if baseurl else f"{url}/"
    problem = base_url_problem(values["base_url"])
    if problem:
        raise ConfigError(f"{path}: url + baseurl give the site root {shown(values['base_url'])}, which {problem}",
                          hint=BASE_URL_HINT)
    return SiteConfig(**values)
