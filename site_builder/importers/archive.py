"""Where an export's JSON comes from: a plain file, or the members of a zip (the reader is ``jsonstream``).

A ChatGPT data export zip holds ``conversations.json``; since 2025 it is split into ``conversations-000.json``,
``conversations-001.json``… (with ``export_manifest.json`` beside them), each a JSON array of whole
conversations. ``sources`` yields every part in order, so a reader goes through them one after the other and
memory still holds one conversation at a time. A dataset zip given to the ShareGPT importer is read from its
one ``.json`` / ``.jsonl`` member.

What a zip cannot do (each is an ``ImportError_`` naming the file and the member):
- its members may expand, all together, to ``ZIP_RATIO`` times the size of the zip file, and always to
  ``ZIP_FLOOR``; past that it is a zip bomb. The bytes actually read are counted (the declared sizes are
  checked first, but not trusted: zipfile itself stops at the declared size and reports the rest as damage);
- an encrypted member, a compression method Python cannot read, a damaged stream: a clear error.
"""

from __future__ import annotations

import lzma
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from site_builder.errors import ImportError_

ZIP_RATIO = 100
"""All members together may expand to 100 times the size of the zip file (JSON exports compress 5-20 times)..."""
ZIP_FLOOR = 64 << 20
"""...and always to 64 MiB (small zips of very repetitive JSON are not bombs)."""
LINES_SUFFIXES = (".jsonl", ".ndjson")
_DATA_SUFFIXES = (".json", *LINES_SUFFIXES)
_ZIP_ERRORS = (OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zlib.error, lzma.LZMAError,
               struct.error, zipfile.BadZipFile, zipfile.LargeZipFile)
"""What zipfile raises on a zip it cannot open or a member it cannot decompress (bz2's errors are OSError
and ValueError)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One stream of JSON to read: the export file, or one member of its zip."""

    stream: "Guarded"
    size: int
    """Its size in bytes (declared, for a zip member)."""
    name: str
    """How errors name it: ``export.zip: conversations-001.json`` or ``data.json``."""
    part: str = ""
    """The part's name when the export is split (``conversations-001.json``), to prefix record places with."""
    lines: bool = False
    """JSON lines (a ``.jsonl`` / ``.ndjson`` member or file)."""
    before: int = 0
    total: int = 0
    """Bytes of the parts before this one, and of all parts (for progress)."""


def expansion_limit(zip_bytes: int) -> int:
    """The most bytes the members of a zip file of ``zip_bytes`` may expand to before it counts as a bomb."""
    return max(ZIP_FLOOR, ZIP_RATIO * zip_bytes)


def sources(path: Path, member: str | None) -> Iterator[Source]:
    """The export's streams, each open while it is read: the file itself, or the zip members that hold
    ``member`` (``conversations.json``, or its parts ``conversations-NNN.json`` in order); ``member`` None
    means the zip's one JSON / JSON lines file."""
    if zipfile.is_zipfile(path):
        yield from _zip_sources(path, member)
        return
    try:
        stream = open(path, "rb")
        size = path.stat().st_size
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read the export: {exc.strerror or exc}") from None
    with stream:
        yield Source(Guarded(stream, str(path)), size, str(path), lines=path.suffix.lower() in LINES_SUFFIXES,
                     total=size)


def _zip_sources(path: Path, member: str | None) -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise ImportError_(f"{path}: not a zip that can be read ({reason(exc)})",
                           hint="download the export again, or pass the JSON file inside it") from None
    with archive:
        names = _members(archive, path, member)
        split = member is not None and names[0].rsplit("/", 1)[-1] != member
        declared = [archive.getinfo(name).file_size for name in names]
        limit = expansion_limit(path.stat().st_size)
        used = 0
        for index, name in enumerate(names):
            display = f"{path}: {name}"
            if used + declared[index] > limit:
                raise _bomb(display, limit, f"expands to {size_text(used + declared[index])} (declared)")
            try:
                stream = archive.open(name)
            except _ZIP_ERRORS as exc:
                raise member_error(display, exc) from None
            with stream:
                guarded = Guarded(stream, display, limit, used)
                yield Source(guarded, declared[index], display, name.rsplit("/", 1)[-1] if split else "",
                             name.lower().endswith(LINES_SUFFIXES), sum(declared[:index]), sum(declared))
                used = guarded.done


def _members(archive: zipfile.ZipFile, path: Path, member: str | None) -> list[str]:
    """The members to read, in order (``__MACOSX/`` copies left out)."""
    names = [n for n in archive.namelist() if not n.startswith("__MACOSX/") and not n.endswith("/")]
    if member is None:
        return [_data_member(names, path)]
    whole = [n for n in names if n == member or n.endswith("/" + member)]
    if whole:
        return [min(whole, key=len)]
    stem, _, suffix = member.rpartition(".")
    numbered = re.compile(rf"(?:^|/){re.escape(stem)}-(\d+)\.{re.escape(suffix)}$")
    parts = [(m, n) for n in names if (m := numbered.search(n))]
    if not parts:
        raise ImportError_(f"{path}: this zip has no {member} (nor {stem}-000.{suffix}, {stem}-001.{suffix}… of a "
                           "split export)", hint=f"pass the data export zip that contains {member}, or that file itself")
    folder = min((n.rsplit("/", 1)[0] if "/" in n else "" for _, n in parts), key=len)
    inside = [(int(m[1]), n) for m, n in parts if (n.rsplit("/", 1)[0] if "/" in n else "") == folder]
    return [n for _, n in sorted(inside)]


def _data_member(names: list[str], path: Path) -> str:
    """The zip's one ``.json`` / ``.jsonl`` file (a dataset sent as a zip)."""
    data = [n for n in names if n.lower().endswith(_DATA_SUFFIXES) and not n.rsplit("/", 1)[-1].startswith(".")]
    if len(data) == 1:
        return data[0]
    if not data:
        raise ImportError_(f"{path}: a zip without a .json or .jsonl file in it",
                           hint="pass the dataset file itself (.json or .jsonl)")
    shown = ", ".join(data[:5]) + (f" and {len(data) - 5} more" if len(data) > 5 else "")
    raise ImportError_(f"{path}: a zip with {len(data)} data files ({shown}); which one is the dataset?",
                       hint="unzip it and import the dataset file itself")


class Guarded:
    """A binary stream whose read errors are ``ImportError_`` naming the export (and its zip member), and
    which refuses to return more than ``limit`` bytes in all (zip members, counted from ``done``)."""

    def __init__(self, raw: BinaryIO, name: str, limit: int | None = None, done: int = 0) -> None:
        self.raw, self.name, self.limit = raw, name, limit
        self.done = done
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
                raise ImportError_(f"{self.name}: cannot read the export ({reason(exc)}); nothing was written") \
                    from None
            raise member_error(self.name, exc) from None
        self.done += len(data)
        if self.limit is not None and self.done > self.limit:
            raise _bomb(self.name, self.limit, f"expands to more than {size_text(self.limit)}")
        return data


def _bomb(name: str, limit: int, what: str) -> ImportError_:
    return ImportError_(f"{name}: {what}, over the limit of {size_text(limit)} ({ZIP_RATIO} times the zip, and at "
                        f"least {size_text(ZIP_FLOOR)}): refused as a zip bomb; nothing was written",
                        hint="if this is your own export, unzip it and import the JSON file itself")


def member_error(name: str, exc: BaseException) -> ImportError_:
    text = str(exc)
    if isinstance(exc, RuntimeError) and "encrypted" in text:
        return ImportError_(f"{name}: the member is encrypted (password-protected); nothing was written",
                            hint="unzip it with its password and import the JSON file itself")
    if isinstance(exc, NotImplementedError):
        return ImportError_(f"{name}: compressed with a method that cannot be read here ({text}); nothing was "
                            "written", hint="unzip it with another tool and import the JSON file itself")
    return ImportError_(f"{name}: the zip member is damaged ({reason(exc)}); nothing was written",
                        hint="download the export again")


def reason(exc: BaseException) -> str:
    return " ".join((getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).split())[:200]


def size_text(count: int) -> str:
    """``count`` bytes as people read them (``64 MiB``)."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            return f"{count / (1 << shift):.3g} {unit}"
    return f"{count} bytes"
