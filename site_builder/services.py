"""Comments and analytics: the ``comments:`` and ``analytics:`` settings of ``site.yaml``, read into frozen values
that the theme's ``_comments.html`` and ``_analytics.html`` render. Both are off unless configured.

Every value ends up in a page, some inside a ``<script>`` element or a script's URL, where HTML escaping is not
enough; so each is checked against what the provider issues (``G-`` and letters and digits for Google, a host
name for Plausible's domain…) and anything else is refused, with the field named (``config.py`` adds the line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from site_builder.errors import shown

_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
"""``owner/name`` as GitHub spells them."""
_NODE_ID = re.compile(r"[A-Za-z0-9_=+/-]{4,100}")
"""A GitHub GraphQL node id, as giscus.app shows them (``R_kgDOxxxx``, ``DIC_kwDOxxxx4Cxxxx``; older ones base64)."""
_WORD = re.compile(r"[a-z0-9_]{1,40}")
_HOST = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")
_GA4 = re.compile(r"G-[A-Z0-9]{4,20}")
_GOATCOUNTER = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>\"'`\\]")
"""What no value of these settings needs, and what could end an attribute, a tag or a script."""

GISCUS_MAPPINGS = ("pathname", "url", "title", "og:title", "specific", "number")
GISCUS_KEYS = ("provider", "repo", "repo_id", "category", "category_id", "mapping", "term", "theme", "lang",
               "reactions", "input_position", "strict")


@dataclass(frozen=True, slots=True)
class Giscus:
    """Comments through giscus (GitHub Discussions), below each post: ``comments: {provider: giscus, …}``.
    The ids are the ones https://giscus.app shows for the repository."""
    repo: str
    """``owner/name`` of a public repository with Discussions on and the giscus app installed."""
    repo_id: str
    category: str
    """The Discussions category new threads go into (``Announcements``)."""
    category_id: str
    mapping: str = "pathname"
    """Which thread a page shows: ``pathname`` (the default), ``url``, ``title``, ``og:title``, ``specific`` (the
    thread whose title holds ``term``) or ``number`` (discussion number ``term``)."""
    term: str = ""
    theme: str = "preferred_color_scheme"
    """A giscus theme name (``light``, ``dark``, ``preferred_color_scheme``…) or an https URL of a stylesheet."""
    lang: str = ""
    """The widget's language (``en``, ``zh-CN``…); empty: the site's ``language``."""
    reactions: bool = True
    input_position: str = "bottom"
    strict: bool = False
    """Match threads by the SHA-1 of the term only (giscus' strict title matching)."""
    provider: str = "giscus"



@dataclass(frozen=True, slots=True)
class Plausible:
    """``analytics: {provider: plausible, domain: example.com}``; ``src`` for a self-hosted or extended script."""
    domain: str
    """The site's domain as registered in Plausible (several, comma-separated, for a roll-up)."""
    src: str = "https://plausible.io/js/script.js"
    provider: str = "plausible"



@dataclass(frozen=True, slots=True)
class GoatCounter:
    """``analytics: {provider: goatcounter, code: mysite}``: counts go to https://mysite.goatcounter.com."""
    code: str
    provider: str = "goatcounter"

    @property
    def endpoint(self) -> str:
        return f"https://{self.code}.goatcounter.com/count"



@dataclass(frozen=True, slots=True)
class GoogleAnalytics:
    """``analytics: {provider: google, id: G-XXXXXXXXXX}``: Google Analytics 4 through gtag.js."""
    id: str
    provider: str = "google"



Analytics = Plausible | GoatCounter | GoogleAnalytics
ANALYTICS_KEYS = {"plausible": ("provider", "domain", "src"), "goatcounter": ("provider", "code"),
                  "google": ("provider", "id")}


@dataclass(frozen=True, slots=True)
class Problem:
    """A bad value in one of these settings: ``field`` is the key inside the mapping (None: the setting itself)."""
    field: str | None
    message: str


def read_comments(value: Any) -> tuple[Giscus | None, list[Problem]]:
    """``comments:`` -> the comments settings (None when off: absent, ``false`` or empty) and what is wrong."""
    if value is None or value is False:
        return None, []
    if not isinstance(value, dict):
        return None, [Problem(None, f"comments must be a mapping such as {{provider: giscus, repo: owner/name, "
                                    f"repo_id: …, category: …, category_id: …}}, or false; got {shown(value)}")]
    problems = _unknown(value, GISCUS_KEYS, "comments")
    provider = value.get("provider")
    if provider != "giscus":
        return None, problems + [Problem("provider", f"comments.provider must be giscus, got {shown(provider)}")]
    fields: dict[str, Any] = {}
    for key, check in (("repo", _repo), ("repo_id", _node_id), ("category", _category), ("category_id", _node_id),
                       ("mapping", _mapping), ("term", _term), ("theme", _giscus_theme), ("lang", _lang),
                       ("reactions", _bool), ("input_position", _input_position), ("strict", _bool)):
        if key not in value:
            if key in ("repo", "repo_id", "category", "category_id"):
                problems.append(Problem(None, f"comments.{key} is missing (giscus.app shows it for your repository)"))
            continue
        problem = check(value[key])
        if problem:
            problems.append(Problem(key, f"comments.{key} {shown(value[key])} {problem}"))
        else:
            fields[key] = value[key]
    if value.get("mapping") in ("specific", "number") and not value.get("term"):
        problems.append(Problem("mapping", f"comments.mapping {value['mapping']} needs a term: (the thread's "
                                           "title words, or its number)"))
    if value.get("mapping") == "number" and "term" in fields and not str(fields["term"]).isdigit():
        problems.append(Problem("term", "comments.term must be a discussion number with mapping: number"))
    if problems:
        return None, problems
    fields["term"] = str(fields.get("term", ""))
    return Giscus(**fields), []


def read_analytics(value: Any) -> tuple[Analytics | None, list[Problem]]:
    """``analytics:`` -> the analytics settings (None when off: absent, ``false`` or empty) and what is wrong."""
    if value is None or value is False:
        return None, []
    if not isinstance(value, dict):
        return None, [Problem(None, "analytics must be a mapping such as {provider: plausible, domain: example.com}"
                                    f", or false; got {shown(value)}")]
    provider = value.get("provider")
    if provider not in ANALYTICS_KEYS:
        return None, [Problem("provider" if "provider" in value else None,
                              f"analytics.provider must be one of {', '.join(ANALYTICS_KEYS)}, got {shown(provider)}")]
    problems = _unknown(value, ANALYTICS_KEYS[provider], "analytics")
    required = ANALYTICS_KEYS[provider][1]
    if required not in value:
        problems.append(Problem(None, f"analytics.{required} is missing (needed by {provider})"))
    checks = {"domain": _domains, "src": _script_url, "code": _goatcounter, "id": _ga4}
    fields = {}
    for key in ANALYTICS_KEYS[provider][1:]:
        if key in value:
            problem = checks[key](value[key])
            if problem:
                problems.append(Problem(key, f"analytics.{key} {shown(value[key])} {problem}"))
            else:
                fields[key] = value[key].lower() if key == "domain" else value[key]
    if problems:
        return None, problems
    kind = {"plausible": Plausible, "goatcounter": GoatCounter, "google": GoogleAnalytics}[provider]
    return kind(**fields), []


def _unknown(value: dict, known: tuple[str, ...], setting: str) -> list[Problem]:
    return [Problem(str(key), f"{setting}: unknown key {shown(key)} (known: {', '.join(known)})")
            for key in value if key not in known]


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be text, not {type(value).__name__}"
    return None


def _repo(value: Any) -> str | None:
    return _text(value) or (None if _REPO.fullmatch(value) else "is not owner/name of a GitHub repository")


def _node_id(value: Any) -> str | None:
    return _text(value) or (None if _NODE_ID.fullmatch(value) else "is not an id as giscus.app shows it "
                                                                    "(letters, digits, _ - = + /)")


def _category(value: Any) -> str | None:
    return _text(value) or (None if 0 < len(value) <= 100 and not _UNSAFE.search(value)
                            else "must be the category's name (at most 100 characters, no quotes, < > or \\)")


def _mapping(value: Any) -> str | None:
    return None if value in GISCUS_MAPPINGS else f"must be one of {', '.join(GISCUS_MAPPINGS)}"


def _term(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return None if value > 0 else "must be a discussion number from 1"
    return _category(value)


def _giscus_theme(value: Any) -> str | None:
    if _text(value):
        return _text(value)
    if value.startswith("https://"):
        return _script_url(value)
    return None if _WORD.fullmatch(value) else "must be a giscus theme name (light, dark, preferred_color_scheme…) " \
                                               "or an https:// URL of a stylesheet"


def _lang(value: Any) -> str | None:
    return _text(value) or (None if _LANG.fullmatch(value) else "is not a language code such as en or zh-CN")


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _input_position(value: Any) -> str | None:
    return None if value in ("top", "bottom") else "must be top or bottom"


def _domains(value: Any) -> str | None:
    if _text(value):
        return _text(value)
    names = value.lower().split(",")
    return None if all(_HOST.fullmatch(name) for name in names) else \
        "is not a domain name as Plausible knows the site (example.com; several: a.com,b.com; no https://)"


def _script_url(value: Any) -> str | None:
    if _text(value):
        return _text(value)
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or not _HOST.fullmatch(parts.hostname) or "@" in parts.netloc \
            or _UNSAFE.search(value) or " " in value or len(value) > 500:
        return "must be an https:// URL (no quotes, spaces, < > or \\)"
    return None


def _goatcounter(value: Any) -> str | None:
    return _text(value) or (None if _GOATCOUNTER.fullmatch(value) else
                            "is not a GoatCounter code (the MYCODE of MYCODE.goatcounter.com: lower-case letters, "
                            "digits and -)")


def _ga4(value: Any) -> str | None:
    return _text(value) or (None if _GA4.fullmatch(value) else
                            "is not a Google Analytics 4 measurement id (G- then capital letters and digits, "
                            "G-XXXXXXXXXX)")
