"""Read an export as a stream of records: a JSON array (or a zip member holding one), or JSON lines.

A 200 MB ``conversations.json`` is never loaded whole: the array is cut into its elements with
``json.JSONDecoder.raw_decode`` on a sliding buffer, so memory holds one conversation at a time.
"""

from __future__ import annotations

import codecs
import json
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from site_builder.errors import ImportError_

CHUNK = 1 << 20
_WHITESPACE = " \t\n\r"
Progress = Callable[[int, int], None]
"""Called with (bytes read, total bytes) as the export is read."""


@dataclass(frozen=True, slots=True)
class Record:
    where: str
    """JSON path of the record in the export (``[3]``; ``line 4`` for JSON lines; empty for a lone object)."""
    value: Any


@contextmanager
def open_export(path: Path, member: str | None) -> Iterator[tuple[BinaryIO, int, str]]:
    """The export's bytes, their size and a display name; ``member`` is looked up when ``path`` is a zip."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                name = _find_member(archive, path, member)
                with archive.open(name) as stream:
                    yield stream, archive.getinfo(name).file_size, f"{path} ({name})"
            return
        with open(path, "rb") as stream:
            yield stream, path.stat().st_size, str(path)
    except (OSError, zipfile.BadZipFile) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ImportError_(f"{path}: cannot read the export: {reason}") from None


def _find_member(archive: zipfile.ZipFile, path: Path, member: str | None) -> str:
    names = [n for n in archive.namelist() if member and (n == member or n.endswith("/" + member))]
    if not names:
        raise ImportError_(f"{path}: this zip has no {member or 'JSON file'}",
                           hint=f"pass the data export zip that contains {member}, or that file itself")
    return min(names, key=len)


def iter_json(path: Path, member: str | None = None, progress: Progress | None = None) -> Iterator[Record]:
    """The elements of the top-level JSON array (or the one top-level object) of ``path``."""
    with open_export(path, member) as (stream, total, name):
        yield from _ArrayReader(stream, total, name, progress).records()


def iter_json_lines(path: Path, progress: Progress | None = None) -> Iterator[Record]:
    """One record per non-blank line of a JSON lines file."""
    with open_export(path, None) as (stream, total, name):
        done = 0
        for number, raw in enumerate(stream, start=1):
            done += len(raw)
            if progress:
                progress(done, total)
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ImportError_(f"{name}: line {number}: not UTF-8 text ({exc.reason})") from None
            if not line.strip():
                continue
            try:
                yield Record(f"line {number}", json.loads(line))
            except json.JSONDecodeError as exc:
                raise ImportError_(f"{name}: line {number}: not valid JSON ({exc.msg} at column {exc.colno})",
                                   hint="each line of a .jsonl file must be one JSON value") from None


class _ArrayReader:
    """Cuts a JSON array into its elements while reading (a private helper of ``iter_json``)."""

    def __init__(self, stream: BinaryIO, total: int, name: str, progress: Progress | None) -> None:
        self.stream, self.total, self.name, self.progress = stream, total, name, progress
        self.decoder = json.JSONDecoder()
        self.text = codecs.getincrementaldecoder("utf-8-sig")()
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.bytes_read = 0
        self.lines_before = 0
        """Newlines in the part of the text already dropped from the buffer (for error positions)."""

    def _read(self, size: int = CHUNK) -> None:
        if self.eof:
            return
        raw = self.stream.read(size)
        self.bytes_read += len(raw)
        try:
            chunk = self.text.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            raise ImportError_(f"{self.name}: not UTF-8 text ({exc.reason} near byte {self.bytes_read})") from None
        if not raw:
            self.eof = True
        if self.pos > CHUNK:
            self.lines_before += self.buffer.count("\n", 0, self.pos)
            self.buffer, self.pos = self.buffer[self.pos:], 0
        self.buffer += chunk
        if self.progress:
            self.progress(self.bytes_read, self.total)

    def _peek(self) -> str:
        """The next non-blank character ("" at the end), reading as needed."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buffer) or self.eof:
                return self.buffer[self.pos: self.pos + 1]
            self._read()

    def records(self) -> Iterator[Record]:
        first = self._peek()
        if first == "{":
            yield Record("", self._value("the top-level object"))
            self._expect_end()
            return
        if first != "[":
            raise self._error("not valid JSON" if first not in '"-0123456789tfn' or not first
                              else "not an export: expected a list of conversations", "")
        self.pos += 1
        index = 0
        if self._peek() == "]":
            self.pos += 1
            self._expect_end()
            return
        while True:
            yield Record(f"[{index}]", self._value(f"[{index}]"))
            index += 1
            following = self._peek()
            if following == ",":
                self.pos += 1
            elif following == "]":
                self.pos += 1
                self._expect_end()
                return
            else:
                raise self._error("not valid JSON: expected ',' or ']' after an element", f"[{index - 1}]")

    def _value(self, where: str) -> Any:
        self._peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise self._error(f"not valid JSON ({exc.msg})", where, exc.pos) from None
                self._read(max(CHUNK, len(self.buffer) - self.pos))
                continue
            if end == len(self.buffer) and not self.eof:  # a number may go on in the next chunk
                self._read()
                continue
            self.pos = end
            return value

    def _expect_end(self) -> None:
        if self._peek():
            raise self._error("not valid JSON: extra data after the end", "")

    def _error(self, message: str, where: str, pos: int | None = None) -> ImportError_:
        at = self.pos if pos is None else pos
        line = self.lines_before + self.buffer.count("\n", 0, at) + 1
        column = at - self.buffer.rfind("\n", 0, at)
        inside = f" in {where}" if where else ""
        return ImportError_(f"{self.name}: line {line} column {column}{inside}: {message}")
