"""``site-builder check``'s options (``add_check_parser``), apart from the command, which loads when a check runs:
every ``site-builder`` start defines every command's options, and the command's imports took about a tenth
of a build that finds nothing changed (37 ms)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from site_builder.snippets.model import DEFAULT_TIMEOUT


def add_check_parser(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser(
        "check", help="run every code block of every post and report what each proved",
        description="Run every code block of every post and report whether it still does what the post shows: "
                    "verified, drifted, failed, skipped (with the reason) or not checked. A page shows each "
                    "block's last result. Exit status 1 when a block failed or drifted.")
    check.add_argument("--content", type=Path, default=Path("content"), help="content folder (default content/)")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    amount = check.add_mutually_exclusive_group()
    amount.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=-1, default=0,
                        help="print only the failures (with their evidence) and the summary")
    amount.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=1,
                        help="print every block's result with its evidence, verified ones included")
    check.add_argument("-k", dest="select", metavar="TEXT", default=None,
                       help="only blocks whose name (post.md::L42[python …]) contains TEXT (case-insensitive)")
    check.add_argument("--rerun", action="store_true", help="ignore cached results and run every check again")
    check.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                       help=f"seconds per check subprocess (default {DEFAULT_TIMEOUT:g})")
    check.add_argument("-j", "--jobs", type=job_count, default=1, metavar="N",
                       help="check N blocks at a time (default 1; 'auto': one per core); the report is the same")
    check.set_defaults(func=_check)


def job_count(text: str) -> int:
    """``-j``'s value: a whole number of checks at a time, at least 1, or ``auto`` (one per core)."""
    if text == "auto":
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"expected a number of checks at a time (1, 2, …) or 'auto', got {text!r}")
    return count




def _check(args: argparse.Namespace) -> int:
    from site_builder.snippets.command import cmd_check

    return cmd_check(args)
