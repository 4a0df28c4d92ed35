"""Read an export as a stream of records: a JSON array, one object, objects one after the other (JSON lines,
whatever the file is called), or a ``.jsonl`` file; from the file itself or from the zip members that
``archive.sources`` opens (every part of a split export, in order).

A 200 MB ``conversations.json`` is never loaded whole: the array is cut into its elements with
``json.JSONDecoder.raw_decode`` on a sliding buffer, so memory holds one conversation at a time.

What an export cannot do to the reader, whatever it holds (each is an ``ImportError_`` naming the file, the
zip member and the place in it):
- a record (one conversation) longer than ``MAX_RECORD_CHARS`` is refused, not read whole;
- zip bombs, encrypted or damaged members: see ``archive``;
- a lone surrogate (``"\\ud83d"`` without its other half, which UTF-8 cannot hold) is replaced with U+FFFD
  and counted in ``Record.repaired``.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from site_builder.errors import ImportError_
from site_builder.importers.archive import Guarded, Source, size_text, sources

CHUNK = 1 << 20
MAX_RECORD_CHARS = 64 << 20
"""The longest record read, in characters of JSON (bytes for a JSON line): 64 MiB. Real conversations are
at most a few MB; memory holds one record at a time, a few times its size while it is decoded."""
WHITESPACE = " \t\n\r"
"""JSON's whitespace between tokens (RFC 8259: no other space counts)."""
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
Progress = Callable[[int, int], None]
"""Called with (bytes read, total bytes) as the export is read."""


class CutOff(ImportError_):
    """The last line of a JSON lines file stops before its end (a session log still being written): a reader
    whose file grows line by line may keep what came before and say so; for the others it is an error."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message, hint="if the app was still writing the file, import it again once it is done")
        self.where = where


@dataclass(frozen=True, slots=True)
class Record:
    where: str
    """JSON path of the record in the export (``[3]``; ``line 4`` for JSON lines; empty for a lone object),
    after the part's name in a split export (``conversations-001.json [3]``)."""
    value: Any
    repaired: int = 0
    """Lone surrogates in its strings (keys included) replaced with U+FFFD."""


def iter_json(path: Path, member: str | None = None, progress: Progress | None = None) -> Iterator[Record]:
    """The records of every source of ``path`` (``archive.sources``): the elements of a top-level JSON array,
    the one top-level object, the objects of a JSON lines file (``.jsonl``, or a ``.json`` holding objects one
    after the other)."""
    for source in sources(path, member):
        reader = _lines(source, progress) if source.lines else _ArrayReader(source, progress).records()
        for record in reader:
            yield replace(record, where=f"{source.part} {record.where}".strip()) if source.part else record


def _lines(source: Source, progress: Progress | None) -> Iterator[Record]:
    """One record per non-blank line of a JSON lines file."""
    stream, name = source.stream, source.name
    done = 0
    number = 0
    while raw := stream.readline(MAX_RECORD_CHARS + 1):
        number += 1
        done += len(raw)
        if progress:
            progress(source.before + done, source.total)
        if len(raw) > MAX_RECORD_CHARS:
            raise _too_large(name, f"line {number}")
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise ImportError_(f"{name}: line {number}: not UTF-8 text ({exc.reason})") from None
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            if not raw.endswith(b"\n"):  # the last line, and no line end: the file stops inside it
                raise CutOff(f"{name}: line {number}: cut off at the end of the file (not valid JSON: {exc.msg})",
                             f"line {number}") from None
            raise ImportError_(f"{name}: line {number}: not valid JSON ({exc.msg} at column {exc.colno})",
                               hint="each line of a .jsonl file must be one JSON value") from None
        except RecursionError:
            raise _too_deep(name, f"line {number}") from None
        yield repaired_record(f"line {number}", value, SURROGATE_ESCAPE.search(line) is not None)


def repaired_record(where: str, value: Any, may_have_surrogates: bool) -> Record:
    if not may_have_surrogates:
        return Record(where, value)
    value, repaired = _without_lone_surrogates(value)
    return Record(where, value, repaired)


def _without_lone_surrogates(value: Any) -> tuple[Any, int]:
    """``value`` (fresh from ``json``, changed in place) with every lone surrogate replaced, and how many.
    Iterative: a record may be nested as deeply as the JSON decoder allows."""
    count = 0

    def fixed(text: str) -> str:
        nonlocal count
        text, found = _LONE_SURROGATE.subn("\ufffd", text)
        count += found
        return text

    if isinstance(value, str):
        return fixed(value), count
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict) and any(_LONE_SURROGATE.search(key) for key in item):
            pairs = [(fixed(key), v) for key, v in item.items()]
            item.clear()
            item.update(pairs)
        entries = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in list(entries):
            if isinstance(child, str):
                item[key] = fixed(child)
            elif isinstance(child, (dict, list)):
                stack.append(child)
    return value, count


def _too_large(name: str, where: str) -> ImportError_:
    return ImportError_(f"{name}: {where}: one conversation larger than {size_text(MAX_RECORD_CHARS)} of JSON, more "
                        "than the importer reads in one piece; nothing was written",
                        hint="real conversations are a few MB at most: is this file an export?")


def _too_deep(name: str, where: str) -> ImportError_:
    return ImportError_(f"{name}: {where}: JSON nested too deeply to read; nothing was written",
                        hint="is this file an export?")


class _ArrayReader:
    """Cuts a JSON array into its elements while reading (a private helper of ``iter_json``); reads a lone
    object, or objects one after the other (JSON lines in a file named ``.json``), too."""

    def __init__(self, source: Source, progress: Progress | None) -> None:
        self.stream: Guarded = source.stream
        self.source, self.name, self.progress = source, source.name, progress
        self.decoder = json.JSONDecoder()
        self.text = codecs.getincrementaldecoder("utf-8-sig")()
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.bytes_read = 0
        self.lines_before = 0
        """Newlines in the part of the text already dropped from the buffer (for error positions)."""
        self.mark = 0
        self.mark_lines = 0
        """Newlines in ``buffer[:mark]``: line numbers of records are counted once, forwards."""

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
            self.lines_before += self._newlines_before(self.pos)
            self.buffer, self.pos, self.mark, self.mark_lines = self.buffer[self.pos:], 0, 0, 0
        self.buffer += chunk
        if self.progress:
            self.progress(self.source.before + self.bytes_read, self.source.total)

    def _newlines_before(self, pos: int) -> int:
        """Newlines in ``buffer[:pos]`` (``pos`` never goes back before the last one asked)."""
        self.mark_lines += self.buffer.count("\n", self.mark, pos)
        self.mark = pos
        return self.mark_lines

    def _peek(self) -> str:
        """The next non-blank character ("" at the end), reading as needed."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buffer) or self.eof:
                return self.buffer[self.pos: self.pos + 1]
            self._read()

    def records(self) -> Iterator[Record]:
        first = self._peek()
        if first == "{":
            yield from self._objects()
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
            yield self._value(f"[{index}]")
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

    def _objects(self) -> Iterator[Record]:
        """One top-level object (its place is ""), or objects one after the other, each named by its line."""
        line = self._line()
        first = self._value("the top-level object")
        if not self._peek():
            yield replace(first, where="")
            return
        if self._peek() != "{":
            raise self._error("not valid JSON: extra data after the end", "")
        yield replace(first, where=f"line {line}")
        while self._peek():
            if self._peek() != "{":
                raise self._error("not valid JSON: expected an object (one per line, as in JSON lines)", "")
            line = self._line()
            yield self._value(f"line {line}")

    def _line(self) -> int:
        return self.lines_before + self._newlines_before(self.pos) + 1

    def _value(self, where: str) -> Record:
        self._peek()
        while True:
            if len(self.buffer) - self.pos > MAX_RECORD_CHARS:
                raise _too_large(self.name, where)
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise self._error(f"not valid JSON ({exc.msg})", where, exc.pos) from None
                self._read(max(CHUNK, len(self.buffer) - self.pos))
                continue
            except RecursionError:
                raise _too_deep(self.name, where) from None
            if end == len(self.buffer) and not self.eof:  # a number may go on in the next chunk
                self._read()
                continue
            start, self.pos = self.pos, end
            return repaired_record(where, value, SURROGATE_ESCAPE.search(self.buffer, start, end) is not None)

    def _expect_end(self) -> None:
        if self._peek():
            raise self._error("not valid JSON: extra data after the end", "")

    def _error(self, message: str, where: str, pos: int | None = None) -> ImportError_:
        at = self.pos if pos is None else pos
        line = self.lines_before + self.buffer.count("\n", 0, at) + 1
        column = at - self.buffer.rfind("\n", 0, at)
        inside = f" in {where}" if where else ""
        return ImportError_(f"{self.name}: line {line} column {column}{inside}: {message}")
