"""Shared helpers for the test suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_paths import ROOT


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("site-builder-cache")


@pytest.fixture(autouse=True)
def private_cache(session_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test keeps its caches in the session's temporary folder, never in the user's ~/.cache."""
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(session_cache))
    return session_cache


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of the repository's content/ folder (posts, drafts, site.yaml, companions)."""
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
