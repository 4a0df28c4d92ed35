"""The import driver: read an export, render each conversation, write posts (``import_export``), and
the ``import`` command behind the CLI seam in ``__init__.py`` (``run_import``). An import reads
the export as a stream, writes every post into a staging folder first and moves them into place
only when the whole export was read: an error leaves the posts folder untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from itertools import chain, count
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, TextIO

from site_builder.errors import ImportError_
from site_builder.importers import chatgpt
from site_builder.importers.common import Conversation, ShapeError, Skipped
from site_builder.importers.detect import KINDS, Found, detect, formats_read
from site_builder.importers.merge import Conflict, merge, recorded_turns
from site_builder.importers.writer import (
    RenderedPost, recorded_and_actual_hash, redacted_title, render_post, short_id, slugify,
)
from site_builder.posts import slugify as post_slug

_DATED_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-(?P<slug>.+)$")
WRITES = ("new", "updated", "overwritten", "merged")
REFUSED = ("exists", "edited", "conflict")


@dataclass(frozen=True, slots=True)
class Selection:
    ids: tuple[str, ...] = ()
    title_match: str | None = None
    everything: bool = False

    def given(self) -> bool:
        return bool(self.ids or self.title_match or self.everything)

    def wants(self, source_id: str, title: str) -> bool:
        if self.everything:
            return True
        if source_id in self.ids:
            return True
        return bool(self.title_match) and self.title_match.casefold() in title.casefold()


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


@dataclass(slots=True)
class _Plan:
    """Where each post goes (local to one ``import_export`` call)."""

    existing: dict[tuple[str, str], Path]
    taken: set[str] = field(default_factory=set)
    """Slugs in use (a post's URL is its file name without the date: two dates do not make two URLs)."""


def run_import(args: argparse.Namespace) -> int:
    """The ``import`` command: list, or import and print a report. Errors are raised as ``ImportError_``."""
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    progress = _ProgressLine(sys.stderr) if show else None
    options = chatgpt.Options(getattr(args, "custom_instructions", False))
    try:
        if args.list:
            rows = list_export(args.import_kind, args.export, options, progress)
            progress and progress.finish()
            print(format_listing(rows))
            return 0
        report = import_export(args.import_kind, args.export, args.out,
                               Selection(tuple(args.ids), args.title_match, args.all),
                               force=args.force, force_edited=args.force_edited, keep_edits=args.keep_edits,
                               keep_secrets=args.keep_secrets,
                               options=options, progress=progress)
    finally:
        if progress:
            progress.finish()
    print(format_report(report))
    return 1 if report.refused() else 0


def sources_of(kind: str | None, export: Path) -> tuple[Found, ...]:
    """What ``import`` reads in ``export``: with a kind, the file as that kind (in a folder, the files of that
    kind); without, every source ``detect`` finds. A lone file no reader recognises is an error that says what
    it looks like and which formats are read."""
    if kind is not None and not export.is_dir():
        if not export.is_file():
            raise ImportError_(f"{export}: no such file", hint="pass the path of the export file (or its zip)")
        return (Found(export, None, kind),)
    found = detect(export)
    if kind is not None:
        found = tuple(f if f.kind == kind else replace(f, kind=None, looks_like=f.looks_like or
                                                         f"a {KINDS[f.kind].NAME}") for f in found)
    if not any(f.kind for f in found):
        shown = "; ".join(f"{f.label}: {f.looks_like}" for f in found[:3]) + (" …" if len(found) > 3 else "")
        raise ImportError_(f"{export}: not an export that import reads ({shown}); nothing was written",
                           hint=f"the formats read are: {formats_read()}")
    return found


def read_export(kind: str | None, export: Path, options: chatgpt.Options = chatgpt.Options(),
                progress: "_ProgressLine | None" = None) -> Iterator[Conversation | Skipped]:
    """Every conversation of the export, and a ``Skipped`` naming each file of it that holds none (a zip's
    ``user.json``); a bad export raises ``ImportError_`` naming the place in it."""
    yield from read_sources(sources_of(kind, export), kind is not None, options, progress)


def read_sources(sources: tuple[Found, ...], insisted: bool, options: chatgpt.Options = chatgpt.Options(),
                 progress: "_ProgressLine | None" = None) -> Iterator[Conversation | Skipped]:
    """The conversations of each source in turn. When there are several (a zip's members, a folder's files), one
    that cannot be read is refused and named, and the others are read; a lone file that cannot be read stops
    the import (``ImportError_``): nothing is written."""
    for found in sources:
        items = _items_of(found, insisted, options, progress)
        yield from (_refused_if_unreadable(found, items) if len(sources) > 1 else items)


def _items_of(found: Found, insisted: bool, options: chatgpt.Options,
              progress: "_ProgressLine | None") -> Iterator[Conversation | Skipped]:
    """The conversations of one source, or the ``Skipped`` that names a source not read on its own."""
    if found.read_with:
        yield Skipped(found.label, "", found.read_with)
    elif found.kind is None:
        yield Skipped(found.label, "", f"not read: {found.looks_like}, not a format of conversations import reads")
    else:
        yield from _read_found(found, insisted, options, progress)


def _refused_if_unreadable(found: Found, items: Iterator[Conversation | Skipped]) -> Iterator[Conversation | Skipped]:
    """``items``, and, when reading them fails, a refused ``Skipped`` naming ``found`` and where it failed."""
    read = 0
    try:
        for item in items:
            read += 1
            yield item
    except ImportError_ as exc:
        after = f" after its first {read} conversation(s)" if read else ""
        yield Skipped(found.label, "", f"cannot be read{after}: {exc.message.removeprefix(found.label + ': ')}",
                      refused=True)


def _read_found(found: Found, insisted: bool, options: chatgpt.Options,
                progress: "_ProgressLine | None") -> Iterator[Conversation | Skipped]:
    module = KINDS[found.kind]
    stream = module.conversations(found.path, options, progress.bytes if progress else None, member=found.member)
    where = ""
    try:
        for where, item in stream:
            if progress:
                progress.conversation()
            yield item
    except ShapeError as exc:
        raise ImportError_(f"{found.label}: {exc.path}: {exc.message}", hint=_kind_hint(found, insisted)) from None
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        raise ImportError_(f"{found.label}: {f'the record after {where}' if where else 'the first record'}: cannot be "
                           f"imported ({type(exc).__name__}: {exc})",
                           hint="this export has a shape the importer does not know; nothing was written") from None


def _kind_hint(found: Found, insisted: bool) -> str:
    """What to do when a file is not of the kind it was read as: the kind it looks like, when one reader
    recognises it."""
    if not insisted:
        return f"the formats read are: {formats_read()}"
    try:
        seen = detect(found.path) if not found.member else ()
    except ImportError_:
        seen = ()
    other = next((f for f in seen if f.kind and f.kind != found.kind), None)
    if other:
        return (f"this looks like {_a(other.format_name)}: run `site-builder import {found.path}` (the kind is "
                f"found from the file) or `site-builder import {other.kind} {found.path}`")
    return f"is this a {KINDS[found.kind].NAME}? the formats read are: {formats_read()}"


def list_export(kind: str | None, export: Path, options: chatgpt.Options = chatgpt.Options(),
                progress: "_ProgressLine | None" = None) -> list[ListedConversation]:
    rows = []
    for item in read_export(kind, export, options, progress):
        if isinstance(item, Skipped):
            rows.append(ListedConversation(item.source_id, "-", item.title, 0, 0, f"not importable: {item.reason}"))
            continue
        rendered = render_post(item, dt.date.today())
        if rendered.refusal:
            rows.append(ListedConversation(item.source_id, "-", item.title, 0, 0, f"not importable: {rendered.refusal}"))
            continue
        date = item.created.date().isoformat() if item.created else "-"
        rows.append(ListedConversation(item.source_id, date, item.title, len(rendered.turns), item.branches))
    return rows


def import_export(kind: str | None, export: Path, out: Path, selection: Selection, *, force: bool = False,
                  force_edited: bool = False, keep_edits: bool = False, keep_secrets: bool = False,
                  options: chatgpt.Options = chatgpt.Options(),
                  progress: "_ProgressLine | None" = None) -> ImportReport:
    """Import the selected conversations of ``export`` into ``out``; all or nothing on errors."""
    if out.exists() and not out.is_dir():
        raise ImportError_(f"{out}: not a folder", hint="--out names the posts folder, e.g. content/posts")
    fallback_date = _file_date(export)
    plan = _Plan(_existing_posts(out))
    plan.taken = {_slug_of(p.name) for p in out.glob("*.md")} if out.is_dir() else set()
    staging = Path(tempfile.mkdtemp(prefix=".site-builder-import-", dir=_existing_ancestor(out)))
    try:
        report = _import_into(kind, export, out, staging, selection, plan, fallback_date,
                              force=force, force_edited=force_edited, keep_edits=keep_edits,
                              keep_secrets=keep_secrets, options=options,
                              progress=progress)
        _move_into_place(staging, out, report)
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _import_into(kind: str | None, export: Path, out: Path, staging: Path, selection: Selection, plan: _Plan,
                 fallback_date: dt.date, *, force: bool, force_edited: bool, keep_edits: bool, keep_secrets: bool,
                 options: chatgpt.Options,
                 progress: "_ProgressLine | None") -> ImportReport:
    outcomes: list[Outcome] = []
    skipped: list[Skipped] = []
    seen = 0
    ids: Counter[tuple[str, str]] = Counter()
    found = sources_of(kind, export)
    for item in read_sources(found, kind is not None, options, progress):
        seen += 1
        item = _unique_id(item, ids)
        if not selection.given() and seen > 1:
            raise ImportError_(f"{export}: the export has more than one conversation; nothing was written",
                               hint="choose with --id ID or --title-match TEXT, or import them all with --all "
                                    "(--list shows ids and titles)")
        if selection.given() and not selection.wants(item.source_id, item.title):
            continue
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        item = item if keep_secrets else redacted_title(item)  # before the file is named after it
        rendered = render_post(item, fallback_date, keep_secrets=keep_secrets)
        if rendered.refusal:
            skipped.append(Skipped(item.source_id, item.title, f"refused, nothing written for it: {rendered.refusal}",
                                   refused=True))
            continue
        if not rendered.turns:
            left_out = f" ({len(item.dropped)} left out: {_reasons(item.dropped)})" if item.dropped else ""
            skipped.append(Skipped(item.source_id, item.title, f"no message to show{left_out}: no post written"))
            continue
        path = _destination(item, rendered, out, plan)
        decision = _decide(path, rendered.text, force, force_edited, keep_edits)
        if decision.action in WRITES:
            (staging / path.name).write_text(decision.text or rendered.text, encoding="utf-8", newline="\n")
        # a report of 10,000 posts must not hold their text
        summary = replace(item, exchanges=(), intro="", problems=item.problems + rendered.problems)
        outcomes.append(Outcome(decision.action, path, summary, len(rendered.turns), rendered.variants,
                                decision.detail, decision.conflicts))
    if selection.everything and not seen:
        raise ImportError_(f"{export}: the export has no conversations; nothing was written")
    if selection.given() and not outcomes and not skipped:
        wanted = ", ".join(selection.ids) or f"titles containing {selection.title_match!r}"
        raise ImportError_(f"{export}: no conversation matches {wanted}; nothing was written",
                           hint="list the conversations with --list")
    return ImportReport(seen, tuple(outcomes), tuple(skipped), found)


def _unique_id(item: Conversation | Skipped, ids: Counter[tuple[str, str]]) -> Conversation | Skipped:
    """``item``, or, when an earlier conversation of this import had its id, ``item`` under ``ID~2`` (``~3``…)
    with a note saying so: two conversations never share a post (the second used to overwrite the first)."""
    source = item.source if isinstance(item, Conversation) else "skipped"
    key = (source, item.source_id)
    ids[key] += 1
    if ids[key] == 1 or isinstance(item, Skipped):
        return item
    new_id = f"{item.source_id}~{ids[key]}"
    while ids[(source, new_id)]:
        ids[key] += 1
        new_id = f"{item.source_id}~{ids[key]}"
    ids[(source, new_id)] += 1
    return replace(item, source_id=new_id, problems=item.problems + (
        f"the export has an earlier conversation with the id {item.source_id!r}: this one is imported as "
        f"{new_id!r}",))


def _reasons(dropped: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{n} {reason}" for reason, n in sorted(Counter(r for _, r in dropped).items()))


def _destination(conv: Conversation, rendered: RenderedPost, out: Path, plan: _Plan) -> Path:
    """The post already imported from this conversation, else a new unique ``YYYY-MM-DD-slug.md``."""
    known = plan.existing.get((conv.source, conv.source_id))
    if known is not None:
        plan.taken.add(_slug_of(known.name))
        return known
    slug = slugify(conv.title, conv.source, conv.source_id)
    unique = f"{slug}-{short_id(conv.source_id)}"
    chosen = next(c for c in chain([slug, unique], (f"{unique}-{n}" for n in count(2))) if c not in plan.taken)
    plan.taken.add(chosen)
    path = out / f"{rendered.date.isoformat()}-{chosen}.md"
    plan.existing[(conv.source, conv.source_id)] = path
    return path


def _slug_of(name: str) -> str:
    """The slug of a post file, as the build derives it (``2024-05-01-hello.md`` -> ``hello``)."""
    stem = name.removesuffix(".md")
    match = _DATED_NAME.match(stem)
    return post_slug(match["slug"] if match else stem)


@dataclass(frozen=True, slots=True)
class _Decision:
    action: str
    text: str | None = None
    """What to write when it is not the export's rendering (a merged post)."""
    detail: str = ""
    conflicts: tuple[Conflict, ...] = ()


def _decide(path: Path, text: str, force: bool, force_edited: bool, keep_edits: bool = False) -> _Decision:
    """What to do with the post at ``path`` given the export's rendering ``text``: write it (new, updated,
    overwritten), merge it into the author's edits (merged), or leave the post (unchanged, exists, edited,
    conflict)."""
    try:
        current = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except FileNotFoundError:
        return _Decision("new")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: cannot read the existing post ({exc}); nothing was written") from None
    if current == text:
        return _Decision("unchanged")
    recorded, actual = recorded_and_actual_hash(current)
    edited = recorded is None or recorded != actual
    if force_edited or (force and not edited):
        return _Decision("overwritten" if edited else "updated")
    if not edited:
        before, after = recorded_turns(current), recorded_turns(text)
        continued = before is not None and after is not None and len(after) > len(before) \
            and after[:len(before)] == before
        return _Decision("updated", detail="the conversation went on") if continued else _Decision("exists")
    merged = merge(path, current, text, keep_edits=keep_edits)
    if merged.conflicts:
        return _Decision("conflict", conflicts=merged.conflicts)
    if merged.text is None:
        return _Decision("edited", detail=merged.refusal or "")
    if merged.text == current:
        return _Decision("unchanged", detail="your edits kept")
    return _Decision("merged", merged.text, f"{merged.appended} turns added, {merged.updated} updated from the "
                                             f"export, {merged.kept} edited turns kept")


def _existing_posts(out: Path) -> dict[tuple[str, str], Path]:
    """(source, source_id) -> post, for every imported post in ``out`` (read from the front matter)."""
    found: dict[tuple[str, str], Path] = {}
    if not out.is_dir():
        return found
    for path in sorted(out.glob("*.md")):
        source = source_id = None
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                if handle.readline().rstrip() != "---":
                    continue
                for _, line in zip(range(200), handle):
                    if line.rstrip() == "---":
                        break
                    if line.startswith("source: "):
                        source = _yaml_scalar(line[8:])
                    elif line.startswith("source_id: "):
                        source_id = _yaml_scalar(line[11:])
        except OSError:
            continue
        if source and source_id:
            found[(source, source_id)] = path
    return found


def _yaml_scalar(text: str) -> str:
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text.strip()
    return str(value)


def _move_into_place(staging: Path, out: Path, report: ImportReport) -> None:
    written = [o for o in report.outcomes if o.action in WRITES]
    if not written:
        return
    out.mkdir(parents=True, exist_ok=True)
    for outcome in written:
        os.replace(staging / outcome.path.name, outcome.path)


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.is_dir():
        path = path.parent
    return path


def _file_date(export: Path) -> dt.date:
    """Date of posts whose conversation has none (ShareGPT): the export file's modification date."""
    try:
        return dt.date.fromtimestamp(export.stat().st_mtime)
    except OSError:
        return dt.date.today()


_ACTION_WORDS = {"new": "new", "unchanged": "unchanged", "updated": "updated", "overwritten": "overwrote",
                 "merged": "merged", "exists": "refused", "edited": "refused", "conflict": "conflict"}


def format_report(report: ImportReport) -> str:
    lines = [f"read {f.label} as {_a(f.format_name)}" for f in report.found if f.kind]
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


def _a(name: str) -> str:
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def format_listing(rows: list[ListedConversation]) -> str:
    width = max([len(r.source_id) for r in rows] + [2])
    lines = [f"{'id':<{width}}  {'date':<10}  {'turns':>5}  {'branches':>8}  title"]
    for r in rows:
        title = " ".join(r.title.split())
        lines.append(f"{r.source_id:<{width}}  {r.date:<10}  {r.turns:>5}  {r.branches:>8}  {title}"
                     + (f"  ({r.note})" if r.note else ""))
    return "\n".join(lines)


class _ProgressLine:
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
