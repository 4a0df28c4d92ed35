"""How the post parser reads posts whose careful reading is written down: prints, per post, the reader's reading
against the parser's, whether a doubt was said, and where; then the totals.

    python benchmarks/reading.py [FOLDER…]   (default: benchmarks/heldout_posts)

Each ``NAME.md`` comes with ``NAME.reading.json``: ``{"source", "turns": [[speaker, role, label line], …],
"outro_line"}``, written by a reader before the parser ran (a speaker in parentheses, ``(quoted prompt)``, is a turn
the post leaves unnamed: it matches any name). ``benchmarks/heldout_posts`` holds 18 posts in the shapes of real
posts by other authors (written in our own words; ``source`` names each original), gathered after the parser's
rules were written and kept out of ``tests/``: a measure of posts the rules were not fitted to.
A doubt "at the line" is one within three lines of the first turn, label or closing line that differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from site_builder.posts import load_post


def first_difference(expected: list, outro: int, read: list, read_outro: int) -> int | None:
    """The first line where the readings part (a turn's label line, or the closing words), None when they agree.
    A speaker the post leaves unnamed, ``(quoted prompt)`` or ``?``, matches any name."""
    for (name, role, line), (got, got_role, got_line) in zip(expected, read):
        if not ((name.startswith("(") or name in ("?", got)) and role == got_role and line == got_line):
            return min(line, got_line)
    if len(expected) != len(read):
        longer = expected if len(expected) > len(read) else read
        return longer[min(len(expected), len(read))][2]
    if outro == read_outro:
        return None
    return min(outro, read_outro) or max(outro, read_outro)  # the closing words one reading has and not the other


def main(folders: list[str]) -> int:
    totals = {"right": 0, "right, doubt said": 0, "wrong, doubt at the line": 0, "wrong, doubt elsewhere": 0,
              "wrong, silent": 0}
    for folder in folders or ["benchmarks/heldout_posts"]:
        for path in sorted(Path(folder).glob("*.md")):
            reading = path.with_suffix(".reading.json")
            if not reading.exists():
                continue
            expected = json.loads(reading.read_text(encoding="utf-8"))
            post = load_post(path, draft=True)
            read = [[t.speaker.name, t.role, t.line] for t in post.turns]
            doubts = [w.line for w in post.warnings if w.settle]
            where = first_difference(expected["turns"], expected["outro_line"], read, post.outro_line)
            if where is None:
                verdict = "right, doubt said" if doubts else "right"
            elif any(abs(line - where) <= 3 for line in doubts):
                verdict = "wrong, doubt at the line"
            else:
                verdict = "wrong, doubt elsewhere" if doubts else "wrong, silent"
            totals[verdict] += 1
            print(f"{path.stem:45} {verdict:26} differs at {where or '-':>4}  doubts at {doubts or '-'}")
    print(" · ".join(f"{name}: {count}" for name, count in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
