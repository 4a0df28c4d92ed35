"""Which format a file is: ``site-builder import FILE`` without a kind.

``detect`` looks at the start of the file (``Sample``: its first JSON record, or its first 256 KiB of text) and
asks every reader in ``READERS`` whether it ``recognises`` it. A zip is looked at member by member (a zip may
hold several kinds: a ChatGPT and a Claude export side by side), and a folder file by file (a Claude Code
project folder holds one session per ``.jsonl`` file); the parts of a split export (``conversations-000.json``,
``conversations-001.json``…) are one source. What no reader recognises is named, with the format it looks like,
so the report can say what was left out and why.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

from site_builder.errors import ImportError_
from site_builder.importers import chatgpt, claude, copilot, deepseek, gemini, grok, sharegpt
from site_builder.importers.archive import sources
from site_builder.importers.common import Sample
from site_builder.importers.jsonstream import iter_json

READERS: tuple[ModuleType, ...] = (chatgpt, deepseek, claude, gemini, copilot, grok, sharegpt)
"""Every reader, the most specific first: the first that recognises a file reads it (sharegpt, whose keys
are the most common, comes last)."""
KINDS: dict[str, ModuleType] = {reader.SOURCE: reader for reader in READERS}
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
        return tuple(_detect_file(file) for file in _folder_files(path))
    if not path.is_file():
        raise ImportError_(f"{path}: no such file", hint="pass the path of the export file (or its zip, or a folder)")
    if zipfile.is_zipfile(path):
        return _detect_zip(path)
    return (_detect_file(path),)


def reader(kind: str) -> ModuleType:
    return KINDS[kind]


def formats_read() -> str:
    """The formats ``import`` reads, for error messages: ``ChatGPT export (chatgpt), …``."""
    return ", ".join(f"{r.NAME} ({r.SOURCE})" for r in READERS)


def _folder_files(folder: Path) -> list[Path]:
    files = sorted(p for p in islice(folder.rglob("*"), _MAX_FILES)
                   if p.suffix.lower() in DATA_SUFFIXES and p.is_file() and not p.name.startswith("."))
    if not files:
        raise ImportError_(f"{folder}: a folder without export files in it (.json, .jsonl, .html)",
                           hint="pass the export file, its zip, or the folder that holds the session files")
    return files


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
    return tuple(found)


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
    kind = next((r.SOURCE for r in READERS if _recognised(r, sample)), None)
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
