"""``comments:`` (giscus) and ``analytics:`` (Plausible, GoatCounter, Google Analytics 4) in site.yaml: off unless
configured, rendered in the theme's ``after_post`` and ``head`` blocks, every value checked before it reaches a
page (some land inside a ``<script>``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.errors import BuildError, ConfigError

MINE = "---\ntitle: Mine\ndate: 2024-01-03\ntags: [a]\n---\n\nUser: q?\n\nChatGPT: a.\n"
IMPORTED = "---\ntitle: Imported\ndate: 2024-01-02\nimported: chatgpt\n---\n\nUser: q?\n\nChatGPT: a.\n"
GISCUS = {"provider": "giscus", "repo": "zhiwei/blog", "repo_id": "R_kgDOabc123", "category": "Q&A",
          "category_id": "DIC_kwDOabc1234CAbCd"}
PAGES = ("index.html", "posts/mine/index.html", "404.html", "search/index.html", "tags/a/index.html",
         "archive/index.html", "tags/index.html")


def site(root: Path, settings: dict, posts: dict[str, str] | None = None, drafts: bool = False) -> Path:
    content = root / "content"
    (content / "posts").mkdir(parents=True)
    for name, text in (posts or {"2024-01-03-mine.md": MINE, "2024-01-02-imported.md": IMPORTED}).items():
        (content / "posts" / name).write_text(text, encoding="utf-8")
    (content / "site.yaml").write_text(
        "title: T\nbase_url: https://example.org/\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items()),
        encoding="utf-8")
    build_site(content, root / "_site", drafts=drafts)
    return root / "_site"


def page(out: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((out / name).read_text(encoding="utf-8"), "html.parser")


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != ".site-builder" and "pagefind" not in p.parts}


def test_off_by_default_and_when_false(tmp_path: Path) -> None:
    plain = files(site(tmp_path / "plain", {}))
    assert files(site(tmp_path / "off", {"comments": False, "analytics": None})) == plain
    assert not [name for name, data in plain.items() if b"giscus" in data or b"gtag" in data]


@pytest.mark.parametrize(("settings", "src", "attributes"), [
    ({"provider": "plausible", "domain": "Example.org"}, "https://plausible.io/js/script.js",
     {"data-domain": "example.org", "defer": ""}),
    ({"provider": "plausible", "domain": "a.example,b.example", "src": "https://stats.example.org/js/script.js"},
     "https://stats.example.org/js/script.js", {"data-domain": "a.example,b.example"}),
    ({"provider": "goatcounter", "code": "zhiwei"}, "https://gc.zgo.at/count.js",
     {"data-goatcounter": "https://zhiwei.goatcounter.com/count", "async": ""}),
    ({"provider": "google", "id": "G-AB12CD34EF"}, "https://www.googletagmanager.com/gtag/js?id=G-AB12CD34EF",
     {"async": ""}),
], ids=["plausible", "plausible-self-hosted", "goatcounter", "google"])
def test_analytics_in_the_head_of_every_page(tmp_path: Path, settings: dict, src: str, attributes: dict) -> None:
    out = site(tmp_path, {"analytics": settings})
    for name in PAGES:
        head = page(out, name).head
        script = head.find("script", src=src)
        assert script is not None, name
        assert {key: script.get(key) for key in attributes} == attributes
    assert b"script" not in (out / "feed.xml").read_bytes() + (out / "sitemap.xml").read_bytes()
    if settings["provider"] == "google":
        inline = page(out, "index.html").head.find_all("script")[-1].string
        assert 'gtag("config", "G-AB12CD34EF");' in inline


def test_giscus_below_each_post_of_the_author(tmp_path: Path) -> None:
    out = site(tmp_path, {"comments": {**GISCUS, "theme": "dark_dimmed", "reactions": False, "lang": "zh-CN"}})
    post = page(out, "posts/mine/index.html")
    script = post.select_one("article + section.comments script")
    assert script["src"] == "https://giscus.app/client.js"
    assert {key: script.get(key) for key in ("data-repo", "data-repo-id", "data-category", "data-category-id",
                                             "data-mapping", "data-strict", "data-reactions-enabled",
                                             "data-emit-metadata", "data-input-position", "data-theme", "data-lang",
                                             "data-loading", "crossorigin")} == {
        "data-repo": "zhiwei/blog", "data-repo-id": "R_kgDOabc123", "data-category": "Q&A",
        "data-category-id": "DIC_kwDOabc1234CAbCd", "data-mapping": "pathname", "data-strict": "0",
        "data-reactions-enabled": "0", "data-emit-metadata": "0", "data-input-position": "bottom",
        "data-theme": "dark_dimmed", "data-lang": "zh-CN", "data-loading": "lazy", "crossorigin": "anonymous"}
    assert script.has_attr("async") and not script.has_attr("data-term")
    assert 'data-category="Q&amp;A"' in (out / "posts" / "mine" / "index.html").read_text()
    assert post.select_one("section.comments .giscus") and post.select_one("section.comments noscript")
    for name in ("index.html", "404.html", "posts/imported/index.html", "tags/a/index.html"):
        assert not page(out, name).select("section.comments, script[src*=giscus]"), name


def test_a_post_says_whether_it_takes_comments(tmp_path: Path) -> None:
    posts = {"2024-01-03-mine.md": MINE.replace("tags: [a]", "comments: false"),
             "2024-01-02-imported.md": IMPORTED.replace("imported: chatgpt", "imported: chatgpt\ncomments: true"),
             "2024-01-01-draft.md": MINE.replace("title: Mine", "title: Draft\ndraft: true"),
             "2024-01-04-mapped.md": MINE.replace("title: Mine", "title: Mapped")}
    out = site(tmp_path, {"comments": {**GISCUS, "mapping": "specific", "term": "Welcome", "strict": True}}, posts,
               drafts=True)
    assert not page(out, "posts/mine/index.html").select("section.comments")
    assert page(out, "posts/imported/index.html").select("section.comments"), "comments: true wins over imported"
    assert not page(out, "posts/draft/index.html").select("section.comments"), "a draft's address is not final"
    script = page(out, "posts/mapped/index.html").select_one("section.comments script")
    assert (script["data-mapping"], script["data-term"], script["data-strict"]) == ("specific", "Welcome", "1")


def test_a_posts_comments_key_is_true_or_false(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"2024-01-03-mine\.md:5: front matter: comments must be true or false"):
        site(tmp_path, {}, {"2024-01-03-mine.md": MINE.replace("tags: [a]", "tags: [a]\ncomments: giscus")})


HOSTILE = [
    ("analytics", {"provider": "google", "id": 'G-1"</script><script>alert(1)'}, "id", "is not a Google Analytics 4"),
    ("analytics", {"provider": "google", "id": "G-12345678');alert(1);//"}, "id", "is not a Google Analytics 4"),
    ("analytics", {"provider": "google", "id": "UA-12345-1"}, "id", "is not a Google Analytics 4"),
    ("analytics", {"provider": "google", "id": 12345}, "id", "must be text"),
    ("analytics", {"provider": "plausible", "domain": 'x.org" onload="alert(1)'}, "domain", "is not a domain name"),
    ("analytics", {"provider": "plausible", "domain": "https://example.org"}, "domain", "no https://"),
    ("analytics", {"provider": "plausible", "domain": "example.org", "src": "javascript:alert(1)"}, "src",
     "must be an https:// URL"),
    ("analytics", {"provider": "plausible", "domain": "example.org", "src": "http://plausible.io/js/script.js"},
     "src", "must be an https:// URL"),
    ("analytics", {"provider": "plausible", "domain": "example.org", "src": "https://x.org/s.js\"></script>"},
     "src", "must be an https:// URL"),
    ("analytics", {"provider": "plausible", "domain": "example.org", "src": "https://me@evil.example/s.js"},
     "src", "must be an https:// URL"),
    ("analytics", {"provider": "goatcounter", "code": "evil.example/x"}, "code", "is not a GoatCounter code"),
    ("analytics", {"provider": "goatcounter", "code": "a\"><script>"}, "code", "is not a GoatCounter code"),
    ("analytics", {"provider": "matomo", "code": "x"}, "provider", "must be one of plausible, goatcounter, google"),
    ("analytics", {"provider": "google", "id": "G-ABCD1234", "anonymize_ip": True}, "anonymize_ip", "unknown key"),
    ("analytics", {"provider": "goatcounter"}, None, "analytics.code is missing"),
    ("analytics", "G-ABCD1234", None, "analytics must be a mapping"),
    ("comments", {**GISCUS, "repo": 'a/b"><script>alert(1)</script>'}, "repo", "is not owner/name"),
    ("comments", {**GISCUS, "repo": "../../etc"}, "repo", "is not owner/name"),
    ("comments", {**GISCUS, "repo_id": "R_kg DO<x>"}, "repo_id", "is not an id"),
    ("comments", {**GISCUS, "category": "Ideas\" onload=\"x"}, "category", "must be the category's name"),
    ("comments", {**GISCUS, "category_id": ""}, "category_id", "is not an id"),
    ("comments", {**GISCUS, "theme": "javascript:alert(1)"}, "theme", "must be a giscus theme name"),
    ("comments", {**GISCUS, "theme": "http://example.org/giscus.css"}, "theme", "must be a giscus theme name"),
    ("comments", {**GISCUS, "mapping": "everything"}, "mapping", "must be one of pathname"),
    ("comments", {**GISCUS, "mapping": "number", "term": "first"}, "term", "must be a discussion number"),
    ("comments", {**GISCUS, "mapping": "specific"}, "mapping", "needs a term"),
    ("comments", {**GISCUS, "reactions": "yes"}, "reactions", "must be true or false"),
    ("comments", {**GISCUS, "input_position": "left"}, "input_position", "must be top or bottom"),
    ("comments", {**GISCUS, "lang": "en\"><x"}, "lang", "is not a language code"),
    ("comments", {**GISCUS, "provider": "disqus"}, "provider", "comments.provider must be giscus"),
    ("comments", {**GISCUS, "colour": "red"}, "colour", "unknown key 'colour'"),
    ("comments", {k: v for k, v in GISCUS.items() if k != "repo_id"}, None, "comments.repo_id is missing"),
    ("comments", True, None, "comments must be a mapping"),
]


@pytest.mark.parametrize(("setting", "value", "field", "message"), HOSTILE,
                         ids=[f"{s}-{f}-{i}" for i, (s, _, f, _) in enumerate(HOSTILE)])
def test_a_bad_value_is_refused_at_its_line(tmp_path: Path, setting: str, value: object, field: str | None,
                                            message: str) -> None:
    """Block style, so that each field is on a line of its own: the error names that line."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-01-03-mine.md").write_text(MINE, encoding="utf-8")
    lines = ["title: T", f"{setting}:"]
    if isinstance(value, dict):
        lines += [f"  {key}: {json.dumps(item)}" for key, item in value.items()]
    else:
        lines[-1] += f" {json.dumps(value)}"
    (content / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = 2 if field is None else next(n for n, line in enumerate(lines, 1) if line.startswith(f"  {field}:"))
    with pytest.raises(ConfigError) as caught:
        build_site(content, tmp_path / "_site")
    assert f"{content / 'site.yaml'}:{expected}: " in str(caught.value) and message in str(caught.value)
    assert not (tmp_path / "_site").exists()


def test_the_line_of_a_field_in_flow_style(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "site.yaml").write_text("title: T\n\nanalytics: {provider: google,\n  id: 'G-1\"</script>'}\n",
                                       encoding="utf-8")
    with pytest.raises(ConfigError, match=r"site\.yaml:4: analytics\.id"):
        build_site(content, tmp_path / "_site")


def test_every_problem_at_once(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "site.yaml").write_text("comments: {provider: giscus, repo: x}\nanalytics: {provider: google}\n"
                                       "feed_content: all\ncolour: blue\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build_site(content, tmp_path / "_site")
    message = str(caught.value)
    assert "7 bad settings" in message
    for part in ("comments.repo 'x'", "comments.repo_id is missing", "comments.category is missing", "comments.category_id is missing",
                 "analytics.id is missing", "feed_content must be", "unknown setting 'colour'"):
        assert part in message


def test_the_settings_init_writes_commented_are_valid_once_uncommented(tmp_path: Path) -> None:
    """``site-builder init``'s site.yaml shows each setting commented out; each example, uncommented, reads."""
    from site_builder.config import load_config
    from site_builder.scaffold import SITE_YAML

    lines = SITE_YAML.format(title="T").splitlines()
    start = lines.index("# comments:")
    comments = [line[2:] for line in lines[start:start + 6]]
    analytics = [line[2:] for line in lines if line.startswith("# analytics: ")]
    assert len(analytics) == 3 and comments[1:] and all(line.startswith("  ") for line in comments[1:])
    for number, example in enumerate([comments, *([line] for line in analytics), ["feed_content: full"]]):
        path = tmp_path / f"site-{number}.yaml"
        path.write_text("\n".join(["title: T", *example]) + "\n", encoding="utf-8")
        config = load_config(path)
        assert config.comments or config.analytics or config.feed_content == "full", example
