"""Random sequences of edits to a small site: after each, the incremental build is the cold build, byte for byte.

The edits are those of ``tests/test_incremental.py`` (``incremental_site``), drawn with their targets: a post's
body, title, file name, tags, draft flag or folder; a post added or deleted; a template override; a setting of
``site.yaml``; the companion (and a snippet check); a static file; a page added, edited (body, title, weight,
``menu: false``, a permalink, a draft) or deleted, and site.yaml's ``menu:``; a build that fails on a broken post,
fixed by the next edit. ``make test`` runs a few sequences, ``make fuzz`` many.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz_support import examples
from incremental_site import (LIST_OVERRIDE, IncrementalBuilds, SmallSite, add_post, break_front_matter,
                              delete_post, edit_body, edit_companion, link_post, move_post, page_text, rename_post,
                              set_config, set_draft, set_tags, set_title, write_page, write_static, write_template)
from site_builder.errors import BuildError

TAGS = ["python", "Python", "meta", "news", "中文", "C++"]


def _post(site: SmallSite, pick: int) -> str:
    return sorted(site.posts)[pick % len(site.posts)]


def _body(site: SmallSite, pick: int) -> None:
    edit_body(site, _post(site, pick), f"case {pick}")


def _title(site: SmallSite, pick: int) -> None:
    set_title(site, _post(site, pick), f"Title number {pick}")


def _rename(site: SmallSite, pick: int) -> None:
    """A new slug (one no post has: two posts with one slug are an error, not an edit)."""
    name, slug = _post(site, pick), f"renamed-{pick}"
    if all(other[len("YYYY-MM-DD-"):-len(".md")] != slug for other in site.posts):
        rename_post(site, name, f"{name[:len('YYYY-MM-DD-')]}{slug}.md")


def _delete(site: SmallSite, pick: int) -> None:
    if len(site.posts) > 2:
        delete_post(site, _post(site, pick))


def _add(site: SmallSite, pick: int) -> None:
    name = f"2024-04-{pick % 28 + 1:02d}-added-{pick}.md"
    if name not in site.posts:
        add_post(site, name, f"Added {pick}", [TAGS[pick % len(TAGS)]])


def _link(site: SmallSite, pick: int) -> None:
    """A post links to another (its page then follows the other's renames, deletion, drafts…)."""
    link_post(site, _post(site, pick), _post(site, pick // 7 + 1))


def _draft(site: SmallSite, pick: int) -> None:
    name = _post(site, pick)
    set_draft(site, name, not site.posts[name].draft)


def _folder(site: SmallSite, pick: int) -> None:
    name = _post(site, pick)
    move_post(site, name, "posts" if site.posts[name].folder == "drafts" else "drafts")


def _tags(site: SmallSite, pick: int) -> None:
    set_tags(site, _post(site, pick), [tag for bit, tag in enumerate(TAGS) if pick >> bit & 1])


def _template(site: SmallSite, pick: int) -> None:
    """Add the override of ``_post_list.html``; or edit it, or remove it."""
    if not (site.content / "templates" / "_post_list.html").exists():
        write_template(site, "_post_list.html", LIST_OVERRIDE)
    else:
        edited = LIST_OVERRIDE.replace("<ul", f"<ul data-v={pick}")
        write_template(site, "_post_list.html", None if pick % 2 else edited)


def _setting(site: SmallSite, pick: int) -> None:
    key = ["title", "base_url", "feed_entries", "search"][pick % 4]
    value = {"title": f"Site {pick}", "base_url": f"https://example.org/{pick}/", "feed_entries": pick % 4 + 1,
             "search": not site.config.get("search", True)}[key]
    set_config(site, **{key: value})


def _companion(site: SmallSite, pick: int) -> None:
    edit_companion(site, "def smoke", f"# edit {pick}\n\n\ndef smoke")


def _static(site: SmallSite, pick: int) -> None:
    name = ["robots.txt", "img/logo.svg", f"extra/{pick % 3}.txt", "assets/style.css"][pick % 4]  # the last: a theme asset
    path = site.content / "static" / name
    write_static(site, name, None if path.exists() and pick % 2 else f"version {pick}\n")


PAGE_NAMES = ["about.md", "docs/setup.md", "contact.md", "notes/2024-05-01-colophon.md"]


def _page(site: SmallSite, pick: int) -> None:
    """A page added or rewritten (its title, weight, place in the nav, URL or draft flag drawn), or deleted."""
    name = PAGE_NAMES[pick % len(PAGE_NAMES)]
    if name in site.pages and pick % 5 == 0:
        if isinstance(site.config.get("menu"), list):  # a menu naming a page that is gone is an error, not an edit
            site.config["menu"] = [item for item in site.config["menu"] if item != name.removesuffix(".md")]
        write_page(site, name, None)
        return
    keys = {"weight": pick % 3} if pick % 2 else {}
    keys.update({"menu": False} if pick % 7 == 1 else {"menu": f"Link {pick}"} if pick % 7 == 2 else {})
    keys.update({"permalink": f"/{name.split('/')[0].removesuffix('.md')}-{pick % 2}/"} if pick % 4 == 3 else {})
    keys.update({"draft": True} if pick % 11 == 4 else {})
    write_page(site, name, page_text(f"Page {pick % 4}", f"Words {pick}.", **keys))


def _menu(site: SmallSite, pick: int) -> None:
    """site.yaml's ``menu:``: the pages there are (a draft among them is left out), a link, or none (every page)."""
    items = [name.removesuffix(".md") for name in sorted(site.pages)][: pick % 3] + [{"title": "Out", "url": "/out/"}]
    set_config(site, menu=None if pick % 2 else items)


def _broken(site: SmallSite, pick: int) -> None:
    """Edit a post, break another (a published one, or nothing fails): the build fails, then the post is fixed."""
    edit_body(site, _post(site, pick + 1), f"failure {pick}")
    published = [post.name for post in site.published()]
    if published:
        break_front_matter(site, published[pick % len(published)])


EDITS: dict[str, Callable[[SmallSite, int], None]] = {
    "body": _body, "title": _title, "rename": _rename, "delete": _delete, "add": _add, "draft": _draft,
    "folder": _folder, "tags": _tags, "template": _template, "setting": _setting, "companion": _companion,
    "check": lambda site, pick: None, "static": _static, "broken": _broken, "link": _link, "page": _page,
    "menu": _menu,
}


@settings(max_examples=examples(full=200, short=6))
@given(st.lists(st.tuples(st.sampled_from(sorted(EDITS)), st.integers(0, 1000)), min_size=3, max_size=6))
def test_random_edits_build_like_a_cold_build(edits: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as monkeypatch:
        root = Path(folder)
        builds = IncrementalBuilds(root, SmallSite.create(root / "content", search=False), monkeypatch)
        builds.build()
        for number, (edit, pick) in enumerate(edits, 1):
            EDITS[edit](builds.site, pick)
            label = f"edit {number} of {len(edits)}: {edit} {pick}"
            if edit == "broken" and builds.site.published():
                with pytest.raises(BuildError):
                    builds.build()
                builds.site.write()  # fixed
            if edit == "check":
                builds.check()
            builds.step(label)
