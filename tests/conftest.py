"""Shared helpers for the test suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_paths import ROOT


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of the repository's content/ folder (posts, drafts, site.yaml, companions)."""
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
