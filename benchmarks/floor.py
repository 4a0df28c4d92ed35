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

Beside it, what creating files costs on the benchmark's disk (``creation_cpu``) and how many files and folders
each tool's build left in its output and caches (``made_on_disk``): on a disk where a new file costs a third of a
millisecond of the kernel's time, a build that makes three times as many as its peer pays for it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

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


def made_on_disk(paths: Iterable[Path]) -> int:
    """The files and folders under ``paths`` (themselves included), a file with several hard links counted once:
    how many a build had to create (a link to a file that exists is cheap; a new file or folder is not)."""
    seen: set[tuple[int, int]] = set()
    for top in paths:
        if not top.exists():
            continue
        for folder, _, names in os.walk(top):
            for path in (folder, *(os.path.join(folder, name) for name in names)):
                st = os.lstat(path)
                seen.add((st.st_dev, st.st_ino))
    return len(seen)


def creation_cpu(folder: Path, count: int = 2000) -> float:
    """CPU seconds (this process, user and system) to create one empty file in a new folder inside ``folder``,
    the mean of ``count``; the files are removed afterwards (not timed). On some disks this is far from free:
    0.1-0.7 ms here (ext4 in a virtual machine), against 5 µs on tmpfs."""
    trial = Path(tempfile.mkdtemp(prefix="floor-creation-", dir=folder))
    try:
        started = time.process_time()  # user and system time, to the nanosecond (os.times counts clock ticks)
        for number in range(count):
            os.close(os.open(trial / f"{number}.html", os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644))
        spent = time.process_time() - started
    finally:
        shutil.rmtree(trial, ignore_errors=True)
    return spent / count


def creation_lines(made: dict[str, tuple[int, int]], each_s: float) -> list[str]:
    """What creating files and folders cost each tool's cold build on this disk (``made``: by tool, how many its
    output and caches hold, and its output alone), at ``each_s`` each."""
    lines = [f"  creating a file on this disk: {each_s * 1000:.2f} ms of CPU (the mean of 2,000 made in the "
             "benchmark's folder); what the builds made:"]
    lines += [f"  {total * each_s:7.2f} s  {name}: {total:,} files and folders (the output {output:,}, the rest "
              "caches; hard links counted once)" for name, (total, output) in made.items()]
    return lines
