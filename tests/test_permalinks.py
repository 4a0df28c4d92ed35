"""Post URLs: ``permalink:`` patterns with Jekyll's placeholders and styles (and Hugo's names), a Jekyll folder built
with the URLs Jekyll gives it (checked against files Jekyll itself wrote: ``jekyll_urls.py``), redirects from old
URLs, and the errors a careless or hostile permalink gets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from jekyll_urls import EXPECTED, VARIANTS, jekyll_files, variant_folder, written_files
from site_builder.build import build_site
from site_builder.errors import BuildError, SiteError
from site_builder.posts import jekyll_slug

OURS_ONLY = ("404.html", "archive/", "assets/", "feed.xml", "index.html", "pagefind/", "robots.txt", "search/",
             "sitemap.xml", "tags/", ".site-builder")
"""What our build writes that a bare Jekyll build does not (the theme's pages)."""


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_jekyll_folder_keeps_every_url_jekyll_gave_it(variant: str, tmp_path: Path) -> None:
    expected = (EXPECTED / f"{variant}.txt").read_text(encoding="utf-8").splitlines()
    assert len(expected) >= 20
    out = tmp_path / "site"
    build_site(variant_folder(tmp_path, variant), out)
    ours = set(written_files(out))
    assert [path for path in expected if path not in ours] == []
    posts = [path for path in ours if not path.startswith(OURS_ONLY) and "/page/" not in path]
    assert sorted(posts) == sorted(p for p in expected if not p.startswith(OURS_ONLY))  # and nothing Jekyll did not write


@pytest.mark.skipif(shutil.which("jekyll") is None,
                    reason="Jekyll is not installed here (apt-get install jekyll ruby-jekyll-redirect-from): the "
                           "recorded lists are checked by the test above, not re-recorded")
def test_the_recorded_lists_are_what_jekyll_writes_today(tmp_path: Path) -> None:
    for variant in ("default", "pretty", "tokyo"):
        assert jekyll_files(tmp_path, variant) == (EXPECTED / f"{variant}.txt").read_text(encoding="utf-8").splitlines()


def test_the_time_zone_moves_a_late_post_to_the_next_day(tmp_path: Path) -> None:
    default = (EXPECTED / "default.txt").read_text(encoding="utf-8").splitlines()
    tokyo = (EXPECTED / "tokyo.txt").read_text(encoding="utf-8").splitlines()
    assert "2023/08/22/evening.html" in default and "2023/08/23/evening.html" in tokyo


def test_links_between_pages_use_the_new_urls(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(variant_folder(tmp_path, "default"), out)
    home = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a.get_text(): a["href"] for a in home.select(".post-list a")}
    assert links["C++"] == "2023/08/10/c++-&-you!.html"
    assert links["你好"] == "2023/08/11/%E4%BD%A0%E5%A5%BD%E4%B8%96%E7%95%8C.html"
    assert links["One"] == "deep%20learning/2023/08/06/one-category.html"
    assert links["No ext"] == "2023/08/no-ext"  # served as no-ext.html by static hosts (and by serve)
    post = BeautifulSoup((out / "deep learning/2023/08/06/one-category.html").read_text(encoding="utf-8"), "html.parser")
    assert post.select_one('link[rel="canonical"]')["href"] == \
        "https://example.org/blog/deep%20learning/2023/08/06/one-category.html"
    assert post.select_one(".site-title")["href"] == "../../../../"
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "https://example.org/blog/2023/08/22/evening.html" in feed
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "2023/08/13/moved.html" in sitemap and "old/moved" not in sitemap  # redirects are not pages to index


def test_redirects_send_the_reader_on(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(variant_folder(tmp_path, "default"), out)
    page = BeautifulSoup((out / "old/moved/index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.select_one('meta[http-equiv="refresh"]')["content"] == "0; url=../../2023/08/13/moved.html"
    assert page.select_one('link[rel="canonical"]')["href"] == "https://example.org/blog/2023/08/13/moved.html"
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"
    assert json.loads((out / "redirects.json").read_text(encoding="utf-8")) == {
        "/old/moved/": "https://example.org/blog/2023/08/13/moved.html",
        "/2019/01/01/moved.html": "https://example.org/blog/2023/08/13/moved.html"}


def make_post(content: Path, name: str, front: str, body: str = "Text.") -> Path:
    path = content / "posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: T\n{front}---\n{body}\n", encoding="utf-8")
    return path


def test_our_folders_keep_posts_slug_and_take_a_site_wide_pattern(tmp_path: Path) -> None:
    content = tmp_path / "content"
    make_post(content, "2024-03-05-hello-there.md", "tags: [a]\n")
    make_post(content, "2024-03-06-other.md", "permalink: /notes/:slug/\n")
    build_site(content, tmp_path / "a")
    assert (tmp_path / "a/posts/hello-there/index.html").is_file() and (tmp_path / "a/notes/other/index.html").is_file()
    (content / "site.yaml").write_text("permalink: /:year/:monthname/:slugorfilename/\n", encoding="utf-8")
    build_site(content, tmp_path / "b")
    assert (tmp_path / "b/2024/March/2024-03-05-hello-there/index.html").is_file()
    assert (tmp_path / "b/notes/other/index.html").is_file()  # the post's own permalink wins
    tag = (tmp_path / "b/tags/a/index.html").read_text(encoding="utf-8")
    assert 'href="../../2024/March/2024-03-05-hello-there/"' in tag


def test_an_incremental_build_follows_a_permalink_change(tmp_path: Path) -> None:
    content = tmp_path / "content"
    post = make_post(content, "2024-03-05-hello.md", "")
    out = tmp_path / "out"
    build_site(content, out)
    post.write_text("---\ntitle: T\npermalink: /moved/:title.html\nredirect_from: /posts/hello/\n---\nText.\n",
                    encoding="utf-8")
    build_site(content, out)
    build_site(content, tmp_path / "cold")  # another output: a cold build of the same content
    assert written_files(out) == written_files(tmp_path / "cold")
    assert (out / "moved/hello.html").is_file() and "moved/hello.html" in (out / "posts/hello/index.html").read_text()
    for path in written_files(out):
        if path.endswith((".html", ".xml", ".json")):
            assert (out / path).read_bytes() == (tmp_path / "cold" / path).read_bytes(), path


@pytest.mark.parametrize("front, message", [
    ("permalink: /:year/:nope/\n", "unknown placeholder :nope"),
    ("permalink: javascript:alert(1)\n", "looks like an address"),
    ("permalink: /\n", "home page"),
    ("permalink: [a]\n", "permalink must be a path"),
    ("permalink: /a\\\\b/\n", "backslash"),
    ("redirect_from: https://evil.example/x\n", "is an address"),
    ("redirect_from: /a/?x=1\n", "query or fragment"),
    ("redirect_from: [1]\n", "must be a path or a list of paths"),
    ("permalink: /" + "x" * 300 + "/\n", "over 200 bytes"),
])
def test_a_bad_permalink_names_the_post_and_line(tmp_path: Path, front: str, message: str) -> None:
    content = tmp_path / "content"
    make_post(content, "2024-01-01-a.md", front)
    out = tmp_path / "out"
    with pytest.raises(BuildError) as error:
        build_site(content, out)
    text = str(error.value)
    assert message in text and "2024-01-01-a.md:3:" in text, text
    assert not out.exists()


def test_dot_dot_in_a_permalink_stays_inside_the_site(tmp_path: Path) -> None:
    content = tmp_path / "content"
    make_post(content, "2024-01-01-a.md", "permalink: /../../../etc/:title/\nredirect_from: /x/../../y/\n")
    out = tmp_path / "site" / "out"
    build_site(content, out)
    assert (out / "etc/a/index.html").is_file() and (out / "x/y/index.html").is_file()  # Jekyll reads .. as /
    assert not (tmp_path / "etc").exists() and not (tmp_path / "y").exists()


def test_two_posts_at_one_url_and_a_redirect_over_a_post_are_errors(tmp_path: Path) -> None:
    content = tmp_path / "content"
    make_post(content, "2024-01-01-a.md", "permalink: /same/\n")
    make_post(content, "2024-01-02-b.md", "permalink: /same/\n")
    make_post(content, "2024-01-03-c.md", "redirect_from: /posts/d/\n")
    make_post(content, "2024-01-04-d.md", "")
    with pytest.raises(BuildError) as error:
        build_site(content, tmp_path / "out")
    text = str(error.value)
    assert "2024-01-02-b.md:3: URL /same/ is already the URL of" in text and "2024-01-01-a.md" in text
    assert "2024-01-04-d.md" in text and "is already a redirect of" in text and "2024-01-03-c.md" in text


def test_a_post_over_a_page_of_the_site_is_an_error(tmp_path: Path) -> None:
    content = tmp_path / "content"
    make_post(content, "2024-01-01-a.md", "permalink: /tags/\n")
    with pytest.raises(SiteError) as error:
        build_site(content, tmp_path / "out")
    assert "tags/index.html" in str(error.value)


def test_bad_site_wide_patterns_are_config_errors(tmp_path: Path) -> None:
    content = tmp_path / "content"
    make_post(content, "2024-01-01-a.md", "")
    (content / "site.yaml").write_text("permalink: /:year/:bogus/\ntimezone: Mars/Olympus\n", encoding="utf-8")
    with pytest.raises(SiteError) as error:
        build_site(content, tmp_path / "out")
    assert "unknown placeholder :bogus" in str(error.value) and "timezone 'Mars/Olympus'" in str(error.value)


@pytest.mark.parametrize("text, pretty, cased, slug", [
    ("The _config.yml file", False, False, "the-config-yml-file"),
    ("The _config.yml file", True, False, "the-_config.yml-file"),
    ("The _config.yml file", True, True, "The-_config.yml-file"),
    ("c++ & you!", True, True, "c++-&-you!"),
    ("Café déjà vu", False, False, "café-déjà-vu"),
    ("你好，世界", False, False, "你好-世界"),
    ("--a--", False, False, "a"),
])
def test_jekyll_slug_is_jekylls(text: str, pretty: bool, cased: bool, slug: str) -> None:
    assert jekyll_slug(text, pretty=pretty, cased=cased) == slug  # the examples of Jekyll's Utils.slugify docs


def test_undated_files_in_jekyll_posts_are_passed_over_and_named(tmp_path: Path, capsys) -> None:
    from site_builder.cli import main

    folder = variant_folder(tmp_path, "default")
    (folder / "_posts" / "gcp").mkdir()
    (folder / "_posts" / "gcp" / "readme.md").write_text("# Notes on this folder\n", encoding="utf-8")
    (folder / "_posts" / "2023-09-01-page.html").write_text("---\ntitle: H\n---\n<p>x</p>\n", encoding="utf-8")
    assert main(["build", "--content", str(folder), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "gcp/readme.md: warning: not a post: its name does not start with a date" in err
    assert "2023-09-01-page.html: warning: not read: a .html file in _posts/ is not Markdown" in err
    assert not list((tmp_path / "out").rglob("readme*"))
