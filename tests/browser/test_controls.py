"""The small controls: copy, theme switch, line links, tap targets, notes and speaker names."""

from __future__ import annotations

import pytest

from browser_helpers import PHONE, visit

POST = "fixture/posts/a-conversation/"
COMPANION = "fixture/companions/toy/"
CLIPBOARD = ("clipboard-read", "clipboard-write")


def copy_button(page, lang: str):
    return page.locator(f'figure.code[data-lang="{lang}"] button.copy')


def clipboard(context) -> str:
    """What the clipboard holds, read by a second page of the same browser context."""
    reader = context.new_page()
    try:
        reader.goto(context.pages[0].url)
        return reader.evaluate("navigator.clipboard.readText()")
    finally:
        reader.close()


@pytest.mark.parametrize("lang, expected", [("pycon", "1 + 1\n"), ("shell", "echo hello\n")])
def test_copy_puts_exactly_the_code_on_the_clipboard(browser, server, lang: str, expected: str) -> None:
    with visit(browser, server.base + POST, permissions=CLIPBOARD) as v:
        copy_button(v.page, lang).click()
        v.page.wait_for_function("document.getElementById('live-status').textContent === 'Copied'")
        assert clipboard(v.page.context) == expected
        assert v.problems == []


def test_copy_works_without_navigator_clipboard_and_is_announced(browser, server) -> None:
    """An http:// origin other than localhost has no navigator.clipboard: the copy must still happen."""
    no_clipboard = "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});"
    with visit(browser, server.base + POST, permissions=CLIPBOARD) as v:
        v.page.add_init_script(no_clipboard)
        v.page.reload()
        assert v.page.evaluate("navigator.clipboard") is None
        copy_button(v.page, "pycon").click()
        live = v.page.locator("#live-status")
        v.page.wait_for_function("document.getElementById('live-status').textContent !== ''")
        assert live.inner_text() == "Copied" and live.get_attribute("aria-live") == "polite"
        assert copy_button(v.page, "pycon").inner_text() == "Copied"
        assert clipboard(v.page.context) == "1 + 1\n"


def test_the_adapted_diff_has_no_error_token(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        diff = v.page.locator("details.diff")
        assert diff.count() == 1
        assert diff.locator(".err").count() == 0, diff.inner_html()
        assert diff.locator(".gi").last.text_content().strip() == "+    return high - low"


def test_tap_targets_are_at_least_24_by_24(browser, server) -> None:
    with visit(browser, server.base + POST, viewport=PHONE) as v:
        small = []
        for selector in (".theme-switch button", "button.copy", ".turn-anchor", ".variant-tabs a"):
            boxes = v.page.locator(selector)
            assert boxes.count(), selector
            for i in range(boxes.count()):
                if not boxes.nth(i).is_visible():
                    continue
                box = boxes.nth(i).bounding_box()
                if box["width"] < 24 or box["height"] < 24:
                    small.append(f"{selector}[{i}]: {box['width']:.0f} x {box['height']:.0f}")
        assert small == []


def on_screen(page, selector: str) -> bool:
    return page.locator(selector).evaluate("e => { const r = e.getBoundingClientRect(); "
                                           "return r.top >= 0 && r.bottom <= innerHeight; }")


def test_a_line_range_that_no_post_uses_scrolls_into_view(browser, server) -> None:
    with visit(browser, server.base + COMPANION + "#L29-L31") as v:
        assert v.page.locator(".line.in-range").count() == 3
        assert on_screen(v.page, "#L29"), "the first line of the range is on screen"
        v.page.evaluate("scrollTo(0, 0); location.hash = '#L18-L19'")
        v.page.wait_for_function("document.querySelectorAll('.line.in-range').length === 2")
        assert on_screen(v.page, "#L18")


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_theme_switch_has_a_pressed_state_is_remembered_and_can_follow_the_system_again(browser, server) -> None:
    with visit(browser, server.base + POST, theme="dark") as v:
        page = v.page
        system_dark = background(page)
        buttons = page.locator(".theme-switch button")
        pressed = lambda: [buttons.nth(i).get_attribute("aria-pressed") for i in range(3)]  # noqa: E731
        assert buttons.all_inner_texts() == ["Auto", "Light", "Dark"]
        assert pressed() == ["true", "false", "false"]
        buttons.nth(1).click()
        assert pressed() == ["false", "true", "false"]
        light = background(page)
        assert light != system_dark
        page.reload()
        assert background(page) == light and pressed() == ["false", "true", "false"], "the choice is remembered"
        buttons.nth(0).click()
        assert background(page) == system_dark and pressed() == ["true", "false", "false"]
        page.reload()
        assert background(page) == system_dark, "following the system is remembered too"
        assert page.evaluate("localStorage.getItem('theme')") is None


def test_a_note_says_note_once(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        title = v.page.locator(".markdown-alert-note .markdown-alert-title").evaluate(
            "e => [getComputedStyle(e, '::before').content, e.innerText, getComputedStyle(e, '::after').content]"
            ".filter(t => t !== 'none').join(' ')")
        assert title.lower().count("note") == 1, title


def test_speaker_names_do_not_look_like_links(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        style = "e => [getComputedStyle(e).color, getComputedStyle(e).textDecorationLine]"
        link_color, _ = v.page.locator(".post-meta a.tag").first.evaluate(style)
        for speaker in (".turn[data-role=user] .speaker", ".turn[data-role=assistant] .speaker"):
            color, decoration = v.page.locator(speaker).first.evaluate(style)
            assert color != link_color and decoration == "none", speaker


def test_copy_message_puts_the_turns_markdown_on_the_clipboard(browser, server) -> None:
    with visit(browser, server.base + POST, permissions=CLIPBOARD) as v:
        v.page.locator("#turn-1 button.copy-turn").click()
        v.page.wait_for_function("document.getElementById('live-status').textContent === 'Copied'")
        assert clipboard(v.page.context) == "How do I compute a mean?"


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        v.page.keyboard.press("Tab")
        focused = v.page.evaluate("[document.activeElement.className, "
                                  "document.activeElement.getBoundingClientRect().top]")
        assert focused[0] == "skip-link" and focused[1] >= 0, "visible when focused"
        v.page.keyboard.press("Enter")
        assert v.page.evaluate("document.activeElement.id") == "main"


def test_without_javascript_no_button_shows(browser, server) -> None:
    """Copy buttons (code and whole turns) and the theme switch need the page's script: without it they are not
    shown at all, rather than shown doing nothing. With it they are."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server.base + POST)
        buttons = page.locator("button")
        assert page.locator("figure.code button.copy").count() >= 3, "the post has code blocks with copy buttons"
        visible = [buttons.nth(i).evaluate("e => e.className + ': ' + e.textContent")
                   for i in range(buttons.count()) if buttons.nth(i).is_visible()]
        assert visible == []
    finally:
        context.close()
    with visit(browser, server.base + POST) as v:
        shown = v.page.locator("figure.code").evaluate_all(
            "fs => fs.filter(f => f.offsetParent).map(f => !!f.querySelector('button.copy').offsetParent)")
        assert len(shown) >= 3 and all(shown), "every code block on screen has its copy button"
        assert v.page.locator("#turn-1 button.copy-turn").is_visible()
