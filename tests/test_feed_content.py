"""``feed_content: full``: each feed entry carries the whole post as HTML, its URLs absolute, without the page's
controls and scripts; the default (``summary``) feed is the feed as it always was."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.errors import ConfigError
from site_builder.feed import feed_html

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://example.org/blog/"

RICH = """---
title: Everything a post has
date: 2024-02-01
tags: [python, feeds]
speakers:
  Zhiwei: {role: user}
  ChatGPT: {role: assistant, model: gpt-4o}
  Tool: {role: tool}
---

The introduction, with [a relative link](../older/), ![a cat](img/cat.png "Cat") and <kbd>Ctrl</kbd>.

## A heading of mine

Zhiwei: What does `zip` do? See [the docs](https://docs.python.org/3/library/functions.html#zip) or
[the first turn](#turn-1), or <a href="mailto:me@example.org">mail me</a>.

```python
print(list(zip("ab", [1, 2])))
```

ChatGPT: It pairs items. <img src="pics/zip.png" alt="zip"> is a picture.

> [!NOTE]
> My note: `zip` stops at the shortest input.

Zhiwei: And `map`?

ChatGPT: It applies a function.

Zhiwei: And `map`?

ChatGPT: It calls a function on each item, lazily.

Tool: 42

<!-- end of conversation -->

The closing words, linking [home](../../).
"""
OLDER = "---\ntitle: Older\ndate: 2024-01-01\ntags: [python]\n---\n\nUser: q?\n\nChatGPT: a.\n"


def make_site(root: Path, config: str) -> Path:
    content = root / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-02-01-rich.md").write_text(RICH, encoding="utf-8")
    (content / "posts" / "2024-01-01-older.md").write_text(OLDER, encoding="utf-8")
    (content / "site.yaml").write_text(config, encoding="utf-8")
    return content


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("full")
    build_site(make_site(root, f"title: T\nbase_url: {BASE}\nfeed_content: full\n"), root / "_site")
    return root / "_site"


def entry_html(feed: Path, title: str) -> BeautifulSoup:
    root = ET.parse(feed).getroot()
    entry = next(e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == title)
    content = entry.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "html"
    assert entry.find(f"{ATOM}summary") is not None, "the summary stays, for readers that list entries"
    return BeautifulSoup(content.text, "html.parser")


def test_the_feed_is_valid_atom_with_the_whole_post(full: Path) -> None:
    for feed in (full / "feed.xml", full / "tags" / "python" / "feed.xml", full / "tags" / "feeds" / "feed.xml"):
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == "atom10"
        assert all(entry.content[0].type == "text/html" for entry in parsed.entries), feed
    html = entry_html(full / "feed.xml", "Everything a post has")
    text = html.get_text(" ")
    assert "The introduction" in text and "The closing words" in text and "My note" in text
    assert [h.get_text(" ", strip=True) for h in html.select("h3")] == [
        "Zhiwei", "ChatGPT (gpt-4o)", "Zhiwei", "ChatGPT (gpt-4o)", "ChatGPT (gpt-4o)", "Tool"]
    assert "Answer 1 of 2" in text and "Answer 2 of 2" in text, "both answers shown, labelled"
    assert "It applies a function." in text and "lazily" in text
    assert "print(list(zip(" in html.select_one("pre").get_text(), "code blocks are kept"
    assert html.select_one("kbd").get_text() == "Ctrl", "the author's own HTML is kept"
    assert entry_html(full / "tags" / "feeds" / "feed.xml", "Everything a post has") == html


def test_every_url_in_the_content_is_absolute(full: Path) -> None:
    html = entry_html(full / "feed.xml", "Everything a post has")
    urls = {a["href"] for a in html.select("[href]")} | {img["src"] for img in html.select("[src]")}
    page = BASE + "posts/rich/"
    assert {BASE + "posts/older/", page + "img/cat.png", page + "pics/zip.png", page + "#turn-1", BASE,
            "https://docs.python.org/3/library/functions.html#zip", "mailto:me@example.org"} == urls
    assert html.select_one("img[title]")["title"] == "Cat"


def test_no_script_button_or_page_control_in_the_content(full: Path) -> None:
    page = BeautifulSoup((full / "posts" / "rich" / "index.html").read_text(), "html.parser")
    assert page.select("article button") and page.select(".heading-anchor"), "the page has them"
    html = entry_html(full / "feed.xml", "Everything a post has")
    assert not html.select("script, button, style, form, input, .heading-anchor, .turn-anchor")
    assert not [name for tag in html.find_all(True) for name in tag.attrs
                if name.startswith(("data-", "on")) or name == "tabindex"]
    assert html.select_one("h2").get_text(strip=True) == "A heading of mine"


def test_summary_is_the_default_and_the_feed_of_before(tmp_path: Path) -> None:
    default, summary = tmp_path / "default", tmp_path / "summary"
    build_site(make_site(default, f"base_url: {BASE}\n"), default / "_site")
    build_site(make_site(summary, f"base_url: {BASE}\nfeed_content: summary\n"), summary / "_site")
    feed = (default / "_site" / "feed.xml").read_bytes()
    assert feed == (summary / "_site" / "feed.xml").read_bytes()
    assert b"<content" not in feed and b"<summary>What does zip do? See the docs or the first turn" in feed


def test_a_path_base_url_gives_root_relative_urls_and_says_so(tmp_path: Path) -> None:
    result = build_site(make_site(tmp_path, "base_url: /blog/\nfeed_content: full\n"), tmp_path / "_site")
    html = entry_html(tmp_path / "_site" / "feed.xml", "Everything a post has")
    assert html.select_one("img")["src"] == "/blog/posts/rich/img/cat.png"
    warning = next(w for w in result.warnings if "base_url" in w)
    assert "the links inside the feed's posts" in warning


@pytest.mark.parametrize("value", ["everything", "Full", 1, True, ["full"]])
def test_feed_content_is_summary_or_full(tmp_path: Path, value: object) -> None:
    import json
    content = make_site(tmp_path, f"title: T\nfeed_content: {json.dumps(value)}\n")
    with pytest.raises(ConfigError, match=r"site\.yaml:2: feed_content must be summary or full"):
        build_site(content, tmp_path / "_site")


@pytest.mark.parametrize(("html", "expected"), [
    ('<a href="../x/">x</a>', '<a href="https://e.org/b/x/">x</a>'),
    ('<img src="a.png" srcset="a.png 1x, /big.png 2x">', '<img src="https://e.org/b/p/a.png" '
                                                        'srcset="https://e.org/b/p/a.png 1x, https://e.org/big.png 2x">'),
    ('<p>a &amp; b &lt;c&gt; &#169;</p>', '<p>a &amp; b &lt;c&gt; &#169;</p>'),
    ('<a href="?q=1&amp;r=&quot;2&quot;">q</a>', '<a href="https://e.org/b/p/?q=1&amp;r=&quot;2&quot;">q</a>'),
    ('<button>copy <b>me</b></button><p>kept</p><script>alert(1)</script>', "<p>kept</p>"),
    ('<div><div class="x"><span class="copy">a<span>b</span></span>c</div></div>', '<div><div class="x">c</div></div>'),
    ('<details open><summary>s</summary></details>', '<details open><summary>s</summary></details>'),
    ('<math><mspace width="1em"/><mi>x</mi></math>', '<math><mspace width="1em" /><mi>x</mi></math>'),
    ('<p>a<br>b<input type="checkbox">c</p>', "<p>a<br>bc</p>"),
    ('<h2 id="t"><a class="heading-anchor" href="#t">#</a>T</h2>', '<h2 id="t">T</h2>'),
    ('<pre tabindex="0" data-line="3"><code>x &lt; 1\n  y</code></pre>', "<pre><code>x &lt; 1\n  y</code></pre>"),
    ('<a href="https://other.example/">o</a><!-- note -->', '<a href="https://other.example/">o</a>'),
])
def test_feed_html(html: str, expected: str) -> None:
    assert feed_html(html, "https://e.org/b/p/") == expected


def test_code_keeps_its_text_without_the_highlighters_spans() -> None:
    html = ('<figure class="code"><figcaption><span class="code-lang">python</span><span class="status">verified'
            '</span></figcaption><div class="highlight"><pre><code><span class="k">def</span> <span class="nf">f'
            '</span>(<span class="n">a</span>): <span class="k">return</span> a &lt; 1\n</code></pre></div></figure>'
            '<p><span class="x">kept</span></p>')
    assert feed_html(html, "https://e.org/") == (
        '<figure class="code"><figcaption><span class="code-lang">python</span> <span class="status">verified</span> '
        '</figcaption><div class="highlight"><pre><code>def f(a): return a &lt; 1\n</code></pre></div></figure>'
        '<p><span class="x">kept</span></p>')
