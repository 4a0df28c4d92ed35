"""Fixtures for the companion tests; the companion stack comes from requirements/companions*.txt."""

from __future__ import annotations

import pytest

from companions_support import load_companion


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes several seconds (a full training run, a subprocess)")


@pytest.fixture(scope="session")
def sgd():
    pytest.importorskip("numpy", reason="the companion stack is not installed (requirements/companions.txt)")
    return load_companion("sgd")
