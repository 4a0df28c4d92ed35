"""The ``.site-builder`` marker, and the names by which a build knows its own files and folders.

A build writes ``.site-builder``, the marker, into its output: a JSON record only we write (an empty or foreign
file named so does not count), which says whether the site is complete and lists the files the build wrote (a
folder written whole, the search index, as the folder). Our other names: ``NAME.site-builder-PID.tmp`` (a file
the preview was writing in place, ``TMP_INFIX``) and ``.NAME-build-…`` (staging folders beside the output,
``_prefix``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Iterable, Mapping


MARKER = ".site-builder"
"""Written first into every staging folder ({"complete": false}) and replaced last ({"complete": true}, with
the files the build wrote)."""


_MARKER_NOTE = "written by site-builder: the next build replaces the files it wrote here and keeps the others"


_MARKER_NOTES = frozenset({_MARKER_NOTE, "written by site-builder: the next build replaces this folder whole"})
"""The notes a marker of ours carries (the second: builds before the marker listed their files)."""


TMP_SUFFIX = ".tmp"


TMP_INFIX = ".site-builder-"


def _prefix(out: Path) -> str:
    return f".{out.name}-build-"


def is_ours(marker: Mapping) -> bool:
    """A marker a build wrote (an empty file, or one of someone else's, named like it does not count)."""
    return marker.get("note") in _MARKER_NOTES and isinstance(marker.get("complete"), bool)


def built_id(out: Path) -> str | None:
    """The build id in the marker of the site at ``out`` (None if there is no complete site we wrote)."""
    data = read_marker(out)
    return data.get("build") if data.get("complete") is True else None


def write_marker(folder: Path, *, complete: bool, build_id: str = "", files: Iterable[str] | None = None,
                  generated: Iterable[str] = (), kept: Iterable[str] = (), keep: Iterable[str] = ()) -> None:
    """The marker: ours, complete or not, which build, and (``files``) the files the build wrote — those inside
    a ``generated`` folder are not listed, the folder is — and the user's files it carried along (``kept``)."""
    data: dict[str, object] = {"note": _MARKER_NOTE, "complete": complete, "written_ns": time.time_ns(),
                               "build": build_id}
    if files is not None:
        generated = sorted(generated)
        data["files"] = sorted(f for f in files if not named(f, generated))
        data.update(generated=generated, kept=sorted(kept), keep=list(keep))
    put_marker(folder, json.dumps(data) + "\n")


def put_marker(folder: Path, text: str) -> None:
    tmp = folder / f"{MARKER}{TMP_SUFFIX}"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def read_marker(folder: Path) -> dict:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def named(path: str, names: Iterable[str]) -> bool:
    """``path`` is one of ``names`` (paths inside the output) or inside one."""
    return any(path == name or path.startswith(name.rstrip("/") + "/") for name in names)


def generated_folders(staging: Path, files: Iterable[str]) -> list[str]:
    """The folders at the top of ``staging`` that hold none of ``files``: written whole by a generator."""
    tops = {relative.split("/", 1)[0] for relative in files}
    return sorted(name for name in os.listdir(staging)
                  if name not in tops and name not in (MARKER, f"{MARKER}{TMP_SUFFIX}") and (staging / name).is_dir())
