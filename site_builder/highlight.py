"""Pygments highlighting: code -> HTML spans, a light/dark stylesheet pair, and copyable text."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from types import FrameType
from typing import Iterator

import pygments
from pygments.formatters import HtmlFormatter
from pygments.style import Style
from pygments.styles import get_style_by_name
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

SHELL_LANGS = frozenset({"shell", "sh", "bash", "zsh", "console", "shell-session", "terminal", "fish", "powershell"})
"""Fences shown as a terminal session when a line starts with a prompt (``snippets.parse.SHELL_LANGS``, a few
of them, are those a ``run`` check runs)."""
_PROMPT = re.compile(r"^(?:\(\S+\) )?(?:[\w.@~:/-]*[$%#>] |\$ ?$|% ?$)")  # `$ `, `% `, `(venv) $ `, `user@host:~$ `
_PY_PROMPT = re.compile(r"^(?:>>>|\.\.\.)(?: |$)")


@dataclass(slots=True)
class Budget:
    """CPU seconds that highlighting may still spend on one page (``highlight_within``). Some Pygments lexers
    take quadratic or cubic time on some input — C# and Java on lines of bare names, systemd on spaces: 5 kB
    of it took six minutes — so a page's blocks share a budget, and those past it are shown plain."""
    seconds: float


def highlight(code: str, lang: str, hl_lines: tuple[int, ...] = ()) -> str:
    """Highlighted HTML (spans only, no wrapper), cached by (code, lang, hl_lines) — styles live in CSS classes;
    the whole text plain when lexing it takes more than ``WHOLE_FILE_SECONDS`` of CPU time.
    ``hl_lines``: 1-based lines of ``code`` to mark (``<span class="hll">``, Pygments' ``hl_lines``)."""
    key = (code, lang, hl_lines)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    html = _tokens_html(code, _lexer(lang, code), None, hl_lines)
    return _remember(key, plain(code) if html is None else html)


def highlight_within(code: str, lang: str, budget: Budget, hl_lines: tuple[int, ...] = ()) -> str:
    """``highlight``, or the code as plain text (escaped, no colours) once ``budget`` is spent. Ordinary code
    takes a few milliseconds a block (100 kB of C++: 0.3 s, 0.9 s on a machine three times slower); a result from
    the cache costs nothing."""
    key = (code, lang, hl_lines)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    if budget.seconds <= 0:
        return plain(code)
    lexer = _lexer(lang, code)  # made once per language, outside the budget: its first block does not pay for it
    started = time.process_time()
    html = _tokens_html(code, lexer, _Deadline(started + budget.seconds, budget.seconds), hl_lines)
    budget.seconds -= time.process_time() - started
    return plain(code) if html is None else _remember(key, html)


def plain(code: str) -> str:
    """The code escaped for HTML, without highlighting."""
    return pygments.highlight(code, TextLexer(stripnl=False, ensurenl=False), _formatter())


CACHE_CHARS = 8_000_000
"""Most characters of HTML the cache keeps (the least recently used go first): a count of entries alone let
4,096 blocks of 100 kB hold gigabytes."""
_CACHE: OrderedDict[tuple[str, str, tuple[int, ...]], str] = OrderedDict()
_cached = [0]  # characters of HTML in _CACHE


def cached_chars() -> int:
    """Characters of HTML the highlighting cache holds now."""
    return _cached[0]


def _remember(key: tuple[str, str, tuple[int, ...]], html: str) -> str:
    if len(html) <= CACHE_CHARS and key not in _CACHE:
        _CACHE[key] = html
        _cached[0] += len(html)
        while _cached[0] > CACHE_CHARS:
            _cached[0] -= len(_CACHE.popitem(last=False)[1])
    return html


WHOLE_FILE_SECONDS = 5.0
"""CPU seconds ``highlight`` (no page budget: companion pages, diffs) may spend on one text before showing
it plain."""


class _Deadline:
    """A CPU-time deadline that is cheap to ask between tokens: this process's CPU time cannot grow faster
    than the wall clock, so the CPU clock (a system call: ~2 µs, a tenth of a block's lexing time when asked
    at every token) is read only once the wall clock (~0.1 µs) says the deadline may have passed."""

    __slots__ = ("cpu", "wall")

    def __init__(self, cpu: float, seconds: float) -> None:
        self.cpu = cpu
        self.wall = time.perf_counter() + seconds

    def passed(self) -> bool:
        if time.perf_counter() < self.wall:
            return False
        now = time.process_time()
        if now > self.cpu:
            return True
        self.wall = time.perf_counter() + (self.cpu - now)  # waited on other processes: ask again later
        return False


_ALARM_AGAIN = 0.05
"""CPU seconds between two alarms once the first has rung (``_cpu_alarm``)."""


def _lexing(frame: FrameType | None) -> bool:
    """Whether the alarm rang in the lexing: Pygments' code (a regex try reports the frame that called it) or our
    loop over its tokens. Elsewhere (a finaliser, a garbage collector's callback, an import, a test runner's
    hook that ran then) the raise would be lost or break what ran: the alarm rings again instead."""
    name = frame.f_code.co_filename if frame is not None else ""
    return f"{os.sep}pygments{os.sep}" in name or name.endswith(os.path.join("site_builder", "highlight.py"))


class _Overtime(Exception):
    """Raised inside a regex try by ``_cpu_alarm`` when the deadline passes."""


@contextlib.contextmanager
def _cpu_alarm(seconds: float) -> Iterator[None]:
    """Raise ``_Overtime`` once this process has spent ``seconds`` more CPU time, even inside one regex try
    (Python's regex engine checks for signals as it runs). Some Pygments regexes are cubic in the text after
    their position (systemd's ``[^=]+[ \t]*=``: 5 kB of spaces took six minutes in one try), which no check
    between tokens can stop. Signals reach only the main thread: elsewhere (the preview server's rebuilds)
    only the checks between tokens bound the time. The previous handler and timer are put back."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    armed = [True]

    def overtime(signum: int, frame: FrameType | None) -> None:
        if armed[0] and _lexing(frame):
            raise _Overtime()

    previous = signal.signal(signal.SIGPROF, overtime)
    # again every 50 ms of CPU, until one rings in the lexing (``_lexing``)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_PROF, max(seconds, 1e-3), _ALARM_AGAIN)
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if old_delay:
            signal.setitimer(signal.ITIMER_PROF, old_delay, old_interval)


def _tokens_html(code: str, lexer: Lexer, deadline: _Deadline | None, hl_lines: tuple[int, ...] = ()) -> str | None:
    """The whole of ``code`` lexed at once and formatted; None when the CPU clock passes ``deadline`` first
    (checked between tokens, and inside a regex try on the main thread). The lexer always sees the whole text:
    cutting it into pieces put a cut inside a docstring and coloured the rest of the file wrong. A lexer that
    loses or changes text gets the code shown plain."""
    deadline = deadline or _Deadline(time.process_time() + WHOLE_FILE_SECONDS, WHOLE_FILE_SECONDS)
    tokens = []
    try:
        with _cpu_alarm(deadline.cpu - time.process_time()):
            for token in lexer.get_tokens(code):
                tokens.append(token)
                if deadline.passed():
                    return None
    except _Overtime:
        return None
    if "".join(value for _, value in tokens) != code:  # console lexers drop a last line without its line end
        return plain(code)
    return pygments.format(tokens, _formatter(hl_lines))


def _formatter(hl_lines: tuple[int, ...] = ()) -> HtmlFormatter:
    """One formatter for every block (it keeps no state between blocks; making one takes 0.15 ms, which was
    a tenth of highlighting a typical block), per Pygments version: it keeps Pygments' token classes."""
    return _formatter_of(pygments.__version__, hl_lines)


@functools.lru_cache(maxsize=32)
def _formatter_of(version: str, hl_lines: tuple[int, ...]) -> HtmlFormatter:
    return HtmlFormatter(nowrap=True, hl_lines=list(hl_lines))


def _lexer(lang: str, code: str) -> Lexer:
    name = lang.lower()
    if name in SHELL_LANGS and any(_PROMPT.match(line) for line in code.splitlines()):
        name = "console"
    elif name in ("python", "py", "python3") and code.lstrip().startswith(">>>"):
        name = "pycon"
    return _lexer_named(name)


@functools.lru_cache(maxsize=64)
def _lexer_named(name: str) -> Lexer:
    """One lexer per language name, made once: a lexer keeps only its options between texts, and looking one
    up by name took a tenth of highlighting a typical block (Pygments searches its lexer table each time)."""
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False) if name else TextLexer()
    except ClassNotFound:
        return TextLexer()


def highlight_lines(code: str, lang: str, anchor_prefix: str = "L") -> list[str]:
    """Highlight a whole file and return one HTML fragment per source line (for line anchors).

    Multi-line tokens (docstrings) are closed and reopened at each line end so every line is balanced.
    """
    html = highlight(code, lang)
    lines, open_spans = [], []
    for raw in html.split("\n"):
        line = "".join(open_spans) + raw
        for match in re.finditer(r"<span[^>]*>|</span>", raw):
            if match.group().startswith("</"):
                if open_spans:
                    open_spans.pop()
            else:
                open_spans.append(match.group())
        lines.append(line + "</span>" * len(open_spans))
    if lines and lines[-1] == "" and code.endswith("\n"):
        lines.pop()
    return lines


def copy_text(code: str, lang: str) -> str:
    """What the copy button copies: the commands only, without prompts or output, for console sessions."""
    lines = code.rstrip("\n").split("\n")
    if lang.lower() in ("pycon", "python-console") or (lang.lower() in ("python", "py") and _PY_PROMPT.match(code)):
        return "\n".join(_PY_PROMPT.sub("", line) for line in lines if _PY_PROMPT.match(line)) + "\n"
    if lang.lower() in SHELL_LANGS and any(_PROMPT.match(line) for line in lines):
        return _shell_commands(lines)
    return code


def _shell_commands(lines: list[str]) -> str:
    commands, continuing = [], False
    for line in lines:
        if continuing:
            commands.append(line)
        elif _PROMPT.match(line):
            commands.append(_PROMPT.sub("", line, count=1))
        else:
            continue
        continuing = line.rstrip().endswith("\\")
    return "\n".join(commands) + "\n"


def stylesheet(light: str, dark: str) -> str:
    """CSS for both styles: light by default, dark under the OS preference unless the toggle says light,
    and dark whenever the toggle says dark — on screens only: printed code is light whatever the theme. Token
    colours are made readable first (``readable_style``)."""
    light_css = HtmlFormatter(style=readable_style(light)).get_style_defs(".highlight")
    dark_rules = HtmlFormatter(style=readable_style(dark)).get_style_defs(".highlight")
    scoped_dark = _scope(dark_rules, ':root[data-theme="dark"]')
    auto_dark = _scope(dark_rules, ':root:not([data-theme="light"])')
    return (f"/* Pygments {pygments.__version__}: {light} (light) / {dark} (dark); print is always light */\n"
            f"{light_css}\n@media screen {{\n{scoped_dark}\n"
            f"@media (prefers-color-scheme: dark) {{\n{auto_dark}\n}}\n}}\n")


def _scope(css: str, prefix: str) -> str:
    out = []
    for line in css.splitlines():
        if line.startswith(".highlight") or line.startswith("pre"):
            selectors, _, rest = line.partition("{")
            scoped = ", ".join(f"{prefix} {s.strip()}" for s in selectors.split(","))
            out.append(f"{scoped} {{{rest}")
        elif line.startswith("td.linenos") or line.startswith("span.linenos"):
            continue
        else:
            out.append(line)
    return "\n".join(out)


AA_CONTRAST = 4.5
"""WCAG AA: the least contrast of normal-size text with its background."""
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def readable_style(name: str) -> type[Style]:
    """Pygments style ``name`` with every token colour that falls short of WCAG AA against its background
    (the style's, or the token's own ``bg:``) darkened on a light background, lightened on a dark one."""
    base = get_style_by_name(name)
    background = base.background_color or "#ffffff"
    styles = {token: _readable_definition(definition, background) for token, definition in base.styles.items()}
    return type(f"Readable{base.__name__}", (base,), {"styles": styles})


def _readable_definition(definition: str, background: str) -> str:
    words = definition.split()
    own_bg = next((w[3:] for w in words if w.startswith("bg:") and _HEX.match(w[3:])), None)
    return " ".join(readable_colour(w, own_bg or background) if _HEX.match(w) else w for w in words)


def readable_colour(colour: str, background: str, minimum: float = AA_CONTRAST) -> str:
    """``colour``, moved toward black or white (whichever the background is farther from) in small steps
    until its contrast with ``background`` reaches ``minimum``."""
    rgb, bg = _rgb(colour), _rgb(background)
    target = (0, 0, 0) if _luminance(bg) > 0.18 else (255, 255, 255)
    for step in range(21):
        mixed = tuple(round(c + (t - c) * step / 20) for c, t in zip(rgb, target))
        if contrast(mixed, bg) >= minimum:
            return "#%02x%02x%02x" % mixed
    return "#%02x%02x%02x" % target


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG contrast ratio of two sRGB colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
