"""``site-builder import [KIND] EXPORT``: conversations from data exports become posts.

This module is only the CLI seam (it is imported at every start of ``site-builder``, so it stays light);
the work is in ``driver.py`` (``import_export``, ``read_export``) and the per-kind readers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

KIND_NAMES = ("chatgpt", "chatgpt-html", "claude", "claude-code", "codex", "copilot", "deepseek", "gemini", "grok",
              "lechat", "librechat", "lmstudio", "openwebui", "sharegpt", "sillytavern")
"""The kinds ``import`` accepts by name (``detect.KINDS``, kept here so the CLI starts without loading them)."""


def add_import_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``import [KIND] EXPORT``: the kind is found from the file when it is not given."""
    text = ("Turn conversations from a chat export, a dataset or a coding-agent session into posts. The format "
            "is found from the file (a zip, a folder of session files, or one file); name the kind to insist on "
            "one. Nothing is written if the export cannot be read; a conversation that cannot be read is "
            "refused and named, the others are imported (exit status 1). Kinds: " + ", ".join(KIND_NAMES) + ".")
    parser = subparsers.add_parser("import", help="turn conversations from a data export into posts",
                                   description=text)
    parser.add_argument("import_kind", nargs="?", metavar="KIND", choices=KIND_NAMES,
                        help="the export's kind (default: found from the file)")
    parser.add_argument("export", type=Path, metavar="EXPORT", help="the export file, its zip, or a folder of them")
    parser.add_argument("--out", type=Path, default=Path("content/posts"), help="posts folder (default: %(default)s)")
    parser.add_argument("--id", action="append", default=[], dest="ids", metavar="ID",
                        help="import the conversation with this id (repeatable; see --list)")
    parser.add_argument("--title-match", metavar="TEXT", help="import conversations whose title contains TEXT")
    parser.add_argument("--all", action="store_true", help="import every conversation of the export")
    parser.add_argument("--list", action="store_true", help="list the conversations (id, date, title, turns, "
                                                            "branches) and write nothing")
    parser.add_argument("--force", action="store_true", help="overwrite imported posts that differ from the export")
    parser.add_argument("--force-edited", action="store_true",
                        help="also overwrite imported posts that were edited since they were imported (by default "
                             "the export's new and changed turns are merged into them)")
    parser.add_argument("--keep-edits", action="store_true",
                        help="where a turn was changed both in the post and in the export, keep the post's")
    parser.add_argument("--keep-secrets", action="store_true",
                        help="keep API keys, tokens, private keys and passwords found in the export (by default "
                             "each is replaced with [redacted: KIND] and named in the report)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show a progress line (default: when stderr is a terminal)")
    parser.add_argument("--custom-instructions", action="store_true",
                        help="ChatGPT: show the custom instructions as a note before the first turn")
    parser.set_defaults(func=_run_import)


def _run_import(args: argparse.Namespace) -> int:
    from site_builder.importers.driver import run_import

    return run_import(args)
