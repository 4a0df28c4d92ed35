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
            v.page.wait_for_selector("#search-results li")
        for details in v.page.locator("details").all():
            details.evaluate("e => e.open = true")  # the reasons and diffs are checked too
        assert axe_violations(v.page, axe_source) == {}


def test_a_search_keeps_focus_where_it_is_and_says_how_many_turns_it_found(browser, server) -> None:
    with visit(browser, server.base + "fixture/search/") as v:
        page = v.page
        page.evaluate("window.stayed = true")
        page.focus("#search-q")
        page.keyboard.type("spread")
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('search-status').textContent.endsWith('found.')")
        assert page.evaluate("window.stayed") is True, "the page was not loaded again"
        assert page.evaluate("document.activeElement.id") == "search-q"
        assert page.locator("#search-status").inner_text() == "2 turns found."
        assert page.locator("#search-status").get_attribute("role") == "status"
        assert "q=spread" in page.evaluate("location.search"), "the address says what was searched"
        page.select_option("#search-role", "user")
        page.focus(".search-form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('search-status').textContent === '1 turn found.'")
        assert page.evaluate("[window.stayed, document.activeElement.type]") == [True, "submit"]
        page.go_back()
        page.wait_for_function("document.getElementById('search-status').textContent === '2 turns found.'")
        assert page.locator("#search-role").input_value() == ""
        assert v.problems == []
