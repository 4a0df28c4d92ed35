"""Every link of a built site works when it is served under a sub-path, as GitHub Pages serves a project site:
the demo blog, a Jekyll blog built with Jekyll's URLs, and a paginated one (``crawl.py`` serves and crawls)."""

from __future__ import annotations

from pathlib import Path

from crawl import crawl, serve_under
from jekyll_urls import variant_folder
from site_builder.build import build_site
from site_paths import ROOT


def crawled(site: Path, prefix: str = "/sub/path/") -> tuple[int, int, list]:
    with serve_under(site, prefix) as address:
        result = crawl(address)
    return result.pages, result.fetched, [f"{b.url} ({b.status}) from {b.linked_from}" for b in result.broken]


def test_the_demo_blog_has_no_broken_link_under_a_sub_path(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(ROOT / "content", site, base_url="https://example.org/sub/path/")
    pages, fetched, broken = crawled(site)
    assert broken == []
    assert pages >= 10 and fetched > pages  # the pages, and the styles, scripts, feeds they link to


def test_a_jekyll_blog_with_jekylls_urls_has_no_broken_link(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(variant_folder(tmp_path, "default"), site)
    pages, _, broken = crawled(site, "/blog/")
    assert broken == [] and pages >= 22  # the posts, the lists and tag pages (redirects are linked from nowhere)


def test_a_paginated_blog_has_no_broken_link(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "site.yaml").write_text("paginate: 3\nsearch: false\n", encoding="utf-8")
    for day in range(1, 12):
        (content / "posts" / f"2024-01-{day:02d}-post-{day}.md").write_text(
            f"---\ntitle: Post {day}\ntags: [a, b{day % 2}]\n---\nUser: q{day}?\n\nChatGPT: a{day}.\n", encoding="utf-8")
    site = tmp_path / "site"
    build_site(content, site, base_url="https://example.org/sub/path/")  # as the GitHub Pages workflow builds
    pages, _, broken = crawled(site)
    assert broken == [] and pages >= 11 + 4 + 3  # posts, home pages, tag pages…


def test_a_link_out_of_the_sub_path_is_found_broken(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text('<a href="ok/">ok</a> <img src="/img/cat.png"> <a href="missing.html">x</a>')
    (site / "ok").mkdir()
    (site / "ok" / "index.html").write_text('<a href="../">up</a>')
    (site / "img").mkdir()
    (site / "img" / "cat.png").write_bytes(b"png")
    _, _, broken = crawled(site)
    assert len(broken) == 2 and any("/img/cat.png (404)" in b for b in broken) and any("missing.html" in b for b in broken)
