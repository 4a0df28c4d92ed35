"""The slow-machine rule of the timing tests (``tests/timing.py``): over its limit, a linear cost passes and a
super-linear one does not. The cost is made up from the text's length, so the rule is tested, not the machine."""

from __future__ import annotations

import pytest

import timing

TEXT = "a line of text\n" * 2_000


@pytest.fixture
def cost(monkeypatch: pytest.MonkeyPatch):
    """Set ``cost.of`` (characters -> seconds): each action's CPU time, by the text it was given."""
    class Cost:
        of = staticmethod(lambda characters: 0.0)
    monkeypatch.setattr(timing, "cpu_seconds", lambda action: Cost.of(len(action())))
    return Cost


def test_under_the_limit_passes(cost) -> None:
    cost.of = lambda characters: characters * 1e-6
    assert timing.over_limit(lambda text: text, TEXT, 2) is None


def test_over_the_limit_a_linear_cost_passes_and_a_quadratic_one_does_not(cost) -> None:
    cost.of = lambda characters: characters * 1e-4  # 3 s for the whole, 1.5 s for half
    assert timing.over_limit(lambda text: text, TEXT, 2) is None
    cost.of = lambda characters: characters ** 2 * 1e-8  # 9 s for the whole, 2.25 s for half
    assert "not linear" in timing.over_limit(lambda text: text, TEXT, 4)


def test_far_over_the_limit_fails_even_when_linear(cost) -> None:
    cost.of = lambda characters: characters * 1e-3  # 30 s
    assert "not linear" in timing.over_limit(lambda text: text, TEXT, 2)


def test_half_is_cut_at_a_line_end() -> None:
    assert timing.half_of("ab\ncd\nef\ngh\n") == "ab\ncd\nef\n" and timing.half_of("abcd") == "ab"
