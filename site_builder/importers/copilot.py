"""Microsoft Copilot activity history (privacy dashboard → Copilot → "Export all activity history",
``copilot-activity-history.csv``) -> ``Conversation``s.

The file is CSV in UTF-8 with a byte order mark: a header ``Conversation,Time,Author,Message``, then one row per
message, rows ending in CRLF and line breaks inside a quoted message in LF. ``Author`` is ``Human`` or ``AI``,
``Message`` is Markdown, ``Time`` is ``2026-07-26T23:20:56`` with no time zone (read as UTC). The rows are newest
first, in the whole file and within a conversation, and an answer has the same ``Time`` as its question (to the
second): sorting by time would put answers before their questions, so a conversation's rows are taken in the
file's order, reversed.

The export has no ids: a conversation is named only by its title (``Conversation``), so the rows of one title are
one post, whose id is made from the title and the time of its first message (``records.derived_id``). Rows of one
title that are not next to each other in the file (a conversation continued later, or two conversations with the
same title) are still one post; the post says so.

The file is read as a stream (``csv`` over the lines of ``archive.sources``), never loaded whole; what is kept
until the end of the file is each row's text, grouped by title, since a conversation's rows may be anywhere in it.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from site_builder.errors import ImportError_
from site_builder.importers.archive import Source, sources
from site_builder.importers.common import Conversation, Message, Node, Sample, Skipped, WrongKind
from site_builder.importers.jsonstream import Progress
from site_builder.importers.layout import thread
from site_builder.importers.records import derived_id, lenient_time
from site_builder.importers.text import inline

SOURCE = "copilot"
NAME = "Microsoft Copilot activity history (CSV)"
ASSISTANT = "Copilot"
FILE_NAME = "copilot-activity-history.csv"
COLUMNS = ("conversation", "time", "author", "message")
"""The header's columns, casefolded, in the order Microsoft writes them."""
_ROLES = {"human": "user", "user": "user", "you": "user", "ai": "assistant", "copilot": "assistant",
          "assistant": "assistant", "bot": "assistant"}
_CHUNK = 1 << 20


def recognises(sample: Sample) -> bool:
    """A file that is not JSON and whose first line is Copilot's header ``Conversation,Time,Author,Message``."""
    if sample.record is not None:
        return False
    first = sample.text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    cells = next(csv.reader([first]), [])
    return tuple(cell.strip().casefold() for cell in cells[:len(COLUMNS)]) == COLUMNS


@dataclass(frozen=True, slots=True)
class _Row:
    """One message row, as read."""

    line: int
    """The line of the file the row starts on (the header is line 1)."""
    time: str
    author: str
    text: str
    extra: tuple[tuple[str, str], ...] = ()
    """(column, value) of columns after the four known ones that hold something."""


@dataclass(slots=True)
class _Group:
    """The rows of one title while the file is read (local to ``_groups``)."""

    title: str
    line: int
    """The line of its first row in the file (its newest message)."""
    rows: list[_Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    runs: int = 0
    """How many separate runs of rows (rows next to each other in the file) the title has."""


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    """One post per title, in the order the file names them (newest first)."""
    for group in _groups(path, member or _zip_member(path), progress):
        yield f"line {group.line}", _conversation(group)


def _zip_member(path: Path) -> str | None:
    """In a zip: ``copilot-activity-history.csv``, or its one CSV file."""
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv") and not n.startswith("__MACOSX/")]
    except (OSError, zipfile.BadZipFile):
        return None  # ``sources`` says what is wrong with it
    named = [n for n in names if n.rsplit("/", 1)[-1].lower() == FILE_NAME]
    return (named or names)[0] if len(named or names) == 1 else None


# --- reading the CSV ------------------------------------------------------------------------------------------


def _groups(path: Path, member: str | None, progress: Progress | None) -> list[_Group]:
    """Every title's rows, in the order the titles first appear; the header must be Copilot's."""
    groups: dict[str, _Group] = {}
    for source in sources(path, member):
        previous: str | None = None
        for line, row, columns in _rows(source, progress):
            title = " ".join(row[0].split()) if row else ""
            group = groups.setdefault(title, _Group(title, line))
            group.runs += title != previous
            previous = title
            if len(row) < len(COLUMNS):
                group.errors.append(f"line {line}: {len(row)} column(s), expected {len(COLUMNS)} "
                                    f"(Conversation, Time, Author, Message)")
                continue
            author = row[2].strip()
            if author.casefold() not in _ROLES:
                group.errors.append(f"line {line}: Author {author[:40]!r} is neither Human nor AI")
                continue
            extra = tuple((columns[i] if i < len(columns) else f"column {i + 1}", value)
                          for i, value in enumerate(row[len(COLUMNS):], len(COLUMNS)) if value.strip())
            group.rows.append(_Row(line, row[1].strip(), author, row[3], extra))
    return list(groups.values())


def _rows(source: Source, progress: Progress | None) -> Iterator[tuple[int, list[str], list[str]]]:
    """(first line, cells, header) of every non-blank row after the header; a header that is not Copilot's is a
    ``WrongKind``, a file that is not UTF-8 or not CSV an ``ImportError_`` naming the line."""
    reader = csv.reader(_lines(source, progress))
    try:
        header = next(reader, [])
        names = [cell.strip() for cell in header]
        if tuple(n.casefold() for n in names[:len(COLUMNS)]) != COLUMNS:
            raise WrongKind("line 1", f"not a Copilot activity history: its first line is "
                                      f"{','.join(names)[:80]!r}, not Conversation,Time,Author,Message")
        start = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                yield start, row, names
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportError_(f"{source.name}: line {reader.line_num}: not CSV that can be read ({exc}); nothing "
                           "was written", hint="export the activity history again from the privacy dashboard") \
            from None
    except UnicodeDecodeError:
        raise ImportError_(f"{source.name}: after line {reader.line_num}: not UTF-8 text; nothing was written",
                           hint="import the file as downloaded (re-saving it in a spreadsheet may change its "
                                "encoding)") from None


def _lines(source: Source, progress: Progress | None) -> Iterator[str]:
    """The file's lines, each with its LF, decoded as it is read (a leading byte order mark dropped)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    while chunk := source.stream.read(_CHUNK):
        if progress:
            progress(source.before + source.stream.done, source.total or source.size)
        pieces = (pending + decoder.decode(chunk)).split("\n")
        pending = pieces.pop()
        yield from (piece + "\n" for piece in pieces)
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


# --- rows -> posts --------------------------------------------------------------------------------------------


def _conversation(group: _Group) -> Conversation | Skipped:
    """The post of one title: its rows in the file's order reversed (oldest first)."""
    rows = group.rows[::-1]
    title = group.title or "Untitled conversation"
    source_id = derived_id(group.title, rows[0].time if rows else "")
    if group.errors:
        more = f" (and {len(group.errors) - 1} more)" if len(group.errors) > 1 else ""
        return Skipped(source_id, title, group.errors[0] + more, refused=True)
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    problems: list[str] = []
    parent: str | None = None
    created = None
    for order, row in enumerate(rows):
        nid = f"line {row.line}"
        time, warning = lenient_time(row.time, f"{nid}: Time")
        created = created or time
        if warning:
            problems.append(warning + "; the row keeps its place in the file")
        text = _text(row)
        if not text.strip():
            dropped.append((nid, "empty message"))
            continue
        role = _ROLES[row.author.casefold()]
        message = Message(role, "User" if role == "user" else ASSISTANT, text)
        nodes[nid] = Node(nid, parent, message, time.timestamp() if time else None, order)
        parent = nid
    if group.runs > 1:
        problems.append(f"the export names conversations only by their title, and the rows titled "
                        f"“{inline(title, 60)}” are in {group.runs} separate places in it: shown as one conversation, "
                        "in the file's order")
    if not nodes:
        return Skipped(source_id, title, "no messages")
    laid_out = thread(nodes, parent)
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, "", tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _text(row: _Row) -> str:
    """The message's Markdown, then any column the four known ones do not cover."""
    lines = [f"*{inline(name, 60)}: {inline(value, 500)}*" for name, value in row.extra]
    return "\n\n".join([row.text.strip("\n"), "\n".join(lines)]) if lines else row.text.strip("\n")
