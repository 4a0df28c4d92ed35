"""Paths the tests share (a uniquely named module: every test folder has its own conftest.py)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
