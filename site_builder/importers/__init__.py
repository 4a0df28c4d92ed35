"""``site-builder import chatgpt|claude|sharegpt``: conversations from data exports become posts.

This module is only the CLI seam (it is imported at every start of ``site-builder``, so it stays light);
the work is in ``driver.py`` (``import_export``, ``read_export``) and the per-kind readers.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_import_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``import`` with its ``chatgpt``, ``claude`` and ``sharegpt`` subcommands."""
    parser = subparsers.add_parser("import", help="turn conversations from a data export into posts",
                                   description="Turn conversations from a ChatGPT, Claude or ShareGPT export into "
                                               "posts. Nothing is written if the export cannot be read; a "
                                               "conversation that cannot be read is refused and named, the "
                                               "others are imported (exit status 1).")
    kinds = parser.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    helps = {"chatgpt": ("ChatGPT data export: the zip (conversations.json, or its parts conversations-000.json…), "
                         "or the JSON file", "EXPORT.zip|conversations.json"),
             "claude": ("Claude data export: the zip, or conversations.json", "EXPORT.zip|conversations.json"),
             "sharegpt": ("ShareGPT-style or OpenAI-messages dataset, preference data included: .json (a list or "
                          "one record), .jsonl, or a zip holding one", "FILE.json|FILE.jsonl|FILE.zip")}
    for kind, (text, metavar) in helps.items():
        sub = kinds.add_parser(kind, help=text, description=text)
        sub.add_argument("export", type=Path, metavar=metavar)
        sub.add_argument("--out", type=Path, default=Path("content/posts"), help="posts folder (default: %(default)s)")
        sub.add_argument("--id", action="append", default=[], dest="ids", metavar="ID",
                         help="import the conversation with this id (repeatable; see --list)")
        sub.add_argument("--title-match", metavar="TEXT", help="import conversations whose title contains TEXT")
        sub.add_argument("--all", action="store_true", help="import every conversation of the export")
        sub.add_argument("--list", action="store_true", help="list the conversations (id, date, title, turns, "
                                                             "branches) and write nothing")
        sub.add_argument("--force", action="store_true", help="overwrite imported posts that differ from the export")
        sub.add_argument("--force-edited", action="store_true",
                         help="also overwrite imported posts that were edited since they were imported")
        sub.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                         help="show a progress line (default: when stderr is a terminal)")
        if kind == "chatgpt":
            sub.add_argument("--custom-instructions", action="store_true",
                             help="show the custom instructions as a note before the first turn")
        sub.set_defaults(func=_run_import)



def _run_import(args: argparse.Namespace) -> int:
    from site_builder.importers.driver import run_import

    return run_import(args)
