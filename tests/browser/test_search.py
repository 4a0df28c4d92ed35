"""Search: full text, turn by turn; a hit lands on its turn; filters by who said it and by tag; from a sub-path."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from browser_helpers import axe_violations, serve_folder, visit
from site_builder.build import build_site

SEARCH = "fixture/search/"


def results(page) -> list[tuple[str, str]]:
    page.wait_for_function("!document.getElementById('search-status').textContent.startsWith('Search')"
                           " || document.querySelectorAll('#search-results > li').length")
    links = page.locator("#search-results > li > a")
    return [(links.nth(i).inner_text(), links.nth(i).get_attribute("href")) for i in range(links.count())]


def test_a_hit_lands_on_its_turn_even_in_a_hidden_answer(browser, server) -> None:
    with visit(browser, server.base + SEARCH) as v:
        v.page.fill("#search-q", "regenerated")
        v.page.select_option("#search-role", "assistant")
        v.page.click(".search-form button[type=submit]")
        found = results(v.page)
        assert found == [("A conversation about means · Assistant", "/fixture/posts/a-conversation/#turn-6")]
        assert v.page.locator("#search-results mark").first.inner_text().lower().startswith("regenerated")
        v.page.locator("#search-results > li > a").first.click()
        v.page.wait_for_url("**/fixture/posts/a-conversation/#turn-6")
        assert v.page.locator("#turn-6").is_visible(), "the hidden second answer opened"
        assert v.problems == []



def test_the_index_loads_when_the_reader_turns_to_the_search_box(browser, server) -> None:
    """The index (a large site's in shards, each merged with a few requests) is loaded while the reader types, not
    at the first search; the search then finds what it finds without it."""
    with visit(browser, server.base + SEARCH) as v:
        asked: list[str] = []
        v.page.on("request", lambda request: asked.append(request.url))
        v.page.wait_for_timeout(300)
        assert not [url for url in asked if "/pagefind/" in url], "nothing loaded before the reader turns to it"
        v.page.focus("#search-q")
        v.page.wait_for_function("performance.getEntriesByType('resource')"
                                 ".some((entry) => entry.name.endsWith('/pagefind/shards.json'))")
        assert v.page.locator("#search-status").inner_text() == "Search runs in your browser.", "no search ran"
        v.page.fill("#search-q", "regenerated")
        v.page.click(".search-form button[type=submit]")
        assert [href for _, href in results(v.page)] == ["/fixture/posts/a-conversation/#turn-6"]
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
        assert v.page.locator("#search-status").inner_text() == "0 results found."


def test_text_from_posts_is_shown_as_text(browser, server) -> None:
    with visit(browser, server.base + SEARCH + "?q=sneaky") as v:
        found = results(v.page)
        assert len(found) == 1
        assert v.page.locator("#search-results img, #search-results script").count() == 0
        assert "<img" in v.page.locator("#search-results p").first.inner_text()
        assert v.page.evaluate("window.pwned") is None


# A site of its own, built once for the tests below: more posts than a page of results (the count, "Show more
# results"), a post in Chinese (found inside its sentences), text that looks like markup or an entity.

MANY = 130
"""Posts that each say "widget" once, in their question: more than one page of results (50)."""


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the site built from ``own_content``, served under a sub-path (``own/``)."""
    content = own_content(tmp_path_factory.mktemp("own-content"))
    www = tmp_path_factory.mktemp("own-www")
    build_site(content, www / "own")
    with serve_folder(www) as served:
        yield served.base + "own/"


def own_content(folder: Path) -> Path:
    (folder / "site.yaml").write_text("title: Own\nlanguage: en\n", encoding="utf-8")
    posts = folder / "posts"
    posts.mkdir()
    speakers = "speakers:\n  Reader: {role: user}\n  Assistant: {role: assistant}\n"
    for number in range(MANY):
        (posts / f"2024-01-01-item-{number:03}.md").write_text(
            f"---\ntitle: Post {number}\n{speakers}---\n\nReader: Where is widget number {number}?\n\n"
            f"Assistant: On shelf {number}.\n", encoding="utf-8")
    (posts / "2024-02-01-zh.md").write_text(
        "---\ntitle: 中文对话\nlang: zh\nspeakers:\n  读者: {role: user}\n  助手: {role: assistant}\n---\n\n"
        "读者: 它返回什么？\n\n助手: 这个函数返回一个列表，不是元组。\n", encoding="utf-8")
    (posts / "2024-04-01-twice.md").write_text(
        f"---\ntitle: Twice\n{speakers}---\n\nReader: Is the gizmo on the shelf?\n\nAssistant: No.\n\n"
        "Reader: Then where is the gizmo kept?\n\nAssistant: In the drawer.\n", encoding="utf-8")
    (posts / "2024-02-02-zh-untagged.md").write_text(  # no lang: (as an import writes it)
        f"---\ntitle: 质数\n{speakers}---\n\nReader: 什么是质数？\n\nAssistant: 只能被一和它自己整除的数。\n",
        encoding="utf-8")
    (posts / "2024-05-01-shelfware.md").write_text(
        f"---\ntitle: Shelfware\n{speakers}---\n\nReader: Is shelfware a word?\n\nAssistant: It is.\n",
        encoding="utf-8")
    (posts / "2024-03-01-entities.md").write_text(
        f"---\ntitle: Entities\n{speakers}---\n\nReader: What does the parser do with markup?\n\n"
        "Assistant: The tokenizer reads `<b>` as a tag, and the text &amp;lt; as an escaped less-than sign "
        "&amp; so on.\n", encoding="utf-8")
    return folder


def excerpts(page) -> list[str]:
    return page.locator("#search-results > li > p").all_inner_texts()


def test_an_excerpt_reads_as_the_text_with_the_match_marked(browser, server) -> None:
    with visit(browser, server.base + "site/search/?q=consumes") as v:
        assert results(v.page)
        excerpt = v.page.locator("#search-results > li > p").first
        assert "creates an iterator. The first sum consumes it completely, so the" in excerpt.inner_text()
        assert excerpt.locator("mark").all_inner_texts() == ["consumes"]
        assert v.problems == []


def test_an_excerpt_shows_markup_and_entities_in_the_text_as_they_are(browser, own_site) -> None:
    with visit(browser, own_site + "search/?q=tokenizer") as v:
        assert len(results(v.page)) == 1
        assert "The tokenizer reads <b> as a tag, and the text &lt; as an escaped less-than sign & so on." \
            in excerpts(v.page)[0]
        assert v.page.locator("#search-results mark").all_inner_texts() == ["tokenizer"]
        assert v.page.locator("#search-results b").count() == 0, "no markup from the index"
        assert v.problems == []


def test_the_count_is_every_hit_and_more_results_are_shown_on_request(browser, own_site, axe_source) -> None:
    with visit(browser, own_site + "search/?q=widget") as v:
        first = results(v.page)
        status = v.page.locator("#search-status")
        assert status.inner_text() == f"{MANY} results found. Showing the first 50."
        assert len(first) == 50
        assert axe_violations(v.page, axe_source) == {}
        more = v.page.get_by_role("button", name="Show more results")
        more.focus()
        v.page.keyboard.press("Enter")
        v.page.wait_for_function("document.querySelectorAll('#search-results > li').length === 100")
        assert status.inner_text() == f"{MANY} results found. Showing the first 100."
        assert v.page.evaluate("document.activeElement.href") == \
            v.page.locator("#search-results > li > a").nth(50).evaluate("a => a.href"), "focus on the first new hit"
        more.focus()
        v.page.keyboard.press("Space")
        v.page.wait_for_function(f"document.querySelectorAll('#search-results > li').length === {MANY}")
        assert status.inner_text() == f"{MANY} results found."
        assert more.count() == 0 or not more.is_visible(), "nothing more to show"
        shown = {href for _, href in results(v.page)}
        assert len(shown) == MANY, "each hit once"
        shards = v.page.evaluate("fetch('../pagefind/shards.json').then((response) => response.json())")
        assert len(shards) >= 3, "the hits come from every shard of the index, merged in the browser"
        assert v.problems == []


def test_a_speakers_turns_found_in_one_post_are_one_result_each_turn_a_link(browser, own_site) -> None:
    """The index holds a page per speaker of a post, each turn a sub-result: the result links to the first turn
    found, and each other turn found is a link of its own, its excerpt as its text."""
    with visit(browser, own_site + "search/?q=gizmo") as v:
        assert results(v.page) == [("Twice · Reader", "/own/posts/twice/#turn-1")]
        assert v.page.locator("#search-status").inner_text() == "1 result found."
        others = v.page.locator("#search-results .search-turns a")
        assert [others.nth(i).get_attribute("href") for i in range(others.count())] == ["/own/posts/twice/#turn-3"]
        assert "Then where is the gizmo kept?" in others.first.inner_text()
        assert others.first.locator("mark").all_inner_texts() == ["gizmo"]
        others.first.click()
        v.page.wait_for_url("**/own/posts/twice/#turn-3")
        assert v.problems == []
    with visit(browser, own_site + "search/?q=drawer") as v:
        assert results(v.page) == [("Twice · Assistant", "/own/posts/twice/#turn-4")], "the answer's own turn"
        assert v.page.locator("#search-results .search-turns").count() == 0


def test_a_word_is_found_only_where_it_is_even_in_a_shard_without_it(browser, own_site) -> None:
    """Pagefind searches, in an index without a word that begins with the query's word, the longest word the
    query's word begins with: each shard without "shelfware" would find "shelf" in 130 posts. A word is found
    where it is written, as a word of the same stem, or as the start of a longer word; nowhere, it finds nothing."""
    expected = [("Shelfware · Reader", "/own/posts/shelfware/#turn-1")]
    for query in ("shelfware", "Shelfware?", "shelfwa", "shelfware is"):
        with visit(browser, own_site + "search/?q=" + query) as v:
            assert results(v.page) == expected, query
            assert v.page.locator("#search-status").inner_text() == "1 result found."
            assert v.problems == []
    with visit(browser, own_site + "search/?q=widgetry") as v:
        assert results(v.page) == [], "no post says it: not the 130 that say widget"
        assert v.page.locator("#search-status").inner_text() == "0 results found."
    with visit(browser, own_site + "search/?q=widgets") as v:
        assert len(results(v.page)) == 50, "a word of the same stem is found"
        assert v.page.locator("#search-status").inner_text() == f"{MANY} results found. Showing the first 50."
    with visit(browser, own_site + "search/?q=widget+shelfware") as v:
        assert results(v.page) == [], "each word must be in the turn"


def test_a_title_is_found_once_and_names_and_addresses_not_at_all(browser, own_site) -> None:
    """Pagefind 1.5 searches every metadata field: the title is metadata on a post's first page only, and what a
    hit shows besides (speaker, address) is in the page's address, not searched."""
    with visit(browser, own_site + "search/?q=twice") as v:
        assert results(v.page) == [("Twice · Reader", "/own/posts/twice/")], "the title's post, once"
    for query in ("reader", "assistant", "item"):  # speakers; a word of addresses (posts/item-NNN/)
        with visit(browser, own_site + "search/?q=" + query) as v:
            assert results(v.page) == [], query


def test_chinese_is_found_inside_its_sentences(browser, own_site) -> None:
    with visit(browser, own_site + "search/?q=函数") as v:
        assert results(v.page) == [("中文对话 · 助手", "/own/posts/zh/#turn-2")]
        assert v.page.locator("#search-results mark").all_inner_texts() == ["函数"]
        assert "这个函数返回一个列表" in excerpts(v.page)[0]
        assert v.page.locator("#search-status").inner_text() == "1 result found."
        assert v.problems == []
    with visit(browser, own_site + "search/?q=整除") as v:
        assert results(v.page) == [("质数 · Assistant", "/own/posts/zh-untagged/#turn-2")], \
            "a post without lang: written in Chinese is indexed as Chinese"
    with visit(browser, own_site + "search/?q=返回列表") as v:
        assert results(v.page) == [("中文对话 · 助手", "/own/posts/zh/#turn-2")], "cut into words, each found"
    with visit(browser, own_site + "search/?q=shelf&role=assistant") as v:
        assert len(results(v.page)) == 50, "the site's own language is searched beside Chinese"
        assert v.page.locator("#search-status").inner_text() == f"{MANY} results found. Showing the first 50."
        assert v.problems == []
