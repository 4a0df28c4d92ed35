"""Links written in posts work wherever the site is served (``site_builder/links.py``): root-absolute paths are
made relative to the page, links to other posts' files (and Jekyll's link tags) become those posts' URLs, and a
link to a post that does not exist is a warning naming its file and line, the link left as written.

The built pages are read with an HTML parser (bs4), and each link of a page is followed as a browser would,
from the page's URL under a sub-path (``/blog/``), to a file of the built site.
"""

from __future__ import annotations

import posixpath
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.links import PageLinks, SiteLinks, Target, liquid_placeholders, post_name, restore, site_links
from site_builder.markdown.core import create_markdown, render_markdown

SITE = site_links({"posts/2023-08-03-first.md": "posts/first/", "posts/2023-08-04-other.md": "posts/other/",
                   "posts/2023/2023-09-01-nested.md": "2023/09/01/nested.html",
                   "companions/sgd.py": "companions/sgd/"},
                  ["drafts/2023-10-01-wip.md", "posts/2023-10-02-later.md"])


def links_of(page_url: str = "posts/first/", source: str = "posts/2023-08-03-first.md",
             site: SiteLinks = SITE) -> PageLinks:
    """The page's links with every target of ``site`` known (as ``assemble`` gives those a page looks up)."""
    keys = [*site.urls, *site.unpublished, *(f"post_url:{name}" for name in site.names),
            "posts/missing.md", "posts/gone-too.md", "posts/.md", "post_url:2020-01-01-nothing",
            "companions/nothing.py"]
    return PageLinks(page_url, source, {key: site.target(key) for key in keys})


def resolve(href: str, page_url: str = "posts/first/") -> str:
    return links_of(page_url).resolve(href).href


# ---- root-absolute links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("href", "page_url", "expected"), [
    ("/img/cat.png", "posts/first/", "../../img/cat.png"),
    ("/img/cat.png", "2023/08/03/first.html", "../../../img/cat.png"),  # a file URL: its folder's depth
    ("/about/", "posts/first/", "../../about/"),
    ("/", "posts/first/", "../../"),
    ("/about/?a=1&b=2#team", "posts/first/", "../../about/?a=1&b=2#team"),
    ("/img/cat.png", "index.html", "./img/cat.png"),  # at the root: never a bare path that could read as a scheme
    ("/javascript:alert(1)", "index.html", "./javascript:alert(1)"),
    ("/../../etc/passwd", "posts/first/", "../../etc/passwd"),  # .. stops at the site's root, as in a browser
    ("/a/%2e%2e/%2E%2E/../b", "posts/first/", "../../b"),
    ("/a/b/..", "posts/first/", "../../a/"),
    ("/a/./b/.", "posts/first/", "../../a/b/"),
    ("\\img\\cat.png", "posts/first/", "../../img/cat.png"),
])
def test_root_absolute_links_are_made_relative_to_the_page(href: str, page_url: str, expected: str) -> None:
    assert resolve(href, page_url) == expected


@pytest.mark.parametrize("href", ["//cdn.example.org/x.js", "/\\evil.example/x", "https://example.org/a.md",
                                  "mailto:a@example.org", "#heading", "?page=2", "", "img/cat.png",
                                  "../img/cat.png", "notes.txt"])
def test_other_links_stay_as_written(href: str) -> None:
    assert links_of().resolve(href) == links_of().resolve(href).__class__(href)


# ---- links to source files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("href", "expected"), [
    ("2023-08-04-other.md", "../../posts/other/"),
    ("./2023-08-04-other.md#heading", "../../posts/other/#heading"),
    ("../posts/2023-08-04-other.md?x=1#h", "../../posts/other/?x=1#h"),
    ("%2e%2e/posts/2023-08-04-other.md", "../../posts/other/"),
    ("..\\posts\\2023-08-04-other.md", "../../posts/other/"),  # written on Windows
    ("2023/2023-09-01-nested.md", "../../2023/09/01/nested.html"),
    ("2023-08-03-first.md#top", "../../posts/first/#top"),  # itself
    ("/posts/2023-08-04-other.md", "../../posts/other/"),
    ("../companions/sgd.py#L10", "../../companions/sgd/#L10"),
])
def test_links_to_source_files_lead_to_their_pages(href: str, expected: str) -> None:
    resolved = links_of().resolve(href)
    assert (resolved.href, resolved.problem) == (expected, "")
    assert resolved.lookups and all(target is not None and target.url for _, target in resolved.lookups)


@pytest.mark.parametrize(("href", "problem"), [
    ("missing.md", "link to missing.md: no post at posts/missing.md"),
    (".md", "link to .md: no post at posts/.md"),
    ("../drafts/2023-10-01-wip.md", "link to ../drafts/2023-10-01-wip.md: no post is published from "
                                    "drafts/2023-10-01-wip.md: it is a draft"),
    ("2023-10-02-later.md", "link to 2023-10-02-later.md: no post is published from posts/2023-10-02-later.md"),
    ("../../../etc/x.md", "link to ../../../etc/x.md: no post (it leads out of the content folder)"),
    ("../companions/nothing.py", "link to ../companions/nothing.py: no companion at companions/nothing.py"),
])
def test_a_link_to_no_post_is_a_problem_and_stays_as_written(href: str, problem: str) -> None:
    resolved = links_of().resolve(href)
    assert resolved.href == href and resolved.problem.startswith(problem)


def test_a_root_absolute_link_to_a_file_that_is_no_post_is_a_path_of_the_site() -> None:
    """``/notes/today.md`` may be a static file: it is made relative, and no problem."""
    resolved = links_of().resolve("/notes/today.md")
    assert (resolved.href, resolved.problem) == ("../../notes/today.md", "")


def test_a_target_not_known_yet_is_left_as_written_and_said() -> None:
    """What ``assemble`` renders again once every post's URL is known."""
    resolved = PageLinks("posts/first/", "posts/2023-08-03-first.md", {}).resolve("2023-08-04-other.md")
    assert (resolved.href, resolved.problem, resolved.lookups) == ("2023-08-04-other.md", "",
                                                                     (("posts/2023-08-04-other.md", None),))


# ---- Jekyll's Liquid ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("destination", "expected"), [
    ("{% post_url 2023-08-04-other %}", "../../posts/other/"),
    ("{{ site.baseurl }}{% post_url 2023-08-04-other %}#part", "../../posts/other/#part"),
    ("{{site.url}}{{site.baseurl}}{%post_url 2023-8-4-other%}", "../../posts/other/"),  # Jekyll's lenient date
    ("{{ site.baseurl }}{% post_url /2023-09-01-nested %}", "../../2023/09/01/nested.html"),  # its sub-folder optional
    ("{% link _posts/../posts/2023-08-04-other.md %}", "../../posts/other/"),
    ("{{ site.baseurl }}/assets/cat.png", "../../assets/cat.png"),
    ("{{ site.baseurl }}", "../../"),
    ("{{ '/img/a.png' | relative_url }}", "../../img/a.png"),
    ('{{ "about/" | absolute_url }}', "../../about/"),
    ("{{ '/x/' | prepend: site.baseurl }}", "../../x/"),
    ("{{ 'https://doi.org/10.1/x' | relative_url }}", "https://doi.org/10.1/x"),
    ("{% link assets/paper.pdf %}", "../../assets/paper.pdf"),
    ("{{ 'javascript:alert(1)' | relative_url }}", "{{ 'javascript:alert(1)' | relative_url }}"),
])
def test_jekyll_link_tags_are_read(destination: str, expected: str) -> None:
    text, liquid = liquid_placeholders(destination, "0123456789ab")
    assert restore(text, liquid) == destination
    assert links_of().resolve(text, liquid).href == expected


def test_a_post_url_naming_no_post_is_a_problem() -> None:
    text, liquid = liquid_placeholders("{{ site.baseurl }}{% post_url 2020-01-01-nothing %}", "0123456789ab")
    resolved = links_of().resolve(text, liquid)
    assert resolved.href == "{{ site.baseurl }}{% post_url 2020-01-01-nothing %}"
    assert resolved.problem.startswith("link to {{ site.baseurl }}{% post_url 2020-01-01-nothing %}: no post named "
                                       "2020-01-01-nothing")


def test_post_names_as_jekyll_matches_them() -> None:
    assert post_name("2017-7-28-hydra") == "2017-07-28-hydra" == post_name("2017-07-28-hydra")
    assert post_name("sub/2017-7-2-x") == "sub/2017-07-02-x" and post_name("about") == "about"
    site = site_links({"_posts/2017-07-28-hydra.markdown": "2017/07/28/hydra.html",
                       "_posts/notes/2017-07-29-later.md": "notes/later/"})
    assert site.target("post_url:2017-07-28-hydra") == Target("2017/07/28/hydra.html")
    assert site.target("post_url:notes/2017-07-29-later") == site.target("post_url:2017-07-29-later") == \
        Target("notes/later/")


def test_a_page_rendered_once_every_post_is_known_gets_every_target() -> None:
    """What a kind of page rendered after the posts (``content/pages/``) uses: any source looked up, none missing."""
    links = SITE.page_links("about/", "pages/about.md")
    assert links.resolve("../posts/2023-08-04-other.md").href == "../posts/other/"
    assert links.resolve("../posts/nothing.md").problem == "link to ../posts/nothing.md: no post at posts/nothing.md"


# ---- in the rendered text ---------------------------------------------------------------------------------------

TEXT = """\
See [next](2023-08-04-other.md#heading), ![cat](/img/cat.png "A cat"), [ref][r] and
[gone](missing.md), [js](javascript:alert(1)), [jekyll]({{ site.baseurl }}{% post_url 2023-08-04-other %}).

<a href="/about/">about</a> <img src="/img/dog.png" alt="dog"> <a href="{% link posts/2023-08-04-other.md %}">x</a>
<a href="javascript:alert(1)">bad</a> <a href="gone-too.md">y</a>

`{% post_url 2023-08-04-other %}` and {{ site.url }} in prose stay as written.

```liquid
[a]({{ site.baseurl }}{% post_url 2023-08-04-other %})
```

## Links {{ site.baseurl }}

[r]: /posts/other/
"""


def rendered(text: str = TEXT, links: PageLinks | None = None, author_html: bool = True):
    return render_markdown(create_markdown(author_html=author_html), text, 10,
                           links=links if links is not None else links_of())


def test_destinations_of_the_text_are_written_for_the_page() -> None:
    result = rendered()
    doc = BeautifulSoup(result.html, "html.parser")
    assert [a.get("href") for a in doc.find_all("a") if "heading-anchor" not in a.get("class", [])] == [
        "../../posts/other/#heading", "../../posts/other/", "missing.md", "../../posts/other/",
        "../../about/", "../../posts/other/", None, "gone-too.md"]
    assert [(img["src"], img["alt"]) for img in doc.find_all("img")] == [("../../img/cat.png", "cat"),
                                                                       ("../../img/dog.png", "dog")]
    assert "javascript" not in result.html.replace("[js](javascript:alert(1))", "")
    assert doc.find("code").get_text() == "{% post_url 2023-08-04-other %}"
    assert "{{ site.url }} in prose" in doc.get_text()
    assert doc.find("pre").get_text() == "[a]({{ site.baseurl }}{% post_url 2023-08-04-other %})\n"
    assert doc.find("h2")["id"] == "links-sitebaseurl"
    assert "sbliquid" not in result.html
    assert [(w.line, w.message) for w in result.warnings] == [
        (11, "link to missing.md: no post at posts/missing.md"),
        (14, "link to gone-too.md: no post at posts/gone-too.md")]


def test_imported_posts_and_texts_without_links_are_written_as_before() -> None:
    """An imported post is rendered without ``links`` (its links pointed elsewhere): nothing is rewritten."""
    plain = render_markdown(create_markdown(), TEXT, 10)
    assert 'href="2023-08-04-other.md#heading"' in plain.html and 'src="/img/cat.png"' in plain.html
    assert not plain.warnings and not plain.lookups


def test_a_page_looks_up_only_the_sources_its_links_name() -> None:
    result = rendered()
    assert dict(result.lookups) == {key: SITE.target(key) for key in (
        "posts/2023-08-04-other.md", "posts/missing.md", "post_url:2023-08-04-other", "posts/gone-too.md")}


# ---- hostile and careless ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["[x](/img/a{i}.png) ", "[x](m{i}.md) ", "[x](2023-08-04-other.md#s{i}) ",
                                  "[x]({{{{ site.baseurl }}}}{{% post_url 2020-01-01-p{i} %}}) ",
                                  '<a href="m{i}.md">x</a> ', '<img src="/i{i}.png"> ',
                                  "{{{{ 'unclosed {i} ", "{{% link no-end-{i} "])
def test_ten_thousand_links_take_linear_time(unit: str) -> None:
    """10,000 links of a kind cost about ten times 1,000 (a quadratic step would cost a hundred times), and
    at most 20 warnings are kept for a post (``render.post_view``)."""
    md = create_markdown(author_html=True)

    def seconds(count: int) -> float:
        text = "".join(unit.format(i=i) + ("\n" if i % 10 == 9 else "") for i in range(count))
        started = time.process_time()
        render_markdown(md, text, links=links_of())
        return time.process_time() - started

    seconds(200)  # warm
    small, large = min(seconds(1000) for _ in range(2)), seconds(10_000)
    assert large < max(30 * small, 0.5), f"1,000 links: {small:.3f} s, 10,000: {large:.3f} s"


def test_warnings_of_one_post_are_bounded(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-01-01-many.md").write_text(
        "---\ntitle: Many\n---\n" + "".join(f"[x](m{i}.md) [y](m0.md)\n" for i in range(500)), encoding="utf-8")
    warnings = build_site(content, tmp_path / "_site").warnings
    links = [w for w in warnings if "link to" in w or "more links" in w]
    assert len(links) == 21 and links[-1].endswith("warning: and 480 more links to no post")
    assert links[0].endswith("2024-01-01-many.md:4: warning: link to m0.md: no post at posts/m0.md")


# ---- a whole site, served from a sub-path -------------------------------------------------------------------

POSTS = {
    "2023-08-03-first.md": """---
title: First
---
Next: [the other post](2023-08-04-other.md#a-heading), [about](/about/), ![cat](/img/cat.png),
[sgd](../companions/sgd.py), [older]({{ site.baseurl }}{% post_url 2023-01-01-old %}), [gone](2023-01-02-gone.md).

<a href="/img/cat.png#raw">raw</a> <img src="/img/cat.png" alt="raw cat">
""",
    "2023-08-04-other.md": """---
title: Other
permalink: /notes/:title/
---
## A heading

Back to [first](./2023-08-03-first.md) and [draft](../drafts/2023-09-01-wip.md).
""",
    "2023-01-01-old.md": "---\ntitle: Old\nslug: older-post\n---\nOld [self](2023-01-01-old.md#top).\n",
}


def blog(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    for folder in ("posts", "drafts", "companions", "static/img", "static/about"):
        (content / folder).mkdir(parents=True, exist_ok=True)
    for name, text in POSTS.items():
        (content / "posts" / name).write_text(text, encoding="utf-8")
    (content / "drafts" / "2023-09-01-wip.md").write_text("---\ntitle: WIP\n---\nSoon.\n", encoding="utf-8")
    (content / "companions" / "sgd.py").write_text('"""A companion."""\n\n\ndef smoke():\n    pass\n')
    (content / "static" / "img" / "cat.png").write_bytes(b"\x89PNG")
    (content / "static" / "about" / "index.html").write_text("<p>About</p>\n", encoding="utf-8")
    (content / "site.yaml").write_text("title: Links\nbase_url: https://me.github.io/blog/\nsearch: false\n")
    return content


def article_links(page: Path) -> list[str]:
    doc = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("article")
    return [tag.get("href") or tag.get("src") for tag in doc.find_all(["a", "img"])
            if "heading-anchor" not in tag.get("class", [])]


def test_every_link_of_a_post_leads_to_a_file_of_the_site_under_a_sub_path(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    result = build_site(blog(tmp_path), out)
    first = out / "posts" / "first" / "index.html"
    assert article_links(first) == ["../../notes/other/#a-heading", "../../about/", "../../img/cat.png",
                                     "../../companions/sgd/", "../../posts/older-post/", "2023-01-02-gone.md",
                                     "../../img/cat.png#raw", "../../img/cat.png"]
    for page, link in [(first, href) for href in article_links(first) if href != "2023-01-02-gone.md"] + \
            [(out / "notes" / "other" / "index.html", "../../posts/first/"),  # where its permalink put it
             (out / "posts" / "older-post" / "index.html", "../../posts/older-post/#top")]:
        url = urljoin("https://me.github.io/blog/" + page.relative_to(out).as_posix(), link)
        path = unquote(urlsplit(url).path)
        assert path.startswith("/blog/"), (link, url)
        target = out / path.removeprefix("/blog/")
        assert (target / "index.html" if path.endswith("/") else target).is_file(), (page, link, url)
    warnings = [w for w in result.warnings if "link to" in w]
    assert warnings == [
        f"{tmp_path / 'content/posts/2023-08-03-first.md'}:5: warning: link to 2023-01-02-gone.md: no post at "
        "posts/2023-01-02-gone.md",
        f"{tmp_path / 'content/posts/2023-08-04-other.md'}:7: warning: link to ../drafts/2023-09-01-wip.md: no post "
        "is published from drafts/2023-09-01-wip.md: it is a draft (build with --drafts to see it)"]
    drafted = build_site(blog(tmp_path), tmp_path / "_drafts_site", drafts=True)
    assert [w for w in drafted.warnings if "link to" in w] == warnings[:1]
    assert "../../posts/wip/" in article_links(tmp_path / "_drafts_site" / "notes" / "other" / "index.html")


def test_the_build_prints_the_warning_and_succeeds(tmp_path: Path) -> None:
    """Not an error (``--strict`` is not a thing here): the site is built, the line names file and line."""
    content = blog(tmp_path)
    done = subprocess.run([sys.executable, "-m", "site_builder", "build", "--content", str(content), "--out",
                           str(tmp_path / "_site")], capture_output=True, text=True, env={
                               "SITE_BUILDER_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
                               "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 0, done.stderr
    assert "posts/2023-08-03-first.md:5: warning: link to 2023-01-02-gone.md: no post at posts/2023-01-02-gone.md" \
        in done.stdout + done.stderr


def test_a_jekyll_folder_links_as_jekyll_does(tmp_path: Path) -> None:
    """``_posts/`` with ``post_url``, ``link`` and relative ``.markdown`` links, as real Jekyll posts write them."""
    content = tmp_path / "jekyll"
    (content / "_posts" / "notes").mkdir(parents=True)
    (content / "_config.yml").write_text("title: J\nbaseurl: /blog\nurl: https://me.github.io\n", encoding="utf-8")
    (content / "_posts" / "2017-07-28-hydra.markdown").write_text("---\ntitle: Hydra\n---\nA cluster.\n")
    (content / "_posts" / "notes" / "2017-08-01-modules.md").write_text(
        "---\ntitle: Modules\n---\n"
        "We set up modules on [Hydra]({{ site.baseurl }}{% post_url 2017-7-28-hydra %}), see "
        "[part 1]({% link _posts/2017-07-28-hydra.markdown %}) and [again](../2017-07-28-hydra.markdown).\n"
        "![diagram]({{ '/assets/d.png' | relative_url }})\n", encoding="utf-8")
    out = tmp_path / "_site"
    result = build_site(content, out)
    assert not [w for w in result.warnings if "link to" in w]
    modules = next(out.rglob("modules/index.html"), None) or next(p for p in out.rglob("*.html") if "modules" in str(p))
    depth = posixpath.dirname(modules.relative_to(out).as_posix()).count("/") + 1
    hydra = next(p for p in out.rglob("*.html") if "hydra" in str(p)).relative_to(out).as_posix()
    hydra_url = hydra.removesuffix("index.html")
    assert article_links(modules) == ["../" * depth + hydra_url] * 3 + ["../" * depth + "assets/d.png"]
