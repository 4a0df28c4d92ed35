"""Hostile posts and site config: each one is a clear ``SiteError`` (file, line, what to do) or a page —
never a traceback, never a hang, never a file from outside the content folder in the site.

Every case here was found by the fuzz of generated posts (tests/fuzz/) or the issue that reported it.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.errors import PostError
from site_builder.posts import load_post

from timing import over_limit

ALIAS_BOMB = "".join(
    ["title: Bomb\n", 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n']
    + [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 9)}]\n" for k in range(1, 9)]
)
"""The issue's 454-byte bomb: 9 levels of 9 aliases, 9**9 strings once expanded (4 GB before the fix)."""

MERGE_BOMB = "title: Merge\nm0: &m0 {a: 1, b: 2}\n" + "".join(
    f"m{k}: &m{k} {{<<: [*m{k - 1}, *m{k - 1}], k{k}: 1}}\n" for k in range(1, 40))
"""YAML merge keys doubling at each level."""

BAD_FRONT_MATTER = {
    # case: (front matter lines, line of the error, words the message must hold)
    "impossible_date": ("title: T\ndate: 2024-02-30\n", 3, "date"),
    "year_zero": ("title: T\ndate: 0000-01-01\n", 3, "date"),
    "offset_25_hours": ("title: T\ndate: 2024-01-01 10:00:00+25:00\n", 3, "date"),
    "hex_title_5000_digits": ("title: 0x" + "f" * 5000 + "\n", 2, "number"),
    "decimal_title_5000_digits": ("title: " + "7" * 5000 + "\n", 2, "number"),
    "list_3000_deep": ("title: T\nx: " + "[" * 3000 + "]" * 3000 + "\n", 3, "nested"),
    "mapping_3000_deep": ("title: T\nx: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", 3, "nested"),
    "lone_surrogate_title": ('title: "\\ud800"\n', 2, "surrogate"),
    "lone_surrogate_key": ('title: T\n"\\udfff": 1\n', 3, "surrogate"),
    "lone_surrogate_tag": ('title: T\ntags: [ok, "a\\ud800b"]\n', 3, "surrogate"),
    "alias_bomb": (ALIAS_BOMB, 8, "aliases"),
    "merge_bomb": (MERGE_BOMB, 17, "aliases"),
    "alias_cycle": ("title: T\nx: &a [1, *a]\n", 3, "itself"),
    "title_is_a_list": ("title: [a, b]\n", 2, "title"),
    "date_is_a_number": ("title: T\ndate: 20240101\n", 3, "date"),
}


def write_post(folder: Path, front: str, body: str = "\nUser: hi\n\nChatGPT: hello\n",
               name: str = "2024-01-01-post.md") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8", errors="surrogatepass")
    return path


@pytest.mark.parametrize("case", BAD_FRONT_MATTER, ids=list(BAD_FRONT_MATTER))
def test_hostile_front_matter_is_a_post_error_at_its_line(case: str, tmp_path: Path) -> None:
    front, line, words = BAD_FRONT_MATTER[case]
    path = write_post(tmp_path, front)
    started = time.perf_counter()
    with pytest.raises(PostError) as error:
        load_post(path)
    assert time.perf_counter() - started < 2, "refused at once, not after expanding it"
    assert error.value.line == line and error.value.path == path, str(error.value)
    assert words in error.value.message and error.value.hint, str(error.value)


def test_hostile_front_matter_fails_the_build_with_every_error_and_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "content" / "posts"
    for number, (front, _line, _words) in enumerate(BAD_FRONT_MATTER.values(), 1):
        write_post(posts, front, name=f"2024-01-{number:02d}-case-{number}.md")
    code = main(["build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / "_site")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"build failed with {len(BAD_FRONT_MATTER)} errors" in err, err
    assert not (tmp_path / "_site").exists()


@pytest.mark.parametrize("config, line, words", [
    (ALIAS_BOMB.replace("title: Bomb\n", "") + "title: *l8\n", 6, "aliases"),
    ("title: T\ndescription: 2024-02-30\n", 2, "date"),
    ("title: " + "[" * 3000 + "]" * 3000 + "\n", 1, "nested"),
], ids=["alias_bomb", "impossible_date", "list_3000_deep"])
def test_hostile_site_config_is_a_config_error(config: str, line: int, words: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    write_post(content / "posts", "title: Fine\n")
    (content / "site.yaml").write_text(config, encoding="utf-8")
    started = time.perf_counter()
    code = main(["build", "--content", str(content), "--out", str(tmp_path / "_site")])
    err = capsys.readouterr().err
    assert time.perf_counter() - started < 5
    assert code == 1 and "Traceback" not in err and f"site.yaml:{line}: " in err and words in err, err


def build_ok(content: Path, out: Path, capsys: pytest.CaptureFixture[str], *options: str) -> None:
    code = main(["build", "--content", str(content), "--out", str(out), *options])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err, err


def test_control_characters_leave_the_feed_and_sitemap_well_formed(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    write_post(content / "posts", 'title: "bell \\x01 here"\nsummary: "tab \\x0b and \\x0c"\ntags: ["\\x1b"]\n',
               body="\nUser: why \x01 and \x08?\n\nChatGPT: \x7f because \x1b[31m\n")
    (content / "site.yaml").write_text('title: "site \\x02"\ndescription: "\\x0b"\nauthor: "\\x1f"\n',
                                       encoding="utf-8")
    out = tmp_path / "_site"
    build_ok(content, out, capsys, "--base-url", "https://example.org/")
    for name in ("feed.xml", "sitemap.xml"):
        ET.fromstring((out / name).read_bytes())  # raises ParseError when not well-formed
    feed = ET.fromstring((out / "feed.xml").read_bytes())
    titles = [t.text for t in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "bell \ufffd here" in titles and "site \ufffd" in titles


def test_a_companion_that_is_not_utf8_is_a_post_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    write_post(content / "posts", "title: Fine\n")
    (content / "companions").mkdir()
    (content / "companions" / "latin1.py").write_bytes(b'"""Caf\xe9."""\n')
    code = main(["build", "--content", str(content), "--out", str(tmp_path / "_site")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "latin1.py:1: not valid UTF-8" in err, err


def test_tags_that_fold_to_the_same_slug_get_pages_of_their_own(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from bs4 import BeautifulSoup

    from site_builder.render import tag_slug

    assert (tag_slug("C"), tag_slug("C++"), tag_slug("C#"), tag_slug("F#")) == ("c", "c-plus-plus", "c-sharp",
                                                                                 "f-sharp")
    content = tmp_path / "content"
    tags = ["C", "C++", "C#", "Python", "python", "c plus plus"]
    for number, tag in enumerate(tags, 1):
        write_post(content / "posts", f'title: "About {tag}"\ntags: ["{tag}"]\n',
                   name=f"2024-01-0{number}-p{number}.md")
    out = tmp_path / "_site"
    build_ok(content, out, capsys, "--base-url", "https://example.org/")
    pages = {}
    for number, tag in enumerate(tags, 1):
        post = BeautifulSoup((out / f"posts/p{number}/index.html").read_text(encoding="utf-8"), "html.parser")
        (link,) = post.select("a.tag")
        page = (out / "posts" / f"p{number}" / link["href"] / "index.html").resolve()
        tag_page = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert tag_page.h1.get_text() == f"Posts tagged “{tag}”"
        assert [a.get_text() for a in tag_page.select(".post-list a")] == [f"About {tag}"]
        pages[tag] = page
    assert len(set(pages.values())) == len(tags), pages
    locs = [loc.text for loc in ET.parse(out / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(locs) == len(set(locs)), "every page is listed once"


BAD_BASE_URLS = ["javascript:alert(1)//", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>",
                 "vbscript:msgbox(1)", "//evil.example/", "/\\evil.example/", "\\\\evil.example\\", "http://",
                 "https:///path", "ftp://example.org/", "https://exa mple.org/", "blog/", "",
                 "https://example.org/?q=1", "https://example.org/#top", "/blog/\n<script>", "https://user@evil/"]
GOOD_BASE_URLS = ["/", "/blog/", "/blog", "https://me.github.io/blog/", "http://localhost:8000/",
                  "https://example.org", "https://例え.jp/ブログ/"]


@pytest.mark.parametrize("url", BAD_BASE_URLS)
@pytest.mark.parametrize("where", ["site.yaml", "--base-url", "_config.yml"])
def test_base_url_must_be_http_or_a_root_path(url: str, where: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import json

    content = tmp_path / "content"
    write_post(content / ("_posts" if where == "_config.yml" else "posts"), "title: Fine\n")
    options = []
    if where == "site.yaml":
        (content / "site.yaml").write_text(f"base_url: {json.dumps(url)}\n", encoding="utf-8")
    elif where == "_config.yml":
        (content / "_config.yml").write_text(f"url: {json.dumps(url)}\n", encoding="utf-8")
    else:
        options = ["--base-url", url]
    code = main(["build", "--content", str(content), "--out", str(tmp_path / "_site"), *options])
    err = capsys.readouterr().err
    if where == "_config.yml" and url == "":
        assert code == 0, err  # Jekyll's url is optional: the site root is then "/"
        return
    assert code == 1 and "Traceback" not in err, err
    assert {"site.yaml": "base_url", "--base-url": "--base-url", "_config.yml": "url"}[where] in err, err
    assert "hint:" in err and "https://" in err
    assert not (tmp_path / "_site").exists()


@pytest.mark.parametrize("url", GOOD_BASE_URLS)
def test_good_base_urls_are_kept(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    write_post(content / "posts", "title: Fine\n")
    build_ok(content, tmp_path / "_site", capsys, "--base-url", url)
    feed = ET.parse(tmp_path / "_site" / "feed.xml").getroot()
    assert feed.find("{http://www.w3.org/2005/Atom}id").text == (url if url.endswith("/") else url + "/")


def site_with_one_post(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    write_post(content / "posts", "title: Fine\n")
    return content


def fails_naming(content: Path, out: Path, capsys: pytest.CaptureFixture[str], *words: str) -> str:
    code = main(["build", "--content", str(content), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err, err
    assert all(word in err for word in words), err
    assert not out.exists(), "nothing is written"
    return err


OUTSIDE_LINKS = {
    # link inside content/ -> what it points at outside (a file or a folder)
    "static/passwd": "secret.txt",
    "static/folder": "secret-folder",
    "posts/2024-01-02-linked.md": "secret-post.md",
    "drafts/2024-01-03-linked.md": "secret-post.md",
    "companions/evil.py": "secret.py",
    "templates/base.html": "secret.txt",
    "site.yaml": "secret.yaml",
    "posts/inner": "secret-folder",
}


@pytest.mark.parametrize("link", OUTSIDE_LINKS)
def test_a_symlink_out_of_the_content_folder_is_an_error(link: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    content = site_with_one_post(tmp_path)
    (tmp_path / "secret.txt").write_text("SECRET", encoding="utf-8")
    (tmp_path / "secret.yaml").write_text("title: SECRET\n", encoding="utf-8")
    (tmp_path / "secret.py").write_text('"""SECRET"""\n', encoding="utf-8")
    (tmp_path / "secret-post.md").write_text("---\ntitle: SECRET\n---\nSECRET\n", encoding="utf-8")
    (tmp_path / "secret-folder").mkdir()
    (tmp_path / "secret-folder" / "2024-01-04-post.md").write_text("---\ntitle: SECRET\n---\n", encoding="utf-8")
    place = content / link
    place.parent.mkdir(parents=True, exist_ok=True)
    place.symlink_to(tmp_path / OUTSIDE_LINKS[link])
    fails_naming(content, tmp_path / "_site", capsys, link.split("/")[-1], "outside the content folder")


def test_a_folder_of_the_content_that_is_a_link_out_is_an_error(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    content.mkdir()
    write_post(tmp_path / "elsewhere", "title: SECRET\n")
    (content / "posts").symlink_to(tmp_path / "elsewhere")
    fails_naming(content, tmp_path / "_site", capsys, "posts", "outside the content folder")


@pytest.mark.parametrize("name, target", [("self", "self"), ("dangling", "missing.txt"), ("up", ".."),
                                          ("ping", "pong")])
def test_symlink_loops_and_dangling_links_are_errors(name: str, target: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    content = site_with_one_post(tmp_path)
    (content / "static").mkdir()
    (content / "static" / name).symlink_to(target)
    if name == "ping":
        (content / "static" / "pong").symlink_to("ping")
    started = time.perf_counter()
    fails_naming(content, tmp_path / "_site", capsys, f"static/{name}")
    assert time.perf_counter() - started < 5


def test_a_symlink_that_stays_in_the_content_folder_is_published(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    content = site_with_one_post(tmp_path)
    (content / "shared" / "img").mkdir(parents=True)
    (content / "shared" / "notes.txt").write_text("notes", encoding="utf-8")
    (content / "shared" / "img" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    (content / "static").mkdir()
    (content / "static" / "notes.txt").symlink_to("../shared/notes.txt")
    (content / "static" / "img").symlink_to("../shared/img")
    out = tmp_path / "_site"
    build_ok(content, out, capsys)
    assert (out / "notes.txt").read_text() == "notes" and not (out / "notes.txt").is_symlink()
    assert (out / "img" / "logo.svg").read_text() == "<svg/>" and not (out / "img").is_symlink()


def test_a_companion_name_cannot_leave_the_companions_pages(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    content = site_with_one_post(tmp_path)
    (content / "companions").mkdir()
    (content / "companions" / "...py").write_text('"""Hidden: a dot file, never published."""\n', encoding="utf-8")
    (content / "companions" / "fine_one.py").write_text('"""Fine."""\n', encoding="utf-8")
    out = tmp_path / "_site"
    build_ok(content, out, capsys)
    assert "site-title" in (out / "index.html").read_text(encoding="utf-8"), "the home page is the home page"
    assert sorted(p.name for p in (out / "companions").iterdir()) == ["fine_one"]
    (content / "companions" / "two words.py").write_text('"""Bad name."""\n', encoding="utf-8")
    (content / "companions" / "a.b.py").write_text('"""Bad name."""\n', encoding="utf-8")
    err = fails_naming(content, tmp_path / "_site2", capsys, "two words.py", "a.b.py", "letters, digits")
    assert "build failed with 2 errors" in err


@pytest.mark.parametrize("name", ["index.html", "feed.xml", "sitemap.xml", "posts/post/index.html",
                                  "assets/pygments.css", "archive/index.html/oops.txt", "404.html"])
def test_a_static_file_may_not_replace_a_generated_page(name: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    content = site_with_one_post(tmp_path)
    place = content / "static" / name
    place.parent.mkdir(parents=True)
    place.write_text("static", encoding="utf-8")
    fails_naming(content, tmp_path / "_site", capsys, f"static/{name}", "generated")


def test_a_static_file_may_replace_a_theme_asset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = site_with_one_post(tmp_path)
    (content / "static" / "assets").mkdir(parents=True)
    (content / "static" / "assets" / "style.css").write_text("body { color: red }", encoding="utf-8")
    out = tmp_path / "_site"
    build_ok(content, out, capsys)
    assert (out / "assets" / "style.css").read_text() == "body { color: red }"
    assert (out / "assets" / "site.js").is_file()


_JSON = '{"id":17,"name":"x","tags":["a","b"],"url":"http://example.org/a?b=c","pos":{"x":1.5,"y":-2}},'
PATHOLOGICAL_BODIES = {
    # name: about 100 kB of one pattern; each took from 3 s to minutes to render before the fix
    "colons": "a:" * 50_000,
    "minified_json": "[" + _JSON * (100_000 // len(_JSON)) + "]",
    "ipv6_like": "fe80::1ff:fe23:4567:890a " * 4_000,
    "open_brackets": "[" * 100_000,
    "images_unclosed": "![" * 50_000,
    "www_after_underscores": "_www." * 20_000 + "!",
    "www_after_tildes": "~www.a_b." * 10_000 + "!",
    "http_without_host": " http:/" * 14_000,
    "https_underscore_hosts": " https://a_b.c_d:" * 6_000,
    "mailto_without_at": " mailto:a" * 11_000,
    "emails_without_domain": " a@" * 33_000,
    "closing_parens_after_url": "http://a" + ")" * 100_000,
    "entities_after_url": "http://a" + "&amp;" * 20_000,
    "urls_cut_by_angles": "(http://a<" * 10_000,
    "rules_inside_a_turn": "User: q\n\nChatGPT: a\n\n" + "***\n" * 25_000,
    # 46 kB: 30 tables of 250 columns whose rows are "x": 2 million empty cells, 25 s and 2.2 GB before
    "tables_of_empty_cells": ("|" + "a|" * 250 + "\n|" + "-|" * 250 + "\n" + "x\n" * 260 + "\n") * 30,
    # code: some Pygments lexers take quadratic or cubic time (C#, Java on lines of bare names, systemd)
    "csharp_blocks_of_names": "".join(f"```csharp\nx{n}\n" + "x\n" * 500 + "```\n\n" for n in range(95)),
    "one_java_block_of_names": "```java\n" + "x y\n" * 24_000 + "```\n",
    "systemd_spaces": "```systemd\n" + " \t" * 2_500 + "x\n```\n",
    # the author's raw HTML, cleaned by nh3 in one piece per text (sanitize.py)
    "inline_tags": "<kbd>k</kbd> " * 8_000,
    "unclosed_details": "<details><summary>s</summary>\n\n*x*\n\n" * 3_000,
    "tags_across_list_items": "- <kbd>a\n- b</kbd>\n" * 5_000,
    "unterminated_tags": "<kbd title='" * 8_000,
    "nested_tags": "<sub>" * 20_000 + "x" + "</sub>" * 20_000,
    "a_table_per_turn": "".join(f"User: q{n}\n\nChatGPT: |a|a|a|a|a|a|a|a|\n|-|-|-|-|-|-|-|-|\n" + "x\n" * 60
                                + "\n" for n in range(500)),
}


@pytest.mark.parametrize("name", PATHOLOGICAL_BODIES)
def test_a_100kb_hostile_body_renders_in_well_under_two_seconds(name: str, tmp_path: Path) -> None:
    from site_builder.markdown.core import create_markdown
    from site_builder.render import post_view

    md = create_markdown(author_html=True)  # the author's raw HTML kept: the heavier path

    def render(body: str) -> object:
        view = post_view(md, load_post(write_post(tmp_path, "title: Slow?\n", body="\n" + body + "\n")), None)
        assert view.intro_html or view.exchanges
        return view

    assert over_limit(render, PATHOLOGICAL_BODIES[name], 2) is None, name  # tests/timing.py: a slow machine


def test_rules_inside_a_turn_are_read_in_linear_time(tmp_path: Path) -> None:
    """Each rule looked ahead at a copy of every later line: 50,000 rules took 3 s to parse, 200,000 a minute."""
    path = write_post(tmp_path, "title: Rules\n", body="\nUser: q\n\nChatGPT: a\n\n" + "***\n" * 50_000)
    started = time.process_time()
    post = load_post(path)
    assert time.process_time() - started < 2
    assert len(post.turns) == 2 and post.turns[1].text.count("***") == 49_999  # the last one ends the turn


def test_code_is_still_highlighted_within_the_budget(tmp_path: Path) -> None:
    """The highlighting budget cuts pathological lexers, not ordinary code: 100 kB of C++ is highlighted."""
    from site_builder.markdown.core import create_markdown
    from site_builder.render import post_view

    code = "#include <vector>\nint main() { std::vector<int> v{1, 2}; return v[0]; }\n" * 1_300
    path = write_post(tmp_path, "title: Code\n", body=f"\n```cpp\n{code}```\n\n```csharp\nclass A {{}}\n```\n")
    html = post_view(create_markdown(), load_post(path), None).intro_html
    assert html.count('<span class="cp">#include') == 1_300 and '<span class="k">class</span>' in html


def test_tables_keep_rendering_but_not_millions_of_empty_cells() -> None:
    from site_builder.markdown.core import create_markdown, render

    md = create_markdown()
    sparse = render(md, "| Name | Role | Model | Notes | Seen |\n|---|---|---|---|---|\n| Zhiwei | user |\n| GPT |\n")
    assert sparse.count("<td>") == 10, "short rows are filled up to the header"
    assert "<table>" in render(md, "Under a paragraph line:\n| a | b |\n|---|---|\n| c | d |\n"), "as GFM"
    flood = "|" + "a|" * 250 + "\n|" + "-|" * 250 + "\n" + "x\n" * 260
    html = render(md, flood)
    assert "<table>" not in html and html.count("x") == 260, "an amplifying table stays text, all of it"


def test_hidden_files_are_skipped_but_hidden_folders_of_static_are_published(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = site_with_one_post(tmp_path)
    (content / "static" / ".well-known").mkdir(parents=True)
    (content / "static" / ".well-known" / "security.txt").write_text("Contact: x", encoding="utf-8")
    (content / "static" / ".DS_Store").write_text("junk", encoding="utf-8")
    (content / "static" / ".#draft.txt").symlink_to("user@host.1234")  # an editor's lock file: a dangling link
    out = tmp_path / "_site"
    build_ok(content, out, capsys)
    assert (out / ".well-known" / "security.txt").read_text() == "Contact: x"
    assert not (out / ".DS_Store").exists() and not (out / ".#draft.txt").exists()


def test_a_slug_too_long_for_a_folder_name_is_a_post_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    write_post(content / "posts", "title: Long\nslug: " + "s" * 300 + "\n")
    fails_naming(content, tmp_path / "_site", capsys, "2024-01-01-post.md:3", "slug", "characters")


def test_a_long_tag_gets_a_short_distinct_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from site_builder.render import tag_slug

    long_a, long_b = "t" * 300, "t" * 299 + "u"
    assert len(tag_slug(long_a)) <= 100 and tag_slug(long_a) != tag_slug(long_b)
    content = tmp_path / "content"
    write_post(content / "posts", f"title: Long\ntags: [{long_a}, {long_b}]\n")
    out = tmp_path / "_site"
    build_ok(content, out, capsys)
    assert len([folder for folder in (out / "tags").iterdir() if folder.is_dir()]) == 2  # and the index, tags/


def test_one_regex_of_a_lexer_cannot_run_away() -> None:
    """systemd's lexer tries `[^=]+[ \\t]*=` at every position: on a block of spaces each try costs the square
    of what follows. A CPU timer stops the try itself once the budget is spent (the code is shown plain)."""
    from site_builder.highlight import Budget, highlight_within

    budget = Budget(0.5)
    started = time.process_time()
    html = highlight_within(" \t" * 50_000 + "x\n", "systemd", budget)
    assert time.process_time() - started < 2 and html.count("x") == 1


def test_the_highlight_cache_is_bounded_in_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """4,096 cached blocks of 100 kB each held gigabytes: the fuzz grew to 1.7 GB, and its garbage collector
    made ordinary posts take seconds. The cache holds at most ``CACHE_CHARS`` characters of HTML."""
    from site_builder import highlight as module

    monkeypatch.setattr(module, "CACHE_CHARS", 300_000)
    block = "x = [1, 2, 3]  # a list\n" * 1_000  # 24 kB of code, about 250 kB of HTML
    for number in range(6):
        module.highlight(f"# {number}\n" + block, "python")
        assert 0 < module.cached_chars() <= 300_000


def test_deeply_nested_quotes_keep_their_text_and_render_in_linear_time() -> None:
    """markdown-it checked every open quote again on each line (a 56 kB post of lines 20 quotes deep took 5 s,
    a fuzz find) and dropped text nested past 20; quotes now nest at most ``QUOTE_DEPTH`` deep and a deeper
    ``>`` is text in the innermost one."""
    import time

    from site_builder.markdown.blockquotes import QUOTE_DEPTH
    from site_builder.markdown.core import create_markdown, render

    md = create_markdown()
    html = render(md, "> " * 25 + "hello from the deep end\n")
    assert "hello from the deep end" in html and html.count("<blockquote>") == QUOTE_DEPTH
    started = time.process_time()
    render(md, ">" * 20 + " a line, quoted twenty times\n" * 2_000)
    assert time.process_time() - started < 1.0
