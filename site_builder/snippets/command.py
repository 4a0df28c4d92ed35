"""``site-builder check [--content DIR] [--json] [-k TEXT] [--rerun]``: every snippet of every post.

Prints a table (post, line, kind, status, time), the evidence of each failure, and a summary;
``--json`` prints the same rows for tools. Exit status 1 when any block failed or drifted.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from site_builder.errors import display_path
from site_builder.snippets.model import DEFAULT_TIMEOUT, STATUSES, CheckResult, Snippet
from site_builder.snippets.parse import parse_snippets

if TYPE_CHECKING:
    from site_builder.snippets.run import Checker


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


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser("check", help="run the snippet checks of every post (DESIGN §3)")
    check.add_argument("--content", type=Path, default=Path("content"), help="content folder (default content/)")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.add_argument("-k", dest="select", metavar="TEXT", default=None,
                       help="only blocks whose name (post.md::L42[python …]) contains TEXT (case-insensitive)")
    check.add_argument("--rerun", action="store_true", help="ignore cached results and run every check again")
    check.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                       help=f"seconds per check subprocess (default {DEFAULT_TIMEOUT:g})")
    check.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from site_builder.snippets.run import Checker  # subprocess machinery: only when checking, not at every CLI start

    started = time.perf_counter()
    checker = Checker(args.content, use_cache=not args.rerun, timeout=args.timeout)
    rows = list(check_content(args.content, checker, args.select))
    elapsed = time.perf_counter() - started
    print(json.dumps({"blocks": [row.to_json() for row in rows], "summary": summary(rows, elapsed)}, indent=1)
          if args.json else format_report(rows, elapsed))
    return 1 if any(row.result.failed for row in rows) else 0


def post_snippets(content_dir: Path) -> Iterable[tuple[Path, tuple[Snippet, ...]]]:
    """Every post and draft of the content folder with its parsed snippets (bad options raise)."""
    from site_builder.discover import discover
    from site_builder.posts import load_post  # Markdown and YAML: not at every start of the CLI

    sources = discover(content_dir)
    for path in (*sources.posts, *sources.drafts):
        post = load_post(path, draft=path in sources.drafts)
        yield path, parse_snippets(post, content_dir)


def check_content(content_dir: Path, checker: Checker, select: str | None = None) -> Iterable[Row]:
    for path, snippets in post_snippets(content_dir):
        shown = display_path(path)
        for snippet in snippets:
            if select and select.lower() not in f"{shown}::{snippet.item_name}".lower():
                continue
            yield Row(shown, snippet.line, snippet.label, snippet.kind, checker.check(snippet, snippets))


def summary(rows: list[Row], elapsed: float) -> dict:
    counts = {status: sum(row.result.status == status for row in rows) for status in STATUSES}
    return {**counts, "blocks": len(rows), "cached": sum(row.result.cached for row in rows),
            "seconds": round(elapsed, 3)}


def format_report(rows: list[Row], elapsed: float) -> str:
    table = [("post", "line", "kind", "status", "time"),
             *((row.post, str(row.line), row.kind, row.result.status, _time(row.result)) for row in rows)]
    widths = [max(len(cells[i]) for cells in table) for i in range(5)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip() for cells in table]
    lines.append("")
    for row in rows:
        if row.result.status != "verified":
            lines.append(f"{row.post}:{row.line}: [{row.label}] {row.result.status}: {row.result.reason}")
            if row.result.failed and row.result.detail:
                lines.extend("    " + text for text in row.result.detail.splitlines())
    counts = summary(rows, elapsed)
    parts = [f"{counts[status]} {status}" for status in STATUSES if counts[status]]
    lines.append(f"{len(rows)} blocks: {', '.join(parts) or 'none'} "
                 f"({counts['cached']} from cache) in {elapsed:.2f} s")
    return "\n".join(lines)


def _time(result: CheckResult) -> str:
    if result.cached:
        return "cached"
    return f"{result.seconds:.2f} s" if result.seconds else "-"
