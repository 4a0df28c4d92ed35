"""Companion pages: the code scrolls in its own box, the title is a title, and the page links back to
the turns that quote it."""

from __future__ import annotations

import pytest

from browser_helpers import DESKTOP, PHONE, visit

COMPANIONS = ["fixture/companions/toy/", "site/companions/sgd/"]


@pytest.mark.parametrize("path", COMPANIONS)
def test_companion_code_scrolls_in_its_own_box(browser, server, path: str) -> None:
    for viewport in (PHONE, DESKTOP):
        with visit(browser, server.base + path, viewport=viewport) as v:
            page_width = v.page.evaluate("document.documentElement.scrollWidth")
            assert page_width <= viewport["width"], f"the page is {page_width} px wide at {viewport['width']} px"
            box = v.page.locator(".source pre")
            scrolls = box.evaluate("e => e.scrollWidth > e.clientWidth")
            assert scrolls, "long lines scroll inside the code box"
            main = v.page.locator("main").bounding_box()
            shown = box.bounding_box()
            assert shown["x"] + shown["width"] <= main["x"] + main["width"] + 1, "the box stays inside the page"
            last_line = v.page.locator(".source .line").last.bounding_box()
            assert last_line["x"] + last_line["width"] >= shown["x"] + shown["width"] - 1, \
                "each line's background spans the box"


def test_companion_title_is_a_heading_size(browser, server) -> None:
    with visit(browser, server.base + COMPANIONS[0]) as v:
        size = v.page.locator("h1").evaluate("e => parseFloat(getComputedStyle(e.querySelector('code') || e).fontSize)")
        assert size >= 24, f"the title renders at {size} px"


def test_companion_lists_and_links_the_turns_that_quote_it(browser, server) -> None:
    with visit(browser, server.base + COMPANIONS[0]) as v:
        links = v.page.locator(".quoted-by a.quote")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert hrefs, "the page lists the posts that quote it"
        assert all(h.startswith("../../posts/a-conversation/#turn-") for h in hrefs), hrefs
        links.first.click()
        v.page.wait_for_url("**/posts/a-conversation/#turn-*")
        target = v.page.evaluate("location.hash")
        quoting = v.page.locator(f"{target} a.runnable[href*='companions/toy/']")
        assert quoting.count() >= 1, f"{target} quotes the companion"
        assert v.problems == []
