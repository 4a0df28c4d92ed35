"""The snippet checks (DESIGN §3): every code block of a post is a check of what it claims.

One module per stage; imports flow one way, from the top of this list to the bottom:

- ``command.py`` — ``site-builder check``: a table of every block's result (its options: ``options.py``);
  ``pytest_plugin.py`` — every block a pytest item (entry point ``pytest11``);
- ``run.py`` — ``Checker``: drift, execution, coverage, output, each in a subprocess running ``child.py``,
  contained by ``contain.py`` (bounded output, limits, temporary HOME) and ``supervisor.py``; ``hints.py``
  says what to do about a failed import (which package, where to install it);
- ``statuses.py`` — what a page shows per block, read from the cache (never runs anything);
- ``parse.py`` — fence info strings → ``Snippet`` values, references checked with ``ast``;
  ``cache.py`` — result keys and the store under ``.cache/checks/``;
  ``excerpts.py`` — where a quote sits in a companion, and which of its lines ran;
- ``model.py`` — ``Snippet``, ``CheckResult``, the kinds and statuses.

``child.py`` and ``supervisor.py`` are the other side of a run: scripts run by fresh interpreters that
import none of these (the supervisor kills every process a block started, setsid and double forks included).

This file is the package's seam: the build and the CLI use what it exports, each loaded from its module when
first asked for (``__getattr__``): every ``site-builder`` start imports the package, and a build that finds
nothing changed needs none of it. ``options.py`` holds ``site-builder check``'s options; ``run.Checker`` and its
subprocess machinery load when a check runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from site_builder.snippets.model import STATUSES, BlockStatus, CheckResult, Snippet
    from site_builder.snippets.options import add_check_parser
    from site_builder.snippets.parse import parse_snippets
    from site_builder.snippets.statuses import badge_words, block_statuses, provenance

_EXPORTS = {"STATUSES": "model", "BlockStatus": "model", "CheckResult": "model", "Snippet": "model",
            "add_check_parser": "options", "parse_snippets": "parse", "badge_words": "statuses",
            "block_statuses": "statuses", "provenance": "statuses"}
"""Each name the package exports, and the module of it."""

__all__ = ["STATUSES", "BlockStatus", "CheckResult", "Snippet", "add_check_parser", "badge_words", "block_statuses",
           "parse_snippets", "provenance"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
    value = getattr(module, name)
    globals()[name] = value
    return value
