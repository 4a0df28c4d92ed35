"""GFM autolinks (https://github.github.com/gfm/#autolinks-extension-): ``www.…``, ``https://…``,
``mailto:``/``xmpp:``, bare e-mail addresses (``autolink_plugin``).

These are our own rules, not mdit-py-plugins' ``gfm_autolink``: its protocol rule searches all the text
gathered so far at every ``:`` and copies the rest of the paragraph at every ``:``, ``@`` and ``www.``, so
40 kB of ``a:a:…`` took 16 s. These rules recognise the same links (tests/fuzz/test_fuzz_autolink.py compares
the two on generated text) and look at each character a bounded number of times; what they measured of a
paragraph is kept in ``env["autolink_run"]``.
"""

from __future__ import annotations

import re
import string
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline


_MAY_PRECEDE = frozenset(" \t\r\n*_~(")
"""An autolink starts at the start of the text or after one of these."""
_WWW_STOP = r"w(?=ww\.)"
"""Where the text rule stops at a ``w``: only where ``www.`` starts (markdown-it-py's ``terminator_re``, 4.x).
``add_terminator_char("w")`` stops it at every ``w``, and at each stop markdown-it tries every inline rule; no
rule but ``_www_rule`` acts on a ``w``, so the tokens are the same. Every ``w`` of the prose cost about a sixth
of a post's inline parse."""
_ENDS_URL = frozenset(" \t\r\n\x00\x0b\x0c<")
_TRAILING = frozenset("?!.,:*_~'\"[]")
"""Punctuation at the end of a URL that belongs to the sentence, not the link."""
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
_LOCAL_PART = _ASCII_ALNUM | frozenset(".+-_")
_SCHEMES = ("https", "http", "mailto", "xmpp")


def autolink_plugin(md: MarkdownIt) -> None:
    """Link ``www.x.org``, ``http(s)://x``, ``mailto:a@x.org``, ``xmpp:a@x.org/res`` and ``a@x.org`` in text."""
    stops = getattr(md.inline, "terminator_re", None)
    md.inline.add_terminator_char("w")  # so that the text rule stops where ``www.`` may start
    if isinstance(stops, re.Pattern) and md.inline.terminator_re is not stops:
        md.inline.terminator_re = re.compile(f"{stops.pattern}|{_WWW_STOP}")
    md.inline.ruler.push("autolink_www", _www_rule)
    md.inline.ruler.push("autolink_scheme", _scheme_rule)
    md.inline.ruler.push("autolink_email", _email_rule)


@dataclass(frozen=True, slots=True)
class _Run:
    """A stretch of domain characters (``src[start:end]``), measured once for every domain starting in it."""
    src: str
    limit: int
    start: int
    end: int
    periods: tuple[int, ...]
    """Positions of the ``.`` in the stretch."""
    underscores_last: int
    """``_`` after the last period: a host name has none in its last two labels."""
    underscores_before_last: int
    """``_`` between the last two periods."""


def _www_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if silent or state.linkLevel > 0 or pos + 4 > state.posMax or not src.startswith("www.", pos):
        return False
    before = state.pending[-1] if state.pending else (src[pos - 1] if pos else " ")
    if before not in _MAY_PRECEDE:
        return False
    length = _domain_length(state, pos + 4, allow_short=False)
    if length is None:
        return False
    end = _url_end(src, pos, pos + 4 + length, state.posMax)
    return _emit(state, pos, end, "http://" + src[pos:end])


def _scheme_rule(state: StateInline, silent: bool) -> bool:
    """``http(s)://…``, ``mailto:…``, ``xmpp:…``: triggered by the colon, the scheme is the end of the text
    gathered so far (``state.pending``), of which only the last few characters are looked at."""
    src, pos = state.src, state.pos
    if silent or state.linkLevel > 0 or src[pos] != ":" or state.posMax - pos < 4:
        return False
    scheme = next((name for name in _SCHEMES if state.pending.endswith(name)), None)
    if scheme is None:
        return False
    start = pos - len(scheme)
    if start > 0 and src[start - 1] not in _MAY_PRECEDE:
        return False
    if scheme in ("mailto", "xmpp"):
        end = _address_end(src, pos + 1, state.posMax, xmpp=scheme == "xmpp")
        return end is not None and _emit(state, start, end, src[start:end])
    if not src.startswith("//", pos + 1):
        return False
    length = _domain_length(state, pos + 3, allow_short=True)
    if length is None:
        return False
    end = _url_end(src, start, pos + 3 + length, state.posMax)
    return _emit(state, start, end, src[start:end])


def _email_rule(state: StateInline, silent: bool) -> bool:
    """A bare ``local@domain.tld``: triggered by the ``@``; the local part is the end of the pending text."""
    src, pos, limit = state.src, state.pos, state.posMax
    if silent or state.linkLevel > 0 or src[pos] != "@" or pos + 1 >= limit:
        return False
    local = 0
    while local < len(state.pending) and state.pending[-1 - local] in _LOCAL_PART:
        local += 1
    start = pos - local
    if not local or (start > 0 and src[start - 1] not in _MAY_PRECEDE):
        return False
    end, periods = pos + 1, 0
    while end < limit:
        ch = src[end]
        if ch == "@":
            return False
        if ch == "." and end + 1 < limit and src[end + 1] in _ASCII_ALNUM:
            periods += 1
        elif ch not in _ASCII_ALNUM and ch not in "-_":
            break
        end += 1
    if end == pos + 1 or not periods or src[end - 1] not in _ASCII_ALNUM:
        return False
    return _emit(state, start, end, "mailto:" + src[start:end])


def _address_end(src: str, start: int, limit: int, xmpp: bool) -> int | None:
    """End of ``local@domain`` at ``start`` (after ``mailto:``/``xmpp:``; xmpp adds one ``/resource``)."""
    at = start
    while at < limit and src[at] in _LOCAL_PART:
        at += 1
    if at == start or at >= limit or src[at] != "@":
        return None
    end, periods, slashes = at + 1, 0, 0
    while end < limit:
        ch = src[end]
        if ch == "@" and not xmpp:
            return None
        if ch == "." and end + 1 < limit and src[end + 1] in _ASCII_ALNUM:
            periods += 1
        elif ch == "/" and xmpp and not slashes:
            slashes += 1
        elif ch not in _ASCII_ALNUM and ch not in "-_@":
            break
        end += 1
    if not periods or not src[end - 1].isascii() or not src[end - 1].isalpha():
        return None
    return end


def _domain_length(state: StateInline, start: int, allow_short: bool) -> int | None:
    """Length of the domain at ``start``, or None when there is none (cmark-gfm's rules: no ``_`` in the
    last two labels unless the name has more than ten; ``www.`` needs a period after it)."""
    run = _run_at(state, start)
    if start == run.end == run.limit:
        return None
    first = bisect_left(run.periods, start)
    periods = len(run.periods) - first
    if periods >= 2:
        underscores = run.underscores_last + run.underscores_before_last
    elif periods == 1:
        underscores = run.underscores_last + state.src.count("_", start, run.periods[-1])
    else:
        underscores = state.src.count("_", start, run.end)
    if not (allow_short or periods):
        return None
    if run.end == run.limit:  # the domain runs to the end of the text
        return None if underscores and periods <= 10 else run.end - start
    return None if underscores else run.end - start


def _run_at(state: StateInline, start: int) -> _Run:
    """The stretch of domain characters holding ``start``, measured once per stretch (``env`` keeps the
    last one): every ``_www.`` inside ``_www._www._www.…`` shares it, so none is scanned twice."""
    src, limit = state.src, state.posMax
    run = state.env.get("autolink_run")
    if run is not None and run.src is src and run.limit == limit and run.start <= start < run.end:
        return run
    end, periods = start, []
    while end < limit and _in_domain(src[end]):
        if src[end] == ".":
            periods.append(end)
        end += 1
    last = periods[-1] if periods else start - 1
    before_last = periods[-2] if len(periods) > 1 else start - 1
    run = _Run(src, limit, start, end, tuple(periods), src.count("_", last + 1, end),
               src.count("_", before_last + 1, last) if periods else 0)
    state.env["autolink_run"] = run
    return run


def _in_domain(ch: str) -> bool:
    """Letters, digits, symbols and ``-._``: anything but space and other punctuation."""
    return ch in "-._" or not (ch.isspace() or unicodedata.category(ch).startswith("P"))


def _url_end(src: str, start: int, domain_end: int, limit: int) -> int:
    """Where the link that starts at ``start`` ends: at the first space or ``<`` (which may sit inside the
    domain), less the sentence's punctuation after it."""
    end = src.find("<", start, domain_end)
    if end < 0:
        end = domain_end
        while end < limit and src[end] not in _ENDS_URL:
            end += 1
    return _trim_trailing(src, start, end)


def _trim_trailing(src: str, start: int, end: int) -> int:
    """Drop trailing ``?!.,:*_~'"[]``, an ``&entity;`` and every ``)`` without its ``(`` (counted once)."""
    opening = closing = -1
    while end > start:
        ch = src[end - 1]
        if ch in _TRAILING:
            end -= 1
        elif ch == ";":
            name = end - 2
            while name > start and src[name].isalpha():
                name -= 1
            end = name if name < end - 2 and src[name] == "&" else end - 1
        elif ch == ")":
            if opening < 0:
                opening, closing = src.count("(", start, end), src.count(")", start, end)
            if closing <= opening:
                break
            closing -= 1
            end -= 1
        else:
            break
    return end


def _emit(state: StateInline, start: int, end: int, href: str) -> bool:
    """Push a link over ``src[start:end]``; what of it is already in ``state.pending`` is taken back."""
    url = state.md.normalizeLink(href)
    if not state.md.validateLink(url):
        return False
    taken_back = state.pos - start
    if taken_back:
        state.pending = state.pending[:-taken_back]
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": url}
    token.markup, token.info = "autolink", "auto"
    token = state.push("text", "", 0)
    token.content = state.md.normalizeLinkText(state.src[start:end])
    token = state.push("link_close", "a", -1)
    token.markup, token.info = "autolink", "auto"
    state.pos = end
    return True

