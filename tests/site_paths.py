"""Paths the tests share (a uniquely named module: every test folder has its own conftest.py)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_with_config(fixture: Path, folder: Path, config: str, lines: str) -> Path:
    """A copy of the site ``fixture`` at ``folder`` with ``lines`` added to its config file ``config``."""
    import shutil

    shutil.copytree(fixture, folder)
    with (folder / config).open("a", encoding="utf-8") as file:
        file.write(lines)
    return folder
