"""What the property tests share: how many examples a run gets.

``make test`` runs each property briefly; ``make fuzz`` (``SITE_BUILDER_FUZZ=1``) runs the full counts.
"""

from __future__ import annotations

import os

FULL = os.environ.get("SITE_BUILDER_FUZZ") == "1"


def examples(full: int, short: int) -> int:
    """``full`` examples under ``make fuzz``, ``short`` in ``make test``."""
    return full if FULL else short
