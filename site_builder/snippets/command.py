"""``site-builder check [--content DIR] [--json] [-q|-v] [-k TEXT] [--rerun] [-j N]``: every block of every post.

Prints a table (post, line, kind, status, time), the evidence of each failure, and a summary (``-q``: only
the failures and the summary; ``-v``: every block's evidence too); ``--json`` prints the same rows for tools.
Exit status 1 when any block failed or drifted.

``-j N`` checks N blocks at a time: each check already runs in a subprocess of its own, so N threads
start them. Blocks that share a run (``run.shared_run``: a session, a companion's ``smoke()``) are one
job, checked in source order by one thread. Rows are printed in post and line order whatever finishes
first, so the table is the one ``-j 1`` prints.
"""

from __future__ import annotations

import argparse
import functools
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence, TypeVar

from site_builder.errors import display_path
from site_builder.snippets.model import STATUSES, VERIFIED, CheckResult, Snippet
from site_builder.snippets.parse import parse_snippets

if TYPE_CHECKING:
    from site_builder.snippets.run import Checker

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Row:
    post: str
    line: int
    label: str
    kind: str
    result: CheckResult

    def to_json(self) -> dict:
        return {"post": self.post, "line": self.line, "block": self.label, "kind": self.kind,
                **self.result.to_json(), "cached": self.result.cached}


def cmd_check(args: argparse.Namespace) -> int:
    from site_builder.snippets.run import Checker  # subprocess machinery: only when checking, not at every CLI start

    from site_builder.snippets.cache import prune_results

    started, wall = time.perf_counter(), time.time()
    checker = Checker(args.content, use_cache=not args.rerun, timeout=args.timeout)
    rows = check_content(args.content, checker, args.select, jobs=args.jobs)
    if args.select is None:  # every block was checked: results no block has any more go
        prune_results(checker.cache, checker.used, wall)
    elapsed = time.perf_counter() - started
    print(json.dumps({"blocks": [row.to_json() for row in rows], "summary": summary(rows, elapsed)}, indent=1)
          if args.json else format_report(rows, elapsed, args.verbosity))
    return 1 if any(row.result.failed for row in rows) else 0


def post_snippets(content_dir: Path) -> Iterable[tuple[Path, tuple[Snippet, ...]]]:
    """Every post, draft and page of the content folder with its parsed snippets (bad options raise)."""
    from site_builder.discover import discover
    from site_builder.pages import load_page
    from site_builder.posts import load_post  # Markdown and YAML: not at every start of the CLI

    sources = discover(content_dir)
    for path in (*sources.posts, *sources.drafts):
        post = load_post(path, draft=path in sources.drafts, jekyll=sources.jekyll)
        yield path, parse_snippets(post, content_dir)
    for path in sources.pages:
        page = load_page(path, sources.pages_root, jekyll=sources.jekyll).post
        if page is not None:  # a Jekyll file without front matter is not a page
            yield path, parse_snippets(page, content_dir)


@dataclass(frozen=True, slots=True)
class Block:
    """One selected block of a post, with its post's blocks (a session needs the ones before it)."""
    shown: str
    snippet: Snippet
    siblings: tuple[Snippet, ...]


def check_content(content_dir: Path, checker: Checker, select: str | None = None, jobs: int = 1) -> list[Row]:
    """A row per selected block, in post and line order; ``jobs`` checks run at a time."""
    blocks = list(selected_blocks(content_dir, select))
    groups = group_jobs(blocks)
    rows: list[Row | None] = [None] * len(blocks)
    tasks = [functools.partial(check_blocks, checker, [blocks[index] for index in group]) for group in groups]
    for group, checked in zip(groups, run_tasks(tasks, jobs)):
        for index, row in zip(group, checked):
            rows[index] = row
    return rows


def selected_blocks(content_dir: Path, select: str | None) -> Iterable[Block]:
    for path, snippets in post_snippets(content_dir):
        shown = display_path(path)
        for snippet in snippets:
            if not select or select.lower() in f"{shown}::{snippet.item_name}".lower():
                yield Block(shown, snippet, snippets)


def group_jobs(blocks: Sequence[Block]) -> list[list[int]]:
    """The blocks' indexes split into jobs: blocks that share a run together, in source order; others alone."""
    from site_builder.snippets.run import shared_run  # with the subprocess machinery: only when checking

    jobs: dict[object, list[int]] = {}
    for index, block in enumerate(blocks):
        jobs.setdefault(shared_run(block.snippet) or index, []).append(index)
    return list(jobs.values())


def check_blocks(checker: Checker, blocks: Sequence[Block]) -> list[Row]:
    """One job: its blocks checked one after the other, a row each."""
    return [Row(block.shown, block.snippet.line, block.snippet.label, block.snippet.kind,
                checker.check(block.snippet, block.siblings)) for block in blocks]


def run_tasks(tasks: Sequence[Callable[[], T]], jobs: int) -> list[T]:
    """Each task's value, in the tasks' order, ``jobs`` tasks at a time; the first exception (in that order) is raised.

    With one job the tasks run here, one after the other. With more they run on daemon threads, so Ctrl-C
    ends the command at once: the supervisor of a check still running is sent SIGTERM when the thread that
    started it is gone (``PR_SET_PDEATHSIG``) and stops the check's processes. After a task raised, the
    tasks not yet started are cancelled.
    """
    if jobs == 1:
        return [task() for task in tasks]
    from concurrent.futures import Future  # it imports logging: not at every start of the CLI

    futures: list[Future] = [Future() for _ in tasks]
    queue = iter(zip(tasks, futures))
    lock, failed = threading.Lock(), threading.Event()

    def work() -> None:
        while True:
            with lock:
                task, future = next(queue, (None, None))
            if future is None:
                return
            if failed.is_set():
                future.cancel()
                continue
            try:
                future.set_result(task())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, which raises it
                failed.set()
                future.set_exception(exc)

    for _ in range(min(jobs, len(tasks))):
        threading.Thread(target=work, name="site-builder-check", daemon=True).start()
    return [future.result() for future in futures]


def summary(rows: list[Row], elapsed: float) -> dict:
    counts = {status: sum(row.result.status == status for row in rows) for status in STATUSES}
    return {**counts, "blocks": len(rows), "cached": sum(row.result.cached for row in rows),
            "seconds": round(elapsed, 3)}


def format_report(rows: list[Row], elapsed: float, verbosity: int = 0) -> str:
    """The table, then a line for each block not verified (with the evidence of a failure), then the summary.

    ``verbosity`` -1 (``-q``): no table, only the failures; 1 (``-v``): every block with all its evidence."""
    lines: list[str] = []
    if verbosity >= 0:
        table = [("post", "line", "kind", "status", "time"),
                 *((row.post, str(row.line), row.kind, row.result.status, _time(row.result)) for row in rows)]
        widths = [max(len(cells[i]) for cells in table) for i in range(5)]
        lines += ["  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip() for cells in table]
        lines.append("")
    for row in rows:
        result = row.result
        if (verbosity < 0 and not result.failed) or (verbosity == 0 and result.status == VERIFIED):
            continue
        lines.append(f"{row.post}:{row.line}: [{row.label}] {result.status}: {result.reason}")
        evidence = [result.detail, result.diff] if verbosity > 0 else [result.detail] if result.failed else []
        lines.extend("    " + text for part in evidence for text in part.splitlines())
    counts = summary(rows, elapsed)
    parts = [f"{counts[status]} {status}" for status in STATUSES if counts[status]]
    lines.append(f"{len(rows)} blocks: {', '.join(parts) or 'none'} "
                 f"({counts['cached']} from cache) in {elapsed:.2f} s")
    return "\n".join(lines)


def _time(result: CheckResult) -> str:
    if result.cached:
        return "cached"
    return f"{result.seconds:.2f} s" if result.seconds else "-"
