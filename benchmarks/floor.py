"""The floor of a cold build: the CPU time that the libraries the design card fixes need for the corpus, each
doing only the work no build with them can skip, beside the peer's wall time in the same run.

- markdown-it-py: each post's body parsed and rendered once, in our dialect (``create_markdown``), its code
  not highlighted (a build renders each turn apart, and parses each body once more to find the turns);
- Pygments: each fenced block lexed and formatted once (``pygments.highlight``, one lexer per language);
- Pagefind: ``pagefind --site`` over the peer's output (the same posts as Hugo writes them), the indexing
  Hugo + Pagefind pays too (measured by ``bench_build.py``, which has that site).

Jinja2's pages, reading and writing files, the turn scan and everything of our own are left out: the floor is
a lower bound. Divided by the cores, it is the least wall time a cold build on this machine can take with this
stack; when it is near the peer's whole time, cold ≤ 1.0× the peer cannot be met by any change of ours.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable

import build_corpus  # the benchmarks folder is not a package: bench_build.py puts it on sys.path

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
"""A fenced block as ``build_corpus.fence`` writes it: its language and its code."""


@dataclass(frozen=True, slots=True)
class Part:
    what: str
    cpu_s: float
    """CPU seconds of this process, the best of the runs (the least disturbed by the rest of the machine)."""


def code_blocks(posts: list[build_corpus.GeneratedPost]) -> list[tuple[str, str]]:
    """(language, code) of every fenced block of the corpus, in order."""
    return [(lang, code) for post in posts for lang, code in _FENCE.findall(post.body)]


def markdown_part(posts: list[build_corpus.GeneratedPost], runs: int = 1) -> Part:
    from site_builder.markdown.core import create_markdown, render_markdown

    md = create_markdown(True, ())
    md.renderer.rules["fence"] = md.renderer.fence  # markdown-it's own: the code escaped, not highlighted
    bodies = [post.body for post in posts]
    return Part("markdown-it-py: each post's body parsed and rendered once (our dialect, code not highlighted)",
                _best(lambda: [render_markdown(md, body) for body in bodies], runs))


def pygments_part(posts: list[build_corpus.GeneratedPost], runs: int = 1) -> Part:
    import pygments
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    blocks = code_blocks(posts)
    lexers = {lang: get_lexer_by_name(lang or "text") for lang in {lang for lang, _ in blocks}}
    formatter = HtmlFormatter(nowrap=True)
    return Part(f"Pygments: each of the {len(blocks):,} code blocks lexed and formatted once",
                _best(lambda: [pygments.highlight(code, lexers[lang], formatter) for lang, code in blocks], runs))


def floor_lines(parts: list[Part], cores: int, peer_name: str, peer_wall: float | None) -> list[str]:
    """The floor's report: each part, the sum, and what it means on ``cores`` against the peer's median wall."""
    total = sum(part.cpu_s for part in parts)
    lines = [f"  {part.cpu_s:7.2f} s  {part.what}" for part in parts]
    least = total / max(cores, 1)
    against = f", {least / peer_wall:.2f}× {peer_name}'s cold median ({peer_wall:.2f} s)" if peer_wall else ""
    lines.append(f"  {total:7.2f} s  in all: at least {least:.2f} s of wall time on {cores} cores{against}")
    lines.append("  not counted: Jinja2's pages, reading and writing files, the turn scan (a second block parse of "
                 "each body), our own code")
    return lines


def _best(run: Callable[[], object], runs: int) -> float:
    spent = []
    for _ in range(max(runs, 1)):
        started = time.process_time()
        run()
        spent.append(time.process_time() - started)
    return min(spent)
