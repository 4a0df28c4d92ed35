"""The front matter that settles a doubtful reading (``site-builder explain --fix``).

Each doubt the parser says (``ReadingWarning.settle``) names the front-matter keys that make its decision explicit:
``speakers:`` (who speaks, with which role), ``prompts: quoted`` (or ``bold``) and ``closing_words:``. Settling a post writes those
keys into its front matter and nothing else: the body, the other keys, the line endings stay byte for byte. A fix is
written only when the post, read again, reads exactly as before with no doubt left; otherwise nothing is written.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder.model import Post, settle_value
from site_builder.posts import parse_post

_YAML_FENCE, _TOML_FENCE, _YAML_CLOSERS = "---", "+++", ("---", "...")


@dataclass(frozen=True, slots=True)
class Settlement:
    """What ``explain --fix`` does to one post: the new text (None when nothing is written) and why."""
    text: str | None
    diff: str
    said: str


def settling_keys(post: Post) -> dict[str, Any]:
    """The keys (in the order the doubts name them) that settle every doubt of ``post`` as it was decided."""
    keys: dict[str, Any] = {}
    for warning in post.warnings:
        for key, value in warning.settle:
            if key not in post.meta:
                keys.setdefault(key, value)
    return keys


def settle(post: Post, text: str) -> Settlement:
    """``text`` (the file of ``post``) with the settling front matter added, checked by reading it again."""
    keys = settling_keys(post)
    if not keys:
        return Settlement(None, "", "nothing to settle: no doubt about how it reads")
    newline = "\r\n" if "\r\n" in text else "\n"
    fixed, added = _with_keys(text, keys, newline)
    again = parse_post(post.path, fixed, draft=True)
    if _reading(again, added) != _reading(post, 0):
        return Settlement(None, "", "not settled: written out, these keys would change how the post reads "
                                    f"({', '.join(keys)}); declare them by hand")
    left = [w for w in again.warnings if w.settle]
    if left:
        return Settlement(None, "", f"not settled: {len(left)} doubt(s) would remain; declare them by hand")
    diff = "".join(difflib.unified_diff(text.splitlines(keepends=True), fixed.splitlines(keepends=True),
                                        str(post.path), str(post.path)))
    return Settlement(fixed, diff, f"settled: {', '.join(keys)} written to the front matter")


def write_settled(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` at once (a temporary file beside it, then a rename), keeping its mode."""
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _reading(post: Post, shift: int) -> tuple:
    """How ``post`` reads, its line numbers moved back by the ``shift`` lines added above the body."""
    return (post.intro, tuple((t.speaker.name, t.role, t.line - shift, t.end_line - shift, t.text)
                              for t in post.turns),
            post.outro, post.outro_line - shift if post.outro_line else 0)


def _with_keys(text: str, keys: dict[str, Any], newline: str) -> tuple[str, int]:
    """``text`` with ``keys`` written at the end of its front matter (YAML or TOML), or in a new YAML front matter
    when it has none; and how many lines were added."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = text[len(bom):].split(newline)
    first = lines[0].rstrip() if lines else ""
    if first == _TOML_FENCE:
        added = [f"{key} = {_toml_value(value)}" for key, value in keys.items()]
        close = next(i for i in range(1, len(lines)) if lines[i].rstrip() == _TOML_FENCE)
    elif first == _YAML_FENCE:
        added = [f"{key}: {settle_value(value)}" for key, value in keys.items()]
        close = next(i for i in range(1, len(lines)) if lines[i].rstrip() in _YAML_CLOSERS)
    else:
        added = [_YAML_FENCE, *(f"{key}: {settle_value(value)}" for key, value in keys.items()), _YAML_FENCE]
        close = 0
    return bom + newline.join([*lines[:close], *added, *lines[close:]]), len(added)


def _toml_value(value: Any) -> str:
    if isinstance(value, tuple):
        return "{ " + ", ".join(f"{json.dumps(label, ensure_ascii=False)} = {json.dumps(role)}"
                                for label, role in value) + " }"
    return json.dumps(value, ensure_ascii=False)

