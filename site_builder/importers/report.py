"""What an import did, and how it is told: each post's ``Outcome``, the ``ImportReport`` of a run and its text
(``format_report``), the rows of ``--list`` (``format_listing``), and the progress line on the terminal.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from site_builder.importers.common import Conversation, Skipped
from site_builder.importers.detect import Found
from site_builder.importers.merge import Conflict

WRITES = ("new", "updated", "overwritten", "merged")
REFUSED = ("exists", "edited", "conflict")


@dataclass(frozen=True, slots=True)
class Outcome:
    action: str
    """``new``, ``unchanged``, ``updated``, ``overwritten`` (an edited post, with --force-edited),
    ``exists`` or ``edited`` (refused: the post differs and --force / --force-edited was not given)."""
    path: Path
    conversation: Conversation
    """The conversation's id, title, dropped messages and problems (its exchanges are not kept)."""
    turns: int
    variants: int
    detail: str = ""
    """What was merged, or why an edited post could not be."""
    conflicts: tuple[Conflict, ...] = ()
    """Turns changed both in the post and in the export (nothing written)."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    conversations: int
    """Conversations read from the export."""
    outcomes: tuple[Outcome, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    found: tuple[Found, ...] = ()
    """The files read and the format of each (several for a zip or a folder)."""

    def count(self, *actions: str) -> int:
        return sum(1 for o in self.outcomes if o.action in actions)

    def dropped(self) -> Counter[str]:
        return Counter(reason for o in self.outcomes for _, reason in o.conversation.dropped)

    def refused(self) -> int:
        """Posts not written: conversations that could not be read or made safe, and posts not replaced."""
        return self.count(*REFUSED) + sum(1 for s in self.skipped if s.refused)


@dataclass(frozen=True, slots=True)
class ListedConversation:
    source_id: str
    date: str
    title: str
    turns: int
    branches: int
    note: str = ""


_ACTION_WORDS = {"new": "new", "unchanged": "unchanged", "updated": "updated", "overwritten": "overwrote",
                 "merged": "merged", "exists": "refused", "edited": "refused", "conflict": "conflict"}


def format_report(report: ImportReport) -> str:
    lines = [f"read {f.label} as {with_article(f.format_name)}" for f in report.found if f.kind]
    for o in report.outcomes:
        conv = o.conversation
        dropped = Counter(reason for _, reason in conv.dropped)
        detail = f"{o.turns} turns, {o.variants} variants, {conv.branches} branches"
        if dropped:
            detail += "; dropped " + ", ".join(f"{n} {reason}" for reason, n in sorted(dropped.items()))
        lines.append(f"{_ACTION_WORDS[o.action]:<10} {o.path}  ({detail})")
        if o.action == "exists":
            lines.append("           the post differs from the export: --force replaces it")
        elif o.action == "edited":
            why = f" and cannot be merged turn by turn: {o.detail}" if o.detail else ""
            lines.append(f"           the post was edited after the import{why}; --force-edited replaces it (edits "
                         "are lost)")
        elif o.action == "conflict":
            lines += _conflict_lines(o)
        elif o.detail:
            lines.append(f"           {o.detail}")
        lines += [f"           note: {problem}" for problem in conv.problems]
    lines += [f"{'refused' if s.refused else 'skipped':<10} {s.source_id} {s.title!r}: {s.reason}"
              for s in report.skipped]
    summary = (f"{report.conversations} conversations read; {report.count('new')} new, "
               f"{report.count('updated', 'overwritten')} updated, "
               + (f"{report.count('merged')} merged into edited posts, " if report.count('merged') else "")
               + f"{report.count('unchanged')} unchanged, "
               f"{report.refused()} refused, {sum(1 for s in report.skipped if not s.refused)} skipped")
    dropped = report.dropped()
    if dropped:
        summary += "; dropped messages: " + ", ".join(f"{n} {r}" for r, n in sorted(dropped.items()))
    return "\n".join([*lines, summary])


def _conflict_lines(outcome: Outcome) -> list[str]:
    """Each turn changed both in the post and in the export, as a diff, and how to decide."""
    lines = [f"           {len(outcome.conflicts)} turn(s) changed both in your post and in the export; nothing "
             "was written:"]
    for conflict in outcome.conflicts:
        lines.append(f"           turn {conflict.turn} (line {conflict.line}):")
        lines += [f"             {line}" for line in conflict.diff.split("\n")]
    lines.append("           to decide: --keep-edits keeps your side of these turns and merges the rest; "
                 "--force-edited takes the export whole (your edits are lost); or edit the turn and import again")
    return lines


def with_article(name: str) -> str:
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def format_listing(rows: list[ListedConversation]) -> str:
    width = max([len(r.source_id) for r in rows] + [2])
    lines = [f"{'id':<{width}}  {'date':<10}  {'turns':>5}  {'branches':>8}  title"]
    for r in rows:
        title = " ".join(r.title.split())
        lines.append(f"{r.source_id:<{width}}  {r.date:<10}  {r.turns:>5}  {r.branches:>8}  {title}"
                     + (f"  ({r.note})" if r.note else ""))
    return "\n".join(lines)


class ProgressLine:
    """``reading: 12.0/200.0 MB, 640 conversations`` on one terminal line, at most 5 times a second."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.clock = stream, clock
        self.done = self.total = self.count = 0
        self.last = 0.0
        self.shown = False

    def bytes(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self._show()

    def conversation(self) -> None:
        self.count += 1
        self._show()

    def _show(self, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        self.shown = True
        self.stream.write(f"\rreading: {self.done / 1e6:.1f}/{self.total / 1e6:.1f} MB, {self.count} conversations")
        self.stream.flush()

    def finish(self) -> None:
        if self.shown:
            self._show(force=True)
            self.stream.write("\n")
            self.shown = False
