"""Pages and the nav (issue 19, point 3): ``content/pages/**/*.md`` become pages outside the lists of posts, and
``menu:`` in site.yaml (or every page) fills the nav. Built through ``build_site`` and the CLI."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from site_builder import pagefind
from site_builder.build import build_site
from site_builder.cli import main
from site_builder.errors import SiteError

POST = """---
title: Hello
tags: [python]
---
User: What is a list?

ChatGPT: A sequence you can change.
"""

PAGES = {
    "about.md": "---\ntitle: About me\nweight: 2\n---\nI write about **AI**.\n",
    "docs/setup.md": "# Setup\n\nUser: How do I install it?\n\nChatGPT: With pip.\n",
    "2023-05-04-colophon.md": "---\ntitle: Colophon\nweight: 1\n---\nBuilt with site-builder.\n",
    "contact.md": "---\ntitle: Contact\npermalink: /contact.html\n---\nWrite to me.\n",
    "faq.md": "---\ntitle: FAQ\npermalink: /questions\nmenu: Questions\n---\nAsk.\n",
    "hidden.md": "---\ntitle: Hidden\nmenu: false\n---\nNot in the nav.\n",
    "docs/install.md": "---\ntitle: Installing\nslug: get-it\n---\nNo front-matter date, no date.\n",
}
"""A page of each shape: weights, a dated file name, permalinks (a file, Jekyll's path without .html), the nav's
words, left out of the nav, a slug in a folder, a page without front matter that holds a conversation."""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def make_site(tmp_path: Path, pages: dict[str, str] | None = None, config: str = "title: Pages\n") -> Path:
    content = tmp_path / "content"
    write(content, {"site.yaml": config + "search: false\nbase_url: https://example.org/blog/\n",
                    "posts/2024-01-01-hello.md": POST,
                    **{f"pages/{name}": text for name, text in (PAGES if pages is None else pages).items()}})
    return content


def html(out: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((out / path).read_text(encoding="utf-8"), "html.parser")


def nav(out: Path, path: str) -> list[tuple[str, str, str | None]]:
    """(words, href, aria-current) of each link of the page's nav."""
    return [(a.get_text(strip=True), a["href"], a.get("aria-current")) for a in html(out, path).select("header nav a")]


def build_error(content: Path, out: Path) -> str:
    with pytest.raises(SiteError) as caught:
        build_site(content, out)
    assert not out.exists(), "nothing was written"
    return str(caught.value)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pages")
    out = root / "_site"
    build_site(make_site(root), out)
    return out


def test_each_page_has_its_url(site: Path) -> None:
    for path in ("about/index.html", "docs/setup/index.html", "colophon/index.html", "contact.html",
                 "questions.html", "hidden/index.html", "docs/get-it/index.html"):
        assert (site / path).is_file(), path
    assert html(site, "about/index.html").h1.get_text() == "About me"
    assert html(site, "docs/setup/index.html").h1.get_text() == "Setup", "the title from the opening heading"
    assert html(site, "docs/get-it/index.html").h1.get_text() == "Installing"


def test_a_page_is_in_no_list_no_feed_and_has_no_neighbours(site: Path) -> None:
    lists = ["index.html", "archive/index.html", "tags/index.html", "tags/python/index.html"]
    for path in lists:
        main = html(site, path).main
        assert "About me" not in main.get_text() and "Colophon" not in main.get_text(), path
        assert not main.select('a[href*="about"]'), path
    for feed in ("feed.xml", "tags/python/feed.xml"):
        entries = feedparser.parse((site / feed).read_bytes()).entries
        assert [e.title for e in entries] == ["Hello"], feed
    for path in ("about/index.html", "colophon/index.html", "docs/setup/index.html"):
        page = html(site, path)
        assert not page.select("a[rel=prev], a[rel=next], nav.post-nav, a.tag"), path
    assert html(site, "posts/hello/index.html").select_one("nav.post-nav") is None, "a post's neighbours are posts"


def test_pages_are_in_the_sitemap_with_their_date_when_they_have_one(site: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
            for u in ET.parse(site / "sitemap.xml").getroot().findall("s:url", ns)}
    root = "https://example.org/blog/"
    assert urls[root + "colophon/"] == "2023-05-04", "a dated page: its date"
    assert urls[root + "about/"] is None and urls[root + "contact.html"] is None, "no date, no lastmod"
    assert root + "docs/setup/" in urls and root + "hidden/" in urls


def test_a_page_shows_its_date_only_when_it_has_one(site: Path) -> None:
    assert html(site, "colophon/index.html").select_one("article time")["datetime"] == "2023-05-04"
    assert html(site, "about/index.html").select_one("article time") is None


def test_a_page_holding_a_conversation_is_rendered_with_turns(site: Path) -> None:
    page = html(site, "docs/setup/index.html")
    turns = page.select("section.turn")
    assert [(t["data-speaker"], t["data-role"]) for t in turns] == [("User", "user"), ("ChatGPT", "assistant")]
    assert [a["href"] for a in page.select("nav.outline a")] == ["#turn-1"]


def test_the_nav_lists_the_pages_by_weight_then_title_and_marks_the_current_one(site: Path) -> None:
    links = nav(site, "docs/setup/index.html")
    assert [words for words, _, _ in links] == ["Archive", "Feed", "Colophon", "About me", "Contact", "Installing",
                                                "Questions", "Setup"], "weights first (1, 2), then words; not Hidden"
    hrefs = {words: href for words, href, _ in links}
    assert hrefs["About me"] == "../../about/" and hrefs["Contact"] == "../../contact.html", "relative links"
    assert hrefs["Questions"] == "../../questions.html"
    assert [words for words, _, current in links if current] == ["Setup"]
    assert [words for words, _, current in nav(site, "archive/index.html") if current] == ["Archive"]
    assert [words for words, _, current in nav(site, "contact.html") if current] == ["Contact"]
    assert dict((w, h) for w, h, _ in nav(site, "index.html"))["About me"] == "about/"


def test_site_yaml_menu_orders_the_nav_with_pages_paths_and_addresses(tmp_path: Path) -> None:
    config = ("title: Menu\nmenu:\n  - about\n  - {title: Talks, url: /talks/#2024}\n"
              "  - {title: Source, url: 'https://github.com/me/blog?tab=readme'}\n"
              "  - {page: docs/setup.md, title: Start}\n"
              "  - /contact/\n")
    out = tmp_path / "_site"
    build_site(make_site(tmp_path, config=config), out)
    links = nav(out, "docs/setup/index.html")[2:]
    assert links == [("About me", "../../about/", None), ("Talks", "../../talks/#2024", None),
                     ("Source", "https://github.com/me/blog?tab=readme", None), ("Start", "../../docs/setup/", "page"),
                     ("Contact", "../../contact.html", None)]
    assert nav(out, "index.html")[3] == ("Talks", "talks/#2024", None)
    assert nav(out, "404.html")[3] == ("Talks", "/blog/talks/#2024", None), "the 404 page links from the root"


def test_an_empty_menu_leaves_the_theme_links_only(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    build_site(make_site(tmp_path, config="title: Bare\nmenu: []\n"), out)
    assert [words for words, _, _ in nav(out, "about/index.html")] == ["Archive", "Feed"]


@pytest.mark.parametrize("item, problem", [
    ("{title: Pwn, url: 'javascript:alert(1)'}", "uses the scheme 'javascript'"),
    ("{title: Pwn, url: 'JavaScript:alert(1)'}", "uses the scheme 'javascript'"),
    ("{title: Data, url: 'data:text/html;base64,PHNjcmlwdD4='}", "uses the scheme 'data'"),
    ("{title: Tag, url: '/a/\"><script>'}", "holds a space, a control character or one of"),
    ("{title: Other, url: //evil.example/}", "names another host without a scheme"),
    ("{title: Up, url: /../../etc/passwd}", "has a . or .. part"),
    ("{title: Tab, url: \"java\\tscript:alert(1)\"}", "holds a space, a control character"),
    ("{title: Who, url: 'https://user@evil.example/'}", "has no host name (or a user name before @)"),
    ("{url: /talks/}", "needs a title"),
    ("{title: Both, url: /a/, page: about}", "needs one of url: (a link) and page: (a page's name)"),
    ("{title: X, link: /a/}", "unknown key 'link'"),
    ("[nested]", "is neither a page's name nor"),
    ("{title: " + "x" * 201 + ", url: /a/}", "title is 201 characters long (the limit is 200)"),
])
def test_a_bad_menu_item_is_refused_at_its_line(tmp_path: Path, item: str, problem: str) -> None:
    content = make_site(tmp_path, config=f"title: Menu\nmenu:\n  - about\n  - {item}\n")
    message = build_error(content, tmp_path / "_site")
    assert f"{content / 'site.yaml'}:4: menu: " in message and problem in message, message
    assert "hint: write each item as a page's name (about) or {title: Talks, url: /talks/}" in message


def test_a_menu_item_naming_no_page_is_an_error_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    content = make_site(tmp_path, config="title: Menu\nmenu:\n  - about\n\n  - abuot\n")
    message = build_error(content, tmp_path / "_site")
    assert f"{content / 'site.yaml'}:5: menu: no page 'abuot' (the pages: 2023-05-04-colophon, about" in message
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "_site")]) == 1
    err = capsys.readouterr().err
    assert "site.yaml:5: menu: no page 'abuot'" in err and "Traceback" not in err


def test_a_draft_page_named_in_the_menu_is_left_out_until_built_with_drafts(tmp_path: Path) -> None:
    pages = {"about.md": "---\ntitle: About\n---\nHi.\n", "soon.md": "---\ntitle: Soon\ndraft: true\n---\nLater.\n"}
    content = make_site(tmp_path, pages, config="title: D\nmenu: [soon, about]\n")
    build_site(content, tmp_path / "a")
    assert not (tmp_path / "a" / "soon").exists()
    assert [w for w, _, _ in nav(tmp_path / "a", "index.html")][2:] == ["About"]
    build_site(content, tmp_path / "b", drafts=True)
    assert [w for w, _, _ in nav(tmp_path / "b", "index.html")][2:] == ["Soon", "About"]


def test_menu_must_be_a_list_of_at_most_100_items(tmp_path: Path) -> None:
    message = build_error(make_site(tmp_path, config="title: M\nmenu: about\n"), tmp_path / "_site")
    assert "menu must be a list of links, got 'about'" in message
    many = "title: M\nmenu:\n" + "".join(f"  - {{title: L{n}, url: /l{n}/}}\n" for n in range(101))
    assert "menu holds 101 items (the limit is 100)" in build_error(make_site(tmp_path, config=many), tmp_path / "_s")


def test_menu_titles_are_escaped(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    build_site(make_site(tmp_path, {"x.md": "---\ntitle: \"<img src=x onerror=alert(1)>\"\n---\nx\n"},
                         config="title: M\nmenu:\n  - x\n  - {title: '<script>alert(1)</script>', url: /a/}\n"), out)
    page = (out / "index.html").read_text()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("permalink, problem", [
    ("../../etc/passwd", "has an empty, . or .. part"),
    ("/a/../../b/", "has an empty, . or .. part"),
    ("javascript:alert(1)", "is an address, not a path of this site"),
    ("https://evil.example/x/", "is an address, not a path of this site"),
    ("//evil.example/x/", "is an address, not a path of this site"),
    ('"\\\\server\\\\share"', "holds a backslash"),
    ('"/a b/"', "holds a backslash, a space or a control character"),
    ("/%2e%2e/x/", "with characters other than letters"),
    ("/.git/config", "has a hidden part '.git'"),
    ("/about?x=1", "with characters other than letters"),
    ("/", "is not a path of a page"),
    ("[/a/]", "is not a path of a page"),
    ("/feed.xml", "names a .xml file: a page is HTML"),
    ("/" + "x" * 201 + "/", "bytes long (the limit is 200"),
])
def test_a_permalink_that_is_not_a_path_of_the_site_is_refused_at_its_line(tmp_path: Path, permalink: str,
                                                                              problem: str) -> None:
    content = make_site(tmp_path, {"about.md": f"---\ntitle: About\npermalink: {permalink}\n---\nHi.\n"})
    message = build_error(content, tmp_path / "_site")
    assert "pages/about.md:3: permalink " in message and problem in message, message


@pytest.mark.parametrize("files, first, second", [
    ({"about.md": "---\ntitle: A\n---\n", "about.markdown": "---\ntitle: B\n---\n"},
     "about.markdown:1", "about.md:1"),
    ({"about.md": "---\ntitle: A\n---\n", "me.md": "---\ntitle: B\n\npermalink: /about/\n---\n"},
     "me.md:4", "about.md:1"),
    ({"team.md": "---\ntitle: A\nslug: about\n---\n", "about.md": "---\ntitle: B\n---\n"}, "team.md:3", "about.md:1"),
])
def test_two_pages_with_one_url_are_one_error_naming_both(tmp_path: Path, files: dict, first: str,
                                                          second: str) -> None:
    message = build_error(make_site(tmp_path, files), tmp_path / "_site")
    assert message.count("already the URL of") == 1, message
    line = next(line for line in message.splitlines() if "already" in line)
    assert f"pages/{first}" in line and f"pages/{second}" in line, line


@pytest.mark.parametrize("permalink, owner", [
    ("/posts/hello/", "the URL of "), ("/tags/", "the theme's page (tags.html)"),
    ("/archive/", "the theme's page (archive.html)"), ("/tags/python/", "the theme's page (tag.html)"),
    ("/index.html", "the theme's page (index.html)"), ("/404.html", "the theme's page (404.html)"),
    ("/page/2/", "the theme's page (index.html)"),
])
def test_a_page_cannot_take_a_posts_or_the_themes_url(tmp_path: Path, permalink: str, owner: str) -> None:
    content = make_site(tmp_path, {"mine.md": f"---\ntitle: Mine\npermalink: {permalink}\n---\nx\n"},
                        config="title: P\npaginate: 1\n")
    write(content, {"posts/2024-01-02-second.md": POST.replace("Hello", "Second")})
    message = build_error(content, tmp_path / "_site")
    assert f"pages/mine.md:3: the page's URL /{permalink.lstrip('/')}" in message and owner in message, message
    if owner == "the URL of ":
        assert "posts/2024-01-01-hello.md:1" in message


def test_a_page_cannot_take_the_search_page_or_need_a_folder_where_the_feed_is(tmp_path: Path) -> None:
    content = make_site(tmp_path, {"s.md": "---\npermalink: /search/\n---\n",
                                   "f.md": "---\npermalink: /feed.xml/\n---\n",
                                   "p.md": "---\npermalink: /pagefind/x/\n---\n"})
    content.joinpath("site.yaml").write_text("title: S\n")  # search on
    message = build_error(content, tmp_path / "_site")
    assert "pages/s.md:2: the page's URL /search/ (search/index.html) is already the theme's page (search.html)" \
        in message
    assert "pages/f.md:2: the page's URL /feed.xml/ needs a folder feed.xml/ where the theme's page (feed.xml) " \
           "is a file" in message
    assert "pages/p.md:2: the page's URL /pagefind/x/ is in the search index's folder" in message


def test_a_pages_own_template_and_unknown_template(tmp_path: Path) -> None:
    content = make_site(tmp_path, {"about.md": "---\ntitle: About\ntemplate: plain.html\n---\nHi.\n"})
    write(content, {"templates/plain.html": "PLAIN {{ view.post.title }} {{ view.url }}\n"})
    build_site(content, tmp_path / "_site")
    assert (tmp_path / "_site" / "about" / "index.html").read_text() == "PLAIN About about/\n"
    (content / "templates" / "plain.html").unlink()
    assert "pages/about.md:3: template 'plain.html' not found" in build_error(content, tmp_path / "_other")


@pytest.mark.parametrize("key, value, problem", [
    ("weight", "heavy", "weight must be a whole number, got 'heavy'"),
    ("weight", "true", "weight must be a whole number, got True"),
    ("menu", "[a]", "menu must be true, false or the link's words"),
])
def test_a_pages_nav_keys_are_checked(tmp_path: Path, key: str, value: str, problem: str) -> None:
    content = make_site(tmp_path, {"about.md": f"---\ntitle: About\n{key}: {value}\n---\nHi.\n"})
    assert f"pages/about.md:3: front matter: {problem}" in build_error(content, tmp_path / "_site")


def test_a_page_in_a_folder_of_no_ascii_name_needs_a_permalink(tmp_path: Path) -> None:
    content = make_site(tmp_path, {"关于/me.md": "---\ntitle: Me\n---\nHi.\n"})
    assert "the folder '关于' cannot name a part of the page's URL" in build_error(content, tmp_path / "_site")
    write(content, {"pages/关于/me.md": "---\ntitle: Me\npermalink: /关于/me/\n---\nHi.\n"})
    build_site(content, tmp_path / "_site")
    assert (tmp_path / "_site" / "关于" / "me" / "index.html").is_file()


def test_pages_are_found_by_search_turn_by_turn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Search indexes a page's turns and text as it does a post's (with the page's URL), so a visitor finds the
    About page; pages carry no tags."""
    found: list = []
    real = pagefind._run_pagefind
    monkeypatch.setattr(pagefind, "_run_pagefind", lambda records, language, service: found.extend(records)
                        or real(records, language, service))
    content = make_site(tmp_path)
    content.joinpath("site.yaml").write_text("title: Pages\n")
    build_site(content, tmp_path / "_site")
    urls = {record.url: record for record in found}
    assert {"posts/hello/#turn-1", "about/", "docs/setup/#turn-1", "docs/setup/#turn-2", "contact.html"} <= set(urls)
    assert urls["docs/setup/#turn-2"].role == "assistant" and urls["docs/setup/#turn-2"].tags == ()
    assert urls["about/"].title == "About me" and "write about AI" in urls["about/"].text


def test_a_page_with_a_code_block_is_checked_and_shows_its_badge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture) -> None:
    content = make_site(tmp_path, {"docs/run.md": "# Run\n\n```python\nprint('from a page')\n```\n"})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--content", str(content)]) == 0
    assert "pages/docs/run.md" in capsys.readouterr().out
    build_site(content, tmp_path / "_site")
    assert [b.get_text(strip=True) for b in html(tmp_path / "_site", "docs/run/index.html").select(".status")] == \
        ["verified"]


# ---- a Jekyll folder ------------------------------------------------------------------------------------------

JEKYLL = {
    "_config.yml": "title: Jekyll blog\nurl: https://example.org\nheader_pages:\n  - about.md\n  - contact.html\n"
                   "  - gone.md\n",
    "_posts/2023-05-01-hello.md": "---\ntitle: Hello\n---\nHi.\n",
    "about.md": "---\nlayout: page\ntitle: About\npermalink: /about/\n---\nAbout this blog.\n",
    "contact.html": "---\nlayout: page\ntitle: Contact\n---\n<p>Write to <em>me</em>.</p>\n",
    "notes.markdown": "---\ntitle: Notes\n---\nSome notes.\n",
    "README.md": "# This repository\n\nNo front matter: Jekyll copies it, it is no page.\n",
    "index.md": "---\nlayout: home\n---\n",
    "404.html": "---\npermalink: /404.html\nlayout: default\n---\n<h1>404</h1>\n",
    "archive.html": "---\ntitle: Archive\n---\n{% for post in site.posts %}{{ post.title }}{% endfor %}\n",
    "_drafts/idea.md": "---\ntitle: Idea\n---\nLater.\n",
}


def test_a_jekyll_folders_pages_get_jekylls_urls_and_header_pages_is_the_nav(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    write(root, JEKYLL)
    out = tmp_path / "_site"
    result = build_site(root, out)
    assert (out / "about" / "index.html").is_file(), "permalink: /about/"
    assert (out / "contact.html").is_file() and (out / "notes.html").is_file(), "Jekyll's default: the name + .html"
    assert html(out, "contact.html").select_one("article em").get_text() == "me", "the author's HTML is kept"
    assert not (out / "README.html").exists() and not (out / "archive.html").exists()
    assert html(out, "index.html").h1.get_text() == "Jekyll blog", "index.md is the theme's home"
    assert [(w, h) for w, h, _ in nav(out, "notes.html")][3:] == [("About", "about/"), ("Contact", "contact.html")]
    warnings = "\n".join(result.warnings)
    assert f"{root / '_config.yml'}:6: warning: header_pages: no page 'gone.md'" in warnings
    assert f"{root / 'archive.html'}:4: warning: not built: an HTML page of Liquid tags" in warnings
    assert "index.md" not in warnings and "404.html" not in warnings and "README" not in warnings


def test_a_jekyll_home_page_with_words_is_not_built_and_says_so(tmp_path: Path) -> None:
    write(tmp_path / "blog", {**JEKYLL, "index.md": "---\nlayout: home\n---\nWelcome to my blog!\n"})
    result = build_site(tmp_path / "blog", tmp_path / "_site")
    assert any("index.md:4: warning: not built: the theme makes the home page" in w for w in result.warnings)


def test_a_jekyll_folder_without_header_pages_lists_every_page(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    write(root, {**JEKYLL, "_config.yml": "title: J\n"})
    (root / "node_modules").symlink_to("/nonexistent")  # a link elsewhere in the folder is none of the site's
    build_site(root, tmp_path / "_site")
    assert [w for w, _, _ in nav(tmp_path / "_site", "index.html")][3:] == ["About", "Contact", "Notes"]


def test_explain_reads_a_page_without_a_date(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    content = make_site(tmp_path)
    assert main(["explain", str(content / "pages" / "docs" / "setup.md")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "reading: certain (no doubt found)"
    assert lines[2].split()[:4] == ["3", "1", "User", "user"] and lines[3].split()[:4] == ["5", "2", "ChatGPT",
                                                                                          "assistant"]
