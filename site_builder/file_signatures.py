"""The signature of one file: what a build compares to know it unchanged. The files a build reads
(``signature``) and the files of the site it wrote (``output_signature``); ``incremental/`` keeps them, and the
output's scan (``output/scan.py``, also run in a child forked before the build's imports) makes them without
importing the incremental engine."""

from __future__ import annotations

import os
from pathlib import Path

Signature = tuple[int, int, int, int]
"""(size, mtime_ns, ctime_ns, inode): any write, replace or ``touch`` of a file changes it."""
OutputSignature = tuple[int, int, int]
"""(size, mtime_ns, inode) of a file of the built site, the link itself for a symbolic link. No ctime: a build
links each unchanged file into the next site (``output/placers.py``), which changes the file's ctime, not the file."""


def signature(path: Path) -> Signature | None:
    """The signature of a file the build reads (links followed), None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def output_signature(path: str | Path) -> OutputSignature | None:
    """The signature of a file of the built site (links not followed), None when there is none."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)
