"""Which format a file is: ``site-builder import FILE`` without a kind.

``detect`` looks at the start of the file (``Sample``: its first JSON record, or its first 256 KiB of text) and
asks every reader in ``READERS`` whether it ``recognises`` it. A zip is looked at member by member (a zip may
hold several kinds: a ChatGPT and a Claude export side by side), and a folder file by file (a Claude Code
project folder holds one session per ``.jsonl`` file); the parts of a split export (``conversations-000.json``,
``conversations-001.json``…) are one source. What no reader recognises is named, with the format it looks like,
so the report can say what was left out and why.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Iterator

from site_builder.errors import ImportError_
from site_builder.importers import (
    chatgpt, chatgpt_html, claude, claude_code, codex, copilot, deepseek, gemini, grok, lechat, librechat,
    lmstudio, openwebui, sharegpt, sillytavern,
)
from site_builder.importers.archive import sources
from site_builder.importers.common import Sample
from site_builder.importers.jsonstream import iter_json

READERS: tuple[ModuleType, ...] = (chatgpt, chatgpt_html, deepseek, claude, claude_code, codex, gemini, copilot, grok,
                                   lechat, openwebui, librechat, lmstudio, sillytavern, sharegpt)
"""Every reader, the most specific first: the first that recognises a file reads it (sharegpt, whose keys
are the most common, comes last)."""


def kind_of(reader_: ModuleType) -> str:
    """The reader's name in ``import KIND``: its ``KIND``, else its ``SOURCE`` (two readers may write posts of
    one source: ChatGPT's ``conversations.json`` and ``chat.html``)."""
    return getattr(reader_, "KIND", reader_.SOURCE)


KINDS: dict[str, ModuleType] = {kind_of(reader): reader for reader in READERS}
SAMPLE_BYTES = 256 << 10
DATA_SUFFIXES = (".json", ".jsonl", ".ndjson", ".html", ".htm", ".csv")
"""The files of a zip or a folder that may hold conversations (others, images and the like, are not looked at)."""
_PART = re.compile(r"^(?P<stem>.+)-(?P<n>\d{3,})(?P<suffix>\.[^./]+)$")
_MAX_FILES = 100_000


@dataclass(frozen=True, slots=True)
class Found:
    """One source of conversations: a file (or a zip member, or the parts of a split export) and its kind."""

    path: Path
    member: str | None
    """The zip member to read (``conversations.json`` stands for all its parts); None for a plain file."""
    kind: str | None
    """The reader's ``SOURCE``; None when no reader recognises it."""
    looks_like: str = ""
    """For a file no reader recognises: what it looks like (``a JSON object with keys a, b``)."""
    read_with: str = ""
    """Why the file is not read on its own, when another file's reader shows it (a sub-agent's run)."""

    @property
    def label(self) -> str:
        return f"{self.path}: {self.member}" if self.member else str(self.path)

    @property
    def format_name(self) -> str:
        return KINDS[self.kind].NAME if self.kind else self.looks_like


def detect(path: Path) -> tuple[Found, ...]:
    """Every source of conversations in ``path`` (a file, a zip or a folder), each with its kind or, when no
    reader recognises it, what it looks like."""
    if path.is_dir():
        return tuple(_in_folder(_detect_file(file)) for file in _folder_files(path))
    if not path.is_file():
        raise ImportError_(f"{path}: no such file", hint="pass the path of the export file (or its zip, or a folder)")
    if zipfile.is_zipfile(path):
        return _detect_zip(path)
    return (_detect_file(path),)


def reader(kind: str) -> ModuleType:
    return KINDS[kind]


def formats_read() -> str:
    """The formats ``import`` reads, for error messages: ``ChatGPT export (chatgpt), …``."""
    return ", ".join(f"{r.NAME} ({kind_of(r)})" for r in READERS)


def _folder_files(folder: Path) -> list[Path]:
    """The export files in ``folder`` and its subfolders, in name order (hidden ones and links to folders left
    out: a link may lead back up and never end)."""
    files = sorted(islice(_walk(folder), _MAX_FILES))
    if not files:
        raise ImportError_(f"{folder}: a folder without export files in it (.json, .jsonl, .html)",
                           hint="pass the export file, its zip, or the folder that holds the session files")
    return files


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(root, name)
            if not name.startswith(".") and path.suffix.lower() in DATA_SUFFIXES and path.is_file():
                yield path


def _in_folder(found: Found) -> Found:
    """A file of a folder that the reader of another file of it shows (a Claude Code sub-agent's run) is not
    read on its own."""
    if found.kind == claude_code.SOURCE and claude_code.read_with_another(found.path):
        return replace(found, kind=None, read_with="a sub-agent's run: shown inside the session that started it")
    return found


def _detect_file(path: Path) -> Found:
    return _found(path, None, _sample(path, None, path.name))


def _detect_zip(path: Path) -> tuple[Found, ...]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.startswith("__MACOSX/") and not n.endswith("/")
                     and n.lower().endswith(DATA_SUFFIXES) and not n.rsplit("/", 1)[-1].startswith(".")]
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise ImportError_(f"{path}: not a zip that can be read ({exc})",
                           hint="download the export again, or pass the file inside it") from None
    if not names:
        raise ImportError_(f"{path}: a zip without export files in it (.json, .jsonl, .html)",
                           hint="pass the export file itself")
    found: list[Found] = []
    parts_seen: set[str] = set()
    for name in sorted(names, key=_part_order):
        whole = _whole_name(name, names)
        if whole in parts_seen:
            continue
        parts_seen.add(whole)
        found.append(_found(path, whole, _sample(path, name, name)))
    return _one_copy(found)


def _one_copy(found: list[Found]) -> tuple[Found, ...]:
    """The export zip's ``chat.html`` holds the conversations of its ``conversations.json`` again: read once."""
    if not any(f.kind == chatgpt.SOURCE for f in found):
        return tuple(found)
    return tuple(replace(f, kind=None, read_with="the same conversations as the export's conversations.json, "
                                                 "read from there") if f.kind == chatgpt_html.KIND else f
                 for f in found)


def _part_order(name: str) -> tuple[str, int]:
    match = _PART.match(name)
    return (f"{match['stem']}{match['suffix']}", int(match["n"])) if match else (name, -1)


def _whole_name(name: str, names: Iterable[str]) -> str:
    """``conversations.json`` for ``conversations-001.json`` when the zip holds numbered parts of it and not the
    whole file, else the name itself."""
    match = _PART.match(name)
    if not match:
        return name
    whole = f"{match['stem']}{match['suffix']}"
    return name if whole in names else whole


def _found(path: Path, member: str | None, sample: Sample) -> Found:
    kind = next((kind_of(r) for r in READERS if _recognised(r, sample)), None)
    return Found(path, member, kind, "" if kind else looks_like(sample))


def _recognised(reader_: ModuleType, sample: Sample) -> bool:
    try:
        return bool(reader_.recognises(sample))
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError):
        return False


def _sample(path: Path, member: str | None, name: str) -> Sample:
    """The start of a file or zip member: its first JSON record when it is JSON, and its first bytes as text."""
    text = _head_text(path, member)
    record = None
    if text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{"):
        try:
            record = next((r.value for r in iter_json(path, member)), None)
        except ImportError_:
            record = None
    return Sample(name.rsplit("/", 1)[-1], record, text)


def _head_text(path: Path, member: str | None) -> str:
    for source in sources(path, member):
        return source.stream.read(SAMPLE_BYTES).decode("utf-8", errors="replace")
    return ""


def looks_like(sample: Sample) -> str:
    """What a file that no reader recognises looks like, in words (for the report and errors)."""
    head = sample.text.lstrip("\ufeff \t\r\n")
    if isinstance(sample.record, dict):
        return f"a JSON object with keys {_keys(sample.record)}"
    if isinstance(sample.record, list):
        return "a JSON list of lists" if sample.record else "an empty JSON list"
    if sample.record is not None:
        return f"JSON holding {type(sample.record).__name__} values, not conversations"
    lowered = head[:2000].lower()
    if lowered.startswith(("<!doctype html", "<html")) or "<body" in lowered:
        return "an HTML page"
    if head[:1] in "[{":
        return "a file that starts like JSON but is not valid JSON"
    if not head:
        return "an empty file"
    if "\x00" in head[:1000]:
        return "a binary file"
    if "," in head.split("\n", 1)[0] and sample.name.lower().endswith(".csv"):
        return "a CSV table"
    return "a text file that is not JSON"


def _keys(record: dict[str, Any]) -> str:
    keys = [str(k) for k in islice(record, 8)]
    return ", ".join(f"`{k[:40]}`" for k in keys) + (" …" if len(record) > 8 else "") if keys else "none"
