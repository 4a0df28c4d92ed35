"""Printing (or saving as PDF) keeps every answer, wraps long code lines and leaves the controls out."""

from __future__ import annotations

import re
import unicodedata

import pytest

from browser_helpers import visit
from pdf_text import page_count, pdf_text

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


REFERENCE = "site/posts/chatgpt-helps-me-learn-latest-ai-technology/"
A4_PAGES = 6
DARK = "try { localStorage.setItem('theme', 'dark'); } catch (e) {}"


def squeezed(text: str) -> str:
    """``text`` without whitespace, ligatures spelled out: how a phrase is looked for in a PDF's text."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_reference_post_prints_whole_on_few_pages_with_light_code(browser, server, theme: str) -> None:
    """The reference post took 8 A4 pages with large gaps, left out the adapted block's diff, printed code on a
    dark background with Dark chosen, and stranded "Answer 1 of 2" at a page's bottom, its answer on the next."""
    with visit(browser, server.base + REFERENCE, theme=theme, init_script=DARK if theme == "dark" else None) as v:
        page = v.page
        assert page.evaluate("document.documentElement.dataset.theme || 'system'") == \
            ("dark" if theme == "dark" else "system")
        diff = [line for line in page.locator("details.diff pre").text_content().splitlines() if len(line) > 25]
        answers = [page.locator(".variant").nth(i).locator(".turn p").first.text_content() for i in range(2)]
        notes = [p.text_content() for p in page.locator(".markdown-alert p:not(.markdown-alert-title)").all()]
        assert diff and len(answers) == 2 and notes
        page.emulate_media(media="print")
        colours = page.evaluate("""() => [...document.querySelectorAll('figure.code pre, figure.code code span')]
            .slice(0, 200).map(e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color])""")
        for background, colour in colours:
            assert luminance(background) is None or luminance(background) > 0.8, f"code on {background}"
            assert luminance(colour) < 0.5, f"code text in {colour}"
        pdf = page.pdf(format="A4")
    pages = pdf_text(pdf).split("\f")
    assert page_count(pdf) == len(pages) <= A4_PAGES, f"{page_count(pdf)} A4 pages"
    text = squeezed("".join(pages))
    for what, phrases in (("the diff", diff), ("an answer", [a[:80] for a in answers]), ("a note", notes)):
        for phrase in phrases:
            assert squeezed(phrase) in text, f"{what} is missing from the PDF: {phrase!r}"
    for number, answer in enumerate(answers, 1):
        label = next(i for i, p in enumerate(pages) if squeezed(f"Answer {number} of 2") in squeezed(p))
        assert squeezed(answer[:40]) in squeezed(pages[label]), f"Answer {number} of 2 is printed away from its answer"


def luminance(css: str) -> float | None:
    """Relative luminance of an ``rgb()``/``rgba()`` colour; None for a transparent one."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    if len(numbers) == 4 and numbers[3] == 0:
        return None
    r, g, b = (n / 255 for n in numbers[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
