"""Formulas are MathML that the browser lays out: no script, a real box, prices left alone."""

from __future__ import annotations

from browser_helpers import visit

POST = "fixture/posts/a-conversation/"


def test_a_formula_has_a_box_and_prices_stay_text(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        maths = v.page.locator("#turn-2 math")
        assert maths.count() == 3
        for i in range(3):
            box = maths.nth(i).bounding_box()
            assert box and box["width"] > 10 and box["height"] > 8, f"formula {i} has a box: {box}"
        block = maths.nth(2).bounding_box()
        assert block["height"] > maths.nth(0).bounding_box()["height"], "the display formula is set larger"
        assert "$1 billion to $2 billion" in v.page.locator("#turn-2").inner_text()
        assert v.problems == []
