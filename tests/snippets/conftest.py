"""Shared fixture for the snippet-check tests: a copy of fixtures/site as ``<tmp>/content``."""

from __future__ import annotations

from pathlib import Path

import pytest
from snippet_helpers import copy_site


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A fresh content folder (posts + companions) whose cache is ``<tmp>/.cache/checks``."""
    return copy_site(tmp_path / "content")
