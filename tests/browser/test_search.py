"""Search: full text, turn by turn; a hit lands on its turn; filters by who said it and by tag; from a sub-path."""

from __future__ import annotations

from browser_helpers import visit

SEARCH = "fixture/search/"


def results(page) -> list[tuple[str, str]]:
    page.wait_for_function("!document.getElementById('search-status').textContent.startsWith('Search')"
                           " || document.querySelectorAll('#search-results li').length")
    links = page.locator("#search-results li > a")
    return [(links.nth(i).inner_text(), links.nth(i).get_attribute("href")) for i in range(links.count())]


def test_a_hit_lands_on_its_turn_even_in_a_hidden_answer(browser, server) -> None:
    with visit(browser, server.base + SEARCH) as v:
        v.page.fill("#search-q", "regenerated")
        v.page.select_option("#search-role", "assistant")
        v.page.click(".search-form button[type=submit]")
        found = results(v.page)
        assert found == [("A conversation about means · Assistant", "/fixture/posts/a-conversation/#turn-6")]
        assert v.page.locator("#search-results mark").first.inner_text().lower().startswith("regenerated")
        v.page.locator("#search-results li > a").first.click()
        v.page.wait_for_url("**/fixture/posts/a-conversation/#turn-6")
        assert v.page.locator("#turn-6").is_visible(), "the hidden second answer opened"
        assert v.problems == []


def test_filters_by_role_and_tag(browser, server) -> None:
    with visit(browser, server.base + SEARCH + "?q=spread") as v:
        turns = {href.rsplit("#", 1)[1] for _, href in results(v.page)}
        assert turns == {"turn-3", "turn-4"}, "the question and the answer that say it (its repeat is merged)"
    with visit(browser, server.base + SEARCH + "?q=spread&role=user") as v:
        assert {href.rsplit("#", 1)[1] for _, href in results(v.page)} == {"turn-3"}
        assert v.page.locator("#search-role").input_value() == "user", "the form shows the search"
    with visit(browser, server.base + SEARCH + "?q=article&tag=meta") as v:
        assert [href for _, href in results(v.page)] == ["/fixture/posts/an-article/"]
    with visit(browser, server.base + SEARCH + "?q=spread&tag=meta") as v:
        assert results(v.page) == []
        assert v.page.locator("#search-status").inner_text() == "0 turns found."


def test_text_from_posts_is_shown_as_text(browser, server) -> None:
    with visit(browser, server.base + SEARCH + "?q=sneaky") as v:
        found = results(v.page)
        assert len(found) == 1
        assert v.page.locator("#search-results img, #search-results script").count() == 0
        assert "<img" in v.page.locator("#search-results p").first.inner_text()
        assert v.page.evaluate("window.pwned") is None
