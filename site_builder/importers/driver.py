"""The import driver: read an export, render each conversation, write posts (``import_export``), and
the ``import`` command behind the CLI seam in ``__init__.py`` (``run_import``). An import reads
the export as a stream, writes every post into a staging folder first and moves them into place
only when the whole export was read: an error leaves the posts folder untouched.

What an import did is told by ``report.py``; where each post goes, and what happens to a post already there, by
``posts_folder.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from site_builder.errors import ImportError_
from site_builder.importers import chatgpt
from site_builder.importers.common import Conversation, ShapeError, Skipped
from site_builder.importers.detect import KINDS, Found, detect, formats_read
from site_builder.importers.posts_folder import (Plan, decide, destination, existing_posts, move_into_place,
                                                 slug_of)
from site_builder.importers.report import (WRITES, ImportReport, ListedConversation, Outcome, ProgressLine,
                                           format_listing, format_report, with_article)
from site_builder.importers.writer import redacted_title, render_post


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


def run_import(args: argparse.Namespace) -> int:
    """The ``import`` command: list, or import and print a report. Errors are raised as ``ImportError_``."""
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    progress = ProgressLine(sys.stderr) if show else None
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
                progress: "ProgressLine | None" = None) -> Iterator[Conversation | Skipped]:
    """Every conversation of the export, and a ``Skipped`` naming each file of it that holds none (a zip's
    ``user.json``); a bad export raises ``ImportError_`` naming the place in it."""
    yield from read_sources(sources_of(kind, export), kind is not None, options, progress)


def read_sources(sources: tuple[Found, ...], insisted: bool, options: chatgpt.Options = chatgpt.Options(),
                 progress: "ProgressLine | None" = None) -> Iterator[Conversation | Skipped]:
    """The conversations of each source in turn. When there are several (a zip's members, a folder's files), one
    that cannot be read is refused and named, and the others are read; a lone file that cannot be read stops
    the import (``ImportError_``): nothing is written."""
    for found in sources:
        items = _items_of(found, insisted, options, progress)
        yield from (_refused_if_unreadable(found, items) if len(sources) > 1 else items)


def _items_of(found: Found, insisted: bool, options: chatgpt.Options,
              progress: "ProgressLine | None") -> Iterator[Conversation | Skipped]:
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
                progress: "ProgressLine | None") -> Iterator[Conversation | Skipped]:
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
        return (f"this looks like {with_article(other.format_name)}: run `site-builder import {found.path}` "
                f"(the kind is found from the file) or `site-builder import {other.kind} {found.path}`")
    return f"is this a {KINDS[found.kind].NAME}? the formats read are: {formats_read()}"


def list_export(kind: str | None, export: Path, options: chatgpt.Options = chatgpt.Options(),
                progress: "ProgressLine | None" = None) -> list[ListedConversation]:
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
                  progress: "ProgressLine | None" = None) -> ImportReport:
    """Import the selected conversations of ``export`` into ``out``; all or nothing on errors."""
    if out.exists() and not out.is_dir():
        raise ImportError_(f"{out}: not a folder", hint="--out names the posts folder, e.g. content/posts")
    fallback_date = _file_date(export)
    plan = Plan(existing_posts(out))
    plan.taken = {slug_of(p.name) for p in out.glob("*.md")} if out.is_dir() else set()
    staging = Path(tempfile.mkdtemp(prefix=".site-builder-import-", dir=_existing_ancestor(out)))
    try:
        report = _import_into(kind, export, out, staging, selection, plan, fallback_date,
                              force=force, force_edited=force_edited, keep_edits=keep_edits,
                              keep_secrets=keep_secrets, options=options,
                              progress=progress)
        move_into_place(staging, out, report)
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _import_into(kind: str | None, export: Path, out: Path, staging: Path, selection: Selection, plan: Plan,
                 fallback_date: dt.date, *, force: bool, force_edited: bool, keep_edits: bool, keep_secrets: bool,
                 options: chatgpt.Options,
                 progress: "ProgressLine | None") -> ImportReport:
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
        path = destination(item, rendered, out, plan)
        decision = decide(path, rendered.text, force, force_edited, keep_edits)
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
