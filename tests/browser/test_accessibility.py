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
