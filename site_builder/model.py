"""The content model: frozen values that flow through the pipeline (DESIGN §1).

Line numbers are 1-based lines of the *source file* (front matter included), so an error or a
test report can point an editor straight at them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

ROLES = ("user", "assistant", "system", "tool")
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug", "ur", "yi"})
"""Primary language subtags whose default script (CLDR's likely subtags) is written right to left: ``ks``
Kashmiri is ``ks-Arab`` (Perso-Arabic), ``arc`` Aramaic ``arc-Armi``; ``iw`` is the old code of ``he``."""
RTL_SCRIPTS = frozenset({"adlm", "arab", "armi", "hebr", "mand", "nkoo", "rohg", "samr", "syrc", "thaa"})
"""ISO 15924 script subtags written right to left: a tag's script decides over its language's default
(``ku-Arab`` Kurdish in Arabic script is ``rtl``, ``ks-Deva`` Kashmiri in Devanagari ``ltr``)."""
_SCRIPT_SUBTAG = re.compile(r"[a-z]{2,8}(?:-[a-z]{3}){0,3}-([a-z]{4})(?:-|$)")
"""A BCP 47 tag's script: the four letters after the language and its extended subtags (``zh-yue-hant``)."""

LANGUAGE_NAMES = {
    "en": "English", "zh": "中文", "zh-hans": "简体中文", "zh-hant": "繁體中文", "zh-cn": "简体中文",
    "zh-tw": "繁體中文", "ja": "日本語", "ko": "한국어", "fr": "Français", "de": "Deutsch", "es": "Español",
    "pt": "Português", "pt-br": "Português (Brasil)", "it": "Italiano", "nl": "Nederlands", "ru": "Русский",
    "uk": "Українська", "pl": "Polski", "tr": "Türkçe", "ar": "العربية", "he": "עברית", "fa": "فارسی",
    "ur": "اردو", "hi": "हिन्दी", "bn": "বাংলা", "id": "Bahasa Indonesia", "vi": "Tiếng Việt", "th": "ไทย",
    "sv": "Svenska", "da": "Dansk", "fi": "Suomi", "nb": "Norsk bokmål", "cs": "Čeština", "el": "Ελληνικά",
    "hu": "Magyar", "ro": "Română",
}
"""Each language's name in itself (what a language switcher shows), by lower-case tag."""


def language_name(lang: str) -> str:
    """``lang``'s name in itself (``Français``), its primary subtag's, or the tag as written."""
    code = lang.lower().replace("_", "-")
    return LANGUAGE_NAMES.get(code) or LANGUAGE_NAMES.get(code.split("-")[0]) or lang


def text_direction(lang: str) -> str:
    """``rtl`` for a BCP 47 tag written right to left (``ar``, ``he-IL``, ``fa``, ``ku-Arab``…), else ``ltr``:
    the tag's script subtag when it has one (``RTL_SCRIPTS``), else its language's (``RTL_LANGUAGES``)."""
    tag = lang.replace("_", "-").casefold()
    script = _SCRIPT_SUBTAG.match(tag)
    rtl = script[1] in RTL_SCRIPTS if script else tag.split("-")[0] in RTL_LANGUAGES
    return "rtl" if rtl else "ltr"


def folder_language(path: Path) -> str | None:
    """The language folder a post file sits in (``_posts/zh/x.md``, ``zh/_posts/x.md``, ``posts/fr/x.md``), or
    None: the folder's name must be a language of ``LANGUAGE_NAMES``."""
    parent = path.parent
    if parent.name == "_posts":
        parent = parent.parent
    name = parent.name.lower().replace("_", "-")
    return name if name in LANGUAGE_NAMES else None


@dataclass(frozen=True, slots=True)
class Speaker:
    name: str
    """The label as written in the post (``Zhiwei``, ``ChatGPT``, ``用户``)."""
    role: str
    """One of ``ROLES``."""
    model: str | None = None
    """The model behind an assistant, when the post declares it (``gpt-3.5-turbo``)."""


@dataclass(frozen=True, slots=True)
class CodeBlock:
    lang: str
    """First word of the info string, lower-cased (``python``); empty for a bare fence."""
    info: str
    """The whole info string (``python companion=sgd.py::Network.SGD``)."""
    code: str
    """The block's text, ending with a newline."""
    line: int
    """Line of the opening fence in the source file."""


@dataclass(frozen=True, slots=True)
class Annotation:
    kind: str
    """``note``, ``tip``, ``important``, ``warning`` or ``caution``."""
    line: int


@dataclass(frozen=True, slots=True)
class Turn:
    number: int
    """1-based position among all turns of the post, in source order; the anchor is ``#turn-N``."""
    speaker: Speaker
    line: int
    """Line of the ``Label:``."""
    end_line: int
    """Last line that belongs to the turn (inclusive)."""
    text: str
    """Markdown of the turn without its label."""
    text_line: int
    """Source line where ``text`` starts (to map markdown-it token lines back to the file)."""
    annotations: tuple[Annotation, ...] = ()

    @property
    def role(self) -> str:
        return self.speaker.role


@dataclass(frozen=True, slots=True)
class ReadingWarning:
    """A shape of the post that is often misread (a label used once…): shown, never an error."""
    line: int
    message: str
    """What was decided and the alternative."""
    settle: tuple[tuple[str, Any], ...] = ()
    """The front matter that settles the doubt as decided (``speakers``, ``prompts``, ``closing_words``), as
    key/value pairs; a ``speakers`` value is a tuple of (label, role) pairs. Empty for a warning that is not a
    doubt about the reading (a Liquid tag)."""

    def said(self, path: object) -> str:
        """The warning as ``build`` and ``explain`` print it: file:line, the decision, and what settles it."""
        text = f"{path}:{self.line}: warning: {self.message}"
        if self.settle:
            lines = "; ".join(f"`{key}: {settle_value(value)}`" for key, value in self.settle)
            text += f" (to settle it, add {lines} to the front matter, or run `site-builder explain --fix {path}`)"
        return text


def settle_value(value: Any) -> str:
    """A settling value as one line of YAML: ``quoted``, ``none``, ``{Me: user, ChatGPT: assistant}``."""
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{_yaml_scalar(label)}: {role}" for label, role in value) + "}"
    return _yaml_scalar(value)


_PLAIN_YAML = re.compile(r"[^\W\d_][\w .'’-]*[\w.]|[^\W\d_]", re.UNICODE)
_YAML_WORDS = frozenset(("y", "yes", "n", "no", "true", "false", "on", "off", "null"))


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML flow scalar: plain when it is a word or words, else double-quoted (JSON escapes)."""
    if _PLAIN_YAML.fullmatch(text) and text.casefold() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Exchange:
    number: int
    question: Turn | None
    """The user turn, or None for answers/system text with no question before them."""
    answers: tuple[tuple[Turn, ...], ...]
    """One tuple of turns per answer variant (regenerated answers); empty when unanswered."""
    repeats: tuple[Turn, ...] = ()
    """The repeated question turns that were merged into this exchange (one per extra variant)."""


@dataclass(frozen=True, slots=True)
class Post:
    path: Path
    slug: str
    title: str
    date: dt.date
    body: str
    """Markdown after the front matter."""
    body_line: int
    """Source line where ``body`` starts."""
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """All front-matter keys, known and unknown (templates may use any of them)."""
    tags: tuple[str, ...] = ()
    draft: bool = False
    summary: str | None = None
    lang: str | None = None
    speakers: Mapping[str, Speaker] = field(default_factory=lambda: MappingProxyType({}))
    intro: str = ""
    """Markdown before the first turn (the whole body for an ordinary article)."""
    turns: tuple[Turn, ...] = ()
    outro: str = ""
    """Markdown after the conversation ended: the author's closing words (empty when there are none)."""
    outro_line: int = 0
    """Source line where ``outro`` starts."""
    reasons: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Why each speaker of ``turns`` was read as one (``declared``, ``known assistant``, ``asks``…)."""
    warnings: tuple[ReadingWarning, ...] = ()
    """How the turns were read may be wrong here (``site-builder explain`` lists them)."""
    confidence: str = "certain"
    """How sure the reading of the turns is: ``declared``, ``certain`` or ``unsure`` (``Conversation.confidence``)."""
    exchanges: tuple[Exchange, ...] = ()
    code_blocks: tuple[CodeBlock, ...] = ()
    url: str = ""
    """Site-relative URL (``posts/slug/``, ``2023/08/03/slug.html``), percent-encoded; set once the site's
    ``permalink:`` is known (``permalinks.route``), empty before."""
    redirects: tuple[str, ...] = ()
    """Site-relative URLs that send the reader here (``redirect_from:``, Hugo's ``aliases:``)."""
    comments: bool | None = None
    """The front matter's ``comments: true|false``; None when it says nothing (``open_to_comments`` decides)."""

    @property
    def direction(self) -> str:
        """``rtl`` for a post in a right-to-left language (``lang: ar``, ``he``, ``fa``, ``ur``…), else ``ltr``."""
        return text_direction(self.lang or "")

    @property
    def is_conversation(self) -> bool:
        return bool(self.turns)

    @property
    def imported(self) -> bool:
        """Written by an importer: its code came from an export and is untrusted (no block runs unless
        marked ``trusted``). Importers write ``imported: SOURCE``; older imports carry only ``source_id``;
        ``imported: false`` is the author saying the post is now theirs."""
        return self.meta.get("imported", "source_id" in self.meta) is not False

    @property
    def open_to_comments(self) -> bool:
        """Whether the page shows comments when ``site.yaml`` configures them: as the front matter says, else
        yes for a post of the author's, no for an imported post (an export the author may not have read
        through) or a draft (its address is not yet final)."""
        return self.comments if self.comments is not None else not (self.imported or self.draft)

    @property
    def question_count(self) -> int:
        return sum(1 for e in self.exchanges if e.question is not None)


LANGUAGE_HINT = "write a language tag (BCP 47) such as en, en-GB, fr, zh-Hans, pt-BR"
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*|[xXiI](?:-[A-Za-z0-9]{1,8})+")


def language_problem(tag: str) -> str | None:
    """Why ``tag`` is not a language tag for ``<html lang>`` (None when it is one): the syntax of BCP 47 with a
    language of 2–3 letters (the 5–8 letter form is reserved and names none: ``english`` is refused), then
    subtags of 1–8 letters or digits (``_`` as in ``en_US`` is read as ``-``), or a private-use tag (``x-…``),
    at most 64 characters."""
    if len(tag) > 64 or not _LANGUAGE_TAG.fullmatch(tag):
        return "is not a language tag"
    return None
