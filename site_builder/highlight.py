"""Pygments highlighting: code -> HTML spans, a light/dark stylesheet pair, and copyable text."""

from __future__ import annotations

import re
from functools import lru_cache

import pygments
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

SHELL_LANGS = frozenset({"shell", "sh", "bash", "zsh", "console", "shell-session", "terminal", "fish", "powershell"})
CONSOLE_LANGS = frozenset({"pycon", "python-console", "console", "shell-session"})
_PROMPT = re.compile(r"^(?:\(\S+\) )?(?:[\w.@~:/-]*[$%#>] |\$ ?$|% ?$)")  # `$ `, `% `, `(venv) $ `, `user@host:~$ `
_PY_PROMPT = re.compile(r"^(?:>>>|\.\.\.)(?: |$)")


@lru_cache(maxsize=4096)
def highlight(code: str, lang: str) -> str:
    """Highlighted HTML (spans only, no wrapper), cached by (code, lang) — styles live in CSS classes."""
    return pygments.highlight(code, _lexer(lang, code), HtmlFormatter(nowrap=True))


def _lexer(lang: str, code: str) -> Lexer:
    name = lang.lower()
    if name in SHELL_LANGS and any(_PROMPT.match(line) for line in code.splitlines()):
        name = "console"
    elif name in ("python", "py", "python3") and code.lstrip().startswith(">>>"):
        name = "pycon"
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
    and dark whenever the toggle says dark."""
    light_css = HtmlFormatter(style=light).get_style_defs(".highlight")
    dark_rules = HtmlFormatter(style=dark).get_style_defs(".highlight")
    scoped_dark = _scope(dark_rules, ':root[data-theme="dark"]')
    auto_dark = _scope(dark_rules, ':root:not([data-theme="light"])')
    return (f"/* Pygments {pygments.__version__}: {light} (light) / {dark} (dark) */\n{light_css}\n"
            f"{scoped_dark}\n@media (prefers-color-scheme: dark) {{\n{auto_dark}\n}}\n")


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
