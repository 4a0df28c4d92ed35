"""Split a post into YAML front matter and body, with errors that point at the right line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from site_builder.errors import PostError

_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it (the same values, a few times faster). Front matter it refuses is
read again by the pure-Python loader, whose errors name the line as users have always seen it."""
_FENCE = "---"
_CLOSERS = ("---", "...")


@dataclass(frozen=True, slots=True)
class Split:
    meta: dict[str, Any]
    body: str
    body_line: int
    """1-based source line where ``body`` starts."""


def normalise_text(raw: bytes, path: Path) -> str:
    """Decode UTF-8 (a BOM is dropped) and turn CRLF/CR line ends into LF."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PostError(path, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                        hint="save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(path: Path, text: str) -> Split:
    """Return the front matter mapping and the body. A file without front matter has empty meta."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != _FENCE:
        return Split({}, text, 1)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in _CLOSERS:
            meta = _load_yaml(path, "\n".join(lines[1:index]))
            return Split(meta, "\n".join(lines[index + 1:]), index + 2)
    raise PostError(path, 1, "front matter: no closing '---' line",
                    hint="end the front matter with a line containing only ---")


def _load_yaml(path: Path, source: str) -> dict[str, Any]:
    try:
        data = _safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the opening ---
        problem = getattr(exc, "problem", None) or str(exc)
        raise PostError(path, line, f"front matter: invalid YAML: {problem}",
                        hint="check indentation and quote values that contain ': '") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PostError(path, 2, f"front matter: expected a mapping of keys to values, got {type(data).__name__}",
                        hint="write front matter as `key: value` lines, e.g. `title: My post`")
    return {str(k): _strip(v) for k, v in data.items()}


def _safe_load(source: str) -> Any:
    try:
        return yaml.load(source, Loader=_FAST_LOADER)  # a safe loader
    except yaml.YAMLError:
        return yaml.safe_load(source)


def _strip(value: Any) -> Any:
    """Trailing spaces in scalar values are typing accidents, not content."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    return value
