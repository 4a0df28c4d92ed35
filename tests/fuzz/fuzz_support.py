"""What the property tests share: how many examples a run gets.

``make test`` runs each property briefly; ``make fuzz`` (``SITE_BUILDER_FUZZ=1``) runs the full counts.
"""

from __future__ import annotations

import os

FULL = os.environ.get("SITE_BUILDER_FUZZ") == "1"


SHARE = max(1, int(os.environ.get("SITE_BUILDER_FUZZ_SHARE", "1") or 1))
"""Processes running the full counts side by side, each with its own random seed (one per core): each runs
its share, and together they run the full count."""


def examples(full: int, short: int) -> int:
    """``full`` examples under ``make fuzz`` (``full / SITE_BUILDER_FUZZ_SHARE`` in each of that many
    processes), ``short`` in ``make test``."""
    return -(-full // SHARE) if FULL else short
