"""Shared helpers for the test suite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from site_paths import ROOT


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test and fixture keeps its caches in the session's temporary folder, never in the user's ~/.cache: set
    once, first (autouse, session scope), so that the fixtures that build a site once for a module or the session
    use it too; a test's own ``monkeypatch.setenv`` of it is undone back to this one."""
    cache = tmp_path_factory.mktemp("site-builder-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SITE_BUILDER_CACHE", str(cache))
        yield cache


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of the repository's content/ folder (posts, drafts, site.yaml, companions)."""
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def mounts():
    """Mount points made for one test, unmounted afterwards: ``mounts("tmpfs", at, size="2m")`` or
    ``mounts("bind", at, source)``. Where mounting is not allowed (not root) the test is skipped, saying why
    (CI runs as root)."""
    made: list[Path] = []

    def mount(kind: str, at: Path, source: Path | None = None, size: str = "64m") -> Path:
        at.mkdir(parents=True, exist_ok=True)
        args = ["--bind", str(source), str(at)] if kind == "bind" else ["-t", "tmpfs", "-o", f"size={size}",
                                                                         "tmpfs", str(at)]
        done = subprocess.run(["mount", *args], capture_output=True)
        if done.returncode:
            pytest.skip(f"cannot mount a {kind} here ({done.stderr.decode().strip() or 'mount failed'}): "
                        "root can, and CI runs as root")
        made.append(at)
        return at

    yield mount
    for at in reversed(made):
        subprocess.run(["umount", "-l", str(at)], check=False)
