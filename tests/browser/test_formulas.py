"""Formulas are MathML that the browser lays out: no script, a real box, prices left alone."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from browser_helpers import visit

POST = "fixture/posts/a-conversation/"
ARTICLE = "fixture/posts/an-article/"


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


TEXT_BOX = """(paragraph, words) => {
    const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(words);
        if (at >= 0) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + words.length);
            const box = range.getBoundingClientRect();
            return {y: box.y, height: box.height, bottom: box.bottom};
        }
    }
    return null;
}"""
"""The box of the first run of ``words`` in a text node of ``paragraph`` (as the page lays it out)."""


def test_display_brackets_inside_a_paragraph_are_a_formula_on_a_line_of_its_own(browser, server) -> None:
    """``\\[ x^2+y^2=r^2 \\]`` written in a paragraph's text showed "[ x^2+y^2=r^2 ]"."""
    with visit(browser, server.base + ARTICLE) as v:
        paragraph = v.page.locator("article p", has_text="The circle is")
        assert "[" not in paragraph.inner_text() and "x^2" not in paragraph.inner_text()
        formula = paragraph.locator('math[display="block"]')
        assert formula.count() == 1
        box = formula.bounding_box()
        before = paragraph.evaluate(TEXT_BOX, "The circle is")
        after = paragraph.evaluate(TEXT_BOX, "in the plane")
        assert before["bottom"] <= box["y"] + 1 and box["y"] + box["height"] <= after["y"] + 1, (before, box, after)
        assert box["height"] > 10 and box["width"] > 40
        assert v.problems == []


def math_fonts() -> list[str]:
    """The font families fontconfig knows whose name says Math (``DejaVu Math TeX Gyre``)."""
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    return sorted({family for line in listed.splitlines() for family in line.split(",") if "math" in family.lower()})


def test_brackets_around_a_fraction_stretch(browser, server) -> None:
    """Chromium stretches ``\\left( … \\right)`` only with a math font named: its generic ``math`` family finds
    none on Linux, and the brackets stayed as tall as a plain "(" beside them."""
    if not math_fonts():
        pytest.skip("no math font on this machine (fc-list names none): Debian's fonts-dejavu-extra has one")
    with visit(browser, server.base + ARTICLE) as v:
        paragraph = v.page.locator("article p", has_text="The circle is")
        fences = paragraph.locator('math[display="inline"] mo[stretchy="true"]')
        assert fences.count() == 2
        plain = paragraph.evaluate(TEXT_BOX, "(a/b)")
        heights = [fences.nth(i).bounding_box()["height"] for i in range(2)]
        assert all(height > 1.2 * plain["height"] for height in heights), (heights, plain, math_fonts())
        assert v.problems == []
