"""Highlighting, the light/dark stylesheet pair, and what the copy button copies."""

from __future__ import annotations

import re
import time

import pytest
from pygments.lexer import RegexLexer
from pygments.token import Text

from site_builder.highlight import copy_text, highlight, highlight_lines, stylesheet


def test_copy_strips_shell_prompts_and_output_but_keeps_continuations() -> None:
    log = ("% torchrun --nproc_per_node 1 example.py \\\n    --ckpt_dir llama-2-7b/\n"
           "NOTE: Redirects are currently not supported\nTraceback (most recent call last):\n$ echo done\ndone\n")
    assert copy_text(log, "shell") == "torchrun --nproc_per_node 1 example.py \\\n    --ckpt_dir llama-2-7b/\necho done\n"
    assert copy_text("(venv) $ pip install x\nCollecting x\n", "console") == "pip install x\n"


def test_copy_of_a_script_without_prompts_is_the_whole_script() -> None:
    script = "set -e\nmake build\n"
    assert copy_text(script, "bash") == script
    assert copy_text("x = 1\nprint(x)\n", "python") == "x = 1\nprint(x)\n"


def test_copy_of_pycon_keeps_only_the_source_lines() -> None:
    session = ">>> for i in range(2):\n...     print(i)\n...\n0\n1\n>>> 'ok'\n'ok'\n"
    assert copy_text(session, "pycon") == "for i in range(2):\n    print(i)\n\n'ok'\n"


def test_highlight_uses_classes_and_falls_back_to_text() -> None:
    assert '<span class="k">def</span>' in highlight("def f(): pass\n", "python")
    assert highlight("<b>&</b>\n", "no-such-language") == "&lt;b&gt;&amp;&lt;/b&gt;\n"


def test_highlight_lines_balances_multiline_tokens() -> None:
    lines = highlight_lines('"""one\ntwo"""\nx = 1\n', "python")
    assert len(lines) == 3
    for line in lines:
        assert line.count("<span") == line.count("</span>")


def test_stylesheet_pairs_light_and_dark_for_toggle_and_os_preference() -> None:
    css = stylesheet("friendly", "github-dark")
    light_bg = re.search(r"^\.highlight \{ background: (#\w+)", css, re.M).group(1)
    assert ':root[data-theme="dark"] .highlight {' in css
    media = css[css.index("@media (prefers-color-scheme: dark)"):]
    assert ':root:not([data-theme="light"]) .highlight .k {' in media
    dark_bg = re.search(r'\[data-theme="dark"\] \.highlight \{ background: (#\w+)', css).group(1)
    assert light_bg.lower() != dark_bg.lower()


def test_a_lexer_made_once_carries_nothing_from_one_block_to_the_next() -> None:
    """Lexers are made once per language name and reused: what one block leaves open (a docstring, a heredoc,
    a console prompt's output) must not colour the next one."""
    import pygments
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    from site_builder import highlight as module

    openers = {"python": 'def f():\n    """never closed\n', "bash": "cat <<EOF\nstill inside\n",
               "pycon": ">>> print('''\n... open\n", "pytb": "Traceback (most recent call last):\n"}
    blocks = {"python": "x = 'a'  # done\n", "bash": "echo $HOME\n", "pycon": ">>> 1 + 1\n2\n",
              "pytb": 'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nKeyError: 1\n'}
    for lang, opener in openers.items():
        module.highlight(opener, lang)
        assert module._lexer(lang, blocks[lang]) is module._lexer(lang, blocks[lang]), "made once"
        fresh = get_lexer_by_name(lang, stripnl=False, ensurenl=False)
        assert module.highlight(blocks[lang], lang) == pygments.highlight(blocks[lang], fresh, HtmlFormatter(nowrap=True))


def _whole_file(code: str, lang: str) -> str:
    """Pygments over the whole text at once, no bound: what a highlight must equal whenever it is coloured."""
    import pygments
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    return pygments.highlight(code, get_lexer_by_name(lang, stripnl=False, ensurenl=False),
                              HtmlFormatter(nowrap=True))


def test_every_companion_is_highlighted_as_one_whole_file() -> None:
    """sgd.py was lexed in 4 kB pieces and a cut fell inside a docstring: from line 74 on code showed as a
    docstring and docstrings as code, with error boxes. A bound may make a file plain, never change its colours."""
    from site_paths import ROOT

    companions = sorted((ROOT / "content" / "companions").glob("*.py"))
    assert len(companions) >= 3
    for path in companions:
        code = path.read_text(encoding="utf-8")
        assert highlight(code, "python") == _whole_file(code, "python"), path.name
        assert 'class="err"' not in "".join(highlight_lines(code, "python")), path.name


def test_a_long_docstring_across_the_old_4_kb_cut_stays_a_docstring() -> None:
    code = "x = 1\n" * 600 + 'def f():\n    """Doc.\n\n' + "    more words\n" * 400 + '    """\n    return 1\n'
    assert len(code) > 8_192
    html = highlight(code, "python")
    assert html == _whole_file(code, "python")
    lines = highlight_lines(code, "python")
    assert '<span class="k">return</span>' in lines[-1], "the code after the docstring is code"
    assert all('class="sd"' in line for line in lines[601:1003] if line), "every line of the docstring is a docstring"


class _Backtracking(RegexLexer):
    """A lexer whose regex backtracks without end on ``a`` after ``a`` (Pygments' own lexers have such rules)."""
    tokens = {"root": [(r"(a+)+b", Text), (r"[\s\S]", Text)]}


def test_the_cpu_alarm_stops_a_regex_try_and_rings_only_in_the_lexing() -> None:
    """The alarm stops a regex try that no check between tokens can stop. It raises only in the lexing: a ring
    that lands elsewhere (a finaliser, a garbage collector's callback, an import, pytest's hook for what those
    raise: the clean-clone CI saw both) is let go, and the alarm rings again 50 ms of CPU later."""
    from site_builder.highlight import _cpu_alarm, _Overtime

    lexer = _Backtracking()  # made before the alarm, as highlight_within makes it: Pygments compiles its rules here
    started = time.process_time()
    with _cpu_alarm(0.01):
        try:
            while time.process_time() - started < 0.3:  # not the lexing
                sum(range(1000))
        except _Overtime:
            pytest.fail("the alarm raised outside the lexing")
        with pytest.raises(_Overtime):
            list(lexer.get_tokens("a" * 27 + "c"))  # seconds of backtracking, unless stopped
    assert time.process_time() - started < 1.5
