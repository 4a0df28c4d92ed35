"""Answer variants are WAI-ARIA tabs: mouse, keyboard (arrows, Home, End) and the URL's hash all work."""

from __future__ import annotations

from browser_helpers import visit

POST = "fixture/posts/a-conversation/"
GROUP = '.exchange[data-exchange="2"] .variants'


def shown(page) -> list[bool]:
    panels = page.locator(f"{GROUP} .variant")
    return [panels.nth(i).is_visible() for i in range(panels.count())]


def selected(page) -> list[str | None]:
    tabs = page.locator(f"{GROUP} [role=tab]")
    return [tabs.nth(i).get_attribute("aria-selected") for i in range(tabs.count())]


def test_clicking_a_tab_shows_its_answer_and_puts_it_in_the_url(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        assert shown(v.page) == [True, False]
        v.page.locator(f"{GROUP} [role=tab]").nth(1).click()
        assert shown(v.page) == [False, True]
        assert selected(v.page) == ["false", "true"]
        assert v.page.evaluate("location.hash") == "#variant-2-2", "the URL says which answer is open"
        v.page.reload()
        assert shown(v.page) == [False, True], "the URL opens the same answer again"
        assert v.problems == []


def test_arrow_keys_home_and_end_move_between_tabs(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        tabs = v.page.locator(f"{GROUP} [role=tab]")
        assert [tabs.nth(i).get_attribute("tabindex") for i in range(2)] == ["0", "-1"], "one tab stop per tab list"
        tabs.first.focus()
        v.page.keyboard.press("ArrowRight")
        assert shown(v.page) == [False, True] and selected(v.page) == ["false", "true"]
        assert v.page.evaluate("document.activeElement.dataset.for") == "2", "focus follows the selection"
        v.page.keyboard.press("ArrowRight")
        assert shown(v.page) == [True, False], "the arrows wrap around"
        v.page.keyboard.press("End")
        assert shown(v.page) == [False, True]
        v.page.keyboard.press("Home")
        assert shown(v.page) == [True, False]
        v.page.keyboard.press("ArrowLeft")
        assert shown(v.page) == [False, True]
        panel = v.page.locator(f"{GROUP} [role=tabpanel]").nth(1)
        tab_id = tabs.nth(1).get_attribute("id")
        assert tab_id and panel.get_attribute("aria-labelledby") == tab_id
        assert tabs.nth(1).get_attribute("aria-controls") == panel.get_attribute("id")


def test_a_hash_changed_on_an_open_page_opens_the_hidden_answer(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        assert shown(v.page) == [True, False]
        v.page.evaluate("location.hash = '#turn-6'")
        v.page.wait_for_function("document.querySelector('#turn-6').offsetParent !== null")
        assert shown(v.page) == [False, True]
        assert v.page.locator("#turn-6").is_visible()
        assert v.page.evaluate("Math.abs(document.querySelector('#turn-6').getBoundingClientRect().top) < 100"), \
            "the turn is scrolled into view"
        v.page.evaluate("location.hash = '#turn-4'")
        v.page.wait_for_function("document.querySelector('#turn-4').offsetParent !== null")
        assert shown(v.page) == [True, False]


def test_a_link_to_a_hidden_answer_opens_it(browser, server) -> None:
    with visit(browser, server.base + POST + "#turn-6") as v:
        assert shown(v.page) == [False, True]


def test_without_javascript_every_answer_is_on_the_page(browser, server) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server.base + POST)
        assert shown(page) == [True, True]
    finally:
        context.close()


def test_space_and_enter_on_a_focused_tab_open_its_answer_without_scrolling(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        tabs = v.page.locator(f"{GROUP} [role=tab]")
        tabs.nth(1).evaluate("e => { e.scrollIntoView({block: 'center'}); }")
        scrolled = v.page.evaluate("scrollY")
        tabs.nth(1).focus()
        v.page.keyboard.press("Space")
        assert shown(v.page) == [False, True] and selected(v.page) == ["false", "true"]
        assert v.page.evaluate("scrollY") == scrolled, "Space selects the tab; it does not scroll the page"
        assert v.page.evaluate("document.activeElement.dataset.for") == "2"
        tabs.nth(0).focus()
        v.page.keyboard.press("Enter")
        assert shown(v.page) == [True, False] and selected(v.page) == ["true", "false"]
        assert v.page.evaluate("scrollY") == scrolled
        assert v.page.evaluate("location.hash") == "#variant-2-1"
        assert v.problems == []
