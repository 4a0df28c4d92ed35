"""The build benchmark's corpus (benchmarks/build_corpus.py), on 3 posts: site_builder reads them as
conversations with code and builds them; every other tool's folder is written. No other tool is run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from site_paths import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_build  # benchmarks/ is not a package: sys.path above
import build_corpus
import corpus_sites
from site_builder.build import build_site
from site_builder.posts import load_post


@pytest.fixture(scope="module")
def posts() -> list[build_corpus.GeneratedPost]:
    return build_corpus.generate_posts(3)


def test_the_corpus_is_the_same_on_every_call(posts: list[build_corpus.GeneratedPost]) -> None:
    assert build_corpus.generate_posts(3) == posts
    assert build_corpus.generate_post(2) == posts[2], "a post does not depend on the size of the corpus"


def test_generated_posts_are_conversations_with_code(tmp_path: Path, posts: list[build_corpus.GeneratedPost]) -> None:
    folder = corpus_sites.write_site_builder_site(tmp_path / "content", posts, search=False)
    for path in sorted(folder.glob("*.md")):
        post = load_post(path)
        assert {turn.role for turn in post.turns} == {"user", "assistant"}, path.name
        assert len(post.exchanges) >= 3 and not post.warnings, path.name
        assert {"python", "shell"} <= {block.lang for block in post.code_blocks}, path.name
        assert 5 <= len(post.code_blocks) <= 7, path.name
        assert 10_000 < path.stat().st_size < 20_000, path.name
    variants = load_post(folder / f"{posts[0].stem}.md").exchanges[-1].answers
    assert len(variants) == 2, "post 0 has a regenerated answer"


def test_site_builder_builds_the_corpus(tmp_path: Path, posts: list[build_corpus.GeneratedPost]) -> None:
    corpus_sites.write_site_builder_site(tmp_path / "content", posts, search=False)
    result = build_site(tmp_path / "content", tmp_path / "out")
    assert result.posts == 3 and not [w for w in result.warnings if "base_url '/' is not an address" not in w]
    assert len(list((tmp_path / "out" / "posts").glob("*/index.html"))) == 3


def test_every_tool_gets_its_folder(tmp_path: Path, posts: list[build_corpus.GeneratedPost]) -> None:
    hugo = corpus_sites.write_hugo_site(tmp_path / "hugo", posts)
    jekyll = corpus_sites.write_jekyll_site(tmp_path / "jekyll", posts, feed=True)
    pelican = corpus_sites.write_pelican_site(tmp_path / "pelican", posts, cache=tmp_path / "cache")
    for folder in (hugo, jekyll, pelican):
        assert sorted(p.name for p in folder.glob("*.md")) == sorted(f"{p.stem}.md" for p in posts)
    assert (tmp_path / "hugo" / "hugo.toml").is_file() and (tmp_path / "hugo" / "layouts" / "index.html").is_file()
    assert (tmp_path / "jekyll" / "_config.yml").is_file() and (tmp_path / "jekyll" / "_layouts" / "post.html").is_file()
    assert "CACHE_CONTENT = True" in (tmp_path / "pelican" / "pelicanconf.py").read_text()
    for folder in (hugo, jekyll, pelican):
        assert posts[1].body in (folder / f"{posts[1].stem}.md").read_text(encoding="utf-8"), "the same Markdown"
    assert (pelican / f"{posts[1].stem}.md").read_text().startswith(f"Title: {posts[1].title}\n")


def test_one_change_edits_the_body_each_time(tmp_path: Path, posts: list[build_corpus.GeneratedPost]) -> None:
    folder = corpus_sites.write_site_builder_site(tmp_path / "content", posts, search=False)
    path = folder / f"{posts[0].stem}.md"
    before = path.read_text(encoding="utf-8")
    build_corpus.edit_post(path, 1)
    first = path.read_text(encoding="utf-8")
    build_corpus.edit_post(path, 2)
    assert before != first != path.read_text(encoding="utf-8")
    assert "(revision 2)" in load_post(path).intro


def test_time_report_is_parsed() -> None:
    report = ("\tUser time (seconds): 1.25\n\tSystem time (seconds): 0.25\n"
              "\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:02.50\n\tMaximum resident set size (kbytes): 102400\n")
    assert bench_build.parse_time_report(report) == bench_build.Measure(62.5, 1.5, 100.0)


def test_the_floor_measures_the_fixed_libraries_on_the_corpus(tmp_path: Path,
                                                              posts: list[build_corpus.GeneratedPost]) -> None:
    """benchmarks/floor.py: each fenced block of the corpus, and a CPU time for markdown-it-py and Pygments."""
    import floor

    blocks = floor.code_blocks(posts)
    written = corpus_sites.write_site_builder_site(tmp_path / "content", posts, search=False)
    assert len(blocks) == sum(len(load_post(path).code_blocks) for path in written.glob("*.md"))
    assert {"python", "shell"} <= {lang for lang, _ in blocks} and 15 <= len(blocks) <= 21
    assert all(code and not code.startswith("```") for _, code in blocks)
    for part in (floor.markdown_part(posts), floor.pygments_part(posts)):
        assert part.cpu_s > 0, part.what


def test_the_floor_report_says_the_least_wall_time_against_the_peer() -> None:
    import floor

    lines = floor.floor_lines([floor.Part("a", 6.0), floor.Part("b", 4.0)], 2, "Hugo + Pagefind", 10.0)
    assert lines[:2] == ["     6.00 s  a", "     4.00 s  b"]
    assert lines[2] == "    10.00 s  in all: at least 5.00 s of wall time on 2 cores, 0.50× Hugo + Pagefind's cold " \
                       "median (10.00 s)"
    assert "not counted" in lines[3]
    assert floor.floor_lines([floor.Part("a", 3.0)], 1, "peer", None)[1] == \
        "     3.00 s  in all: at least 3.00 s of wall time on 1 cores"



def test_the_floor_counts_what_a_build_made_on_disk_and_what_making_it_costs(tmp_path: Path) -> None:
    """A file with two hard links was made once; folders count; a missing path adds nothing. Creating files
    costs some CPU, and the trial folder is removed."""
    import floor

    site, cache = tmp_path / "out", tmp_path / "cache"
    (site / "posts" / "a").mkdir(parents=True)
    (site / "posts" / "a" / "index.html").write_text("a")
    (site / "index.html").write_text("home")
    (cache / "spare" / "posts" / "a").mkdir(parents=True)
    (cache / "spare" / "posts" / "a" / "index.html").hardlink_to(site / "posts" / "a" / "index.html")
    assert floor.made_on_disk([site]) == 5  # out, posts, posts/a and two files
    assert floor.made_on_disk([site, cache, tmp_path / "missing"]) == 5 + 4  # cache, spare, posts, posts/a
    each = floor.creation_cpu(tmp_path, count=200)
    assert each > 0 and sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out"]
    lines = floor.creation_lines({"ours": (9000, 6000), "peer": (3000, 3000)}, 0.0004)
    assert lines[1:] == ["     3.60 s  ours: 9,000 files and folders (the output 6,000, the rest caches; hard links "
                         "counted once)",
                         "     1.20 s  peer: 3,000 files and folders (the output 3,000, the rest caches; hard links "
                         "counted once)"]
