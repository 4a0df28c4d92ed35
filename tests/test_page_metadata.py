"""Each kind of page describes itself to link previews: its own og:title and og:description (not the site's),
an og:image (the theme's default, an absolute address when base_url is one), and no canonical link on the 404
page (it is served at every missing address)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from site_builder.build import build_site

FIXTURE = Path(__file__).parent / "browser" / "fixtures" / "site"
SITE_DESCRIPTION = "A small site for the browser tests."


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("page-metadata")
    shutil.copytree(FIXTURE, root / "content")
    build_site(root / "content", root / "out")
    return root / "out"


def page(site: Path, path: str) -> BeautifulSoup:
    file = site / path if path.endswith(".html") else site / path / "index.html"
    return BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")


def meta(soup: BeautifulSoup, key: str) -> str | None:
    tag = soup.find("meta", attrs={"name": key}) or soup.find("meta", attrs={"property": key})
    return tag["content"] if tag else None


PAGES = {  # path: (og:title, words its description holds)
    "archive": ("Archive", "Every post of Reader fixture"),
    "tags": ("Tags", "Every tag of Reader fixture"),
    "tags/python": ("Posts tagged “python”", "Posts of Reader fixture tagged “python”"),
    "search": ("Search", "Search the conversations of Reader fixture"),
    "companions/toy": ("toy.py", "toy.py, the runnable module behind the code"),
    "404.html": ("Page not found", "There is nothing at this address"),
}


@pytest.mark.parametrize("path", PAGES)
def test_each_kind_of_page_has_its_own_title_and_description_for_link_previews(site: Path, path: str) -> None:
    soup = page(site, path)
    title, description = PAGES[path]
    assert meta(soup, "og:title") == title and meta(soup, "twitter:title") == title
    assert description in meta(soup, "og:description")
    assert meta(soup, "og:description") != SITE_DESCRIPTION
    assert meta(soup, "description") == meta(soup, "og:description") == meta(soup, "twitter:description")


def test_the_home_page_and_posts_keep_theirs(site: Path) -> None:
    home = page(site, ".")
    assert (meta(home, "og:title"), meta(home, "og:description")) == ("Reader fixture", SITE_DESCRIPTION)
    post = page(site, "posts/a-conversation")
    assert (meta(post, "og:title"), meta(post, "og:description")) == ("A conversation about means",
                                                                      "How do I compute a mean?")


@pytest.mark.parametrize("path", [".", "posts/a-conversation", "archive", "tags/python", "companions/toy",
                                  "search", "404.html"])
def test_every_page_has_an_absolute_og_image_that_the_site_ships(site: Path, path: str) -> None:
    soup = page(site, path)
    image = meta(soup, "og:image")
    assert image == "https://example.org/blog/assets/og-image.png"
    assert meta(soup, "twitter:image") == image and meta(soup, "og:image:alt")
    png = (site / "assets" / "og-image.png").read_bytes()  # the size link previews show best
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1200, 630)


def test_the_404_page_has_no_canonical_link(site: Path) -> None:
    soup = page(site, "404.html")
    assert soup.find("link", rel="canonical") is None
    assert meta(soup, "og:url") is None
    assert page(site, "archive").find("link", rel="canonical")["href"] == "https://example.org/blog/archive/"


def test_with_a_path_for_base_url_the_image_is_under_it(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "content")
    config = tmp_path / "content" / "site.yaml"
    config.write_text(config.read_text().replace("https://example.org/blog/", "/blog/") + "search: false\n")
    build_site(tmp_path / "content", tmp_path / "out")
    assert meta(page(tmp_path / "out", "posts/a-conversation"), "og:image") == "/blog/assets/og-image.png"


def test_a_sites_own_image_replaces_the_themes(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "content")
    own = b"\x89PNG\r\n\x1a\n" + b"the site's own card"
    (tmp_path / "content" / "static" / "assets").mkdir(parents=True)
    (tmp_path / "content" / "static" / "assets" / "og-image.png").write_bytes(own)
    config = tmp_path / "content" / "site.yaml"
    config.write_text(config.read_text() + "search: false\n")
    build_site(tmp_path / "content", tmp_path / "out")
    assert (tmp_path / "out" / "assets" / "og-image.png").read_bytes() == own
    assert meta(page(tmp_path / "out", "."), "og:image") == "https://example.org/blog/assets/og-image.png"
