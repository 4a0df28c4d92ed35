"""Bring a conversation that went on after its import into the post the author has edited since.

The writer records, in the front matter, a short hash of every turn as it wrote it (``imported_turns``). At
the next import of the same conversation, each turn of the post is set beside that record and beside the
export's turn at the same place:

- the export's turn is as recorded: the post's turn stays, edited or not (the author's notes, fixes, a
  block marked ``trusted``);
- the post's turn is as recorded and the export's is not: the export's turn replaces it;
- both changed, differently: a **conflict**. Nothing is written; the report shows the turn's diff, and the
  author decides (``--keep-edits`` keeps the post's side, ``--force-edited`` takes the export whole);
- turns of the export past the recorded ones are appended after the post's last turn (before the author's
  closing words, which follow the conversation).

A post whose turns were added or removed since the import, or that was imported before the record was kept,
is not merged turn by turn: the import says so and leaves it as it is.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from site_builder.errors import SiteError
from site_builder.model import Turn
from site_builder.posts import parse_post

TURNS_KEY = "imported_turns"
_TURNS_LINE = re.compile(rf"^{TURNS_KEY}: *(?P<hashes>[0-9a-f ]*?) *$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Conflict:
    turn: int
    """1-based position of the turn in the post."""
    line: int
    diff: str
    """Unified diff from the post's turn to the export's."""


@dataclass(frozen=True, slots=True)
class Merged:
    text: str | None
    """The merged post; None when nothing may be written (conflicts, or no turn-by-turn merge possible)."""
    appended: int = 0
    updated: int = 0
    """Turns replaced by the export's (the author had not changed them)."""
    kept: int = 0
    """Turns the author changed that the export did not: kept as the author left them."""
    conflicts: tuple[Conflict, ...] = ()
    refusal: str | None = None
    """Why the post cannot be merged turn by turn."""


def turn_hash(speaker: str, text: str) -> str:
    """Ten hex digits that stand for one turn: who speaks, and what (surrounding blank lines aside)."""
    return hashlib.sha256(f"{speaker}\n{text.strip()}".encode("utf-8", "surrogatepass")).hexdigest()[:10]


def hashes_line(turns: Iterable[tuple[str, str]]) -> str:
    """The front-matter line that records the turns as written."""
    return f"{TURNS_KEY}: {' '.join(turn_hash(speaker, text) for speaker, text in turns)}".rstrip()


def recorded_turns(text: str) -> tuple[str, ...] | None:
    """The turn hashes in a post's front matter; None when it has none."""
    head_end = text.find("\n---\n", 4)
    match = _TURNS_LINE.search(text[: head_end + 1] if head_end > 0 else "")
    return tuple(match["hashes"].split()) if match else None


def merge(path: Path, current: str, exported: str, *, keep_edits: bool = False) -> Merged:
    """``current`` (the post as it is, perhaps edited) with what ``exported`` (the export's rendering of the same
    conversation) changed or added since the import; see the module's docstring."""
    base = recorded_turns(current)
    if base is None:
        return Merged(None, refusal="it was imported before the import kept a record of its turns")
    try:
        mine = parse_post(path, current).turns
        theirs = parse_post(path, exported).turns
    except SiteError as exc:
        return Merged(None, refusal=f"it cannot be read as a post now ({exc})")
    if len(mine) != len(base):
        return Merged(None, refusal=f"turns were added or removed since the import ({len(base)} imported, "
                                    f"{len(mine)} now)")
    if len(theirs) < len(base):
        return Merged(None, refusal=f"the export has fewer turns ({len(theirs)}) than were imported ({len(base)})")
    return _merged(current, exported, base, mine, theirs, keep_edits)


def _merged(current: str, exported: str, base: tuple[str, ...], mine: tuple[Turn, ...], theirs: tuple[Turn, ...],
            keep_edits: bool) -> Merged:
    lines, new_lines = current.split("\n"), exported.split("\n")
    replaced: list[tuple[Turn, Turn]] = []
    conflicts: list[Conflict] = []
    kept = 0
    for recorded, own, other in zip(base, mine, theirs):
        own_hash, other_hash = _hash(own), _hash(other)
        if other_hash == recorded or own_hash == other_hash:
            kept += own_hash != recorded
        elif own_hash == recorded:
            replaced.append((own, other))
        elif keep_edits:
            kept += 1
        else:
            conflicts.append(Conflict(own.number, own.line, _diff(lines, new_lines, own, other)))
    if conflicts:
        return Merged(None, conflicts=tuple(conflicts))
    added = theirs[len(base):]
    if added:
        tail = _trimmed(new_lines[theirs[len(base) - 1].end_line if base else _body_start(exported):
                                  added[-1].end_line])
        at = mine[-1].end_line if mine else len(lines)
        lines[at:at] = ["", *tail] if lines[at - 1].strip() else [*tail, ""]
    for own, other in sorted(replaced, key=lambda pair: -pair[0].line):
        lines[own.line - 1: own.end_line] = new_lines[other.line - 1: other.end_line]
    text = _with_record(_tidy("\n".join(lines)), [(t.speaker.name, t.text) for t in theirs])
    return Merged(text, appended=len(added), updated=len(replaced), kept=kept)


def _hash(turn: Turn) -> str:
    return turn_hash(turn.speaker.name, turn.text)


def _diff(lines: list[str], new_lines: list[str], own: Turn, other: Turn) -> str:
    return "\n".join(difflib.unified_diff(lines[own.line - 1: own.end_line], new_lines[other.line - 1: other.end_line],
                                          "your post", "the export", lineterm="", n=2))


def _trimmed(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _body_start(text: str) -> int:
    end = text.find("\n---\n", 4)
    return text[: end + 5].count("\n") if text.startswith("---\n") and end > 0 else 0


def _tidy(text: str) -> str:
    """The text ending with exactly one newline, as the writer leaves a post."""
    return text.rstrip("\n") + "\n"


def _with_record(text: str, turns: list[tuple[str, str]]) -> str:
    """``text`` with its ``imported_turns`` line recording ``turns`` (the export's, as now)."""
    line = hashes_line(turns)
    head_end = text.find("\n---\n", 4)
    head = text[: head_end + 1]
    if _TURNS_LINE.search(head):
        return _TURNS_LINE.sub(lambda _: line, head, count=1) + text[head_end + 1:]
    return f"{head}{line}\n{text[head_end + 1:]}"
