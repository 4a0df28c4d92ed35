"""Printing (or saving as PDF) keeps every answer, wraps long code lines and leaves the controls out."""

from __future__ import annotations

from browser_helpers import visit

POST = "fixture/posts/a-conversation/"
CONTROLS = [".theme-switch", "button.copy", ".variant-tabs", ".turn-anchor", ".skip-link"]


def test_print_shows_every_answer_wraps_code_and_hides_controls(browser, server) -> None:
    with visit(browser, server.base + POST) as v:
        page = v.page
        page.locator(".variant-tabs a").first.click()
        page.emulate_media(media="print")
        variants = page.locator(".variants .variant")
        assert [variants.nth(i).is_visible() for i in range(variants.count())] == [True, True]
        assert page.locator(".variant-label").first.is_visible(), "each printed answer says which it is"
        for selector in CONTROLS:
            shown = [e for e in page.locator(selector).all() if e.is_visible()]
            assert shown == [], f"{selector} is printed"
        cut = page.evaluate("""() => [...document.querySelectorAll('pre')]
            .filter(p => p.getClientRects().length && p.scrollWidth > p.clientWidth + 1).length""")
        assert cut == 0, "no printed code line runs past its box"
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
