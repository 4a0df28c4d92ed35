"""A check runs its author's code: a runaway block is stopped, reported, and cleaned up after.

Blocks here leave their session (``setsid`` + double fork), keep daemons running, print 100 MB, write
a 1 GB file, map 20 GB, look at ``HOME`` and kill their supervisor. Every process a block starts writes
its pid into the ``spawned`` folder; the fixture kills whatever is left, so a failing test leaves
nothing running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from snippet_helpers import check_all, write_post

from site_builder.snippets.cache import cache_dir
from site_builder.snippets.model import FAILED, VERIFIED
from site_builder.snippets.run import run_process

ENOUGH = 15
"""Seconds: far more than a 2 s timeout needs, far less than the 30 s the escaped processes sleep."""

PID_HELPERS = """\
import os, sys, time
PIDS = {pids!r}

def note(name):
    path = os.path.join(PIDS, name)
    with open(path + ".part", "w") as handle:
        handle.write(str(os.getpid()))
    os.rename(path + ".part", path)

def wait_for(name):
    for _ in range(1000):
        if os.path.exists(os.path.join(PIDS, name)):
            return
        time.sleep(0.01)
    raise SystemExit(name + " never started")
"""

ESCAPE = PID_HELPERS + """
if os.fork() == 0:  # leave the block's session, then fork again: init (or a subreaper) adopts it
    os.setsid()
    if os.fork() == 0:
        if {daemon}:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
        note("escaped")
        {body}
    os._exit(0)
wait_for("escaped")
"""

SLEEP = "time.sleep(30)\n        os._exit(0)"
SPIN = "end = time.time() + 30  # bounded, so a regression cannot leave it spinning for ever\n" \
       "        while time.time() < end:\n            pass\n        os._exit(0)"


def escape(pids: Path, body: str, *, daemon: bool = False, then: str = "") -> str:
    return ESCAPE.format(pids=str(pids), daemon=daemon, body=body) + then


@pytest.fixture
def spawned(tmp_path: Path):
    """A folder where blocks note the pids they start; whatever is still running is killed afterwards."""
    folder = tmp_path / "spawned"
    folder.mkdir()
    yield folder
    for pid in pids(folder):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def pids(folder: Path) -> list[int]:
    return [int(path.read_text()) for path in folder.iterdir() if not path.name.endswith(".part")]


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"  # a zombie has finished


def still_running(folder: Path) -> list[int]:
    noted = pids(folder)
    assert noted, "the block started nothing: the test proves nothing"
    return [pid for pid in noted if running(pid)]


def check_one(content: Path, fence: str, code: str, **options):
    path = write_post(content, f"```{fence}\n{code}```\n")
    (result,) = check_all(content, path, **options).values()
    return result


def timed(content: Path, fence: str, code: str, **options):
    started = time.monotonic()
    result = check_one(content, fence, code, **options)
    return result, time.monotonic() - started


# --- process trees --------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [SLEEP, SPIN], ids=["sleeping", "spinning"])
def test_a_block_that_leaves_its_session_is_stopped_at_the_timeout(content, spawned, body):
    result, seconds = timed(content, "python", escape(spawned, body, then="time.sleep(30)\n"), timeout=2)
    assert seconds < ENOUGH
    assert (result.status, result.reason) == (FAILED, "the program: timed out after 2 s")
    assert still_running(spawned) == []


def test_a_daemon_left_behind_by_a_block_that_passed_is_killed(content, spawned):
    result, seconds = timed(content, "python", escape(spawned, SLEEP, daemon=True), timeout=10)
    assert result.status == VERIFIED and seconds < ENOUGH
    assert still_running(spawned) == []


def test_a_daemon_left_behind_by_a_shell_block_is_killed(content, spawned):
    script = (f"setsid sh -c 'echo $$ > {spawned}/daemon; exec sleep 30' </dev/null >/dev/null 2>&1 &\n"
              f"while [ ! -s {spawned}/daemon ]; do sleep 0.05; done\n")
    result, seconds = timed(content, "sh run", script, timeout=10)
    assert result.status == VERIFIED and seconds < ENOUGH
    assert still_running(spawned) == []


def test_a_block_that_kills_its_supervisor_is_still_cleaned_up(content, spawned):
    code = escape(spawned, SLEEP, then=(
        "supervisor = open(f'/proc/{os.getppid()}/cmdline', 'rb').read()\n"
        "if b'supervisor.py' not in supervisor:\n"
        "    raise SystemExit('not supervised')\n"
        "os.kill(os.getppid(), 9)\n"
        "time.sleep(30)\n"))
    result, seconds = timed(content, "python", code, timeout=2)
    assert result.failed and seconds < ENOUGH
    assert "not supervised" not in result.detail + result.reason
    assert still_running(spawned) == []


CHAIN = PID_HELPERS + """
if os.fork() == 0:  # a chain: each link forks the next and exits, so no pid lasts (bounded: 15 s)
    os.setsid()
    note("chain")  # its pid is the chain's session id
    end = time.time() + 15
    while time.time() < end:
        if os.fork():
            os._exit(0)
    os._exit(0)
wait_for("chain")
"""


def in_session(session: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (OSError, NotADirectoryError):
            continue
        if entry.name.isdigit() and fields[0] != "Z" and int(fields[3]) == session:
            found.append(int(entry.name))
    return found


def test_a_chain_of_forks_that_never_keeps_a_pid_is_stopped(content, spawned):
    result, seconds = timed(content, "python", CHAIN.format(pids=str(spawned)), timeout=10)
    assert result.status == VERIFIED and seconds < ENOUGH
    (session,) = pids(spawned)
    assert in_session(session) == []


CHECK_IN_A_PROCESS = """\
import sys
from pathlib import Path
sys.path.insert(0, {helpers!r})
from snippet_helpers import check_all
content = Path({content!r})
check_all(content, content / "posts" / "2024-02-02-case.md", timeout=60)
"""


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["killed", "interrupted"])
def test_stopping_the_checker_stops_the_block(content, spawned, how):
    write_post(content, "```python\n" + escape(spawned, SLEEP, then="time.sleep(30)\n") + "```\n")
    script = CHECK_IN_A_PROCESS.format(helpers=str(Path(__file__).parent), content=str(content))
    tmp = content.parent / "tmp"  # a killed checker cannot remove its temporary folders: keep them here
    tmp.mkdir()
    checker = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL,
                               env={**os.environ, "TMPDIR": str(tmp)},  # SIGINT as a terminal's Ctrl-C, even in a
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # background job
    try:
        deadline = time.monotonic() + ENOUGH
        while not (spawned / "escaped").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        checker.send_signal(how)
        checker.wait(ENOUGH)
        while still_running(spawned) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert still_running(spawned) == []
    finally:
        checker.kill()
        checker.wait()


def test_after_a_runaway_block_the_next_block_is_checked(content, spawned):
    runaway = escape(spawned, SLEEP, then="time.sleep(30)\n")
    path = write_post(content, f"```python\n{runaway}```\n\n```python\nprint('next')\n```\n")
    started = time.monotonic()
    first, second = check_all(content, path, timeout=2).values()
    assert time.monotonic() - started < ENOUGH
    assert (first.status, second.status) == (FAILED, VERIFIED)
    assert still_running(spawned) == []


# --- output, files, memory, CPU -------------------------------------------------------------------

@pytest.mark.parametrize("printer", ["head -c 100000000 /dev/zero | tr '\\0' x",
                                     "yes 'a line of output' | head -c 100000000"], ids=["one line", "lines"])
def test_output_is_kept_bounded_and_says_how_much_was_cut(content, printer):
    result = check_one(content, "sh run", f"{printer}\nexit 1\n")
    assert (result.status, result.reason) == (FAILED, "exited with code 1")
    assert len(result.detail) < 300_000
    assert "99.9 MB of output cut" in result.detail
    (entry,) = cache_dir(content).glob("*.json")
    assert entry.stat().st_size < 300_000


def test_a_cut_output_keeps_its_last_lines(content):
    code = "print('first line')\nprint('x' * 10_000_000)\nprint('last line')\nraise SystemExit(1)\n"
    result = check_one(content, "sh run", f"python3 -c \"{code}\"\n")
    assert result.failed
    assert "last line" in result.detail and "MB of output cut" in result.detail


def test_a_file_larger_than_the_limit_is_stopped(content):
    code = "with open('big', 'wb') as handle:\n    for _ in range(1024):\n        handle.write(bytes(1 << 20))\n"
    result = check_one(content, "python", code)
    assert result.status == FAILED and "File too large" in result.reason
    shell = check_one(content, "sh run", "head -c 1G /dev/zero > big\n")
    assert shell.status == FAILED and "File size limit exceeded" in shell.detail


MAP_20_GB = """\
import mmap
try:
    mmap.mmap(-1, 20 << 30, flags=mmap.MAP_PRIVATE)  # address space only: nothing is touched, so this is safe without a limit
except OSError:
    pass
else:
    raise SystemExit("20 GB mapped: no memory limit")
bytearray(20 << 30)  # touches every page: run only under the limit
"""


def test_a_block_allocating_20_gb_fails_with_memory_error(content):
    result = check_one(content, "python", MAP_20_GB)
    assert (result.status, result.reason) == (FAILED, "raised MemoryError")


def test_cpu_time_is_limited_and_no_core_is_dumped(content):
    code = ("import resource\n"
            "soft, hard = resource.getrlimit(resource.RLIMIT_CPU)\n"
            "assert soft != resource.RLIM_INFINITY, 'no CPU time limit'\n"
            "assert soft <= 2 * (os.cpu_count() or 1) + 10, soft\n"
            "assert resource.getrlimit(resource.RLIMIT_CORE)[0] == 0\n")
    assert check_one(content, "python", "import os\n" + code, timeout=2).status == VERIFIED


def test_home_and_tmpdir_are_temporary_folders_removed_afterwards(content, tmp_path):
    record = tmp_path / "seen"
    code = ("import os, tempfile\n"
            f"open({str(record)!r}, 'w').write(os.environ['HOME'] + '\\n' + tempfile.gettempdir())\n"
            f"assert os.path.expanduser('~') != {str(Path.home())!r}\n"
            "assert os.path.isdir(os.path.expanduser('~'))\n"
            "open(os.path.expanduser('~/.dotfile'), 'w').write('x')\n"
            "open(os.path.join(tempfile.gettempdir(), 'scratch'), 'w').write('x')\n")
    assert check_one(content, "python", code).status == VERIFIED
    home, tmp = record.read_text().splitlines()
    assert not Path(home).exists() and not Path(tmp).exists()


def test_a_block_killed_by_a_signal_says_which(content):
    result = check_one(content, "sh run", "kill -XCPU $$\n")
    assert (result.status, result.reason) == (FAILED, "was killed by SIGXCPU (the CPU time limit)")


def test_a_command_that_cannot_start_is_reported_not_raised(content, tmp_path):
    process = run_process([str(tmp_path / "no-such-shell"), "block.sh"], content / "companions", 5, tmp_path)
    assert process.returncode == 127 and "could not start" in process.output and "no-such-shell" in process.output


def test_a_lower_limit_already_in_force_is_kept(content):
    code = ("import resource\n"
            "soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)\n"
            "assert soft == 1 << 20 and hard <= 256 << 20, (soft, hard)\n")
    path = write_post(content, f"```python\n{code}```\n")
    script = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))\n"
              f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
              "from snippet_helpers import check_all\nfrom pathlib import Path\n"
              f"(result,) = check_all(Path({str(content)!r}), Path({str(path)!r})).values()\n"
              "print(result.status, result.reason)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "verified ran without error", done.stdout + done.stderr
