"""Read an export as a stream of records: a JSON array (or a zip member holding one), or JSON lines.

A 200 MB ``conversations.json`` is never loaded whole: the array is cut into its elements with
``json.JSONDecoder.raw_decode`` on a sliding buffer, so memory holds one conversation at a time.

What an export cannot do to the reader, whatever it holds (each is an ``ImportError_`` naming the file, the
zip member and the place in it):
- a record (one conversation) longer than ``MAX_RECORD_CHARS`` is refused, not read whole;
- a zip member may expand to ``ZIP_RATIO`` times the size of the zip file, and always to ``ZIP_FLOOR``;
  past that it is a zip bomb. The bytes actually read are counted (the declared sizes are checked first,
  but not trusted: zipfile itself stops at the declared size and reports the rest as damage);
- an encrypted member, a compression method Python cannot read, a damaged stream: a clear error;
- a lone surrogate (``"\\ud83d"`` without its other half, which UTF-8 cannot hold) is replaced with U+FFFD
  and counted in ``Record.repaired``.
"""

from __future__ import annotations

import codecs
import json
import lzma
import re
import struct
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from site_builder.errors import ImportError_

CHUNK = 1 << 20
MAX_RECORD_CHARS = 64 << 20
"""The longest record read, in characters of JSON (bytes for a JSON line): 64 MiB. Real conversations are
at most a few MB; memory holds one record at a time, a few times its size while it is decoded."""
ZIP_RATIO = 100
"""A zip member may expand to 100 times the size of the zip file (JSON exports compress 5-20 times)..."""
ZIP_FLOOR = 64 << 20
"""...and always to 64 MiB (small zips of very repetitive JSON are not bombs)."""
_WHITESPACE = " \t\n\r"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ZIP_ERRORS = (OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zlib.error, lzma.LZMAError,
               struct.error, zipfile.BadZipFile, zipfile.LargeZipFile)
"""What zipfile raises on a zip it cannot open or a member it cannot decompress (bz2's errors are OSError
and ValueError)."""
Progress = Callable[[int, int], None]
"""Called with (bytes read, total bytes) as the export is read."""


@dataclass(frozen=True, slots=True)
class Record:
    where: str
    """JSON path of the record in the export (``[3]``; ``line 4`` for JSON lines; empty for a lone object)."""
    value: Any
    repaired: int = 0
    """Lone surrogates in its strings (keys included) replaced with U+FFFD."""


def expansion_limit(zip_bytes: int) -> int:
    """The most bytes a member of a zip file of ``zip_bytes`` may expand to before it counts as a bomb."""
    return max(ZIP_FLOOR, ZIP_RATIO * zip_bytes)


@contextmanager
def open_export(path: Path, member: str | None) -> Iterator[tuple["_Guarded", int, str]]:
    """The export's bytes, their size and a display name; ``member`` is looked up when ``path`` is a zip."""
    if zipfile.is_zipfile(path):
        with _open_member(path, member) as opened:
            yield opened
        return
    try:
        stream = open(path, "rb")
        size = path.stat().st_size
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read the export: {exc.strerror or exc}") from None
    with stream:
        yield _Guarded(stream, str(path)), size, str(path)


@contextmanager
def _open_member(path: Path, member: str | None) -> Iterator[tuple["_Guarded", int, str]]:
    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise ImportError_(f"{path}: not a zip that can be read ({_reason(exc)})",
                           hint="download the export again, or pass the JSON file inside it") from None
    with archive:
        name = _find_member(archive, path, member)
        display = f"{path}: {name}"
        declared = archive.getinfo(name).file_size
        limit = expansion_limit(path.stat().st_size)
        if declared > limit:
            raise _bomb(display, limit, f"expands to {_size(declared)} (declared)")
        try:
            stream = archive.open(name)
        except _ZIP_ERRORS as exc:
            raise _member_error(display, exc) from None
        with stream:
            yield _Guarded(stream, display, limit), declared, display


def _find_member(archive: zipfile.ZipFile, path: Path, member: str | None) -> str:
    names = [n for n in archive.namelist() if member and (n == member or n.endswith("/" + member))]
    if not member:
        raise ImportError_(f"{path}: a zip, and this kind of export is read from its JSON file",
                           hint="unzip it and pass the .json or .jsonl file")
    if not names:
        raise ImportError_(f"{path}: this zip has no {member}",
                           hint=f"pass the data export zip that contains {member}, or that file itself")
    return min(names, key=len)


class _Guarded:
    """A binary stream whose read errors are ``ImportError_`` naming the export (and its zip member), and
    which refuses to return more than ``limit`` bytes in all (a zip member): it counts what it returns."""

    def __init__(self, raw: BinaryIO, name: str, limit: int | None = None) -> None:
        self.raw, self.name, self.limit = raw, name, limit
        self.done = 0
        self.zipped = limit is not None

    def read(self, size: int) -> bytes:
        return self._checked(self.raw.read, size)

    def readline(self, size: int) -> bytes:
        return self._checked(self.raw.readline, size)

    def _checked(self, read: Callable[[int], bytes], size: int) -> bytes:
        try:
            data = read(size)
        except _ZIP_ERRORS as exc:
            if not self.zipped:
                raise ImportError_(f"{self.name}: cannot read the export ({_reason(exc)}); nothing was written") \
                    from None
            raise _member_error(self.name, exc) from None
        self.done += len(data)
        if self.limit is not None and self.done > self.limit:
            raise _bomb(self.name, self.limit, f"expands to more than {_size(self.limit)}")
        return data


def _bomb(name: str, limit: int, what: str) -> ImportError_:
    return ImportError_(f"{name}: {what}, over the limit of {_size(limit)} ({ZIP_RATIO} times the zip, and at "
                        f"least {_size(ZIP_FLOOR)}): refused as a zip bomb; nothing was written",
                        hint="if this is your own export, unzip it and import the JSON file itself")


def _member_error(name: str, exc: BaseException) -> ImportError_:
    text = str(exc)
    if isinstance(exc, RuntimeError) and "encrypted" in text:
        return ImportError_(f"{name}: the member is encrypted (password-protected); nothing was written",
                            hint="unzip it with its password and import the JSON file itself")
    if isinstance(exc, NotImplementedError):
        return ImportError_(f"{name}: compressed with a method that cannot be read here ({text}); nothing was "
                            "written", hint="unzip it with another tool and import the JSON file itself")
    return ImportError_(f"{name}: the zip member is damaged ({_reason(exc)}); nothing was written",
                        hint="download the export again")


def _reason(exc: BaseException) -> str:
    return " ".join((getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).split())[:200]


def _size(count: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            return f"{count / (1 << shift):.3g} {unit}"
    return f"{count} bytes"


def iter_json(path: Path, member: str | None = None, progress: Progress | None = None) -> Iterator[Record]:
    """The elements of the top-level JSON array (or the one top-level object) of ``path``."""
    with open_export(path, member) as (stream, total, name):
        yield from _ArrayReader(stream, total, name, progress).records()


def iter_json_lines(path: Path, progress: Progress | None = None) -> Iterator[Record]:
    """One record per non-blank line of a JSON lines file."""
    with open_export(path, None) as (stream, total, name):
        done = 0
        number = 0
        while raw := stream.readline(MAX_RECORD_CHARS + 1):
            number += 1
            done += len(raw)
            if progress:
                progress(done, total)
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
                raise ImportError_(f"{name}: line {number}: not valid JSON ({exc.msg} at column {exc.colno})",
                                   hint="each line of a .jsonl file must be one JSON value") from None
            except RecursionError:
                raise _too_deep(name, f"line {number}") from None
            yield _record(f"line {number}", value, _SURROGATE_ESCAPE.search(line) is not None)


def _record(where: str, value: Any, may_have_surrogates: bool) -> Record:
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
    return ImportError_(f"{name}: {where}: one conversation larger than {_size(MAX_RECORD_CHARS)} of JSON, more "
                        "than the importer reads in one piece; nothing was written",
                        hint="real conversations are a few MB at most: is this file an export?")


def _too_deep(name: str, where: str) -> ImportError_:
    return ImportError_(f"{name}: {where}: JSON nested too deeply to read; nothing was written",
                        hint="is this file an export?")


class _ArrayReader:
    """Cuts a JSON array into its elements while reading (a private helper of ``iter_json``)."""

    def __init__(self, stream: _Guarded, total: int, name: str, progress: Progress | None) -> None:
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
            yield replace(self._value("the top-level object"), where="")
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
            return _record(where, value, _SURROGATE_ESCAPE.search(self.buffer, start, end) is not None)

    def _expect_end(self) -> None:
        if self._peek():
            raise self._error("not valid JSON: extra data after the end", "")

    def _error(self, message: str, where: str, pos: int | None = None) -> ImportError_:
        at = self.pos if pos is None else pos
        line = self.lines_before + self.buffer.count("\n", 0, at) + 1
        column = at - self.buffer.rfind("\n", 0, at)
        inside = f" in {where}" if where else ""
        return ImportError_(f"{self.name}: line {line} column {column}{inside}: {message}")
