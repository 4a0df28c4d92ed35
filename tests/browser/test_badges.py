"""Check results on the page: every block gets its badge, and the reasons can be read without a mouse."""

from __future__ import annotations

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
