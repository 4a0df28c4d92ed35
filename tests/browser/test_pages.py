"""Every page loads cleanly (no console error, no failed request) and fits a phone's width."""

from __future__ import annotations

import pytest

from browser_helpers import PHONE, visit


def html_pages(www) -> list[str]:
    return sorted(str(p.relative_to(www)).removesuffix("index.html")
                  for p in www.rglob("*.html") if p.name != "404.html")


def test_no_console_error_or_failed_request_on_any_page(browser, server, www) -> None:
    pages = html_pages(www)
    assert "site/" in pages and "fixture/posts/a-conversation/" in pages and len(pages) > 15
    problems = {}
    answered = len(server.requests)
    for path in pages:
        with visit(browser, server.base + path) as v:
            if v.problems:
                problems[path] = v.problems
    assert problems == {}
    errors = [(p, code) for p, code in server.requests[answered:] if code >= 400]
    assert errors == [], "no request of any page failed (the favicon included)"


@pytest.mark.parametrize("path", ["site/posts/chatgpt-helps-me-learn-latest-ai-technology/", "site/companions/sgd/",
                                  "fixture/posts/a-conversation/", "site/posts/wen-deepseek-zhuangshiqi/",
                                  "fixture/posts/rtl/", "fixture/search/?q=spread"])
def test_no_horizontal_scroll_at_375_px(browser, server, path: str) -> None:
    with visit(browser, server.base + path, viewport=PHONE) as v:
        for details in v.page.locator("details").all():
            details.evaluate("e => e.open = true")
        width = v.page.evaluate("document.documentElement.scrollWidth")
        wide = v.page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('pre, .highlight, table, math'))
            .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
        assert width <= PHONE["width"] and wide == [], f"{width} px wide: {wide}"


@pytest.mark.parametrize("width", [375, 768, 1280])
def test_each_search_filter_label_stays_beside_its_select(browser, server, width: int) -> None:
    with visit(browser, server.base + "fixture/search/", viewport={"width": width, "height": 800}) as v:
        for select in ("#search-role", "#search-tag"):
            label = v.page.locator(f"label[for='{select[1:]}']").bounding_box()
            box = v.page.locator(select).bounding_box()
            middle = label["y"] + label["height"] / 2
            assert box["y"] <= middle <= box["y"] + box["height"], f"{select}: on the same line at {width} px"
            assert label["x"] + label["width"] <= box["x"] + 1, f"{select}: the label before its select"
            assert box["x"] - (label["x"] + label["width"]) < 24, f"{select}: next to each other"
            assert box["x"] + box["width"] <= width, f"{select}: inside the page"


PRE_REACH = """pre => {
    const box = pre.getBoundingClientRect();
    pre.scrollLeft = pre.scrollWidth;
    const last = [...pre.querySelectorAll('span, code')].map(s => s.getBoundingClientRect().right);
    return {scrolls: pre.scrollWidth <= pre.clientWidth || ['auto', 'scroll'].includes(getComputedStyle(pre).overflowX),
            focusable: pre.scrollWidth <= pre.clientWidth || pre.tabIndex === 0,
            inside: box.left >= 0 && box.right <= innerWidth,
            reached: Math.max(0, ...last) <= box.right + 1};
}"""
CLIPPED = """() => [...document.querySelectorAll('main *')].filter(e => {
    const r = e.getBoundingClientRect();
    if (!r.width) return false;
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.overflowX === 'visible') continue;
        if (s.overflowX !== 'hidden' && s.overflowX !== 'clip') return false;
        const b = a.getBoundingClientRect();
        return r.right > b.right + 1 || r.left < b.left - 1;
    }
    return r.right > innerWidth + 1 || r.left < -1;
}).filter(e => !e.closest('.visually-hidden')).slice(0, 5).map(e => e.tagName + '.' + e.className)"""


@pytest.mark.parametrize("path", ["site/posts/chatgpt-helps-me-learn-latest-ai-technology/",
                                  "fixture/posts/a-conversation/", "fixture/companions/toy/"])
def test_quoted_code_is_fully_reachable_at_375_px(browser, server, path: str) -> None:
    """Code quoted with its method's indentation (8 spaces) is wider than a phone: it scrolls inside its box
    (by touch, and by keyboard: the box takes focus) and nothing is clipped or past the viewport's edge."""
    with visit(browser, server.base + path, viewport=PHONE) as v:
        for details in v.page.locator("details").all():
            details.evaluate("e => e.open = true")
        assert v.page.evaluate(CLIPPED) == []
        pres = v.page.locator("main pre")
        reach = [pres.nth(i).evaluate(PRE_REACH) for i in range(pres.count()) if pres.nth(i).is_visible()]
        assert any(pres.nth(i).evaluate("p => p.scrollWidth > p.clientWidth") for i in range(pres.count())), \
            "some quoted code is wider than the phone"
        assert [r for r in reach if not all(r.values())] == []
        assert v.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
