"""50 SIGKILLs at random moments of 2,000-post builds: the output path always holds a complete site, the
previous one or the new one, never a mix and never nothing; what a kill leaves beside it is ours, and
the next build removes it (README "Safety").

10 kills hit whole ``site-builder build`` runs (anywhere, or once they start writing); 40 hit the write
stage alone (``output.write.write_site`` writing the same 2,000 posts' pages in a subprocess), since rendering
touches nothing on disk and a whole build spends most of its time there.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder.incremental import spare_folder
from site_builder.output.marker import MARKER
from site_builder.output.remove import clean_leftovers

POSTS = 2000
TITLE = re.compile(r"<title>(?:[^<]* · )?Build (\d+)</title>")

WRITER = """
import sys
from pathlib import Path
from site_builder.output.write import write_site

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


MARK = "SITE_BUILDER_KILL_TEST"
"""Environment variable naming one run: every process the run starts inherits it (see ``survivors``)."""


def start(command: list[str], mark: str = "", **env: str) -> subprocess.Popen:
    """``command`` running, its environment marked ``mark`` (by default one of its own), plus ``env``."""
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **env, MARK: mark or new_mark()})


def new_mark() -> str:
    return f"{os.getpid()}-{time.monotonic_ns()}"


def survivors(mark: str, wait: float = 5.0) -> list[str]:
    """The processes of the run marked ``mark`` still running after up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while (found := marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def marked(mark: str) -> list[str]:
    """The running processes whose environment holds ``mark`` (a run's forked workers, a fork server,
    Pagefind, a check's supervisors and blocks all inherit it), each as "pid parent state wait: command"."""
    needle, found = f"{MARK}={mark}".encode(), []
    for entry in Path("/proc").iterdir():
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state, parent = (entry / "stat").read_text().rpartition(")")[2].split()[:2]
            waiting = (entry / "wchan").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended meanwhile, or is not ours
            continue
        if state != "Z":
            found.append(f"{entry.name} {parent} {state} {waiting}: {command[:150]}")
    return found


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
        process = start(command_for(number), mark := new_mark())
        if number % 5 == 0:  # one in five anywhere in the run
            time.sleep(rng.uniform(0, whole))
        elif number % 5 == 4:  # one in five right after the swap, while the previous site is being removed
            wait_for_swap(out, before, process)
        else:  # the others while it writes and swaps (the timing drifts with the machine's load)
            wait_for_staging(out, process, spare)
            time.sleep(rng.uniform(0, 1.2 * writing))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert survivors(mark) == [], f"kill {number}: processes of the killed run still running"
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


@pytest.mark.slow
def test_a_killed_build_leaves_no_process(tmp_path):
    """A build SIGKILLed (the OOM killer, a CI timeout) the moment it forks its 4 workers, before they can
    ask to die with it, or while they are busy, whether rendering posts or pages: none of its processes is
    left (they were, for ever: orphans waiting for work or to write a result nobody reads).

    At the fork, the first worker is stopped (SIGSTOP) from the moment it is seen until its build is gone:
    a worker not yet scheduled when its build is killed, as on a loaded machine, whatever this one's load."""
    content, out = make_content(tmp_path / "content"), tmp_path / "_site"
    spare, rng, left = spare_folder(content, out), random.Random(3), {}
    for number in range(1, 10):
        process = start(build_command(content, out, number) + ["--jobs", "4"], mark := new_mark())
        if number % 3 == 2:  # the pages' workers: they start once the writing has
            wait_for_staging(out, process, spare)
        busy = number % 3 == 0
        workers = wait_for_children(process, 4 if busy else 1)
        if busy:
            time.sleep(rng.uniform(0, 1.5))
        else:
            signal_all(workers, signal.SIGSTOP)
        process.send_signal(signal.SIGKILL)
        process.wait()
        signal_all(workers, signal.SIGCONT)
        if found := survivors(mark):
            left[f"kill {number} ({len(workers)} workers)"] = found
        clean_leftovers(out)
    assert left == {}, f"processes of killed builds still running: {left}"


def signal_all(pids: list[str], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signum)


def wait_for_children(process: subprocess.Popen, count: int, limit: float = 120.0) -> list[str]:
    """The child processes of ``process`` once it has ``count`` of them; looked at without a pause, so a
    kill that follows lands while the last one starts."""
    children, started = Path(f"/proc/{process.pid}/task/{process.pid}/children"), time.perf_counter()
    while len(found := children.read_text().split()) < count:
        assert process.poll() is None, "the build ended before it started its workers"
        assert time.perf_counter() - started < limit, "the build never started its workers"
    return found


@pytest.mark.slow
def test_kills_while_writing_and_swapping(tmp_path):
    outcomes = kill_runs(tmp_path / "_site", lambda number: write_command(tmp_path / "_site", number),
                         kills=40, seed=2)
    assert outcomes["previous"] and outcomes["new"], f"the kills should land before and after the swap: {outcomes}"


BLOCK = "```python\nimport subprocess, time\nsubprocess.Popen(['sleep', '60'])\ntime.sleep(60)\n```\n"
"""A block that starts a process of its own, then runs past any kill of the test."""


def test_a_killed_check_leaves_no_process(tmp_path):
    """``site-builder check -j 2`` SIGKILLed while two blocks run (each with a child of its own): none of the
    processes it started (supervisors, blocks, their children) is left."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    for number in (1, 2):
        (content / "posts" / f"2024-01-0{number}-block-{number}.md").write_text(f"---\ntitle: {number}\n---\n\n{BLOCK}")
    (tmp_path / "tmp").mkdir()  # a killed checker cannot remove its temporary folders: keep them here
    command = [sys.executable, "-m", "site_builder", "check", "--content", str(content), "-j", "2", "--rerun"]
    process = start(command, mark := new_mark(), TMPDIR=str(tmp_path / "tmp"))
    started = time.monotonic()
    while sum(": sleep 60" in line for line in marked(mark)) < 2:
        assert process.poll() is None, "the check ended before its blocks started"
        assert time.monotonic() - started < 60, f"the blocks never started: {marked(mark)}"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert survivors(mark) == [], "processes of a killed check still running"
