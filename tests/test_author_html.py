"""The author's own raw HTML is kept through an allowlist (sanitize.py); an imported post's is shown as text.

Built pages are read with an HTML parser (bs4): an element counts only if a browser would make it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.config import load_config
from site_builder.errors import ConfigError
from site_builder.markdown.core import create_markdown, render

YOUTUBE = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
BODY = f"""
Press <kbd>Ctrl</kbd>+<kbd>C</kbd>; water is H<sub>2</sub>O, x<sup>2</sup>, <mark>marked</mark>,
<abbr title="HyperText Markup Language">HTML</abbr>, <ins>in</ins> <del>out</del>, and replace <name> here.

<details>
<summary>What the model said first</summary>

It said **no**, then `yes`.

</details>

<iframe width="560" height="315" src="{YOUTUBE}" title="A video" allowfullscreen></iframe>

<figure><img src="diagram.png" alt="a diagram"><figcaption>The diagram</figcaption></figure>

<table><tr><th>a</th><td><a href="https://example.org/">link</a></td></tr></table>

<div>a div is not on the list</div>
"""


def site(tmp_path: Path, front: str = "", config: str = "", body: str = BODY) -> BeautifulSoup:
    content = tmp_path / "content"
    post = content / "posts" / "2024-01-01-html.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    if not post.exists():  # built again, the post is the same file, untouched
        post.write_text(f"---\ntitle: HTML\n{front}---\n{body}", encoding="utf-8")
    if config:
        (content / "site.yaml").write_text(config, encoding="utf-8")
    build_site(content, tmp_path / "_site")
    page = (tmp_path / "_site" / "posts" / "html" / "index.html").read_text(encoding="utf-8")
    return BeautifulSoup(page, "html.parser")


def test_the_authors_own_html_is_kept(tmp_path: Path) -> None:
    doc = site(tmp_path)
    assert [kbd.get_text() for kbd in doc.find_all("kbd")] == ["Ctrl", "C"]
    assert doc.find("sub").get_text() == "2" and doc.find("sup").get_text() == "2"
    assert doc.find("mark").get_text() == "marked" and doc.find("abbr")["title"] == "HyperText Markup Language"
    assert doc.find("ins") and doc.find("del")
    details = doc.find("details", class_=None)
    assert details.find("summary").get_text() == "What the model said first"
    assert details.find("strong").get_text() == "no", "the Markdown inside <details> is rendered"
    frame = doc.find("iframe")
    assert frame["src"] == YOUTUBE and frame["title"] == "A video"
    assert doc.find("figcaption").get_text() == "The diagram" and doc.find("img", src="diagram.png")
    link = doc.find("a", href="https://example.org/")
    assert link.get_text() == "link" and link["rel"] == ["noopener"]
    text = doc.get_text()
    assert "replace <name> here" in text and "<div>a div is not on the list</div>" in text, \
        "a tag not on the list is shown as written"
    assert "<kbd>" not in text and "<details>" not in text


def test_an_imported_posts_html_is_shown_as_text(tmp_path: Path) -> None:
    doc = site(tmp_path, front="imported: chatgpt\n")
    assert not doc.find_all(["kbd", "sub", "sup", "mark", "abbr", "iframe", "ins", "del"])
    assert not doc.find("details", class_=None) and not doc.find("img", src="diagram.png")
    text = doc.get_text()
    assert "<kbd>Ctrl</kbd>" in text and f'src="{YOUTUBE}"' in text and "<summary>" in text


def test_embeds_come_only_from_the_configured_hosts(tmp_path: Path) -> None:
    body = f'<iframe src="{YOUTUBE}"></iframe>\n\n<iframe src="https://media.example.org/v/1"></iframe>\n'
    default = site(tmp_path / "default", body=body)
    assert [frame["src"] for frame in default.find_all("iframe")] == [YOUTUBE]
    chosen = site(tmp_path / "chosen", config="embed_hosts: [Media.Example.org]\n", body=body)
    assert [frame["src"] for frame in chosen.find_all("iframe")] == ["https://media.example.org/v/1"]


def test_a_changed_embed_hosts_renders_the_post_again(tmp_path: Path) -> None:
    body = f'<iframe src="{YOUTUBE}"></iframe>\n'
    assert site(tmp_path, config="title: T\n", body=body).find("iframe")
    assert not site(tmp_path, config="embed_hosts: [media.example.org]\n", body=body).find("iframe"), \
        "the post did not change, the config did: its page may not keep an embed the config now refuses"


@pytest.mark.parametrize("value", ["[javascript:alert(1)]", "[www.youtube.com/embed]", "[1]", "www.youtube.com"])
def test_embed_hosts_must_be_a_list_of_host_names(value: str, tmp_path: Path) -> None:
    config = tmp_path / "site.yaml"
    config.write_text(f"embed_hosts: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="embed_hosts"):
        load_config(config)


HOSTILE = [
    '<details open ontoggle="alert(1)"><summary onclick="alert(1)">s</summary>x</details>',
    '<a href="javascript:alert(1)">a</a> <a href="jav&#x09;ascript:alert(1)">b</a> <a href="data:text/html,x">c</a>',
    '<img src="javascript:alert(1)"> <img src="x" onerror="alert(1)"> <img src="data:image/svg+xml,<svg/onload=alert(1)>">',
    '<kbd style="background:url(javascript:alert(1))">k</kbd> <mark style="x:expression(alert(1))">m</mark>',
    '<iframe src="https://www.youtube.com.evil.example/embed/x"></iframe>',
    '<iframe src="https://evil.example@www.youtube.com.evil.example/"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe> <iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="https://www.youtube.com/embed/x" onload="alert(1)" srcdoc="<script>alert(1)</script>"></iframe>',
    "<sub><script>alert(1)</script></sub> <sup><style>*{}</style></sup>",
    "<table><tr><td><svg onload=alert(1)></svg></td></tr></table>",
    "<details>\n<summary>x</summary>\n<textarea>\n\n<script>alert(1)</script>\n",
    "<details><summary>x</summary>\n\n<img src=x onerror=alert(1)>\n\n</details>",
    "- <kbd>a\n- b</kbd> <script>alert(1)</script>\n",
    "<!-- <script>alert(1)</script> -->\n<abbr title='\"><script>alert(1)</script>'>a</abbr>",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_every_payload_is_removed_or_shown_as_text(payload: str) -> None:
    html = render(create_markdown(author_html=True), payload + "\n")
    doc = BeautifulSoup(html, "html.parser")
    assert not doc.find_all(["script", "style", "svg", "textarea"]), html
    for tag in doc.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.startswith("on") and name not in ("style", "srcdoc"), html
            squeezed = "".join(ch for ch in str(value) if ch > " ").lower()
            assert not squeezed.startswith(("javascript:", "data:", "vbscript:")), html
        if tag.name == "iframe":
            assert tag["src"].startswith("https://www.youtube.com/"), html


def test_tags_that_cross_the_markdown_around_them_are_shown_as_text() -> None:
    """``<kbd>`` opened in one list item and closed in the next would cross our ``</li>``: the text's raw HTML
    is shown as written rather than let it reshape the page."""
    html = render(create_markdown(author_html=True), "- <kbd>a\n- b</kbd>\n")
    assert html == "<ul>\n<li>&lt;kbd&gt;a</li>\n<li>b&lt;/kbd&gt;</li>\n</ul>\n"


def test_the_escaping_dialect_is_unchanged() -> None:
    assert render(create_markdown(), "<kbd>k</kbd>\n") == "<p>&lt;kbd&gt;k&lt;/kbd&gt;</p>\n"
