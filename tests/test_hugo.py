"""A Hugo site folder builds with the URLs Hugo gives its posts (checked against pages Hugo itself wrote:
``hugo_urls.py``): TOML front matter, sections, ``slug``, ``url``, ``aliases``, ``[permalinks]`` per section, and
Hugo's way of making a title a path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hugo_urls import EXPECTED, VARIANTS, hugo_pages, post_pages, variant_folder
from site_builder.build import build_site
from site_builder.errors import BuildError, SiteError
from site_builder.permalinks import hugo_text

OURS_ONLY = ("404.html", "archive/", "search/", "tags/", "page/")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_hugo_folder_keeps_every_post_url_hugo_gave_it(variant: str, tmp_path: Path) -> None:
    expected = (EXPECTED / f"{variant}.txt").read_text(encoding="utf-8").splitlines()
    assert len(expected) >= 24
    out = tmp_path / "site"
    build_site(variant_folder(tmp_path, variant), out)
    ours = [path for path in post_pages(out) if not path.startswith(OURS_ONLY) and "/page/" not in path]
    assert ours == expected


@pytest.mark.skipif(shutil.which("hugo") is None,
                    reason="Hugo is not installed here (apt-get install hugo): the recorded lists are checked by the "
                           "test above, not re-recorded")
def test_the_recorded_lists_are_what_hugo_writes_today(tmp_path: Path) -> None:
    for variant in VARIANTS:
        assert hugo_pages(tmp_path, variant) == (EXPECTED / f"{variant}.txt").read_text(encoding="utf-8").splitlines()


def test_the_hugo_config_gives_title_address_and_language(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(variant_folder(tmp_path, "default"), out)
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>Hugo AI notes</title>" in home and 'lang="en-us"' in home
    assert "https://example.org/blog/posts/my-first-post/" in (out / "sitemap.xml").read_text(encoding="utf-8")
    post = (out / "posts/my-first-post/index.html").read_text(encoding="utf-8")
    assert 'data-speaker="ChatGPT"' in post  # TOML front matter read, then the turns


def test_bad_toml_front_matter_names_the_line(tmp_path: Path) -> None:
    folder = variant_folder(tmp_path, "default")
    (folder / "content/posts/bad.md").write_text('+++\ntitle = "ok"\ndate = 2023-13-45\n+++\nx\n', encoding="utf-8")
    with pytest.raises(BuildError) as error:
        build_site(folder, tmp_path / "out")
    assert "bad.md:3: front matter: invalid TOML" in str(error.value)
    (folder / "content/posts/bad.md").write_text('+++\ntitle = "ok"\n', encoding="utf-8")
    with pytest.raises(BuildError) as error:
        build_site(folder, tmp_path / "out")
    assert "no closing '+++' line" in str(error.value)


def test_a_bad_hugo_permalink_is_a_config_error(tmp_path: Path) -> None:
    folder = variant_folder(tmp_path, "default")
    with (folder / "hugo.toml").open("a", encoding="utf-8") as config:
        config.write('\n[permalinks]\n  posts = "/:year/:nonsense/"\n')
    with pytest.raises(SiteError) as error:
        build_site(folder, tmp_path / "out")
    assert "permalinks: posts:" in str(error.value) and ":nonsense" in str(error.value)


@pytest.mark.parametrize("title, path", [("C++ & you", "c-you"), ("A+B", "a-b"), ("Q&A: why?", "qa-why"),
                                         ("  lead", "lead"), ("Ünïcode Café", "ünïcode-café"), ("a--b", "a--b"),
                                         ("emoji 😀 here", "emoji-here"), ("C# tips", "c#-tips")])
def test_hugo_text_is_hugos(title: str, path: str) -> None:
    assert hugo_text(title, segment=True) == path  # what Hugo 0.111 made of these titles (the recorded lists)
