"""Check results on the page: every block gets its badge, and the reasons can be read without a mouse."""

from __future__ import annotations

import re

from browser_helpers import PHONE, visit

ARTICLE = "fixture/posts/an-article/"
CONVERSATION = "fixture/posts/a-conversation/"


def badge(page, block: str) -> str:
    return page.locator(f"{block} .status").first.inner_text().strip()


def test_code_in_an_article_and_an_introduction_gets_its_badge(browser, server) -> None:
    with visit(browser, server.base + ARTICLE) as v:
        assert v.page.locator("figure.code").count() == 1
        assert v.page.locator("figure.code").get_attribute("data-status") == "verified"
        assert badge(v.page, "figure.code") == "verified"
    with visit(browser, server.base + CONVERSATION) as v:
        intro = v.page.locator(".intro figure.code")
        assert intro.get_attribute("data-status") == "verified"


def test_why_a_block_was_skipped_or_failed_is_on_the_page_for_touch_and_keyboard(browser, server) -> None:
    with visit(browser, server.base + CONVERSATION, viewport=PHONE) as v:
        skipped = v.page.locator('figure.code[data-status="skipped"]')
        failed = v.page.locator('figure.code[data-status="failed"]')
        # The skipped block is in the second answer: show it first.
        v.page.locator('[role="tab"]', has_text="answer 2").click()
        for block, words in ((skipped, "needs a GPU"), (failed, "this block fails on purpose")):
            reason = block.locator("details.check-reason")
            assert reason.count() == 1, "the reason is a details element in the page, not a tooltip"
            summary = reason.locator("summary")
            summary.focus()
            v.page.keyboard.press("Enter")
            assert reason.get_attribute("open") is not None, "Enter on the focused summary opens it"
            assert words in reason.inner_text()
            assert reason.locator(":scope > :not(summary)").first.is_visible()


REFERENCE = "site/posts/chatgpt-helps-me-learn-latest-ai-technology/"


def test_each_checked_block_says_in_words_what_was_proven_without_hover(browser, server) -> None:
    """The badge explained itself only in a ``title`` tooltip: nothing on touch or for keyboard users. A line
    under each block says what the check proved, and an adapted block is never called verified."""
    with visit(browser, server.base + CONVERSATION, viewport=PHONE) as v:
        assert v.page.locator(".status[title]").count() == 0, "nothing is said only on hover"
        excerpt = v.page.locator("figure.code", has=v.page.locator("a.runnable")).first
        said = excerpt.locator(".provenance")
        assert said.is_visible()
        assert re.fullmatch(r"Runs as part of toy\.py, lines? \d+(–\d+)?: quoted verbatim, every line executed "
                            r"by its smoke test\.", said.inner_text().strip()), said.inner_text()
        v.page.locator('[role="tab"]', has_text="answer 1").click()
        adapted = v.page.locator("figure.code", has=v.page.locator("details.diff")).first
        assert adapted.get_attribute("data-status") == "verified"
        assert "verified" not in adapted.inner_text().lower(), "adapted code is never called verified"
        assert badge(v.page, "figure.code:has(details.diff)") == "adapted"
        words = adapted.locator(".provenance").inner_text()
        assert re.search(r"Adapted from toy\.py, lines \d+–\d+: \d+ lines? changed.* — see the diff", words), words
        assert adapted.locator(".provenance").is_visible()


def test_the_link_to_the_companion_shows_without_check_results(browser, server) -> None:
    """The demo site has no stored results: every block read "not checked" and the "runnable: sgd.py" link
    was gone. The blocks still link the companion's lines, and the line says the block is not checked."""
    with visit(browser, server.base + REFERENCE) as v:
        links = v.page.locator("figure.code a.runnable")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert any(re.search(r"companions/sgd/#L\d+-L\d+$", h) for h in hrefs), hrefs
        assert any("companions/llama_loading/#L" in h for h in hrefs), hrefs
        first = v.page.locator("figure.code", has=v.page.locator("a.runnable")).first
        assert first.locator(".status").inner_text() == "not checked"
        assert "not checked" in first.locator(".provenance").inner_text()
        anchor = hrefs[0].split("#")[1]
        links.first.click()
        v.page.wait_for_url(f"**/companions/sgd/#{anchor}")
        assert v.page.locator(".source .line.in-range").count() >= 1, "the quoted lines are marked"
