"""One blog in many languages (``fixtures/multilingual``: en, zh, fr, ar): the language switcher, hreflang
alternates both ways, each language's home, archive and feed, and search in the reader's language or all."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from browser_helpers import visit
from site_builder.build import build_site

FIXTURE = Path(__file__).parent / "fixtures" / "multilingual"
LLAMA = {"en": "2023/08/18/llama-en.html", "zh": "2023/08/18/llama-zh.html", "fr": "2023/08/18/llama-fr.html",
         "ar": "2023/08/18/llama-ar.html"}


@pytest.fixture(scope="module")
def multi(www: Path, server, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The multilingual fixture built into the served folder, at ``multi/``: its address."""
    content = tmp_path_factory.mktemp("multi-content") / "content"
    shutil.copytree(FIXTURE, content)
    build_site(content, www / "multi")
    return server.base + "multi/"


def switcher(page) -> list[tuple[str, str, str | None]]:
    links = page.locator("nav.translations a")
    return [(links.nth(i).get_attribute("lang"), links.nth(i).inner_text(), links.nth(i).get_attribute("aria-current"))
            for i in range(links.count())]


def test_the_switcher_goes_to_the_translation_and_back(browser, multi) -> None:
    with visit(browser, multi + LLAMA["en"]) as v:
        page = v.page
        assert switcher(page) == [("en", "English", "page"), ("ar", "العربية", None), ("fr", "Français", None),
                                  ("zh", "中文", None)]
        page.locator('nav.translations a[lang="zh"]').click()
        page.wait_for_url("**/multi/" + LLAMA["zh"])
        assert page.locator("html").get_attribute("lang") == "zh"
        assert page.locator("h1").inner_text() == "在本地运行 Llama"
        assert page.locator('nav.translations a[aria-current="page"]').get_attribute("lang") == "zh"
        assert page.locator(".site-header nav a").first.inner_text() == "归档", "the interface is Chinese"
        page.locator('nav.translations a[lang="ar"]').click()
        page.wait_for_url("**/multi/" + LLAMA["ar"])
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.locator('nav.translations a[hreflang="en"]').click()
        page.wait_for_url("**/multi/" + LLAMA["en"])
        assert page.locator("h1").inner_text() == "Running Llama locally"
        assert v.problems == []


def test_every_translation_is_linked_both_ways_by_hreflang(browser, multi) -> None:
    found = {}
    for lang, path in LLAMA.items():
        with visit(browser, multi + path) as v:
            links = v.page.locator('link[rel="alternate"][hreflang]')
            found[lang] = {links.nth(i).get_attribute("hreflang"): links.nth(i).get_attribute("href")
                           for i in range(links.count())}
    expected = {lang: "https://example.org/multi/" + path for lang, path in LLAMA.items()}
    for lang in LLAMA:
        assert found[lang] == {**expected, "x-default": expected["en"]}, lang
    with visit(browser, multi + "2023/10/01/seulement.html") as v:
        assert v.page.locator('link[hreflang]').count() == 0, "a post with no translation names none"
        assert v.page.locator("nav.translations").count() == 0


def test_each_language_has_its_home_archive_and_feed(browser, multi, www) -> None:
    with visit(browser, multi) as v:
        titles = v.page.locator(".post-list a").all_inner_texts()
        assert titles == ["How tokenizers split words", "Running Llama locally"], "the root lists English only"
        v.page.locator('.site-header nav.translations a[lang="fr"]').click()
        v.page.wait_for_url("**/multi/fr/")
        assert v.page.locator("html").get_attribute("lang") == "fr"
        assert v.page.locator(".post-list a").all_inner_texts() == [
            "Un billet seulement en français", "Comment les tokenizers découpent les mots",
            "Faire tourner Llama chez soi"]
        v.page.locator(".site-header nav > a", has_text="Archives").click()
        v.page.wait_for_url("**/multi/fr/archive/")
        assert v.page.locator("h1").inner_text() == "Archives"
        assert v.page.locator(".post-list a").count() == 3
        v.page.locator(".tag-cloud a", has_text="notes").click()
        v.page.wait_for_url("**/multi/fr/tags/notes/")
        assert v.page.locator("h1").inner_text() == "Articles étiquetés « notes »"
        assert v.problems == []
    with visit(browser, multi + "ar/") as v:
        assert (v.page.locator("html").get_attribute("lang"), v.page.locator("html").get_attribute("dir")) == ("ar", "rtl")
        assert v.page.locator(".post-list a").all_inner_texts() == ["تشغيل لاما محليًا"]
        alternates = v.page.locator('link[rel="alternate"][hreflang]')
        assert {alternates.nth(i).get_attribute("hreflang") for i in range(alternates.count())} == \
            {"en", "zh", "fr", "ar", "x-default"}
        feed = v.page.locator('link[type="application/atom+xml"]').get_attribute("href")
        assert feed == "../ar/feed.xml"
    atom = "{http://www.w3.org/2005/Atom}"
    for lang, titles in (("zh", ["在本地运行 Llama"]), ("", ["How tokenizers split words", "Running Llama locally"])):
        root = ET.parse(www / "multi" / (f"{lang}/feed.xml" if lang else "feed.xml")).getroot()
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == (lang or "en")
        assert [e.findtext(f"{atom}title") for e in root.iter(f"{atom}entry")] == titles


def search(page) -> list[str]:
    """The titles of the hits (every search here finds some)."""
    page.wait_for_function("document.querySelectorAll('#search-results > li').length")
    return page.locator("#search-results > li > a").all_inner_texts()


def test_search_finds_the_readers_language_or_all(browser, multi) -> None:
    with visit(browser, multi + "zh/search/?q=Llama") as v:
        found = search(v.page)
        assert found and all(title.startswith("在本地运行 Llama") for title in found), found
        assert v.page.locator("#search-lang option").all_inner_texts() == ["本语言（中文）", "所有语言"]
        assert v.page.inner_text("#search-status") == f"找到 {len(found)} 条结果。", "the status is in the page's language"
        assert v.problems == []
    with visit(browser, multi + "zh/search/?q=Llama&lang=all") as v:
        titles = {title.split(" · ")[0] for title in search(v.page)}
        assert {"在本地运行 Llama", "Running Llama locally", "Faire tourner Llama chez soi"} <= titles, titles
        assert v.page.locator("#search-lang").input_value() == "all"
        assert v.problems == []
    with visit(browser, multi + "search/?q=tokenizer") as v:
        titles = {title.split(" · ")[0] for title in search(v.page)}
        assert titles == {"How tokenizers split words"}, "the root's search is English"
    with visit(browser, multi + "ar/search/?q=Llama") as v:
        v.page.wait_for_function("/\\d/.test(document.getElementById('search-status').textContent)")
        assert v.page.locator("#search-results > li").count() == 0, "the Arabic post says لاما: only its address said llama"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("path", ["zh/", "ar/", "zh/archive/", "ar/search/?q=لاما", "fr/tags/"])
def test_the_pages_of_other_languages_pass_axe(browser, multi, axe_source, path: str, theme: str) -> None:
    """The audit the one-language pages pass (no serious or critical violation), on the other languages' lists,
    right to left (ar) included; a post of each is reached from its home page."""
    from browser_helpers import axe_violations

    with visit(browser, multi + path, theme=theme) as v:
        if "?q=" in path:
            v.page.wait_for_selector("#search-results > li")
        assert axe_violations(v.page, axe_source) == {}
        assert v.problems == []
        post = v.page.locator("main a[href*='llama']").first
        if not path.endswith(("search/?q=لاما", "tags/")):
            post.click()
            v.page.wait_for_load_state()
            assert axe_violations(v.page, axe_source) == {}
