"""axe-core finds no serious or critical violation, in either theme, on every kind of page."""

from __future__ import annotations

import pytest

from browser_helpers import axe_violations, visit

PAGES = [
    "site/",                                                    # home
    "site/posts/chatgpt-helps-me-learn-latest-ai-technology/",  # the reference post
    "site/companions/sgd/",                                     # a companion page
    "site/tags/python/",                                        # a tag page
    "fixture/posts/a-conversation/",                            # verified, skipped, failed badges, variants, a diff
    "site/search/?q=generator",                                 # search results
]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_violation(browser, server, axe_source, path: str, theme: str) -> None:
    with visit(browser, server.base + path, theme=theme) as v:
        if "?q=" in path:
            v.page.wait_for_selector("#search-results > li")
        for details in v.page.locator("details").all():
            details.evaluate("e => e.open = true")  # the reasons and diffs are checked too
        assert axe_violations(v.page, axe_source) == {}


HEADINGS = """() => [...document.querySelectorAll('main :is(h1, h2, h3, h4, h5, h6)')]
    .map(h => [+h.tagName[1], h.textContent.replace('#', '').trim(), !!h.closest('.turn-header')])"""


@pytest.mark.parametrize("path", ["fixture/posts/a-conversation/",
                                  "site/posts/chatgpt-helps-me-learn-latest-ai-technology/"])
def test_each_turn_starts_with_a_heading_naming_its_speaker(browser, server, path: str) -> None:
    """A screen reader's headings list goes from turn to turn: each turn's speaker is a heading, in order, one
    level under the page's title (beside "Questions"), and it looks as the speaker's name did."""
    with visit(browser, server.base + path) as v:
        page = v.page
        speakers = page.locator(".turn").evaluate_all("ts => ts.map(t => t.dataset.speaker)")
        headings = page.evaluate(HEADINGS)
        assert headings[0][0] == 1
        assert [(level, text) for level, text, in_turn in headings if in_turn] == [(2, s) for s in speakers]
        assert len(speakers) >= 4
        listed = page.get_by_role("heading", level=2).all_inner_texts()
        visible = page.locator(".turn").evaluate_all("ts => ts.filter(t => t.offsetParent).map(t => t.dataset.speaker)")
        assert [t for t in listed if t in speakers] == visible, "the headings a screen reader lists"
        name = page.locator(".turn .turn-header .speaker").first
        body = page.locator(".turn .turn-body p").first
        look = "e => [getComputedStyle(e).fontSize, getComputedStyle(e).fontWeight, getComputedStyle(e).marginTop]"
        size, weight, margin = name.evaluate(look)
        assert size == body.evaluate(look)[0] and weight == "600" and margin == "0px", "it looks as before"


def test_a_search_keeps_focus_where_it_is_and_says_how_many_results_it_found(browser, server) -> None:
    with visit(browser, server.base + "fixture/search/") as v:
        page = v.page
        page.evaluate("window.stayed = true")
        page.focus("#search-q")
        page.keyboard.type("spread")
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('search-status').textContent.endsWith('found.')")
        assert page.evaluate("window.stayed") is True, "the page was not loaded again"
        assert page.evaluate("document.activeElement.id") == "search-q"
        assert page.locator("#search-status").inner_text() == "2 results found."
        assert page.locator("#search-status").get_attribute("role") == "status"
        assert "q=spread" in page.evaluate("location.search"), "the address says what was searched"
        page.select_option("#search-role", "user")
        page.focus(".search-form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('search-status').textContent === '1 result found.'")
        assert page.evaluate("[window.stayed, document.activeElement.type]") == [True, "submit"]
        page.go_back()
        page.wait_for_function("document.getElementById('search-status').textContent === '2 results found.'")
        assert page.locator("#search-role").input_value() == ""
        assert v.problems == []
