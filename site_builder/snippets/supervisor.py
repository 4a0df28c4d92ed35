"""The supervisor of one snippet check: ``python -I -S …/site_builder/snippets/supervisor.py SPEC``.

Started by ``contain.py`` in a session of its own, with the check's output pipe as stdout and stderr.
Standard library only and no site-packages (``-S``), so it starts fast; it imports nothing of ours.

1. It makes itself a *child subreaper* (Linux ``prctl``): a descendant that leaves the block's session
   (``setsid``, a double fork) is re-parented to it, not to init, and so stays findable; and it asks
   for SIGTERM if the checker dies.
2. It starts the command (``SPEC["argv"]``) in a new session, with the resource limits of
   ``SPEC["limits"]`` (soft and hard ``setrlimit`` values, only ever lowered).
3. When the command exits, its timeout passes or SIGTERM comes, it kills every process below itself
   and reaps them, writes what happened to ``SPEC["status"]`` as JSON, and exits.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
KILL_ROUNDS = 500
"""Rounds of find-and-kill before giving up on a tree that keeps forking (the checker sweeps after)."""


class Stop(Exception):
    """SIGTERM: the checker gave up on the check, or died."""


def main(spec_text: str) -> int:
    spec = json.loads(spec_text)
    signal.signal(signal.SIGTERM, stop)
    command, subreaper = None, False
    try:
        subreaper = watch(spec["checker"])
        command = start(spec["argv"], spec["limits"])
        status = wait(command, spec["timeout"])
    except Stop:
        status, subreaper = {"returncode": None, "stopped": True}, False  # the checker sweeps too
    except (OSError, subprocess.SubprocessError) as exc:  # the command could not start (no bash)
        status = {"returncode": 127, "error": f"could not start {spec['argv'][0]}: {exc}"}
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    running = command is not None and command.returncode is None
    left = kill_descendants(command.pid if running else None)
    write_status(spec["status"], {**status, "subreaper": subreaper, "left": left})
    return 0


def stop(signum, frame) -> None:
    raise Stop


def watch(checker: int) -> bool:
    """Become a child subreaper and ask for SIGTERM when the checker dies; False where unsupported."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the command's process group is all we can kill
        return False
    subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != checker:  # the checker died before it could be watched
        raise Stop
    return subreaper


def start(argv: list[str], limits: dict[str, list[int]]) -> subprocess.Popen:
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=lambda: lower_limits(limits))


def lower_limits(limits: dict[str, list[int]]) -> None:
    """``setrlimit`` each limit, never above one already in force (a user's ``ulimit`` stays).

    A limit this system does not have or refuses is left as it is: outside Linux, containment is
    the timeout and the process group.
    """
    for name, wanted in limits.items():
        which = getattr(resource, name, None)
        if which is None:
            continue
        soft, hard = (lowest(mine, current) for mine, current in zip(wanted, resource.getrlimit(which)))
        try:
            resource.setrlimit(which, (min(soft, hard), hard))
        except (ValueError, OSError):
            pass


def lowest(mine: int, current: int) -> int:
    return mine if current == resource.RLIM_INFINITY else min(mine, current)


def wait(command: subprocess.Popen, timeout: float) -> dict:
    if not ends_within(command, timeout):
        return {"returncode": None, "timed_out": True}
    return {"returncode": command.wait()}


def ends_within(command: subprocess.Popen, timeout: float) -> bool:
    """Whether the command ends within ``timeout`` seconds (not reaped yet).

    A pidfd (Linux 5.3+) wakes us the moment it ends; ``Popen.wait`` polls, up to 50 ms late.
    """
    try:
        pidfd = os.pidfd_open(command.pid)
    except (AttributeError, OSError):
        try:
            command.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        return bool(select.select([pidfd], [], [], timeout)[0])
    finally:
        os.close(pidfd)


def kill_descendants(group: int | None) -> int:
    """SIGKILL the command's process group (while it still runs, so the group is still its own) and
    every process below this one (Linux), and reap them.

    Repeated until none is left: a process killed in one round may have forked in the meantime, and
    its orphans come to this subreaper. Returns how many are left (0 unless the tree outran us).
    """
    if group is not None:
        kill(os.killpg, group)
    for _ in range(KILL_ROUNDS):
        found = descendants(os.getpid())
        for pid in found:
            kill(os.kill, pid)
        reap()
        if not found:
            return 0
        time.sleep(0.005)
    return len(descendants(os.getpid()))


def kill(how, pid: int) -> None:
    try:
        how(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def reap() -> None:
    """Collect every child that has exited (its own or adopted), so none is left a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def descendants(root: int) -> list[int]:
    """Pids below ``root``, from each process's parent in ``/proc/PID/stat`` (empty without /proc)."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def parents() -> list[tuple[int, int]]:
    pairs = []
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # it exited meanwhile
            continue
        pairs.append((int(entry), int(stat.rpartition(b")")[2].split()[1])))  # the name may hold ")"
    return pairs


def write_status(path: str, status: dict) -> None:
    """Write then rename: the checker reads a whole status or none."""
    with open(path + ".part", "w", encoding="utf-8") as handle:
        json.dump(status, handle)
    os.replace(path + ".part", path)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
