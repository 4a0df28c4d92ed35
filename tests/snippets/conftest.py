"""Shared fixture for the snippet-check tests: a copy of fixtures/site as ``<tmp>/content``."""

from __future__ import annotations

from pathlib import Path

import pytest
from snippet_helpers import copy_site


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A fresh content folder (posts + companions); its cache is under the session's SITE_BUILDER_CACHE."""
    return copy_site(tmp_path / "content")
