"""The search index: a record per turn, built into the site with the pages; `search: false` opts out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder.build import build_site
from site_builder.errors import ConfigError
from site_builder.markdown import create_markdown
from site_builder.posts import load_post
from site_builder.render import post_view
from site_builder.search import plain_text, search_records

FIXTURE = Path(__file__).parent / "browser" / "fixtures" / "site"


def test_a_record_per_turn_with_its_role_and_the_post_tags() -> None:
    post = load_post(FIXTURE / "posts" / "2024-02-01-a-conversation.md")
    records = search_records([post_view(create_markdown(), post, None)])
    assert [r.url for r in records][:3] == ["posts/a-conversation/", "posts/a-conversation/#turn-1",
                                            "posts/a-conversation/#turn-2"]
    assert {r.role for r in records} == {"article", "user", "assistant"}
    assert all(r.tags == ("python", "statistics") for r in records)
    answer = next(r for r in records if r.url.endswith("#turn-2"))
    assert answer.speaker == "Assistant" and "divide by their count" in answer.text
    assert "Copy" not in answer.text, "controls are not searched"


def test_plain_text_drops_markup_and_controls() -> None:
    assert plain_text('<p>a &lt;b&gt;</p><figure><figcaption>python <button>Copy</button></figcaption>'
                      '<pre><code>x = 1</code></pre></figure>') == "a <b> x = 1"


def test_the_index_is_built_into_the_site_and_search_false_leaves_it_out(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    out = tmp_path / "out"
    build_site(content, out)
    assert (out / "pagefind" / "pagefind.js").is_file() and (out / "search" / "index.html").is_file()
    assert 'href="search/"' in (out / "index.html").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".out-build-*")), "no staging folder is left beside the output"

    (content / "site.yaml").write_text((content / "site.yaml").read_text() + "search: false\n", encoding="utf-8")
    build_site(content, out)
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert 'href="search/"' not in (out / "index.html").read_text(encoding="utf-8")


def test_search_must_be_true_or_false(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    (content / "site.yaml").write_text("search: no thanks\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="search must be true or false"):
        build_site(content, tmp_path / "out")
