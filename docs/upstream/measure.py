"""Times markdown-it-py's own rules against the ones site_builder put in their place, on the inputs that made
them slow (the issue texts beside this script quote its output).

Run from the repository root: ``python docs/upstream/measure.py [quotes] [brackets] [tables] [pending]
[dialect]`` (the first three when none is named; ``pending`` and ``dialect`` are the two side measurements of
``unclosed-brackets.md``). Each parser is plain ``MarkdownIt("commonmark")`` (tables enabled for the table
case), once as it comes and once with the one rule replaced; the time is CPU time of ``render``, one run each.
"""

from __future__ import annotations

import sys
import time
from typing import Callable

import markdown_it
from markdown_it import MarkdownIt

from site_builder.markdown.blockquotes import capped_blockquotes
from site_builder.markdown.brackets import unclosed_bracket
from site_builder.markdown.tables import table_within_budget


def with_bracket_rule(md: MarkdownIt) -> MarkdownIt:
    md.inline.ruler.before("link", "unclosed_bracket", unclosed_bracket)
    return md


def with_table_budget(md: MarkdownIt) -> MarkdownIt:
    md.block.ruler.at("table", table_within_budget, {"alt": ["paragraph", "reference"]})
    return md


def square_table(columns: int) -> str:
    """A header of ``columns`` cells, its delimiter row, and ``columns`` rows of one short cell each."""
    return "|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + "x\n" * columns


CASES: dict[str, tuple[Callable[[], MarkdownIt], Callable[[MarkdownIt], MarkdownIt], list[str]]] = {
    "quotes": (lambda: MarkdownIt("commonmark"), capped_blockquotes,
               [">>> \nx\n" * count for count in (1_500, 3_000, 6_000)]),
    "brackets": (lambda: MarkdownIt("commonmark"), with_bracket_rule,
                 ["![" * count for count in (12_500, 25_000, 50_000)]
                 + ["[" * count for count in (25_000, 50_000, 100_000)]),
    "tables": (lambda: MarkdownIt("commonmark").enable("table"), with_table_budget,
               [square_table(columns) for columns in (64, 128, 256)]
               + [(square_table(250) + "x\n" * 10 + "\n") * count for count in (3, 6, 12)]
               + ["| a | b |\n|---|---|\n| c | d |\n\n" * count for count in (1_000, 2_000, 4_000)]),
}


def timed(md: MarkdownIt, text: str) -> tuple[float, str]:
    started = time.process_time()
    html = md.render(text)
    return time.process_time() - started, html


class _Pending:
    pending = ""


def pending() -> None:
    """The cost of adding unmatched characters to ``state.pending`` one at a time, against a whole render."""
    print("\npending: n characters  pending += '[' alone  render of '[' * n with our bracket rule")
    for count in (50_000, 100_000, 200_000, 400_000):
        state, started = _Pending(), time.process_time()
        for _ in range(count):
            state.pending += "["
        alone = time.process_time() - started
        print(f"         {count:>12,} {alone:>18.3f} s {timed(with_bracket_rule(MarkdownIt('commonmark')), '[' * count)[0]:>10.3f} s")


def dialect() -> None:
    """The bracket rule in site_builder's whole dialect (``create_markdown``), on and off."""
    from site_builder.markdown.core import create_markdown

    without = create_markdown()
    without.inline.ruler.disable("unclosed_bracket")
    for text in ("![" * 50_000, "[" * 100_000):
        print(f"\ndialect: {text[:6]!r}… {len(text):,} bytes: without the bracket rule "
              f"{timed(without, text)[0]:.3f} s, with it {timed(create_markdown(), text)[0]:.3f} s")


def main(names: list[str]) -> None:
    print(f"markdown-it-py {markdown_it.__version__}, Python {sys.version.split()[0]}")
    extra = {"pending": pending, "dialect": dialect}
    for name in [name for name in names if name in extra]:
        extra[name]()
    names = [name for name in names if name not in extra] if names else list(CASES)
    for name in names:
        plain, replaced, texts = CASES[name]
        print(f"\n{name}: {'input':<28} {'bytes':>8} {'markdown-it':>12} {'ours':>8}  same HTML  <td> (theirs/ours)")
        for text in texts:
            theirs_seconds, theirs = timed(plain(), text)
            ours_seconds, ours = timed(replaced(plain()), text)
            shape = repr(text[:12])[:22] + "…"
            print(f"{'':>{len(name) + 1}} {shape:<28} {len(text):>8,} {theirs_seconds:>10.3f} s {ours_seconds:>6.3f} s"
                  f"  {'yes' if theirs == ours else 'no':<9}  {theirs.count('<td>'):,}/{ours.count('<td>'):,}")


if __name__ == "__main__":
    main(sys.argv[1:])
