"""Browser tests: Debian's Chromium, driven by Playwright, reads the built sites served on 127.0.0.1.

Two sites are built once per session and served by one standard-library server from sub-paths (so every
relative link is tested from a sub-path too):

- ``/fixture/``: ``tests/browser/fixtures/site``, whose blocks are checked first, so pages show real
  badges (verified, skipped, failed, the adapted diff);
- ``/site/``: the repository's ``content/`` (its blocks as the cache has them: usually not checked).

Chromium is Debian's ``/usr/bin/chromium`` (``make test`` installs it when run as root); where it is
missing every browser test is skipped with that reason. Nothing here reaches beyond the loopback. Under
pytest-xdist every test here runs on one worker (the ``browser`` group): the sites are built and Chromium
started once.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from browser_helpers import (AXE_PATH, CHROMIUM, CHROMIUM_FLAGS, Served, build_sites, serve_folder)
from site_paths import ROOT


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder needs the browser: skip them all, with the reason, where there is none.

    Under pytest-xdist they are one group, so one worker builds the two sites and starts one Chromium.
    """
    reason = _missing_browser()
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.xdist_group("browser"))
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


def _missing_browser() -> str | None:
    if not Path(CHROMIUM).exists():
        return (f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium with apt-get when it runs as "
                "root; install it (apt-get install chromium) to run the browser tests")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python Playwright is not installed: `make test` installs the test extra (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def www(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder served: ``fixture/`` and ``site/``, built once (the fixture's blocks checked first)."""
    root = tmp_path_factory.mktemp("www")
    content = tmp_path_factory.mktemp("fixture-content") / "content"
    shutil.copytree(Path(__file__).parent / "fixtures" / "site", content)
    build_sites(root, fixture_content=content, site_content=ROOT / "content")
    return root


@pytest.fixture(scope="session")
def server(www: Path) -> Iterator[Served]:
    with serve_folder(www) as served:
        yield served


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_PATH.is_file():
        pytest.fail(f"axe-core is missing ({AXE_PATH}): `make test` installs it with npm")
    return AXE_PATH.read_text(encoding="utf-8")
