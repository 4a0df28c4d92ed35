"""Secrets in a text: API keys, tokens, private keys, passwords in URLs, cloud credentials.

``find_secrets(text)`` gives where each one is and what kind it looks like; ``redact(text)`` gives the
text with each replaced by a marker that still reads, ``[redacted: OpenAI API key]``. Imports redact what
they write; a build only warns (``warning(path, finding)`` words it).

The rules are our own. Each known kind is a prefix and a shape that its issuer publishes (``AKIA`` and
16 base-32 characters, ``ghp_`` and 36, ``sk-ant-…``); the one guess is a high-entropy value assigned to
a variable whose name says it holds a secret (``api_key = "…"``, ``DB_PASSWORD=…``). What a technical
post is full of never counts: a token must stand alone (not inside a longer run of base64, so a data URI
or an npm ``integrity`` hash is never searched inside), a value must look random (letters and digits, no
words, no ``xxxx``/``example``/``your-…`` placeholder), and git SHAs, UUIDs and lockfile hashes are
never assigned to such names. Yelp's detect-secrets was weighed and left out: the commit that added this
module says why (no positions, missed kinds, false positives on docs' placeholders, 3x slower).

A marker never reads as a secret (``[`` stands where every rule's value must begin), so redacting twice
is redacting once. It has no line break, fence, ``|`` or ``_``, so the Markdown around it keeps its
shape; inside a URL (``https://bob:…@host``, a link's destination) it has no space either.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator


@dataclass(frozen=True, slots=True)
class Finding:
    """One secret in a text."""

    line: int
    """1-based line where the secret begins."""
    column: int
    """1-based column of its first character on ``line``."""
    end: int
    """The column just past it on ``line`` (a private key's body, which runs on, is cut at the line's end)."""
    kind: str
    """What it looks like, for a person: ``"AWS access key"``, ``"password in a URL"``…"""


@dataclass(frozen=True, slots=True)
class _Span:
    """A secret as offsets into the text: ``text[start:stop]`` is what a marker replaces."""

    start: int
    stop: int
    kind: str


@dataclass(frozen=True, slots=True)
class _Rule:
    """A regular expression whose group ``secret`` is the secret, and a judge that names its kind.

    ``judge(match)`` gives the kind, or None when the match is a placeholder, an example or not random.
    """

    pattern: re.Pattern
    judge: Callable[[re.Match], str | None]
    alone: bool = True
    """Whether the secret must stand alone: no token character (``_TOKEN``) just before it."""
    needs: tuple[tuple[str, ...], ...] = ()
    """Words every match holds (lower-cased; one of each group): the rule is not run over a text without them,
    since a pattern that cannot start on a fixed word tries at every character."""

    one_line: bool = False
    """Whether a match never spans a line and begins with one of ``needs[0]``'s words: then only the lines that
    hold one are searched (``matches``)."""

    def may_match(self, lowered: str) -> bool:
        return all(any(word in lowered for word in group) for group in self.needs)

    def matches(self, text: str, lowered: str) -> Iterator[re.Match]:
        """``pattern.finditer(text)``. For a ``one_line`` rule over an ASCII text (where a case-blind word is
        its lower-case form) only the lines holding a word are searched: a word common in prose ("key",
        "token") made the whole text's search three quarters of the time spent looking for secrets."""
        starts = self._lines(lowered) if self.one_line and text.isascii() else None
        if starts is None:
            yield from self.pattern.finditer(text)
            return
        for start in starts:
            end = text.find("\n", start)
            yield from self.pattern.finditer(text, start, len(text) if end < 0 else end + 1)

    def _lines(self, lowered: str) -> list[int] | None:
        """Where each line holding one of the words begins, in order; None when they are so many
        (``WHOLE_SEARCH_LINES``) that searching the whole text at once costs less. Each line is looked at once per
        word, however often it says the word."""
        starts: set[int] = set()
        for word in self.needs[0]:
            at = lowered.find(word)
            while at >= 0:
                starts.add(lowered.rfind("\n", 0, at) + 1)
                if len(starts) > WHOLE_SEARCH_LINES:
                    return None
                end = lowered.find("\n", at)
                at = -1 if end < 0 else lowered.find(word, end + 1)
        return sorted(starts)


WHOLE_SEARCH_LINES = 256
"""More lines than this holding a one-line rule's words (a text of ``key = …`` lines): the whole text is searched
at once (100,000 such lines: 0.17 s line by line, 0.05 s whole)."""


_TOKEN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+/-")
"""A token begins where none of these precedes it: never inside base64, a hash or a longer word (checked
after the match: a look-behind first in a pattern would cost a test at every character)."""
_DONE = r"(?![A-Za-z0-9_-])"
"""…and ends where none follows."""
_PLACEHOLDER = re.compile(
    r"example|xxxx|placeholder|redacted|your|dummy|fake|sample|changeme|insert|replace|1234|abcd|\.\.\.|…|(.)\1{3}",
    re.IGNORECASE)
"""Shapes of a value written in docs and examples, never of one an issuer generated."""
_WORDS = re.compile(r"[A-Za-z][a-z]{4,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DOTTED_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+")


def entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character (random base62 ≈ 5, hex ≈ 4, English ≈ 3.5 at most)."""
    return math.log2(len(value)) - sum(n * math.log2(n) for n in Counter(value).values()) / len(value)


def _issued(body: str, least: float = 3.0) -> bool:
    """Whether the random part of a prefixed token looks issued rather than typed into docs."""
    return not _PLACEHOLDER.search(body) and entropy(body) >= least


def _random(value: str) -> bool:
    """Whether a value assigned to a secret-named variable looks machine-made: long, letters and digits, no words.

    Not a UUID (ids are assigned to such names in examples), not a dotted name (``os.environ``), no
    placeholder. Hex of 32 or more counts: a hex secret key is a secret.
    """
    if not 16 <= len(value) <= 512 or _PLACEHOLDER.search(value):
        return False
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    if _UUID.fullmatch(value) or _DOTTED_NAME.fullmatch(value):
        return False
    in_words = sum(len(word) for word in _WORDS.findall(value))
    return in_words <= 0.4 * len(value) and entropy(value) >= 3.3


def _fixed(kind: str, prefix: int = 0, least: float = 3.0) -> Callable[[re.Match], str | None]:
    """A judge for a prefixed token: ``kind`` when what follows the first ``prefix`` characters looks issued."""
    return lambda match: kind if _issued(match["secret"][prefix:], least) else None


def _sk_key(match: re.Match) -> str | None:
    """``sk-…``: Anthropic's (``sk-ant-``), OpenAI's (``sk-proj-``, or the ``T3BlbkFJ`` every OpenAI key holds), others'."""
    value = match["secret"]
    if value.startswith("sk-ant-"):
        return "Anthropic API key" if _issued(value[7:]) else None
    if "T3BlbkFJ" in value or value.startswith(("sk-proj-", "sk-svcacct-", "sk-admin-")):
        return "OpenAI API key" if _issued(value.replace("T3BlbkFJ", "")[3:]) else None
    if value.startswith("sk-or-"):
        return "OpenRouter API key" if _issued(value[9:]) else None
    return "API key (sk-…)" if _random(value[3:]) else None


def _jwt(match: re.Match) -> str | None:
    """A JSON Web Token: its header decodes to a JSON object that names its algorithm."""
    head = match["secret"].split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError):
        return None
    return "JWT" if isinstance(header, dict) and "alg" in header else None


_URL_PLACEHOLDER = re.compile(r"pass|secret|pwd|token|key|user|[<>{}$*]|%\(|%s", re.IGNORECASE)
"""What a URL's password in docs is: ``user:pass@``, ``:TOKEN@``, ``:${DB_PASSWORD}@``, ``:****@``."""


def _url_password(match: re.Match) -> str | None:
    """A URL's password, unless it is a placeholder, repeats the user name (``postgres:postgres@``) or is one short
    word (``org:repo@`` in fsspec's URLs, ``admin:hunter@``): a word in a URL in a post is an example."""
    user, password = match["user"], match["secret"]
    if password == user or (password.isalpha() and len(password) < 12) or _URL_PLACEHOLDER.search(password):
        return None
    return None if _PLACEHOLDER.search(password) else "password in a URL"


GENERIC = "generic high-entropy secret assigned to a key/password/token variable"
"""The one kind that is a guess: a random-looking value under a name that says secret (its marker says ``secret``)."""
_NOT_SECRET_PREFIX = re.compile(r"(?i)(?:public|cache|primary|foreign|sort|partition|idempotency|dedup|lookup|hash|"
                                r"next|page|continuation|cursor|csrf|max|num|count|row|index|map|dict|id)[_.-]?$")
"""The start of a name that ends in a secret word but holds none: ``public_key``, ``next_token``, ``max_token``."""


_NAME = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


def _run_before(text: str, end: int, chars: frozenset | None, most: int) -> str:
    """The characters of ``chars`` (None: any but whitespace) just before ``end``, at most ``most`` of them."""
    start = end
    while start > end - most and start and (text[start - 1] in chars if chars else not text[start - 1].isspace()):
        start -= 1
    return text[start:end]


_SECRET_STEM = re.compile(r"(?i)(?:api|access|secret|private|auth|client|account|master|signing|encryption|db|"
                          r"admin|root|app|bot|refresh|session|bearer)\Z")


def _secret_name(stem: str, word: str) -> bool:
    """Whether ``stem + word`` names a secret: the word begins a part of the name (``db_password``, ``apiKey``,
    ``APIKEY``; not ``monkey``), and the name is not one that holds none (``public_key``, ``next_token``).
    A bare ``key`` is any key of a mapping, never enough."""
    if _NOT_SECRET_PREFIX.search(stem) or (word.lower() == "key" and not stem):
        return False
    return (not stem or not stem[-1].isalnum() or (stem[-1].islower() and word[0].isupper())
            or bool(_SECRET_STEM.search(stem)))


def _assigned(match: re.Match) -> str | None:
    """A value assigned to a secret-named variable; an AWS secret access key when the name says so."""
    stem = _run_before(match.string, match.start(), _NAME, 40)
    name, value = stem + match["word"], match["secret"]
    if not _secret_name(stem, match["word"]) or (match["op"] == ":" and _in_url(match.string, match.start())):
        return None  # in a URL, ``token:…@`` is a user name and a password: the URL rule's
    if not _random(value):
        return None
    if re.search(r"(?i)aws.*secret|secret.*access", name):
        return "AWS secret access key"
    return GENERIC


_B64 = r"[A-Za-z0-9+/=]"
_RULES = (
    _Rule(re.compile(r"(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])"),
          _fixed("AWS access key", 4, 2.5)),
    _Rule(re.compile(r"(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{60,251})" + _DONE),
          _fixed("GitHub token", 4)),
    _Rule(re.compile(r"(?P<secret>glpat-[A-Za-z0-9_-]{20,})" + _DONE), _fixed("GitLab token", 6)),
    _Rule(re.compile(r"(?P<secret>sk-[A-Za-z0-9_-]{30,})" + _DONE), _sk_key),
    _Rule(re.compile(r"(?P<secret>hf_[A-Za-z0-9]{30,})" + _DONE), _fixed("Hugging Face token", 3)),
    _Rule(re.compile(r"(?P<secret>xox[abposre]-[0-9]{6,}-[A-Za-z0-9-]{8,})" + _DONE),
          _fixed("Slack token", 5)),
    _Rule(re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>T[A-Z0-9]{6,}/[A-Za-z0-9/]{16,})"),
          _fixed("Slack webhook URL"), alone=False),
    _Rule(re.compile(r"(?P<secret>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}|whsec_[A-Za-z0-9]{24,})" + _DONE),
          lambda m: "Stripe key" if _issued(m["secret"].rsplit("_", 1)[1]) else None,
          needs=(("k_live_", "k_test_", "whsec_"),)),
    _Rule(re.compile(r"(?P<secret>AIza[A-Za-z0-9_-]{35})" + _DONE), _fixed("Google API key", 4)),
    _Rule(re.compile(r"(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})" + _DONE),
          _jwt),
    _Rule(re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}://(?P<user>[^\s:/?#\[\]@\"'<>`]+)"
                     r":(?P<secret>[^\s:/?#\[\]@\"'<>`]+)@"), _url_password, alone=False, needs=(("://",), ("@",))),
    _Rule(re.compile(r"(?i:bearer)[ \t]+(?P<secret>[A-Za-z0-9._~+/-]{20,}=*)(?![A-Za-z0-9._~+/=-])"),
          lambda m: "bearer token" if _random(m["secret"]) else None, alone=False, needs=(("bearer",),)),
    _Rule(re.compile(r"(?=[KkSsTtPpCc])(?P<word>(?i:key|secret|token|passw(?:or)?d|pwd|credentials?))"
                     r"(?![A-Za-z0-9])[\"']?\]?[ \t]*(?P<op>:=|=>|=|:)[ \t]*[\"'`]?"
                     r"(?P<secret>[A-Za-z0-9+/_.~!@#%^&*=-]{16,512})(?![A-Za-z0-9+/_.~!@#%^&*=-])"),
          _assigned, alone=False, needs=(("key", "secret", "token", "passw", "pwd", "credential"),), one_line=True),
)
"""Most specific first: where two rules find the same characters, the first names them."""

_KEY_BEGIN = re.compile(r"-----BEGIN (?P<label>(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")
_KEY_SEP = r"(?:\r?\n[ \t>]*|\\r\\n|\\n|[ \t]+(?=" + _B64 + r"{16}))"
"""What parts the lines of a key's body: a line break (and a quote or list's prefix), a ``\\n`` in a JSON string."""
_KEY_BODY = re.compile(
    r"[ \t]*(?:(?:\r?\n[ \t>]*|\\n)[A-Za-z-]+:[^\n\\]*)*"  # Proc-Type:, DEK-Info:, Comment: lines
    + _KEY_SEP + r"+(?P<body>" + _B64 + r"+(?:" + _KEY_SEP + r"+" + _B64 + r"+)*)"
    r"(?=[ \t]*(?:\r?\n|\\r|\\n|$|-----))")
"""The body of a key after its BEGIN line: lines of base64 and nothing else, up to the END line or the first other."""


def _private_keys(text: str) -> Iterator[_Span]:
    """The body of every private key block; its BEGIN and END lines are not secret and stay."""
    for begin in _KEY_BEGIN.finditer(text):
        body = _KEY_BODY.match(text, begin.end())
        if body and sum(c not in " \t\r\n>\\" for c in body["body"]) >= 40:
            yield _Span(body.start("body"), body.end("body"), "private key")


def _spans(text: str) -> list[_Span]:
    """Every secret, in the order of the text; where rules overlap, the more specific one's."""
    taken = list(_private_keys(text))  # in order, none overlapping
    lowered = text.lower()
    for rule in _RULES:
        if not rule.may_match(lowered):
            continue
        for match in rule.matches(text, lowered):
            start, stop = match.span("secret")
            if rule.alone and start and text[start - 1] in _TOKEN:
                continue
            place = bisect_right(taken, start, key=lambda span: span.start)
            if (place and taken[place - 1].stop > start) or (place < len(taken) and taken[place].start < stop):
                continue
            kind = rule.judge(match)
            if kind:
                taken.insert(place, _Span(start, stop, kind))
    return taken


def _finding(text: str, line_starts: list[int], span: _Span) -> Finding:
    index = bisect_right(line_starts, span.start) - 1
    line_start = line_starts[index]
    line_end = line_starts[index + 1] - 1 if index + 1 < len(line_starts) else len(text)
    stop = min(span.stop, line_end)
    return Finding(index + 1, span.start - line_start + 1, stop - line_start + 1, span.kind)


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in re.finditer("\n", text))]


def find_secrets(text: str) -> tuple[Finding, ...]:
    """Every secret in ``text``, in order: where it is (line, columns) and what it looks like."""
    spans = _spans(text)
    starts = _line_starts(text) if spans else []
    return tuple(_finding(text, starts, span) for span in spans)


def marker(kind: str, in_url: bool = False) -> str:
    """What stands where a secret was: ``[redacted: Slack token]``; in a URL, where a space would end it,
    ``[redacted:Slack-token]``."""
    kind = "secret" if kind == GENERIC else kind
    return f"[redacted:{kind.replace(' ', '-')}]" if in_url else f"[redacted: {kind}]"


def _in_url(text: str, start: int) -> bool:
    """Whether ``start`` is in a URL or a link's destination (the run of non-space characters before it)."""
    before = _run_before(text, start, None, 2000)
    return "://" in before or "](" in before or before.startswith("<") or "www." in before


def redact(text: str) -> tuple[str, tuple[Finding, ...]]:
    """``text`` with every secret replaced by its marker, and the findings (positions in the text given).

    A private key keeps its BEGIN and END lines and loses its body. A marker that would be followed by
    ``(`` gets a space, so that it never becomes a link's text.
    """
    spans = _spans(text)
    starts = _line_starts(text)
    parts, last = [], 0
    for span in spans:
        parts += [text[last:span.start], marker(span.kind, _in_url(text, span.start))]
        if text.startswith("(", span.stop):
            parts.append(" ")
        last = span.stop
    parts.append(text[last:])
    return "".join(parts), tuple(_finding(text, starts, span) for span in spans)


def warning(path: str, finding: Finding) -> str:
    """The build's warning for a finding: ``path:line: warning: looks like …; what to do``."""
    return (f"{path}:{finding.line}: warning: looks like a{'n' if finding.kind[0] in 'AEIOU' else ''} {finding.kind} "
            f"(column {finding.column}); if it is real, revoke it now (publishing it leaks it), "
            f"then replace it with {marker(finding.kind)} or a placeholder")
