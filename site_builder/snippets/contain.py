"""Running one check's command contained: its whole process tree stopped, its output and resources bounded.

Checking a post runs its author's code. ``run_contained()`` starts ``supervisor.py`` (in a session of its own),
which starts the command under resource limits and, when the command exits or times out, kills every
process the command left behind, ``setsid`` and double forks included (Linux: a child subreaper).
Here, the checker:

- reads the output as it comes, keeping its first and last ``Limits.kept_output`` bytes and counting
  the rest, so a block printing 100 MB costs neither memory nor a 100 MB report;
- points ``HOME`` and ``TMPDIR`` at a temporary folder, removed afterwards;
- gives the supervisor ``GRACE`` seconds past the timeout, then kills it and sweeps: every process
  whose environment still carries this run's marker is killed (a block that killed its supervisor).

It does not isolate the network or the filesystem beyond the working folder and ``HOME``.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERVISOR = Path(__file__).with_name("supervisor.py")
"""Run as a script (``python -I -S supervisor.py``): it imports nothing of ours."""
MARKER = "SITE_BUILDER_CHECK"
"""Environment variable naming one run; every process of the run inherits it (see ``sweep``)."""
KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
GRACE = 5.0
"""Seconds the supervisor has, past the timeout, to stop the tree and report."""
POLL = 0.1
"""Seconds between looks at a supervisor that may have gone while its pipe stays open."""
CUT = re.compile(r"^\[… (\S+ \S+) of output cut …\]$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Limits:
    timeout: float
    """Seconds of wall-clock time before the whole tree is killed."""
    memory: int = 8 * GiB
    """Bytes of data (``RLIMIT_DATA``: heap and private writable mappings) per process: a block that
    allocates more gets ``MemoryError`` instead of swapping. PyTorch, spaCy and CUDA's address-space
    reservations are not data, so they fit (``RLIMIT_AS`` would count those)."""
    file_size: int = 256 * MiB
    """Bytes one file written may reach (``RLIMIT_FSIZE``)."""
    kept_output: int = 64 * KiB
    """Bytes of output kept at each end; the middle is counted, not kept."""

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """``setrlimit`` values for the supervisor to apply. CPU seconds are a backstop for a process
        that escaped the wall clock: all the cores for the whole timeout, so threads never hit it."""
        cpu = math.ceil(self.timeout * (os.cpu_count() or 1)) + 5
        return {"RLIMIT_CPU": (cpu, cpu + 5), "RLIMIT_DATA": (self.memory, self.memory),
                "RLIMIT_FSIZE": (self.file_size, self.file_size), "RLIMIT_CORE": (0, 0)}


@dataclass(frozen=True, slots=True)
class Process:
    returncode: int | None
    """None when the timeout stopped it; negative: killed by that signal."""
    output: str
    """stdout and stderr, interleaved; when long, its head and tail around a line saying what was cut."""


@dataclass(frozen=True, slots=True)
class Captured:
    head: bytes
    tail: bytes
    total: int
    """Bytes the command wrote, kept or not."""
    timed_out: bool
    """The supervisor neither finished nor died before the deadline."""

    def text(self) -> str:
        cut = self.total - len(self.head) - len(self.tail)
        if not cut:
            return (self.head + self.tail).decode("utf-8", "replace")
        note = f"\n[… {size(cut)} of output cut …]\n"
        return self.head.decode("utf-8", "replace") + note + self.tail.decode("utf-8", "replace")


def run_contained(argv: list[str], *, cwd: Path, env: dict[str, str], limits: Limits) -> Process:
    """Run ``argv`` contained; environment ``env`` with ``HOME``/``TMPDIR`` replaced."""
    marker = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="snippet-run-", ignore_cleanup_errors=True) as scratch:
        status_file = Path(scratch, "status.json")
        spec = {"argv": argv, "timeout": limits.timeout, "limits": limits.rlimits(),
                "status": str(status_file), "checker": os.getpid()}
        env = {**env, **private_folders(Path(scratch)), MARKER: marker}
        captured, supervisor_code = supervise(spec, cwd, env, limits)
        status = read_status(status_file)
        if status is None or status["left"] or not status["subreaper"]:
            sweep(marker)
    error = (status or {}).get("error") or ""
    return Process(returncode(status, captured, supervisor_code), captured.text() + error)


def private_folders(scratch: Path) -> dict[str, str]:
    """``HOME`` and ``TMPDIR`` for one run: new folders in its scratch folder, removed with it."""
    folders = {"HOME": scratch / "home", "TMPDIR": scratch / "tmp"}
    for folder in folders.values():
        folder.mkdir()
    return {name: str(folder) for name, folder in folders.items()}


def supervise(spec: dict, cwd: Path, env: dict[str, str], limits: Limits) -> tuple[Captured, int]:
    """Start the supervisor, read its output, make sure it is gone; the output and its exit code."""
    with subprocess.Popen([sys.executable, "-I", "-S", str(SUPERVISOR), json.dumps(spec)], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          start_new_session=True) as supervisor:
        try:
            captured = capture(supervisor, limits.timeout + GRACE, limits.kept_output)
        finally:
            stop(supervisor)
    return captured, supervisor.returncode


def capture(supervisor: subprocess.Popen, seconds: float, keep: int) -> Captured:
    """Read the pipe until EOF (the supervisor and everything below it gone) or ``seconds`` passed.

    Also stops when the supervisor has exited and the pipe stays quiet: something it could not stop
    holds the pipe open (``run_contained`` sweeps it).
    """
    deadline = time.monotonic() + seconds
    head, tail, total = bytearray(), bytearray(), 0
    pipe = supervisor.stdout.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(pipe, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(min(left, POLL)):
                if supervisor.poll() is not None:
                    break
                continue
            chunk = os.read(pipe, 1 << 16)
            if not chunk:
                break
            total += len(chunk)
            room = max(keep - len(head), 0)
            head += chunk[:room]
            tail += chunk[room:]
            del tail[:max(len(tail) - keep, 0)]
    return Captured(bytes(head), bytes(tail), total, timed_out=left <= 0)


def stop(supervisor: subprocess.Popen) -> None:
    """Ask the supervisor to stop the tree (SIGTERM), then kill it if it does not finish in time."""
    if supervisor.poll() is None:
        supervisor.terminate()
        try:
            supervisor.wait(GRACE)
        except subprocess.TimeoutExpired:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()


def read_status(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # the supervisor died before reporting
        return None


def returncode(status: dict | None, captured: Captured, supervisor: int) -> int | None:
    """The command's exit code; None on a timeout; the supervisor's own code if it never reported."""
    if captured.timed_out:
        return None
    if status is None:
        return supervisor
    return status["returncode"]


def sweep(marker: str) -> None:
    """Kill every process whose environment holds this run's marker, until none does (Linux)."""
    needle = f"{MARKER}={marker}".encode()
    for _ in range(100):
        found = marked(needle)
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)


def marked(needle: bytes) -> list[int]:
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []
    found = []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environment = handle.read()
        except OSError:  # another user's, or gone
            continue
        if needle in environment.split(b"\0"):
            found.append(int(entry))
    return found


def exit_description(code: int) -> str:
    """``exited with code 3``, or ``was killed by SIGXFSZ (the file size limit)``."""
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    why = {"SIGXCPU": " (the CPU time limit)", "SIGXFSZ": " (the file size limit)"}.get(name, "")
    return f"was killed by {name}{why}"


def cut_note(text: str) -> str | None:
    """The line of ``text`` saying how much output was cut, if some was."""
    found = CUT.search(text)
    return found.group(0) if found else None


def size(count: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
