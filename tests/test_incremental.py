"""A site built again and again with one cache is the site built from nothing: byte for byte, after every edit.

Each test edits a small site (``incremental_site.SmallSite``: seven posts and a draft, tags, a companion that a
post quotes, a post with its own template, static files) step by step. After each step the one output folder
is rebuilt with the one cache (the incremental side), the same content is built into a fresh folder with a
fresh cache (the cold side), and the two must be the same site (``incremental_site.assert_same_site``: every
file, every folder, every byte, but the build marker and the Pagefind files whose bytes vary by run).

Today every build is a full one, so these pass trivially; they are the net under an incremental build: a page
it did not re-render when an input changed, a file it did not remove, a render reused across versions. Each
step also asserts that its edit reached the pages it should (on the cold side), so a step that silently
stopped changing anything would not pass for a proof. ``tests/fuzz/test_fuzz_incremental.py`` runs random
sequences of the same edits.
"""

from __future__ import annotations

import os
import queue
import shutil
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from incremental_site import (LIST_OVERRIDE, SPECIAL_TEMPLATE, IncrementalBuilds, SmallSite, add_post,
                              assert_same_site, break_front_matter, delete_post, edit_body, edit_companion,
                              link_post, move_post, page_text, patch_versions, rename_post, set_config, set_draft,
                              set_tags, set_title, site_files, write_page, write_static, write_template)
from site_builder.errors import BuildError, SiteError

FIRST, COMPANION_POST, ARTICLE, DOCTESTS, SHELL, MATH, SPECIAL = (
    "2024-03-01-first-steps.md", "2024-03-02-adding-numbers.md", "2024-03-03-why-i-write.md",
    "2024-03-04-doctests.md", "2024-03-05-shell.md", "2024-03-06-math.md", "2024-03-07-special.md")
DRAFT = "2024-03-08-unfinished.md"
LISTS = {"index.html", "archive/index.html", "feed.xml"}
"""The pages that list every post."""


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IncrementalBuilds:
    """The small site, built once, without search (Pagefind adds half again to every build's time)."""
    return first_build(tmp_path, monkeypatch, search=False)


@pytest.fixture
def searched_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IncrementalBuilds:
    """The small site with its search index, built once: for the edits that change what is found."""
    return first_build(tmp_path, monkeypatch, search=True)


def first_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, search: bool) -> IncrementalBuilds:
    """Its first step compares two builds from nothing: the build itself must be deterministic."""
    builds = IncrementalBuilds(tmp_path, SmallSite.create(tmp_path / "content", search=search), monkeypatch)
    first = builds.step("first build")
    assert {"index.html", "posts/first-steps/index.html", "tags/python/index.html", "companions/calc/index.html",
            "robots.txt", "img/logo.svg", *(["pagefind/pagefind.js"] if search else [])} <= first.added
    return builds


def page(builds: IncrementalBuilds, path: str) -> BeautifulSoup:
    return BeautifulSoup((builds.out / path).read_text(encoding="utf-8"), "html.parser")


def test_post_edits(searched_builds: IncrementalBuilds) -> None:
    builds, site = searched_builds, searched_builds.site
    edit_body(site, FIRST, "loops")
    assert "posts/first-steps/index.html" in builds.step("a post's body").modified

    set_title(site, DOCTESTS, "Doctests, checked")
    changed = builds.step("a post's title").modified
    neighbours = {"posts/why-i-write/index.html", "posts/shell/index.html"}  # their older/newer links name it
    assert {"posts/doctests/index.html", *neighbours, *LISTS, "tags/python/index.html",
            "tags/testing/index.html"} <= changed

    rename_post(site, SHELL, "2024-03-05-shell-commands.md")
    changes = builds.step("a post's file renamed (a new slug)")
    assert {"posts/shell/", "posts/shell/index.html"} <= changes.removed
    assert "posts/shell-commands/index.html" in changes.added

    delete_post(site, MATH)
    changes = builds.step("a post deleted (its only tag goes with it)")
    assert {"posts/math/index.html", "tags/math/index.html"} <= changes.removed
    assert {"posts/special/index.html", "posts/shell-commands/index.html"} <= changes.modified  # neighbours

    add_post(site, "2024-03-09-new-things.md", "New things", ["python", "news"])
    changes = builds.step("a post added, with a new tag")
    assert {"posts/new-things/index.html", "tags/news/index.html"} <= changes.added
    assert {"posts/special/index.html", "tags/python/index.html", *LISTS} <= changes.modified

    set_draft(site, ARTICLE, True)
    assert {"posts/why-i-write/index.html", "tags/meta/index.html"} <= builds.step("draft: true").removed
    set_draft(site, ARTICLE, False)
    assert {"posts/why-i-write/index.html", "tags/meta/index.html"} <= builds.step("draft: false again").added

    move_post(site, FIRST, "drafts")
    assert "posts/first-steps/index.html" in builds.step("a post moved into drafts/").removed
    move_post(site, DRAFT, "posts")
    changes = builds.step("a draft moved into posts/")
    assert {"posts/unfinished/index.html", "tags/drafts-only/index.html"} <= changes.added

    set_tags(site, DOCTESTS, ["python"])
    assert "tags/testing/index.html" in builds.step("a tag dropped: its page goes").removed
    set_tags(site, COMPANION_POST, ["Python", "companions"])
    changes = builds.step("a tag that takes another's folder (Python before python)")
    assert "tags/python-2/index.html" in changes.added, "python moved to python-2: every post linking it changed"
    assert {"posts/doctests/index.html", "posts/new-things/index.html"} <= changes.modified


def test_page_edits(searched_builds: IncrementalBuilds) -> None:
    """Pages (``content/pages/``) are in the nav of every page, the sitemap and the search index, in no list and no
    feed: an edit reaches exactly the pages that show what it changed."""
    builds, site = searched_builds, searched_builds.site
    html = {name for name in builds.last if name.endswith(".html")}
    about, setup = "about/index.html", "docs/setup/index.html"
    assert {about, setup} <= html
    builds.check()
    checked = builds.step("checked: a page's excerpt is verified").modified
    assert setup in checked and "companions/calc/index.html" not in checked, "linked before the check: same lines"
    quotes = [a["href"] for a in page(builds, "companions/calc/index.html").select("a.quote")]
    assert quotes == ["../../posts/adding-numbers/#turn-1", "../../docs/setup/#turn-1"], "a page quotes it too"
    assert page(builds, setup).select_one("a.runnable")["href"].startswith("../../companions/calc/#L")

    site.pages["about.md"] += "More words.\n"
    site.write()
    changes = builds.step("a page's body")
    assert {path for path in changes.modified if not path.startswith("pagefind/")} == {about}

    write_page(site, "about.md", page_text("About us", weight=1))
    assert html <= builds.step("a page's title: the nav of every page").modified

    write_page(site, "contact.md", page_text("Contact"))
    changes = builds.step("a page added")
    assert "contact/index.html" in changes.added and {"index.html", about, "sitemap.xml"} <= changes.modified
    assert not changes.modified & {"feed.xml", "tags/python/feed.xml"}, "a page is in no feed"

    write_page(site, "contact.md", page_text("Contact", menu=False))
    assert "index.html" in builds.step("menu: false: out of the nav").modified
    write_page(site, "contact.md", page_text("Contact", permalink="/contact.html"))
    changes = builds.step("a permalink: a new URL")
    assert "contact.html" in changes.added and "contact/index.html" in changes.removed

    set_config(site, menu=["contact", {"title": "Source", "url": "https://example.org/src"}])
    assert html <= builds.step("site.yaml's menu").modified
    write_page(site, "contact.md", page_text("Write to us", permalink="/contact.html"))
    assert html <= builds.step("a page the menu names, retitled").modified
    set_config(site, menu=None)
    builds.step("no menu: every page again")

    write_page(site, "about.md", page_text("About us", weight=1, draft=True))
    assert about in builds.step("a page made a draft").removed
    builds.step("the draft built with --drafts", drafts=True)
    assert (builds.out / about).is_file()
    write_page(site, "about.md", page_text("About us", weight=1))
    builds.step("the page published again")

    edit_body(site, FIRST, "pages")
    assert not {about, setup, "contact.html"} & builds.step("a post's body: no page changes").modified

    write_template(site, "page.html", '{% extends "base.html" %}{% block main %}<h1>{{ view.post.title }}</h1>'
                                      "{% endblock %}\n")
    changed = builds.step("the page template overridden").modified
    assert {about, setup, "contact.html"} <= changed and "posts/first-steps/index.html" not in changed
    write_template(site, "page.html", None)
    builds.step("the theme's page template again")

    write_page(site, "contact.md", None)
    changes = builds.step("a page deleted")
    assert "contact.html" in changes.removed and "index.html" in changes.modified


def test_site_settings_templates_and_static_files(builds: IncrementalBuilds) -> None:
    site = builds.site
    html = {name for name in builds.last if name.endswith(".html")}
    set_config(site, title="Renamed")
    assert html <= builds.step("site title").modified

    set_config(site, base_url="https://example.com/elsewhere/")
    assert {"feed.xml", "sitemap.xml", "404.html"} <= builds.step("base_url").modified
    set_config(site, feed_entries=2)
    assert {path for path in builds.step("feed_entries").modified if not path.startswith("tags/")} == {"feed.xml"}

    set_config(site, search=None)
    assert {"search/index.html", "pagefind/pagefind.js"} <= builds.step("search on (the default)").added
    set_config(site, search=False)
    changes = builds.step("search: false")
    assert {"search/index.html", "pagefind/pagefind.js"} <= changes.removed

    write_template(site, "_post_list.html", LIST_OVERRIDE)
    lists = {"index.html", "archive/index.html", "tags/python/index.html"}  # they include the partial
    assert lists <= builds.step("a partial template overridden").modified
    write_template(site, "_post_list.html", LIST_OVERRIDE.replace("<li>", '<li class="edited">'))
    assert lists <= builds.step("the override edited").modified
    write_template(site, "_post_list.html", None)
    assert lists <= builds.step("the override removed: the theme's again").modified
    write_template(site, "special.html", SPECIAL_TEMPLATE.replace("Special:", "Very special:"))
    assert builds.step("the template one post names").modified == {"posts/special/index.html"}

    write_static(site, "robots.txt", "User-agent: *\nDisallow: /drafts/\n")
    assert builds.step("a static file edited").modified == {"robots.txt"}
    write_static(site, "notes/hello.txt", "hello\n")
    assert "notes/hello.txt" in builds.step("a static file added").added
    write_static(site, "img/logo.svg", None)
    assert {"img/", "img/logo.svg"} <= builds.step("a static file removed").removed
    write_static(site, "assets/style.css", "body { color: red }\n")
    assert builds.step("a static file over a theme asset").modified == {"assets/style.css"}
    served = (builds.out / "assets" / "style.css").stat().st_ino
    edit_body(site, FIRST, "while a static file replaces a theme asset")
    assert "assets/style.css" not in builds.step("an edit elsewhere: the replaced asset stays the static file").modified
    assert (builds.out / "assets" / "style.css").stat().st_ino == served, "kept, not copied again"
    write_static(site, "assets/style.css", None)
    assert builds.step("...removed: the theme's asset is back, not gone").modified == {"assets/style.css"}


def test_an_override_that_extends_the_theme_renders_again_the_pages_that_use_it(builds: IncrementalBuilds) -> None:
    """A page depends on the templates it used, by name: editing a site's ``post.html`` that extends the theme's
    renders the posts again, and nothing else; a ``base.html`` under every page renders them all."""
    site = builds.site
    html = {name for name in builds.last if name.endswith(".html")}
    posts = {name for name in html if name.startswith("posts/")}
    post_override = '{% extends "theme/post.html" %}{% block after_post %}<p class="after">After.</p>{% endblock %}\n'
    write_template(site, "post.html", post_override)
    assert builds.step("post.html extends the theme's").modified == posts
    assert builds.rendered == len(posts), "the posts, and only they, were rendered again"
    assert page(builds, "posts/first-steps/index.html").select_one("article + p.after")
    assert page(builds, "posts/special/index.html").select_one("p.after"), "special.html extends post.html"

    write_template(site, "post.html", post_override.replace("After.", "Later."))
    assert builds.step("the override edited").modified == posts and builds.rendered == len(posts)

    write_template(site, "_turn.html", '{% include "theme/_turn.html" %}<hr class="between">\n')
    conversations = {name for name in html if 'class="turn' in (builds.out / name).read_text(encoding="utf-8")}
    assert "posts/why-i-write/index.html" not in conversations  # an article: it has no turn to include
    assert "docs/setup/index.html" in conversations  # a page with turns includes it too
    assert builds.step("a partial the conversations include").modified == conversations
    assert builds.rendered == len(conversations)
    assert page(builds, "posts/first-steps/index.html").select("hr.between")

    base = '{% extends "theme/base.html" %}{% block head %}{{ super() }}<link rel="me" href="https://x.example/@me">' \
           '{% endblock %}\n'
    write_template(site, "base.html", base)
    assert builds.step("base.html extends the theme's").modified == html
    assert builds.rendered == len(html), "every page stands on base.html; the feed and the sitemap do not"
    assert all('<link rel="me"' in (builds.out / name).read_text(encoding="utf-8") for name in html)

    write_template(site, "base.html", None)
    write_template(site, "post.html", None)
    write_template(site, "_turn.html", None)
    assert builds.step("the overrides removed").modified == html
    (site.content / "templates" / "theme").mkdir()
    (site.content / "templates" / "theme" / "base.html").write_text("shadow {{ nope }}\n", encoding="utf-8")
    assert builds.step("a site file named theme/base.html: never the theme's").modified == set()
    assert builds.rendered == 0, "no page asked for content/templates/theme/base.html"


def test_a_full_content_feed_follows_the_posts_it_shows(builds: IncrementalBuilds) -> None:
    """With ``feed_content: full`` a feed reads its posts whole: an edited post changes the feeds that show it,
    and no other; in summary, it changes no feed (the summary and first question stay)."""
    site = builds.site
    feeds = {name for name in builds.last if name.endswith("feed.xml")}
    set_config(site, feed_content="full")
    assert builds.step("feed_content: full").modified >= {"feed.xml", "tags/python/feed.xml"}
    edit_body(site, DOCTESTS, "lists")
    changed = builds.step("an answer edited, full feeds").modified
    assert {name for name in changed if name.endswith(".xml")} == {"feed.xml", "tags/python/feed.xml",
                                                                  "tags/testing/feed.xml"}
    assert "Lists, indeed." in (builds.out / "feed.xml").read_text(encoding="utf-8")
    set_config(site, feed_content=None)
    assert builds.step("summary again").modified <= feeds
    edit_body(site, DOCTESTS, "sets")
    assert not {name for name in builds.step("an answer edited, summary feeds").modified if name.endswith(".xml")}


def test_companion_edits_and_checks(builds: IncrementalBuilds) -> None:
    site = builds.site
    post, companion = "posts/adding-numbers/index.html", "companions/calc/index.html"

    def status() -> str:
        return page(builds, post).select_one("figure.code[data-status]")["data-status"]

    assert status() == "not-checked" and page(builds, post).select_one("a.runnable"), "linked before any check"
    builds.check()
    checked = builds.step("site-builder check, then build").modified
    assert post in checked and companion not in checked, "the check changes the badge, not the quoted lines"
    assert status() == "verified" and page(builds, post).select_one("a.runnable")

    edit_companion(site, "def scale", "# a comment\n\n\ndef scale")
    changed = builds.step("the companion edited: the result is stale").modified
    assert {post, companion} <= changed and status() == "not-checked"
    builds.check()
    assert post in builds.step("checked again").modified and status() == "verified"

    edit_companion(site, '"""A companion', '"""Moved down.\n\nA companion')
    builds.check()
    changed = builds.step("the quoted lines moved: new anchors and links").modified
    assert {post, companion} <= changed

    set_title(site, COMPANION_POST, "Adding numbers, renamed")
    assert companion in builds.step("the quoting post retitled: the companion page lists it").modified
    rename_post(site, COMPANION_POST, "2024-03-02-sums.md")
    assert companion in builds.step("the quoting post renamed: the companion page links its new URL").modified

    edit_companion(site, "total = a + b", "total = b + a")
    builds.check()
    builds.step("the quoted lines changed: drifted")
    assert page(builds, "posts/sums/index.html").select_one("figure.code[data-status]")["data-status"] == "drifted"


def test_versions_are_part_of_every_cached_render(builds: IncrementalBuilds) -> None:
    """A render made by one site_builder or Pygments is never reused by another (today: trivially)."""
    html = {name for name in builds.last if name.endswith(".html")}
    with pytest.MonkeyPatch.context() as versions:
        patch_versions(versions, ours="99.0.dev0")
        assert html <= builds.step("another site_builder version").modified, "the generator line"
    assert html <= builds.step("our version again").modified

    keywords = {"posts/adding-numbers/index.html", "docs/setup/index.html", "companions/calc/index.html",
                "assets/pygments.css"}
    with pytest.MonkeyPatch.context() as versions:
        patch_versions(versions, pygments_version="99.0", keyword_class="kw")
        assert builds.step("another Pygments, which names keywords differently").modified == keywords
    assert builds.step("the Pygments installed before, again").modified == keywords


def test_failed_builds_do_not_poison_the_next(builds: IncrementalBuilds) -> None:
    site = builds.site
    edit_body(site, FIRST, "lists")
    break_front_matter(site, SHELL)
    with pytest.raises(BuildError):
        builds.build()
    site.write()  # the front matter fixed
    assert "posts/first-steps/index.html" in builds.step("fixed after a failed parse").modified

    edit_body(site, FIRST, "tuples")
    write_template(site, "special.html", SPECIAL_TEMPLATE.replace("view.post.title", "view.post.no_such_field"))
    with pytest.raises(SiteError):
        builds.build()  # as a cold build would: a page kept from an earlier build must not hide the error
    write_template(site, "special.html", SPECIAL_TEMPLATE)
    assert "posts/first-steps/index.html" in builds.step("fixed after a failed render").modified

    edit_body(site, FIRST, "sets")
    set_config(site, search=None)  # search on: the index is written last, after the pages
    with pytest.MonkeyPatch.context() as failing:
        def no_index(*args: object) -> None:
            raise SiteError("search index: Pagefind failed (a test)")

        failing.setattr("site_builder.pagefind._run_pagefind", no_index)
        with pytest.raises(SiteError):
            builds.build()  # fails while writing: the pages are written, the index is not, nothing is swapped in
    assert "posts/first-steps/index.html" in builds.step("built after a failed write").modified

    edit_body(site, FIRST, "dicts")
    write_static(site, "index.html", "<p>mine</p>\n")  # would replace a generated page: refused
    with pytest.raises(BuildError):
        builds.build()
    write_static(site, "index.html", None)
    assert "posts/first-steps/index.html" in builds.step("fixed after an output collision").modified


def test_build_options_share_the_cache(builds: IncrementalBuilds) -> None:
    """``--drafts`` and ``--base-url`` change the site built from the same content and the same cache."""
    assert "posts/unfinished/index.html" in builds.step("--drafts", drafts=True).added
    undated = builds.site.content / "drafts" / "undated.md"  # a draft without a date is dated by its file
    undated.write_text("---\ntitle: Undated\n---\n\nUser: When?\n\nChatGPT: Whenever its file says.\n")
    os.utime(undated, (1_600_000_000, 1_600_000_000))  # 2020-09-13
    assert "posts/undated/index.html" in builds.step("an undated draft", drafts=True).added
    os.utime(undated, (1_700_000_000, 1_700_000_000))  # 2023-11-14: same bytes, another date
    assert "posts/undated/index.html" in builds.step("the draft's file touched", drafts=True).modified
    assert "feed.xml" in builds.step("--base-url", drafts=True, base_url="https://other.example/").modified
    changes = builds.step("neither option again")
    assert "posts/unfinished/index.html" in changes.removed and "feed.xml" in changes.modified


def test_a_site_without_posts(builds: IncrementalBuilds, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no post, the feed is dated by the build (``$SOURCE_DATE_EPOCH`` here): a cached feed would be stale."""
    for name in list(builds.site.posts):
        move_post(builds.site, name, "drafts")
    changes = builds.step("every post moved into drafts/")
    assert "posts/first-steps/index.html" in changes.removed and "feed.xml" in changes.modified
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1720000000")
    assert builds.step("built at another time").modified == {"feed.xml"}
    move_post(builds.site, MATH, "posts")
    assert "posts/math/index.html" in builds.step("one post back").added


def test_serve_rebuilds_like_a_cold_build(builds: IncrementalBuilds, monkeypatch: pytest.MonkeyPatch) -> None:
    """``site-builder serve``'s own rebuild (the CLI's callable, given the changed paths), run in this process."""
    from site_builder import cli

    handed: list = []
    monkeypatch.setattr("site_builder.serve.serve", lambda out, rebuild, watch, **options: handed.append(rebuild))
    assert cli.main(["serve", "--content", str(builds.site.content), "--out", str(builds.out)]) == 0
    rebuild = handed[0]
    site = builds.site
    for label, edit, changed in [
        ("a post's title", lambda: set_title(site, DOCTESTS, "Doctests again"), site.content / "posts" / DOCTESTS),
        ("a tag added", lambda: set_tags(site, MATH, ["math", "fun"]), site.content / "posts" / MATH),
        ("a template added", lambda: write_template(site, "_post_list.html", LIST_OVERRIDE),
         site.content / "templates" / "_post_list.html"),
        ("a post's file renamed", lambda: rename_post(site, SHELL, "2024-03-05-shell-commands.md"),
         site.content / "posts"),
        ("a post deleted", lambda: delete_post(site, ARTICLE), site.content / "posts" / ARTICLE),
        ("a post made a draft", lambda: set_draft(site, MATH, True), site.content / "posts" / MATH),
        ("a static file added in a new folder", lambda: write_static(site, "notes/deep/a.txt", "a\n"),
         site.content / "static"),
        ("a static folder removed", lambda: write_static(site, "notes/deep/a.txt", None), site.content / "static"),
        ("a static file changed", lambda: write_static(site, "robots.txt", "User-agent: *\n"),
         site.content / "static"),
    ]:
        edit()
        before = {path: (path.read_bytes(), path.stat().st_ino) for path in builds.out.rglob("*")
                  if path.is_file() and path.name != ".site-builder"}  # the marker: two renames, an inode reused
        folder = builds.out.stat().st_ino
        follow_up = rebuild(frozenset({changed}))
        assert builds.out.stat().st_ino == folder, f"{label}: the site was swapped, not updated where it is"
        if follow_up is not None:  # as the server does once the page reloaded: the state, for the next edit
            follow_up()
        assert_same_site(builds.out, builds.cold(), f"serve: {label}")
        rewritten = [path for path, (data, inode) in before.items()
                     if path.exists() and path.read_bytes() != data and path.stat().st_ino == inode]
        assert not rewritten, f"{label}: written into, not replaced (a reader could see half a page)"
    assert sorted(p.name for p in builds.out.parent.iterdir() if p.name.startswith(f".{builds.out.name}-")) == [], \
        "updated where it is: no staging folder left beside the site"


def test_a_preview_that_fails_leaves_the_site_as_it_was(builds: IncrementalBuilds,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview updates the site where it is, but only once every page rendered and every new file was
    written beside the old one: a template error or a full disk part-way changes nothing."""
    from site_builder.build import build_site
    from site_builder.output import in_place
    from incremental_site import site_files

    before = site_files(builds.out)
    set_title(builds.site, SHELL, "Shell, half written")
    written = []
    real_prepare = in_place._prepare

    def disk_full(tmp: str) -> None:
        Path(tmp).write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device", tmp)

    def prepare(root, relative, writer):  # the second new file fails
        if written:
            return real_prepare(root, relative, disk_full)
        written.append(relative)
        return real_prepare(root, relative, writer)

    with monkeypatch.context() as patched:
        patched.setattr(in_place, "_prepare", prepare)
        with pytest.raises(SiteError):
            build_site(builds.site.content, builds.out, preview=True)
    assert written, "the preview got as far as writing"
    assert site_files(builds.out) == before, "no page changed, no new file left behind"
    (builds.site.content / "templates" / "post.html").write_text("{{ post.title.missing.attribute() }}",
                                                                encoding="utf-8")
    with pytest.raises(SiteError):
        build_site(builds.site.content, builds.out, preview=True)
    assert site_files(builds.out) == before
    (builds.site.content / "templates" / "post.html").unlink()
    build_site(builds.site.content, builds.out, preview=True)
    assert_same_site(builds.out, builds.cold(), "after the failed previews")


def test_a_preview_killed_part_way_is_followed_by_a_full_build(builds: IncrementalBuilds,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed between its renames, a preview leaves the marker saying the site is incomplete: the next build
    trusts none of it and writes it all, so a page the killed one wrote cannot outlive an undone edit."""
    from site_builder.build import build_site
    from site_builder.output import in_place, marker

    set_title(builds.site, SHELL, "Shell, killed")

    def killed(*args: object) -> None:
        raise KeyboardInterrupt  # stands for the kill: nothing after this line runs

    renamed = []
    real_replace = os.replace

    def replace(src, dst):  # the first page is renamed over, then the build dies
        if str(src).endswith(f".site-builder-{os.getpid()}.tmp"):
            if renamed:
                killed()
            renamed.append(dst)
        return real_replace(src, dst)

    with monkeypatch.context() as patched:
        patched.setattr(in_place.os, "replace", replace)
        with pytest.raises(KeyboardInterrupt):
            build_site(builds.site.content, builds.out, preview=True)
    assert renamed, "the preview got as far as its renames"
    assert marker.built_id(builds.out) is None, "the marker says incomplete"
    set_title(builds.site, SHELL, "Shell")  # the edit undone: the page the killed build wrote must go
    build_site(builds.site.content, builds.out, preview=True)
    assert_same_site(builds.out, builds.cold(), "after a killed preview")


def test_the_preview_server_rebuilds_like_a_cold_build(builds: IncrementalBuilds) -> None:
    """The real preview server, watching the content folder: an edit is rebuilt into the same site as a cold build."""
    from site_builder.serve import Server

    done: queue.Queue[float] = queue.Queue()

    def rebuild(changed: frozenset[Path]) -> None:
        builds.build()
        done.put(time.monotonic())

    server = Server(builds.out, rebuild, [builds.site.content], port=0)
    server.start()
    try:
        done.get(timeout=15)  # the build at start
        set_title(builds.site, SHELL, "Shell, watched")
        done.get(timeout=15)
        while True:  # an editor's write may arrive as several changes: wait for a quiet half second
            try:
                done.get(timeout=0.5)
            except queue.Empty:
                break
    finally:
        server.stop()
    assert_same_site(builds.out, builds.cold(), "serve: after the watcher's rebuild")
    assert page(builds, "posts/shell/index.html").h1.get_text() == "Shell, watched"


def test_serve_shows_the_page_before_the_search_index(searched_builds: IncrementalBuilds,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` swaps the edited page in with the current search index (Pagefind takes seconds), then brings
    the index up to date in a follow-up build that renders nothing: the site is then a cold build's."""
    from site_builder import cli

    builds = searched_builds
    handed: list = []
    monkeypatch.setattr("site_builder.serve.serve", lambda out, rebuild, watch, **options: handed.append(rebuild))
    assert cli.main(["serve", "--content", str(builds.site.content), "--out", str(builds.out)]) == 0
    index_before = {p.name: p.stat().st_ino for p in (builds.out / "pagefind").rglob("*") if p.is_file()}
    set_title(builds.site, SHELL, "Shell, previewed")
    follow_up = handed[0](frozenset({builds.site.content / "posts" / SHELL}))
    assert page(builds, "posts/shell/index.html").h1.get_text() == "Shell, previewed", "the page comes first"
    index_now = {p.name: p.stat().st_ino for p in (builds.out / "pagefind").rglob("*") if p.is_file()}
    assert index_now == index_before, "the index is the one the site had (the same files, linked)"
    assert follow_up is not None, "the index is rebuilt next"
    follow_up()
    assert_same_site(builds.out, builds.cold(), "serve: after the search index caught up")
    assert handed[0](frozenset()) is None, "nothing left to do: no follow-up"


def hrefs(builds: IncrementalBuilds, path: str) -> set[str]:
    return {a["href"] for a in page(builds, path).select("article a[href]")}


def test_links_between_posts_follow_their_targets(builds: IncrementalBuilds, monkeypatch: pytest.MonkeyPatch) -> None:
    """A post's links to other posts' files (and Jekyll's ``post_url``) are written with the URLs those posts have
    now: renaming, re-slugging, publishing or removing the post linked to renders the linking post again (with a
    warning while it leads nowhere), as a cold build writes it; an edit elsewhere renders only what it edited."""
    import site_builder.assemble.records as assemble

    site, rendered = builds.site, []
    real_post_view = assemble.post_view
    monkeypatch.setattr(assemble, "post_view", lambda md, post, *rest: rendered.append(post.path.name) or
                        real_post_view(md, post, *rest))

    def step(label: str) -> set[str]:
        """The incremental build (the posts it rendered left in ``rendered``), then the comparison with a cold one."""
        rendered.clear()
        builds.build()
        incremental = list(rendered)
        changed = set(builds.step(label).modified)
        rendered[:] = incremental
        return changed

    link_post(site, FIRST, COMPANION_POST)
    link_post(site, ARTICLE, DRAFT)
    assert {"posts/first-steps/index.html", "posts/why-i-write/index.html"} <= step("links to a post and a draft")
    assert {"../../posts/adding-numbers/#turn-1", "../../posts/adding-numbers/"} <= hrefs(builds, "posts/first-steps/index.html")
    assert sorted(rendered) == [FIRST, FIRST, ARTICLE, ARTICLE], "rendered, then again once the targets are known"
    edit_body(site, FIRST, "links")
    assert "posts/first-steps/index.html" in step("the linking post edited")
    assert rendered == [FIRST], "its targets were known from the last build: one render"
    assert any(f"{ARTICLE}:" in w and f"link to ../drafts/{DRAFT}#turn-1: no post is published from drafts/{DRAFT}"
               in w for w in builds.build().warnings)

    edit_body(site, SHELL, "pipes")
    assert "posts/shell/index.html" in step("another post edited")
    assert rendered == [SHELL], "a post that links elsewhere is not rendered again"

    rename_post(site, COMPANION_POST, "2024-03-02-sums.md")
    assert "posts/first-steps/index.html" in step("the post linked to renamed")
    assert sorted(rendered) == sorted([FIRST, "2024-03-02-sums.md"])
    assert f"../posts/{COMPANION_POST}#turn-1" in hrefs(builds, "posts/first-steps/index.html"), "left as written"
    assert any(f"{FIRST}:" in w and f"link to ../posts/{COMPANION_POST}#turn-1: no post at posts/{COMPANION_POST}"
               in w for w in builds.build().warnings)

    rename_post(site, "2024-03-02-sums.md", COMPANION_POST)
    site.posts[COMPANION_POST].extra = "slug: totals\n"
    site.write()
    assert "posts/first-steps/index.html" in step("renamed back, with a slug of its own")
    assert "../../posts/totals/#turn-1" in hrefs(builds, "posts/first-steps/index.html")

    move_post(site, DRAFT, "posts")
    assert "posts/why-i-write/index.html" in step("the draft published: its post_url leads to it")
    assert "../../posts/unfinished/" in hrefs(builds, "posts/why-i-write/index.html")

    delete_post(site, COMPANION_POST)
    assert "posts/first-steps/index.html" in step("the post linked to removed")
    assert not any("totals" in href for href in hrefs(builds, "posts/first-steps/index.html"))


def test_lists_follow_what_they_show_of_a_post(builds: IncrementalBuilds) -> None:
    """A list page depends on the summary of each post it lists (title, date, tags, questions…), and on a
    post's whole view only when its template reads more: an answer edited leaves the theme's lists alone
    (their files are not even rewritten), but updates an override that shows the post's text."""
    site = builds.site

    def add_to_last_answer(words: str) -> None:
        site.posts[FIRST].body += f"\n{words}\n"
        site.write()

    index = builds.out / "index.html"
    inode = index.stat().st_ino
    add_to_last_answer("A sentence more in the last answer.")
    changed = builds.step("an answer edited: the theme's lists show nothing of it").modified
    assert "posts/first-steps/index.html" in changed and not changed & {"index.html", "archive/index.html"}
    assert index.stat().st_ino == inode, "the home page was kept as it was, not written again"

    write_template(site, "_post_list.html", LIST_OVERRIDE.replace("</a>", "</a> {{ v.post.body | length }}"))
    builds.step("a list that shows each post's length")
    add_to_last_answer("And another one.")
    changed = builds.step("an answer edited: a list that shows the post's length").modified
    assert {"index.html", "archive/index.html"} <= changed


def test_output_files_changed_by_hand_are_written_again(builds: IncrementalBuilds) -> None:
    """A file of the site edited, removed or added by hand is never taken for the build's own: the next build
    (even one with nothing else to do) writes the site a cold build would."""
    (builds.out / "index.html").write_text("edited by hand", encoding="utf-8")
    builds.step("the home page edited by hand")
    (builds.out / "posts" / "shell" / "index.html").unlink()
    builds.step("a post's page removed by hand")
    (builds.out / "notes.txt").write_text("mine", encoding="utf-8")  # the user's: kept, reported, not the site's
    result = builds.build()
    assert (builds.out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert any("kept 1 file site-builder did not write: notes.txt" in warning for warning in result.warnings)
    (builds.out / "notes.txt").unlink()
    builds.step("a file the user added to the site, then removed")
    os.utime(builds.out / "tags" / "python" / "index.html", ns=(0, 0))
    builds.step("a page's date changed by hand")


@pytest.mark.parametrize("written", [0, 1, 3])
def test_a_preview_killed_while_writing_leaves_no_tmp_file_behind(builds: IncrementalBuilds, written: int) -> None:
    """A preview killed while it writes its new files beside the old ones (``NAME.site-builder-PID.tmp``) left
    them in the site, some with the marker still saying complete. The marker says incomplete before the first
    is written, and the next build takes them for its own: none is left."""
    from site_builder.build import build_site
    from site_builder.output import in_place, marker

    set_tags(builds.site, MATH, ["math", "brand-new-tag"])  # a few pages to write: the post, tag pages, lists
    real_prepare = in_place._prepare
    count = 0

    def prepare(root, relative, write_file):  # dies after ``written`` files
        nonlocal count
        if count == written:
            tmps = [p for p in builds.out.rglob("*.tmp")]
            assert marker.built_id(builds.out) is None or not tmps, "tmp files with a complete marker"
            os._exit(0)
        count += 1
        return real_prepare(root, relative, write_file)

    child = os.fork()
    if child == 0:  # pragma: no cover - the killed preview
        try:
            in_place._prepare = prepare
            build_site(builds.site.content, builds.out, preview=True)
        finally:
            os._exit(1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the preview was killed while writing"
    assert len(list(builds.out.rglob("*.site-builder-*.tmp"))) == written
    assert marker.built_id(builds.out) is None, "the marker says incomplete"
    result = build_site(builds.site.content, builds.out, preview=True)
    assert not list(builds.out.rglob("*.tmp")), "the next build removed them"
    assert not [w for w in result.warnings if "did not write" in w], "and did not take them for the user's"
    assert_same_site(builds.out, builds.cold(), "after a preview killed while writing")


def test_a_preview_never_writes_through_a_link_out_of_the_site(builds: IncrementalBuilds, tmp_path: Path) -> None:
    """Updating in place, a folder of the site replaced by a link to somewhere else is not followed: the preview
    fails with a clear error and nothing is written there."""
    from site_builder.build import build_site

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    tags = builds.out / "tags"
    os.rename(tags, tmp_path / "tags-moved")
    os.symlink(elsewhere, tags)
    set_tags(builds.site, MATH, ["math", "brand-new-tag"])
    with pytest.raises(SiteError) as error:
        build_site(builds.site.content, builds.out, preview=True)
    assert "links outside" in str(error.value)
    assert list(elsewhere.iterdir()) == [], "nothing written through the link"


def spare_of(builds: IncrementalBuilds) -> Path:
    from site_builder.incremental import spare_folder

    builds.monkeypatch.setenv("SITE_BUILDER_CACHE", str(builds.cache))
    return spare_folder(builds.site.content, builds.out)


def test_builds_bring_the_spare_staging_folder_up_to_date(builds: IncrementalBuilds) -> None:
    """``build`` keeps its staging folder in the cache: after the swap it holds the previous site, and the next
    build updates it and swaps it in, never writing into a file it finds there (each may be a link to a file
    of the site being served)."""
    edit_body(builds.site, FIRST, "spare one")
    builds.step("a post's body (the first build into the spare)")
    spare = spare_of(builds)
    assert spare.is_dir() and not [p for p in builds.out.parent.iterdir() if p.name.startswith(".site-build-")]
    for number, (name, words) in enumerate([(MATH, "spare two"), (ARTICLE, "spare three"), (FIRST, "four")]):
        edit_body(builds.site, name, words)
        folder, before = os.stat(spare).st_ino, site_files(builds.out)
        builds.step(f"a post's body, spare build {number}")
        assert os.stat(builds.out).st_ino == folder, "the spare became the site"
        assert site_files(spare) == before, "the previous site, as it was: nothing was written through a link"


def test_a_tampered_spare_is_set_right(builds: IncrementalBuilds, tmp_path: Path) -> None:
    """Whatever the spare holds (files added or changed, a file where a folder goes, a folder where a file goes,
    links out of it), the next build's site is a cold build's, and nothing outside is touched."""
    edit_body(builds.site, FIRST, "first spare")
    builds.step("a post's body")
    edit_body(builds.site, FIRST, "second spare")
    builds.step("a post's body again: the spare holds a site now")
    spare, elsewhere = spare_of(builds), tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine", encoding="utf-8")
    (spare / "extra.html").write_text("extra", encoding="utf-8")
    (spare / "index.html").unlink()
    (spare / "index.html").write_text("changed", encoding="utf-8")
    shutil.rmtree(spare / "tags" / "python")
    (spare / "tags" / "python").write_text("a file where a folder goes", encoding="utf-8")
    (spare / "feed.xml").unlink()
    (spare / "feed.xml").mkdir()
    (spare / "feed.xml" / "inside.txt").write_text("a folder where a file goes", encoding="utf-8")
    shutil.rmtree(spare / "posts")
    os.symlink(elsewhere, spare / "posts")
    (spare / "robots.txt").unlink()
    os.symlink(elsewhere / "keep.txt", spare / "robots.txt")
    edit_body(builds.site, MATH, "after tampering")
    folder = os.stat(spare).st_ino
    builds.step("a build over a tampered spare")
    assert os.stat(builds.out).st_ino == folder, "the tampered spare was used, set right, and became the site"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    assert (elsewhere / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_a_build_failing_in_the_spare_leaves_the_site(builds: IncrementalBuilds,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk filling up while the spare is brought up to date: the site is unchanged, the next build right."""
    import errno

    from site_builder.output import placers

    edit_body(builds.site, FIRST, "first spare")
    builds.step("a post's body")
    edit_body(builds.site, FIRST, "second spare")
    builds.step("a post's body again: the spare holds a site now")
    before = site_files(builds.out)
    calls, real_write = [], placers._Spare.write

    def full_disk(self, relative: str, content: str) -> None:
        calls.append(relative)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", relative)
        real_write(self, relative, content)

    monkeypatch.setattr(placers._Spare, "write", full_disk)
    set_title(builds.site, MATH, "Math, retitled")
    with pytest.raises(SiteError, match="No space left"):
        builds.build()
    assert site_files(builds.out) == before
    monkeypatch.setattr(placers._Spare, "write", real_write)
    builds.step("the same edit, with room on the disk")


def test_a_spare_held_by_another_build_is_left_alone(builds: IncrementalBuilds) -> None:
    """Two builds into one output at once: the second writes a staging folder beside the output, as before."""
    import fcntl

    edit_body(builds.site, FIRST, "first spare")
    builds.step("a post's body")
    spare = spare_of(builds)
    held = site_files(spare)
    handle = os.open(spare, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        edit_body(builds.site, MATH, "while another build holds the spare")
        builds.step("a build beside another")
        assert site_files(spare) == held
    finally:
        os.close(handle)
    assert not [p for p in builds.out.parent.iterdir() if "-build-" in p.name]


def test_serve_saves_the_state_after_the_reload(builds: IncrementalBuilds, monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` shows the page first and saves the build's state in the follow-up; the next preview then
    updates the site where it is. A follow-up that never ran (Ctrl-C right after the reload) costs the next
    build a full one, never a wrong page."""
    from site_builder import cli
    from site_builder.caches import content_cache

    handed: list = []
    monkeypatch.setattr("site_builder.serve.serve", lambda out, rebuild, watch, **options: handed.append(rebuild))
    assert cli.main(["serve", "--content", str(builds.site.content), "--out", str(builds.out)]) == 0
    rebuild, state = handed[0], content_cache(builds.site.content) / "build" / "state.pickle"
    saved = state.stat().st_mtime_ns
    set_title(builds.site, SHELL, "Shell, previewed")
    follow_up = rebuild(frozenset({builds.site.content / "posts" / SHELL}))
    assert page(builds, "posts/shell/index.html").h1.get_text() == "Shell, previewed", "the page comes first"
    assert state.stat().st_mtime_ns == saved, "the state waits for the follow-up"
    follow_up()
    assert state.stat().st_mtime_ns != saved
    folder = os.stat(builds.out).st_ino
    set_title(builds.site, SHELL, "Shell, previewed again")
    rebuild(frozenset({builds.site.content / "posts" / SHELL}))()
    assert os.stat(builds.out).st_ino == folder, "the saved state vouched for the site: updated where it is"
    assert_same_site(builds.out, builds.cold(), "serve: after two previews")
    set_title(builds.site, MATH, "Math, previewed")
    rebuild(frozenset({builds.site.content / "posts" / MATH}))  # its follow-up never runs
    set_title(builds.site, MATH, "Math, built")
    builds.step("a build after a preview whose state was never saved")


def test_one_spare_per_content_folder(builds: IncrementalBuilds, tmp_path: Path) -> None:
    """Building into another output replaces the spare (the cache keeps one site's worth of links, not one per
    output ever built), unless a build holds the other spare."""
    import fcntl

    from site_builder.build import build_site
    from site_builder.incremental import spare_folder

    edit_body(builds.site, FIRST, "a build that leaves a spare")
    builds.step("a post's body")
    spare, other = spare_of(builds), tmp_path / "other-site"
    assert spare.is_dir()
    build_site(builds.site.content, other)
    assert not spare.exists(), "the spare of the output built before is removed"
    edit_body(builds.site, FIRST, "a second build into the other output")
    build_site(builds.site.content, other)
    assert spare_folder(builds.site.content, other).is_dir()
    handle = os.open(spare_folder(builds.site.content, other), os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        edit_body(builds.site, FIRST, "beside a build into another output")
        builds.step("a build while another output's build holds its spare")
        assert spare_folder(builds.site.content, other).is_dir() and spare.is_dir()
    finally:
        os.close(handle)


def test_the_view_cache_holds_what_the_current_site_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``views/`` kept a file per post ever built: 20 posts, 5 edits, 10 removed left 25 files. A build alone
    on its content removes every view the site does not use; one running beside another leaves the other's."""
    from site_builder.build import build_site
    from site_builder.incremental import view_store

    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    content, out = tmp_path / "content", tmp_path / "_site"
    (content / "posts").mkdir(parents=True)
    (content / "site.yaml").write_text("title: T\nsearch: false\n")

    def post(number: int, text: str = "") -> Path:
        path = content / "posts" / f"2024-01-{number + 1:02d}-p{number}.md"
        path.write_text(f"---\ntitle: P{number}\n---\n\nUser: question {number}?{text}\n\nChatGPT: answer\n")
        return path

    posts = [post(number) for number in range(20)]
    build_site(content, out)
    views = view_store(content).folder
    for number in range(5):
        post(number, " edited")
        build_site(content, out)
    for path in posts[10:]:
        path.unlink()
    build_site(content, out)
    assert len(list(views.glob("*.pickle"))) == 10

    other = view_store(content)  # another build running on the same content, reading a view of its own
    (views / "another-builds-view.pickle").write_bytes(b"x")
    (views / "another-builds-view.pickleab12cd.tmp").write_bytes(b"x")  # another build writing it
    other.touch(["another-builds-view"])
    post(0, " edited again")
    build_site(content, out)
    assert (views / "another-builds-view.pickle").exists(), "a running build's view is left alone"
    assert (views / "another-builds-view.pickleab12cd.tmp").exists(), "and the view it is writing"
    other.prune({path.stem for path in views.glob("*.pickle")})  # the other build ends, removing nothing
    post(1, " edited again")
    build_site(content, out)
    assert not (views / "another-builds-view.pickle").exists(), "alone again: the build removes it"
    assert not (views / "another-builds-view.pickleab12cd.tmp").exists(), "and what a killed build left half written"
    assert len(list(views.glob("*.pickle"))) == 10


def test_a_view_and_its_search_records_share_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With search on, each view's file holds its search records after it: a page reads the view alone, the
    index the records; a view stored without them gets them added; a damaged or missing part is None (extracted
    again), and records the cache cannot hold are kept in memory. The folder where earlier builds kept the
    records apart is removed by a build alone on its content."""
    from site_builder.build import build_site
    from site_builder.incremental import ViewStore, legacy_search_store, view_store
    from site_builder.render.views import PostView
    from site_builder.search import SearchRecord

    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    content, out = tmp_path / "content", tmp_path / "_site"
    (content / "posts").mkdir(parents=True)
    (content / "site.yaml").write_text("title: T\n")
    for number in range(3):
        (content / "posts" / f"2024-01-0{number + 1}-p{number}.md").write_text(
            f"---\ntitle: P{number}\n---\n\nUser: question {number}?\n\nChatGPT: answer {number}\n")
    legacy = legacy_search_store(content)
    legacy.mkdir(parents=True)
    (legacy / "old.pickle").write_bytes(b"x")
    build_site(content, out)
    assert not legacy.exists(), "the earlier builds' folder of records is gone"
    store = view_store(content)
    keys = sorted(path.stem for path in store.folder.glob("*.pickle"))
    assert len(keys) == 3
    for key in keys:
        view, records = store.get(key), store.records(key)
        assert isinstance(view, PostView) and records and all(isinstance(r, SearchRecord) for r in records)
        assert {r.url.partition("#")[0] for r in records} == {view.url}

    view, records = store.get(keys[0]), store.records(keys[0])
    fresh = ViewStore(tmp_path / "fresh")
    assert fresh.put("k", view) and fresh.records("k") is None, "a view stored by a build without search"
    fresh.add_records("k", view, records)
    assert fresh.records("k") == records and ViewStore(fresh.folder).get("k").url == view.url
    assert fresh.put("k", view, {"not": "records"}) and fresh.records("k") is None, "only a tuple is records"
    fresh.add_records("k", view, records)
    fresh.path("k").write_bytes(fresh.path("k").read_bytes()[:-5])
    assert fresh.records("k") is None and ViewStore(fresh.folder).get("k").url == view.url, "records cut short"
    (tmp_path / "a-file").write_text("")
    unwritable = ViewStore(tmp_path / "a-file" / "views")
    unwritable.pin("k", view)
    unwritable.add_records("k", view, records)
    assert unwritable.records("k") == records and unwritable.get("k") is view


def test_a_full_cache_disk_recovers_once_posts_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           mounts) -> None:  # conftest's factory
    """A cache on a full disk: the build warns and goes on; once posts are removed, the views they used are
    removed too, and the next builds keep their results again (they never did: stale views filled the disk)."""
    from site_builder.build import build_site
    from site_builder.incremental import view_store

    disk = mounts("tmpfs", tmp_path / "disk", size="1m")
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(disk / "cache"))
    content, out = tmp_path / "content", tmp_path / "_site"
    (content / "posts").mkdir(parents=True)
    (content / "site.yaml").write_text("title: T\nsearch: false\n")
    words = " ".join(f"w{n}" for n in range(4000))
    posts = []
    for number in range(40):
        posts.append(content / "posts" / f"2024-01-{number % 28 + 1:02d}-p{number}.md")
        posts[-1].write_text(f"---\ntitle: P{number}\n---\n\nUser: q {number}?\n\nChatGPT: {number} {words}\n")
    build_site(content, out)
    assert len(list(view_store(content).folder.glob("*.pickle"))) < 40, "the disk filled up"
    for path in posts[4:]:
        path.unlink()
    build_site(content, out)
    posts[0].write_text(posts[0].read_text() + "\nAn edit.\n")
    build_site(content, out)
    assert len(list(view_store(content).folder.glob("*.pickle"))) == 4, "the cache holds the site's views again"
    assert build_site(content, out).rendered == 0, "and its state: a build with nothing to do renders nothing"


def test_paginated_lists_follow_posts_that_move_between_pages(builds: IncrementalBuilds) -> None:
    """With two posts a page, adding, re-dating, tagging and removing posts moves others from page to page of
    the home page, the archive and the tag pages, and changes how many pages there are: each step is a cold
    build's site, byte for byte (no stale page/N/ left, none missing)."""
    from incremental_site import PostFile

    set_config(builds.site, paginate=2)
    changed = builds.step("two posts a page")
    assert "page/2/index.html" in changed.added and "page/3/index.html" in changed.added
    add_post(builds.site, "2024-06-30-newest.md", "Newest", ["python"])
    builds.step("a newest post: every post one place down")
    del builds.site.posts["2024-06-30-newest.md"]
    builds.site.posts["2024-01-01-newest.md"] = PostFile("2024-01-01-newest.md", "Newest", tags=["python"],
                                                        body="User: Old?\n\nChatGPT: Old.\n")
    builds.site.write()
    builds.step("the same post re-dated to the oldest")
    delete_post(builds.site, "2024-01-01-newest.md")
    set_config(builds.site, paginate=0)
    changed = builds.step("one page again")
    assert not [path for path in site_files(builds.out) if "/page/" in f"/{path}"]
    assert "page/2/index.html" in changed.removed


def test_a_damaged_state_costs_a_cold_build_never_a_traceback(builds: IncrementalBuilds) -> None:
    """The state is a pickle in the cache, which anything may have damaged: cut short, or whole but with its
    output records in another shape (``BuildState`` pickles them in columns). Either way the next build reads
    every post again (a cold build's work) and writes a cold build's site."""
    import pickle

    from site_builder.caches import content_cache
    from site_builder.incremental import state as state_module
    from site_builder.incremental.store import dumps

    path = content_cache(builds.site.content) / "build" / "state.pickle"
    posts = len(list((builds.site.content / "posts").glob("*.md")))
    for damage in ("cut short", "columns renamed"):
        data = path.read_bytes()
        if damage == "cut short":
            path.write_bytes(data[:len(data) // 2])
        else:
            path.write_bytes(dumps(pickle.loads(data)).replace(b"output_columns", b"output_columnz"))
        state_module._MEMORY.clear()
        edit_body(builds.site, FIRST, f"after the state was {damage}")
        builds.step(f"a build over a state {damage}")
        assert builds.rendered >= posts, f"{damage}: every page rendered again, as cold"
