"""Fixtures for the companion tests; the companion stack comes from requirements/companions*.txt."""

from __future__ import annotations

import functools

import pytest

from companions_support import load_companion


@pytest.fixture(scope="session")
def sgd():
    pytest.importorskip("numpy", reason="the companion stack is not installed (requirements/companions.txt)")
    return load_companion("sgd")


@pytest.fixture(scope="session")
def load_data(sgd):
    """``sgd.load``, read once per data set for the session (parsing MNIST-5k takes a second).

    The tests only read the lists it returns: ``Network.SGD`` shuffles a copy."""
    return functools.cache(sgd.load)
