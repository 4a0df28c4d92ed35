"""What a reader's tools see in the markup: description, canonical and social tags, previous/next links,
heading anchors, a skip link, copyable turns, the text direction."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from site_builder.build import build_site

FIXTURE = Path(__file__).parent / "browser" / "fixtures" / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reader-pages")
    shutil.copytree(FIXTURE, root / "content")
    (root / "content" / "site.yaml").write_text(
        (root / "content" / "site.yaml").read_text() + "search: false\n", encoding="utf-8")
    build_site(root / "content", root / "out")
    return root / "out"


def page(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def meta(soup: BeautifulSoup, key: str) -> str | None:
    tag = soup.find("meta", attrs={"name": key}) or soup.find("meta", attrs={"property": key})
    return tag["content"] if tag else None


def test_a_post_describes_itself_to_search_engines_and_social_sites(site: Path) -> None:
    soup = page(site, "posts/an-article")
    assert meta(soup, "description") == "No speakers, one checked block."
    assert soup.find("link", rel="canonical")["href"] == "https://example.org/blog/posts/an-article/"
    assert meta(soup, "og:title") == "An article with code"
    assert meta(soup, "og:type") == "article"
    assert meta(soup, "og:url") == "https://example.org/blog/posts/an-article/"
    assert meta(soup, "og:description") == "No speakers, one checked block."
    assert meta(soup, "og:site_name") == "Reader fixture"
    assert meta(soup, "twitter:card") == "summary"
    assert meta(soup, "twitter:title") == "An article with code"


def test_without_a_summary_the_description_is_the_first_question(site: Path) -> None:
    soup = page(site, "posts/a-conversation")
    assert meta(soup, "description") == "How do I compute a mean?"
    home = page(site, ".")
    assert meta(home, "description") == "A small site for the browser tests."
    assert home.find("link", rel="canonical")["href"] == "https://example.org/blog/"


def test_posts_link_to_the_previous_and_next_post(site: Path) -> None:
    middle = page(site, "posts/a-conversation").select_one("nav.post-nav")
    links = {a["rel"][0]: a["href"] for a in middle.find_all("a")}
    assert links == {"prev": "../../posts/an-article/", "next": "../../posts/rtl/"}
    oldest = page(site, "posts/an-article").select_one("nav.post-nav")
    assert [a["rel"][0] for a in oldest.find_all("a")] == ["next"]


def test_article_headings_have_anchors(site: Path) -> None:
    heading = page(site, "posts/an-article").find("h2", string=None, id="a-heading")
    assert heading is not None
    assert heading.select_one("a.heading-anchor")["href"] == "#a-heading"


def test_a_skip_link_leads_to_the_content(site: Path) -> None:
    soup = page(site, "posts/an-article")
    first_link = soup.body.find("a")
    assert first_link["href"] == "#main" and "skip" in first_link.get_text().lower()
    assert soup.find("main")["id"] == "main"


def test_each_turn_can_be_copied_as_its_markdown(site: Path) -> None:
    turn = page(site, "posts/a-conversation").select_one("#turn-2")
    button = turn.select_one("button.copy-turn")
    assert button["data-copy"].startswith("Add the values and divide by their count: \\(\\bar x")
    assert "```python companion=toy.py::mean" in button["data-copy"]


def test_right_to_left_posts_say_so(site: Path) -> None:
    html = page(site, "posts/rtl").find("html")
    assert html["lang"] == "ar" and html["dir"] == "rtl"
    assert page(site, "posts/an-article").find("html")["dir"] == "ltr"
