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


TABBABLE = """() => [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
    .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length).length"""


@pytest.mark.parametrize("name", ["sgd", "llama_loading"])
def test_line_numbers_are_not_tab_stops_and_line_anchors_still_work(browser, server, name: str) -> None:
    """Each line number was a link in the tab order: 334 tab stops on sgd, 695 on llama_loading before the
    footer. The code box is one stop; the numbers stay clickable, and #L98 and #L98-L101 still lead to lines."""
    with visit(browser, server.base + f"site/companions/{name}/") as v:
        lines = v.page.locator(".source .line").count()
        assert lines > 200
        stops = v.page.evaluate(TABBABLE)
        assert stops < 30, f"{stops} tab stops on a page of {lines} lines"
        numbers = v.page.locator(".source .lineno")
        assert numbers.count() == lines and numbers.nth(97).inner_text() == "98"
        v.page.locator(".source pre").focus()
        v.page.keyboard.press("Tab")
        assert v.page.evaluate("!document.activeElement.closest('.source')"), "Tab leaves the code in one step"
    with visit(browser, server.base + f"site/companions/{name}/#L98-L101") as v:
        marked = v.page.locator(".source .line.in-range")
        assert marked.count() == 4 and marked.first.get_attribute("id") == "L98"
        assert v.page.locator("#L98").is_visible()
        v.page.locator("#L120 .lineno").click()
        assert v.page.evaluate("location.hash") == "#L120", "a line number still links to its line"
        assert v.page.evaluate("getComputedStyle(document.getElementById('L120')).backgroundColor") \
            != v.page.evaluate("getComputedStyle(document.getElementById('L119')).backgroundColor")
        assert v.problems == []
