"""50 SIGKILLs at random moments of 2,000-post builds: the output path always holds a complete site, the
previous one or the new one, never a mix and never nothing; what a kill leaves beside it is ours, and
the next build removes it (README "Safety").

10 kills hit whole ``site-builder build`` runs (anywhere, or once they start writing); 40 hit the write
stage alone (``write.write_site`` writing the same 2,000 posts' pages in a subprocess), since rendering
touches nothing on disk and a whole build spends most of its time there.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder.incremental import spare_folder
from site_builder.output import MARKER
from site_builder.write import clean_leftovers

POSTS = 2000
TITLE = re.compile(r"<title>(?:[^<]* · )?Build (\d+)</title>")

WRITER = """
import sys
from pathlib import Path
from site_builder.write import write_site

class Page:
    def __init__(self, path, content):
        self.path, self.content = path, content

number, out, posts = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
html = "<!doctype html><title>{} · Build " + number + "</title><p>" + "x" * 2000 + "</p>"
pages = [Page(f"posts/post-{i}/index.html", html.format(f"Post {i}")) for i in range(posts)]
pages.append(Page("index.html", html.format("Home")))
write_site(pages, [], out)
"""


def make_content(root: Path) -> Path:
    posts = root / "posts"
    posts.mkdir(parents=True)
    for i in range(POSTS):
        (posts / f"2024-01-{i % 28 + 1:02d}-post-{i}.md").write_text(
            f"---\ntitle: Post {i}\ntags: [t{i % 20}]\n---\n\nUser: question {i}?\n\nChatGPT: answer {i}\n")
    return root


def build_command(content: Path, out: Path, number: int) -> list[str]:
    # no search index: its file names hash its contents, and this test compares the sites' file lists
    (content / "site.yaml").write_text(f"title: Build {number}\nsearch: false\n")
    return [sys.executable, "-m", "site_builder", "build", "--content", str(content), "--out", str(out)]


def write_command(out: Path, number: int) -> list[str]:
    return [sys.executable, "-c", WRITER, str(number), str(out), str(POSTS)]


def start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def generation_of(out: Path, expected_files: set[str]) -> int:
    """The build number every page at ``out`` shows; fails on a missing, partial or mixed site."""
    assert out.is_dir(), "no site at the output path"
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert files == expected_files, f"missing {sorted(expected_files - files)[:3]}, extra {sorted(files - expected_files)[:3]}"
    numbers = set()
    for page in out.rglob("*.html"):
        match = TITLE.search(page.read_text(encoding="utf-8"))
        assert match, f"{page} has no build number in its title"
        numbers.add(int(match.group(1)))
    assert len(numbers) == 1, f"a mix of builds {sorted(numbers)}"
    return numbers.pop()


def beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name not in (out.name, "content"))


def wait_for_staging(out: Path, process: subprocess.Popen, spare: Path | None, limit: float = 120.0) -> None:
    """Return once the run's staging folder appears beside ``out``, or the ``spare`` staging folder kept in
    the cache gets a newer marker: it has started writing."""
    started, before = time.perf_counter(), written_ns(spare) if spare else 0
    while not any(out.parent.glob(f".{out.name}-build-*")) and not (spare and written_ns(spare) != before):
        assert process.poll() is None, "the run ended before it started writing"
        assert time.perf_counter() - started < limit, "the run never started writing"
        time.sleep(0.002)


def written_ns(out: Path) -> int:
    try:
        return json.loads((out / MARKER).read_text(encoding="utf-8"))["written_ns"]
    except (OSError, ValueError, KeyError):
        return 0


def wait_for_swap(out: Path, before: int, process: subprocess.Popen, limit: float = 120.0) -> bool:
    """Return once the site at ``out`` is a newer one than ``before`` (the swap happened), or False when the
    run ended first."""
    started = time.perf_counter()
    while written_ns(out) == before:
        if process.poll() is not None:
            return False
        assert time.perf_counter() - started < limit, "the run never swapped"
        time.sleep(0.001)
    return True


def timed(command: list[str], out: Path, spare: Path | None) -> tuple[float, float]:
    """(whole run, from its staging folder's appearance to its end) of an uninterrupted run, in seconds."""
    started = time.perf_counter()
    process = start(command)
    wait_for_staging(out, process, spare)
    writing = time.perf_counter()
    assert process.wait() == 0
    return time.perf_counter() - started, time.perf_counter() - writing


def kill_runs(out: Path, command_for, kills: int, seed: int, spare: Path | None = None) -> dict[str, int]:
    """``kills`` runs, each SIGKILLed at a random moment; after each, check the site and the leftovers.
    ``spare``: where the builds keep their staging folder between runs (``incremental.spare_folder``)."""
    whole, writing = timed(command_for(0), out, spare)
    expected = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert MARKER in expected and len(expected) > POSTS
    shown, rng = 0, random.Random(seed)
    outcomes = {"previous": 0, "new": 0}
    for number in range(1, kills + 1):
        before = written_ns(out)
        process = start(command_for(number))
        if number % 5 == 0:  # one in five anywhere in the run
            time.sleep(rng.uniform(0, whole))
        elif number % 5 == 4:  # one in five right after the swap, while the previous site is being removed
            wait_for_swap(out, before, process)
        else:  # the others while it writes and swaps (the timing drifts with the machine's load)
            wait_for_staging(out, process, spare)
            time.sleep(rng.uniform(0, 1.2 * writing))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = generation_of(out, expected)
        assert now in (shown, number), f"kill {number}: the site shows build {now}"
        outcomes["new" if now == number else "previous"] += 1
        shown = now
        assert all(name.startswith(f".{out.name}-build-") for name in beside(out)), beside(out)
        clean_leftovers(out)  # what the next run does first
        assert beside(out) == [], f"kill {number}: left {beside(out)}"
    print(f"\n{kills} kills; an uninterrupted run takes {whole:.2f} s, {writing:.2f} s of it writing: {outcomes}")
    return outcomes


@pytest.mark.slow
def test_kills_during_whole_builds(tmp_path):
    content = make_content(tmp_path / "content")
    outcomes = kill_runs(tmp_path / "_site", lambda number: build_command(content, tmp_path / "_site", number),
                         kills=10, seed=1, spare=spare_folder(content, tmp_path / "_site"))
    assert sum(outcomes.values()) == 10
    assert processes_naming(content) == [], "a killed build's worker processes end with it"


def processes_naming(path: Path, wait: float = 5.0) -> list[str]:
    """The command lines of the processes that still name ``path`` after up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            except OSError:
                continue
            if str(path) in command and state != "Z":
                found.append(command)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.mark.slow
def test_kills_while_writing_and_swapping(tmp_path):
    outcomes = kill_runs(tmp_path / "_site", lambda number: write_command(tmp_path / "_site", number),
                         kills=40, seed=2)
    assert outcomes["previous"] and outcomes["new"], f"the kills should land before and after the swap: {outcomes}"
