"""``site-builder check -j N`` and the pytest items under pytest-xdist: checks run side by side, the report
does not change, and blocks that share a run (a session, a companion's smoke()) are run once, in order.

No wall-clock bound is asserted: the blocks write down when they started and ended, and the tests read
from those times how many checks ran at once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from site_builder.snippets import add_check_parser
from site_builder.snippets.command import run_tasks

SLEEPY_POSTS = 3
SLEEPY_BLOCKS = 2
"""Each post holds this many blocks that sleep 0.5 s: 6 checks, 3 s of sleep in all."""


def run_check(content: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_check_parser(parser.add_subparsers())
    args = parser.parse_args(["check", "--content", str(content), *argv])
    return args.func(args)


def check_json(content: Path, capsys, *argv: str) -> dict:
    run_check(content, "--json", "--rerun", *argv)
    return json.loads(capsys.readouterr().out)


def write_post(content: Path, name: str, blocks: list[str]) -> None:
    fences = "\n".join(f"```{block}```\n" for block in blocks)
    (content / "posts" / f"2024-01-0{name}-post.md").write_text(f'---\ntitle: "{name}"\n---\n\n{fences}', encoding="utf-8")


def sleepy_block(record: Path, name: str) -> str:
    """A python block that sleeps 0.5 s and writes its start and end time to ``record/name.json``."""
    return (f"python\nimport json, time\nstart = time.time()\ntime.sleep(0.5)\n"
            f"open({str(record / name)!r} + '.json', 'w').write(json.dumps([start, time.time()]))\n")


def session_block(record: Path, step: int) -> str:
    """One block of session ``s``: sleeps 0.3 s, appends its step to ``record/session.log``, checks the steps before it."""
    return (f"python session=s\nsteps = globals().get('steps', []) + [{step}]; __import__('time').sleep(0.3)\nassert steps == list(range(1, {step + 1}))\n"
            f"open({str(record / 'session.log')!r}, 'a').write('{step}\\n')\n")


COMPANION = '''"""A companion whose smoke() says in a file each time it runs."""

import os
import time


def work(values):
    total = sum(values)
    return total


def smoke():
    time.sleep(0.5)  # long enough for a second thread or worker to ask for it while it runs
    with open(os.environ["SMOKE_RECORD"], "a") as record:
        record.write("smoke\\n")
    work([1, 2])
'''


EXCERPT = "python companion=rec.py::work\ntotal = sum(values)\n"


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Posts 1-3: two sleepy blocks each and an excerpt of rec.py::work; post 4: a session of three blocks."""
    root, record = tmp_path / "content", tmp_path / "record"
    for folder in (root / "posts", root / "companions", record):
        folder.mkdir(parents=True)
    (root / "companions" / "rec.py").write_text(COMPANION, encoding="utf-8")
    monkeypatch.setenv("SMOKE_RECORD", str(record / "smoke.log"))
    for post in range(1, SLEEPY_POSTS + 1):
        blocks = [sleepy_block(record, f"{post}-{index}") for index in range(SLEEPY_BLOCKS)]
        write_post(root, str(post), [*blocks, EXCERPT])
    write_post(root, str(SLEEPY_POSTS + 1), [session_block(record, step) for step in (1, 2, 3)])
    return root


def most_at_once(record: Path) -> int:
    """The most sleepy blocks that ran at the same time, from the times they wrote down."""
    events = []
    for path in record.glob("*-*.json"):
        start, end = json.loads(path.read_text())
        events += [(start, 1), (end, -1)]
    assert len(events) == 2 * SLEEPY_POSTS * SLEEPY_BLOCKS
    running = most = 0
    for _, change in sorted(events):  # an end and a start at the same instant: the end first
        running += change
        most = max(most, running)
    return most


def without_times(report: dict) -> dict:
    blocks = [{key: value for key, value in block.items() if key != "seconds"} for block in report["blocks"]]
    return {"blocks": blocks, "summary": {k: v for k, v in report["summary"].items() if k != "seconds"}}


def test_jobs_run_checks_side_by_side_and_report_what_one_job_reports(content, capsys):
    record = content.parent / "record"
    serial = check_json(content, capsys, "-j", "1")
    assert most_at_once(record) == 1
    parallel = check_json(content, capsys, "--jobs", "2")
    assert most_at_once(record) == 2
    assert without_times(parallel) == without_times(serial)
    assert [(Path(block["post"]).name[9], block["line"]) for block in parallel["blocks"]] == \
        [(str(post), line) for post in range(1, SLEEPY_POSTS + 1) for line in (5, 12, 19)] + \
        [(str(SLEEPY_POSTS + 1), line) for line in (5, 11, 17)]
    assert {block["status"] for block in parallel["blocks"]} == {"verified"}, parallel


def test_a_session_and_a_companions_excerpts_run_once_in_order_under_jobs(content, capsys):
    record = content.parent / "record"
    for post in range(1, SLEEPY_POSTS + 1):
        write_post(content, str(post), [EXCERPT])  # 3 excerpts, then the session's 3 blocks: 4 threads for 6
    report = check_json(content, capsys, "-j", "4")
    assert {block["status"] for block in report["blocks"]} == {"verified"}, report
    assert len(report["blocks"]) == 6
    assert (record / "session.log").read_text().split() == ["1", "2", "3"]
    assert (record / "smoke.log").read_text().split() == ["smoke"]


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5", ""])
def test_a_bad_job_count_is_a_usage_error_that_says_what_is_expected(value, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        run_check(tmp_path, "-j", value)
    assert exit_.value.code == 2
    assert f"argument -j/--jobs: expected a number of checks at a time (1, 2, …) or 'auto', got {value!r}" \
        in capsys.readouterr().err


def test_auto_is_one_job_per_core(tmp_path):
    parser = argparse.ArgumentParser()
    add_check_parser(parser.add_subparsers())
    assert parser.parse_args(["check", "-j", "auto"]).jobs == len(os.sched_getaffinity(0))
    assert parser.parse_args(["check"]).jobs == 1


def test_tasks_values_come_back_in_task_order_not_finishing_order():
    tasks = [lambda seconds=seconds: (time.sleep(seconds), seconds)[1] for seconds in (0.3, 0.2, 0.1, 0.0)]
    assert run_tasks(tasks, 4) == [0.3, 0.2, 0.1, 0.0]


def test_after_a_task_raised_the_tasks_not_started_never_start():
    started = []

    def boom():
        raise ValueError("boom")

    later = [lambda index=index: started.append(index) for index in range(5)]
    with pytest.raises(ValueError, match="boom"):
        run_tasks([lambda: time.sleep(1.0), boom, *later], 2)
    time.sleep(1.2)  # the sleeping task is over: its thread would have taken the next ones by now
    assert started == []
    assert not any(thread.name == "site-builder-check" for thread in threading.enumerate())


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (its parent may be slow to reap it; it runs nothing)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(sys.platform != "linux", reason="a check's supervisor learns of the checker's death on Linux only")
def test_ctrl_c_under_jobs_ends_the_command_and_the_checks_it_was_running(content, tmp_path):
    pids = tmp_path / "record" / "pids"
    for post in range(1, SLEEPY_POSTS + 1):
        write_post(content, str(post), [f"python\nimport os, time\nopen({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n')\n"
                                        "time.sleep(60)\n"])
    command = subprocess.Popen([sys.executable, "-m", "site_builder", "check", "--content", str(content), "-j", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not (pids.is_file() and len(pids.read_text().split()) == 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    command.send_signal(signal.SIGINT)
    output = command.communicate(timeout=30)[0]  # the blocks sleep 60 s: waiting for them would time out
    assert command.returncode == 130 and "Interrupted." in output, output
    running = [int(pid) for pid in pids.read_text().split()]
    assert len(running) == 2
    deadline = time.monotonic() + 15
    while any(map(alive, running)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(alive, running))


def test_pytest_xdist_runs_a_session_and_a_companions_excerpts_on_one_worker_once(content, tmp_path):
    pytest.importorskip("xdist", reason="pytest-xdist is not installed (pip install -e '.[test]')")
    record = tmp_path / "record"
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadgroup",
                          "-q", "-rA", "content"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "12 passed" in run.stdout
    assert "L5[python session=s]@2024-01-04-post.md session=s" in run.stdout
    assert (record / "session.log").read_text().split() == ["1", "2", "3"]
    assert (record / "smoke.log").read_text().split() == ["smoke"]
    assert most_at_once(record) == 2
