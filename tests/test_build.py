"""End to end: build content/ into a temp folder and inspect the output as parsed HTML/XML."""

from __future__ import annotations

import datetime as dt

import contextlib
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup

from site_paths import ROOT
from site_builder.build import build_site

REFERENCE = "posts/chatgpt-helps-me-learn-latest-ai-technology/index.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "_site"
    build_site(ROOT / "content", out, base_url="https://example.org/blog/")
    return out


def soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


def test_reference_post_turns(site: Path) -> None:
    page = soup(site, REFERENCE)
    turns = page.select("section.turn")
    assert [(t["data-speaker"], t["data-role"]) for t in turns] == [
        ("Zhiwei", "user"), ("ChatGPT", "assistant"),
        ("Zhiwei", "user"), ("ChatGPT", "assistant"), ("ChatGPT", "assistant"),
        ("Zhiwei", "user"),
    ]
    assert [t["id"] for t in turns] == ["turn-1", "turn-2", "turn-3", "turn-4", "turn-6", "turn-7"]
    assert page.find(id="turn-5") is not None, "the repeated question keeps its anchor"
    exchanges = page.select("[data-exchange]")
    assert [e["data-exchange"] for e in exchanges] == ["1", "2", "3"]
    variants = exchanges[1].select("[data-variant]")
    assert [v["data-variant"] for v in variants] == ["1", "2"]
    assert all(len(v.select("section.turn")) == 1 for v in variants)
    assert exchanges[1].select("section.turn")[0]["data-role"] == "user", "the repeated question is shown once"
    outline = [a["href"] for a in page.select("nav.outline a")]
    assert outline == ["#turn-1", "#turn-3", "#turn-7"]


def test_reference_post_highlighting(site: Path) -> None:
    page = soup(site, REFERENCE)
    python_blocks = page.select('figure.code[data-lang="python"]')
    in_questions = page.select('section.turn[data-role="user"] figure.code')
    assert [b["data-lang"] for b in in_questions] == ["python", "python", "shell"]
    assert len(python_blocks) >= 4, "the SGD excerpt, its two lines quoted back, the Llama excerpt"
    for block in python_blocks:
        assert block.select("span.k") and block.select("span.n"), "Pygments tokens in every python block"
    llama = [b for b in python_blocks if "class Llama" in b.get_text()][0]
    assert llama.select_one("span.nc").get_text() == "Llama"
    shell = page.select_one('figure.code[data-lang="shell"]')
    copy = shell.select_one("button.copy")["data-copy"]
    assert copy.startswith("torchrun --nproc_per_node 1") and "Traceback" not in copy and "% " not in copy


def test_annotations_and_declared_models(site: Path) -> None:
    page = soup(site, "posts/asking-claude-about-python-generators/index.html")
    notes = page.select("section.turn .markdown-alert")
    assert [n["class"][-1] for n in notes] == ["markdown-alert-note", "markdown-alert-tip"]
    assert {m.get_text() for m in page.select("section.turn .model")} == {"claude-3-opus"}


def test_chinese_post(site: Path) -> None:
    page = soup(site, "posts/wen-deepseek-zhuangshiqi/index.html")
    assert page.html["lang"] == "zh"
    assert [t["data-speaker"] for t in page.select("section.turn")] == ["我", "DeepSeek", "我", "DeepSeek"]


def test_article_without_turns(site: Path) -> None:
    page = soup(site, "posts/why-i-publish-my-ai-conversations/index.html")
    assert page.select("section.turn") == [] and page.select_one("article.article .intro table")


def test_index_lists_every_published_post(site: Path) -> None:
    page = soup(site, "index.html")
    titles = [a.get_text() for a in page.select(".post-list a")]
    sources = sorted((ROOT / "content" / "posts").glob("*.md"))
    assert len(titles) == len(sources) == 4
    assert "Draft: a half-finished chat about asyncio" not in titles
    assert not (site / "posts" / "half-finished-chat-about-asyncio").exists()


def test_feed_is_atom(site: Path) -> None:
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    links = {e.link for e in feed.entries}
    assert "https://example.org/blog/posts/chatgpt-helps-me-learn-latest-ai-technology/" in links
    assert len(feed.entries) == 4


def test_sitemap_lists_every_page(site: Path) -> None:
    tree = ET.parse(site / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {loc.text for loc in tree.getroot().findall("s:url/s:loc", ns)}
    pages = {str(p.relative_to(site)) for p in site.rglob("*.html")} - {"404.html", "search/index.html"}
    expected = {"https://example.org/blog/" + (p[: -len("index.html")] if p.endswith("index.html") else p)
                for p in pages}
    assert locs == expected


def test_every_internal_link_resolves(site: Path) -> None:
    missing = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue  # links there are absolute to base_url, since it is served at any depth
        doc = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for element in doc.find_all(tag):
                target = element.get(attr)
                if not target or urlsplit(target).scheme or target.startswith(("#", "//", "mailto:")):
                    continue
                path = (page.parent / unquote(urlsplit(target).path)).resolve()
                if path.is_dir():
                    path = path / "index.html"
                if not path.is_file() or site.resolve() not in path.parents:
                    missing.append(f"{page.relative_to(site)} -> {target}")
    assert missing == []


def test_drafts_only_with_flag(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site(ROOT / "content", out, drafts=True)
    page = BeautifulSoup((out / "posts/half-finished-chat-about-asyncio/index.html").read_text(), "html.parser")
    assert page.select_one(".badge.draft") is not None


def test_escapes_html_from_posts(tmp_path: Path) -> None:
    """The author's raw HTML keeps what the allowlist allows (an image, without its handler: see
    tests/test_author_html.py); a script is text; an imported post's raw HTML is all text."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    body = "\n\nUser: <img src=x onerror=alert(1)>\n\nChatGPT: <script>alert(2)</script>\n"
    (content / "posts" / "2024-01-01-xss.md").write_text(
        '---\ntitle: "<script>alert(1)</script>"\ntags: ["<b>"]\n---' + body, encoding="utf-8")
    (content / "posts" / "2024-01-02-imported.md").write_text("---\ntitle: I\nimported: chatgpt\n---" + body,
                                                              encoding="utf-8")
    build_site(content, tmp_path / "out")
    for page in (tmp_path / "out").rglob("*.html"):
        doc = BeautifulSoup(page.read_text(), "html.parser")
        scripts = [s for s in doc.find_all("script") if "alert" in (s.string or "")]
        assert scripts == [] and not [img for img in doc.find_all("img") if set(img.attrs) != {"src"}], page
    text = (tmp_path / "out/posts/xss/index.html").read_text()
    assert '<img src="x">' in text and "&lt;script&gt;alert(2)&lt;/script&gt;" in text
    imported = (tmp_path / "out/posts/imported/index.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in imported and "<img src" not in imported


def test_jekyll_site_builds_unchanged(tmp_path: Path) -> None:
    from site_paths import FIXTURES

    source = FIXTURES / "jekyll_site"
    before = {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    build_site(source, out)
    assert {p: p.read_bytes() for p in source.rglob("*") if p.is_file()} == before
    index = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert index.select_one(".site-title").get_text() == "My Jekyll notes"
    assert [a.get_text() for a in index.select(".post-list a")] == ["Second post", "Hello Jekyll"]
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.entries[0].link == "https://notes.example.com/jekyll/2023/06/02/second-post.html"  # Jekyll's URL
    assert (out / "2023" / "06" / "02" / "second-post.html").is_file()
    draft = next(source.glob("_drafts/unfinished.*"))
    day = dt.date.fromtimestamp(draft.stat().st_mtime)  # a draft is dated by its modification time, as Jekyll does
    published = out / f"{day:%Y/%m/%d}" / "unfinished.html"
    assert not published.exists() and not list(out.rglob("unfinished*"))
    build_site(source, tmp_path / "with-drafts", drafts=True)
    assert (tmp_path / "with-drafts" / f"{day:%Y/%m/%d}" / "unfinished.html").is_file()


def test_closing_words_after_the_conversation_are_on_the_page(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-01-01-x.md").write_text(
        "---\ntitle: T\n---\n\nUser: Hi?\n\nChatGPT: Hello!\n\n---\n\nThat is all I asked.\n", encoding="utf-8")
    build_site(content, tmp_path / "out")
    doc = BeautifulSoup((tmp_path / "out/posts/x/index.html").read_text(encoding="utf-8"), "html.parser")
    assert doc.select_one(".outro").get_text(strip=True) == "That is all I asked."
    assert "That is all I asked." not in doc.select_one(".exchange").get_text()


def test_right_to_left_posts_keep_their_code_left_to_right(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-01-01-ar.md").write_text(
        "---\ntitle: T\nlang: ar\n---\n\nمريم: ما هذا؟\n\nChatGPT: هذا مثال:\n\n```python\nx = 1\n```\n\n"
        "    indented = 2\n", encoding="utf-8")
    (content / "posts" / "2024-01-02-en.md").write_text("---\ntitle: E\nlang: en-GB\n---\n\nHello.\n",
                                                         encoding="utf-8")
    build_site(content, tmp_path / "out")
    page = BeautifulSoup((tmp_path / "out/posts/ar/index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.select_one("article.post")["dir"] == "rtl"
    assert page.select_one("figure.code")["dir"] == "ltr" and page.select_one("pre:not(figure pre)")["dir"] == "ltr"
    english = BeautifulSoup((tmp_path / "out/posts/en/index.html").read_text(encoding="utf-8"), "html.parser")
    assert english.select_one("article.post").get("dir") in (None, "ltr")


WORKER_BUILD = """
import sys
from pathlib import Path
from site_builder.assemble import pages as assemble
from site_builder.build import build_site
from site_builder.errors import SiteError, format_error

assemble.PARALLEL_PAGES = 1  # every build's pages go to the workers
real, used = assemble._rendered_pages, []

def spy(job, specs, jobs, before_fork=None):
    pages = real(job, specs, jobs, before_fork)
    used.append(bool(assemble._PAGE_JOB))  # set only when workers render
    return pages

assemble._rendered_pages = spy
try:
    build_site(Path(sys.argv[1]), Path(sys.argv[2]), jobs=2)
except SiteError as exc:
    print(format_error(exc), file=sys.stderr)
    sys.exit(1)
print("workers" if any(used) else "here")
"""


def test_pages_rendered_by_worker_processes_are_the_pages_rendered_here(content_copy: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Many pages to render (a cold build, a template edit) are shared among forked workers: the site and the
    state the next build relies on (each page's key and what it read) are those of a build that renders
    every page in this process; a template error in a worker is reported as it is here, nothing written."""
    import subprocess
    import sys

    from site_builder.errors import TemplateError
    from site_builder.incremental import state as state_module
    from site_builder.incremental import load_state

    from incremental_site import assert_same_site

    def records(cache: Path) -> dict:
        monkeypatch.setenv("SITE_BUILDER_CACHE", str(cache))
        state_module._MEMORY.clear()
        return {path: (r.key, r.read) for path, r in load_state(content_copy).outputs.items()}

    def in_workers(out: Path, cache: Path) -> subprocess.CompletedProcess:
        monkeypatch.setenv("SITE_BUILDER_CACHE", str(cache))
        return subprocess.run([sys.executable, "-c", WORKER_BUILD, str(content_copy), str(out)],
                              capture_output=True, text=True, timeout=300)

    config = content_copy / "site.yaml"  # no search index: its files are named by hashes that vary by run
    config.write_text(config.read_text(encoding="utf-8").replace("search: true", "") + "search: false\n",
                      encoding="utf-8")
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache-here"))
    build_site(content_copy, tmp_path / "here", jobs=1)
    done = in_workers(tmp_path / "workers", tmp_path / "cache-workers")
    assert done.returncode == 0 and done.stdout.strip() == "workers", done.stderr
    assert_same_site(tmp_path / "workers", tmp_path / "here", "pages rendered by workers")
    assert records(tmp_path / "cache-workers") == records(tmp_path / "cache-here")

    before = {p: p.read_bytes() for p in (tmp_path / "workers").rglob("*") if p.is_file()}
    (content_copy / "templates").mkdir(exist_ok=True)
    (content_copy / "templates" / "tag.html").write_text(
        '{% extends "base.html" %}{% block main %}{{ site.no_such_entry.title }}{% endblock %}', encoding="utf-8")
    done = in_workers(tmp_path / "workers", tmp_path / "cache-workers")
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache-here"))
    with pytest.raises(TemplateError) as here:
        build_site(content_copy, tmp_path / "here", jobs=1)
    assert done.returncode == 1 and str(here.value) in done.stderr, done.stderr
    assert {p: p.read_bytes() for p in (tmp_path / "workers").rglob("*") if p.is_file()} == before


SLOW_WORKER_BUILD = WORKER_BUILD.replace("assemble._rendered_pages = spy", """assemble._rendered_pages = spy
import time
real_render = assemble._PageJob.render

def slow(self, spec):
    time.sleep(0.2)
    return real_render(self, spec)

assemble._PageJob.render = slow""")


def test_a_build_killed_while_its_workers_render_leaves_no_lock(content_copy: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers that render pages are forked while the build holds its staging folder's lock: they drop
    their copies, so a build killed with its workers still running leaves the folder to the next build."""
    import fcntl
    import os
    import signal
    import subprocess
    import sys
    import time

    from site_builder.incremental import spare_folder

    config = content_copy / "site.yaml"  # no search index: a build that writes one uses no spare
    config.write_text(config.read_text(encoding="utf-8") + "search: false\n", encoding="utf-8")
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "out"
    spare = spare_folder(content_copy, out)
    process = subprocess.Popen([sys.executable, "-c", SLOW_WORKER_BUILD, str(content_copy), str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (spare / ".site-builder").exists():  # writing started: the workers are rendering
            assert process.poll() is None and time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.01)
        time.sleep(0.5)
        assert process.poll() is None, "the build ended before it was killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        workers = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert workers, "its workers outlive it for a while (else this test proves nothing)"
        handle = os.open(spare, os.O_RDONLY)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a worker still holds the lock
        finally:
            os.close(handle)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_sitemap_robots_and_the_base_url_warning(tmp_path):
    """The sitemap lists each page with its lastmod (a post's date, or its last_modified_at; a list's newest
    post) and not the search page; robots.txt names the sitemap when the site has an address, and a robots.txt
    in static/ wins; a base_url that is a path is a warning (issue 19)."""
    import xml.etree.ElementTree as ET

    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-01-02-a.md").write_text("---\ntitle: A\ntags: [x]\n---\n\nUser: a?\n\nChatGPT: a.\n")
    (content / "posts" / "2024-03-04-b.md").write_text("---\ntitle: B\nlast_modified_at: 2024-05-06\n---\n\nUser: b?\n")
    (content / "site.yaml").write_text("title: T\n")
    result = build_site(content, tmp_path / "site")
    assert [w for w in result.warnings if "base_url '/' is not an address" in w]
    assert (tmp_path / "site" / "robots.txt").read_text().split() == ["User-agent:", "*", "Allow:", "/"]
    result = build_site(content, tmp_path / "site", base_url="https://example.org/blog/")
    assert not [w for w in result.warnings if "base_url" in w]
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {url.findtext("s:loc", namespaces=ns): url.findtext("s:lastmod", namespaces=ns)
            for url in ET.parse(tmp_path / "site" / "sitemap.xml").getroot()}
    root = "https://example.org/blog/"
    assert urls[root] == urls[root + "archive/"] == "2024-03-04"
    assert urls[root + "posts/a/"] == urls[root + "tags/x/"] == "2024-01-02"
    assert urls[root + "posts/b/"] == "2024-05-06"
    assert not [url for url in urls if "search" in url]
    assert "Sitemap: https://example.org/blog/sitemap.xml" in (tmp_path / "site" / "robots.txt").read_text()
    (content / "static").mkdir()
    (content / "static" / "robots.txt").write_text("User-agent: *\nDisallow: /drafts/\n")
    build_site(content, tmp_path / "site", base_url="https://example.org/blog/")
    assert (tmp_path / "site" / "robots.txt").read_text() == "User-agent: *\nDisallow: /drafts/\n"


def test_the_tags_index_lists_every_tag_with_its_count_and_folder(tmp_path):
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    for number, tags in enumerate((["Python", "ai"], ["python"], ["ai"])):
        (content / "posts" / f"2024-01-0{number + 1}-p{number}.md").write_text(
            f"---\ntitle: P{number}\ntags: {tags}\n---\n\nUser: q?\n\nChatGPT: a.\n".replace("'", ""))
    build_site(content, tmp_path / "site")
    page = BeautifulSoup((tmp_path / "site" / "tags" / "index.html").read_text(), "html.parser")
    items = [(a.get_text(), a["href"], li.select_one(".count").get_text()) for li in page.select("ul.tag-cloud li")
             for a in li.select("a")]
    assert sorted(items) == [("Python", "../tags/python/", "1"), ("ai", "../tags/ai/", "2"),
                             ("python", "../tags/python-2/", "1")], "the folders the tag pages have (Python, python)"
    for _, href, _ in items:
        assert (tmp_path / "site" / "tags" / href.removeprefix("../tags/") / "index.html").is_file()
    assert "../../tags/" in (tmp_path / "site" / "tags" / "ai" / "index.html").read_text(), "each tag page links to it"


@pytest.mark.parametrize("paginate, pages", [(2, 3), (0, 1), (5, 1)])
def test_lists_are_paginated(tmp_path, paginate, pages):
    """The home page and each tag's page show ``paginate`` posts a page, the archive four times as many, with
    links to the newer and older pages (a 1,000-post home page was 473 KB); the sitemap lists every page."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    for number in range(5):
        (content / "posts" / f"2024-01-0{number + 1}-p{number}.md").write_text(
            f"---\ntitle: P{number}\ntags: [t]\n---\n\nUser: q {number}?\n\nChatGPT: a.\n")
    (content / "site.yaml").write_text(f"title: T\nbase_url: https://example.org/\npaginate: {paginate}\n")
    out = tmp_path / "site"
    build_site(content, out)
    for folder in ("", "tags/t/"):
        seen = []
        for number in range(1, pages + 1):
            path = out / folder / ("" if number == 1 else f"page/{number}/") / "index.html"
            page = BeautifulSoup(path.read_text(), "html.parser")
            seen += [a.get_text() for a in page.select("ol.post-list a")]
            pager = page.select_one("nav.pager")
            assert (pager is None) == (pages == 1)
            if pager is not None:
                assert f"Page {number} of {pages}" in pager.get_text()
                assert bool(pager.select("a[rel=prev]")) == (number > 1)
                assert bool(pager.select("a[rel=next]")) == (number < pages)
        assert seen == [f"P{n}" for n in range(4, -1, -1)], f"{folder}: every post once, newest first"
        assert not (out / folder / "page" / str(pages + 1)).exists()
    sitemap = (out / "sitemap.xml").read_text()
    assert ("https://example.org/page/2/" in sitemap) == (pages > 1)
    archive_pages = 1 if paginate == 0 else -(-5 // (paginate * 4))
    assert len(list((out / "archive").rglob("index.html"))) == archive_pages


def test_paginate_must_be_a_count(tmp_path):
    from site_builder.errors import ConfigError

    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "site.yaml").write_text("paginate: -1\n")
    with pytest.raises(ConfigError, match="paginate must be a number of posts from 0"):
        build_site(content, tmp_path / "site")


def test_each_tag_has_a_feed_of_its_posts(tmp_path):
    import xml.etree.ElementTree as ET

    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    for number, tags in enumerate((["ai"], ["python"], ["ai", "python"])):
        (content / "posts" / f"2024-01-0{number + 1}-p{number}.md").write_text(
            f"---\ntitle: P{number}\ntags: [{', '.join(tags)}]\n---\n\nUser: q?\n\nChatGPT: a.\n")
    (content / "site.yaml").write_text("title: T\nfeed_entries: 1\n")
    out = tmp_path / "site"
    build_site(content, out, base_url="https://example.org/blog/")
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(out / "tags" / "ai" / "feed.xml").getroot()
    assert feed.findtext(f"{atom}title") == "T · ai" and feed.findtext(f"{atom}id") == "https://example.org/blog/tags/ai/"
    assert [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")] == ["P2"], "feed_entries, newest first"
    self_link = [link.get("href") for link in feed.iter(f"{atom}link") if link.get("rel") == "self"]
    assert self_link == ["https://example.org/blog/tags/ai/feed.xml"]
    assert 'tags/ai/feed.xml"' in (out / "tags" / "ai" / "index.html").read_text(), "the tag page links to it"
    site_feed = ET.parse(out / "feed.xml").getroot()
    assert [e.findtext(f"{atom}title") for e in site_feed.iter(f"{atom}entry")] == ["P2"]
