"""The output folder scanned ahead (``scan_ahead``): a ``build`` command forks a child that reads what the output
holds (``scan_output``: a directory listing of every folder and an ``lstat`` of every file, 0.1 s for a site of
1,000 posts) while the build imports its modules and reads its inputs; the build takes the child's scan where it
would have made its own. A build that finds nothing changed spends most of its time there.

The child only reads: it lists a folder only when the output holds a marker of ours (``check_output`` refuses
any other folder with files, so a mistaken ``--out ~`` walks nothing), it dies with the build (``die_with_parent``),
and it is killed and reaped by ``close`` when its scan is not taken. The scan is what the folder held a little
earlier than the build would have read it: ``write_site`` reads the marker again under the output's lock and
scans again when another build swapped a site in meanwhile, as it always did. Where it cannot fork (not Linux,
threads running, a failed fork) the build scans for itself.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from site_builder.output.scan import OutputScan


class ScanAhead:
    """A child scanning ``out`` (``start``); ``result`` waits for its scan, ``close`` ends it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._pid = 0
        self._read = -1

    def start(self) -> ScanAhead:
        """Fork the child, as early as the build can: before this process imports what the scan needs (the child
        imports it, alone, while this process imports the build)."""
        try:  # a child forked beside other threads could wait forever on a lock one of them held
            alone = sys.platform.startswith("linux") and len(os.listdir("/proc/self/task")) == 1
        except OSError:  # no /proc
            alone = False
        if not alone:
            return self
        parent = os.getpid()
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return self
        if pid == 0:  # the child: the scan, then out (an error in it only makes the build scan for itself)
            status = 1
            try:
                os.close(read)
                from site_builder.processes import die_with_parent
                die_with_parent(parent)
                _send(write, self.out)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._read = pid, read
        return self

    def result(self, out: Path) -> OutputScan | None:
        """The child's scan of ``out``; None when it scanned another folder, found no marker of ours, or failed
        (the build then scans for itself)."""
        if not self._pid or out != self.out:
            self.close()
            return None
        chunks = []
        try:
            while chunk := os.read(self._read, 1 << 20):
                chunks.append(chunk)
        except OSError:
            chunks = []
        finished = self._reap()
        if not finished or not chunks:
            return None
        import pickle

        from site_builder.output.scan import OutputScan
        try:
            files, kept, unlisted, written_ns, keep = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a scan not understood is made again
            return None
        return OutputScan(files, kept, unlisted, written_ns, keep)

    def close(self) -> None:
        """Kill the child if its scan was not taken, and reap it."""
        if self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    def _reap(self) -> bool:
        """Close the pipe and reap the child; whether it ended well."""
        pid, self._pid = self._pid, 0
        if self._read >= 0:
            os.close(self._read)
            self._read = -1
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return False
        return os.waitstatus_to_exitcode(status) == 0

    def __enter__(self) -> ScanAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def scan_ahead(out_dir: Path) -> ScanAhead:
    """A child scanning ``out_dir`` (resolved, as ``check_output`` gives it to the build), begun now."""
    return ScanAhead(Path(out_dir).resolve()).start()


def _send(write: int, out: Path) -> None:
    """In the child: the scan of ``out`` (its fields) written to ``write``; nothing when ``out`` holds no marker of
    ours (nothing the build may write, or a new site: nothing to scan)."""
    import pickle

    from site_builder.output.marker import is_ours, read_marker
    from site_builder.output.scan import scan_output
    if not is_ours(read_marker(out)):
        return
    scan = scan_output(out)
    data = pickle.dumps((scan.files, scan.kept, scan.unlisted, scan.written_ns, scan.keep),
                        protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(data)
    while view:
        view = view[os.write(write, view):]
