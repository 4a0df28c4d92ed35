"""Every Pygments lexer, fed 20 kB of what makes regex lexers slow, stays within the highlighting budget.

Found by scanning all 600 lexers: about 180 take more than linear time on some of these inputs (C#, Java,
JavaScript, Make, R, Terraform…), and systemd's takes cubic time in a single regex try (5 kB: six minutes).
``highlight_within`` lexes the whole block and stops at the page's budget, inside a regex try too; this checks
that the bound holds for every lexer, and that the code comes out whole (18 console lexers dropped a line without
its line end). ``make fuzz`` runs all of them; ``make test`` the three worst found.
"""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from pygments.lexers import get_all_lexers

from fuzz_support import FULL
from site_builder.highlight import Budget, highlight_within

SIZE = 20_000
BUDGET = 0.5
PROBES = {
    "quotes": ("\"'`" * SIZE)[:SIZE],
    "backslashes": ("\\\"a\\'" * SIZE)[:SIZE],
    "brackets": ("([{<" * SIZE)[:SIZE],
    "spaces": (" \t" * SIZE)[:SIZE] + "x",
    "mixed": ("a = \"b\\\"\" + 'c' # d /* e */ <f g=\"h\"> {{ i }} $j ${k} @l %m\n" * SIZE)[:SIZE],
    "unclosed string": "\"" + "a" * SIZE,
    "unclosed comment": "/*" + " *" * (SIZE // 2),
    "digits": ("1." * SIZE)[:SIZE] + "e",
    "words": ("word " * SIZE)[:SIZE],
    "names on lines": ("x y\n" * SIZE)[:SIZE],
}
ALL = sorted({aliases[0] for _, aliases, _, _ in get_all_lexers() if aliases})
WORST = ["systemd", "csharp", "console"]  # cubic in one regex try; quadratic across lines; loses a last line


@pytest.mark.parametrize("lexer", ALL if FULL else WORST)
def test_a_lexer_stays_within_the_budget(lexer: str) -> None:
    for name, probe in PROBES.items():
        started = time.process_time()
        html = highlight_within(probe, lexer, Budget(BUDGET))
        elapsed = time.process_time() - started
        assert elapsed < BUDGET + 1, f"{lexer} on {name}: {elapsed:.2f} s"
        shown = unescape(re.sub(r"<[^>]+>", "", html))
        assert shown in (probe, probe + "\n"), "the code is shown whole, coloured or plain (Pygments ends a line)"
