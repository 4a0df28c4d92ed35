"""The result cache: what reruns when something changes, and what a page may show from it."""

from __future__ import annotations

import datetime as dt
import time

from snippet_helpers import check_all, snippets_of, write_post

from site_builder.model import CodeBlock, Post
from site_builder.posts import load_post
from site_builder.snippets.cache import dependencies, distribution_versions
from site_builder.snippets import block_statuses
from site_builder.snippets.model import FAILED, NORUN, NOT_CHECKED, NOT_EXECUTABLE, SKIPPED, VERIFIED

FIXTURE = "posts/2024-01-01-fixture.md"


def rerun_lines(results: dict, content) -> list[int]:
    """Fence lines of the blocks that ran now (not from the cache), among those that run at all."""
    static = {s.line for s in snippets_of(content, content / FIXTURE) if s.kind in (NORUN, NOT_EXECUTABLE)}
    return [line for line, result in results.items() if not result.cached and line not in static]


def test_rerun_with_nothing_changed_comes_from_the_cache(content):
    path = content / FIXTURE
    first = check_all(content, path)
    assert len(rerun_lines(first, content)) == 9
    started = time.perf_counter()
    second = check_all(content, path)
    elapsed = time.perf_counter() - started
    print(f"\nsecond run of {len(second)} blocks (9 executable) from the cache: {elapsed * 1000:.0f} ms")
    assert rerun_lines(second, content) == []
    assert [r.cached for r in second.values()] == [True] * 9 + [False, False]  # norun/json never run
    assert [r.status for r in second.values()] == [r.status for r in first.values()]


def test_touching_a_companion_reruns_exactly_its_blocks(content):
    path = content / FIXTURE
    lines = {s.info: s.line for s in snippets_of(content, path)}
    check_all(content, path)
    toy = content / "companions" / "toy.py"
    toy.write_text(toy.read_text() + "\n# touched\n")
    toy_blocks = sorted(lines[info] for info in lines if "toy.py" in info)
    assert rerun_lines(check_all(content, path), content) == toy_blocks
    helper = content / "companions" / "helper.py"  # imported by toy.py: a transitive dependency
    helper.write_text(helper.read_text() + "\n# touched\n")
    assert rerun_lines(check_all(content, path), content) == toy_blocks
    other = content / "companions" / "other.py"
    other.write_text(other.read_text() + "\n# touched\n")
    assert rerun_lines(check_all(content, path), content) == [lines["python companion=other.py::double"]]


def test_editing_a_block_reruns_it_and_the_session_blocks_after_it(content):
    path = content / FIXTURE
    check_all(content, path)
    session_lines = [s.line for s in snippets_of(content, path) if s.session == "s"]
    text = path.read_text()
    path.write_text(text.replace("x = 40\n", "x = 40  # edited\n"))
    assert rerun_lines(check_all(content, path), content) == session_lines


def test_block_statuses_reads_the_cache_and_never_shows_a_stale_result_as_verified(content):
    path = content / FIXTURE
    post = load_post(path)
    before = block_statuses(post, content)
    assert {s.status for s in before.values()} == {NOT_CHECKED, SKIPPED}
    assert not (content.parent / ".cache").exists()  # reading statuses ran nothing
    check_all(content, path)
    after = block_statuses(post, content)
    assert [s.status for s in after.values()] == [VERIFIED] * 9 + [SKIPPED, NOT_CHECKED]
    mean_line, spread_line, double_line = (s.line for s in snippets_of(content, path)[:3])
    excerpt = after[mean_line]
    assert (excerpt.companion, excerpt.first_line, excerpt.last_line) == ("toy.py", 9, 11)
    assert after[spread_line].diff.startswith("--- quoted in the post")
    toy = content / "companions" / "toy.py"
    toy.write_text(toy.read_text().replace("total = 0", "total = 0.0"))
    stale = block_statuses(post, content)
    assert stale[mean_line].status == NOT_CHECKED and "not yet checked" in stale[mean_line].reason
    assert stale[double_line].status == VERIFIED  # other.py did not change


def test_a_cached_failure_stays_a_failure(content):
    path = write_post(content, "```python\nraise SystemExit(2)\n```\n")
    check_all(content, path)
    (status,) = block_statuses(load_post(path), content).values()
    assert status.status == FAILED and status.cached


def test_block_statuses_on_a_post_built_in_memory(content):
    post = Post(path=content / "posts" / "x.md", slug="x", title="x", date=dt.date(2024, 1, 1),
                body="", body_line=1, code_blocks=(CodeBlock("text", "text", "hi\n", 3),))
    assert block_statuses(post, content)[3].status == NOT_CHECKED


def test_dependencies_follow_local_imports_and_name_distribution_versions(content):
    companions = (content / "companions").resolve()
    local, third_party = dependencies([(companions / "toy.py").read_text()], companions)
    assert local == {companions / "helper.py"}
    assert third_party == {}  # unittest is standard library
    _, versions = dependencies(["def f():\n    import yaml\n"], companions)
    import yaml
    assert versions == {"PyYAML": yaml.__version__}
    assert distribution_versions("surely_not_installed_xyz") == {"surely_not_installed_xyz": "absent"}
    assert distribution_versions("json") == {}


def test_the_package_map_is_stored_and_rebuilt_when_site_packages_change(tmp_path, monkeypatch):
    import json
    import sys

    from site_builder.snippets.cache import packages_distributions

    packages_distributions.cache_clear()
    built = packages_distributions(tmp_path)
    assert built["yaml"] == ["PyYAML"]
    (stored_file,) = tmp_path.glob("packages-*.json")
    stored = json.loads(stored_file.read_text())
    stored["map"] = {"yaml": ["Planted"]}
    stored_file.write_text(json.dumps(stored))
    packages_distributions.cache_clear()
    assert packages_distributions(tmp_path)["yaml"] == ["Planted"]  # read back while nothing changed
    other_layout = tmp_path / "scripts"  # another entry point (pytest / site-builder) puts another folder first
    other_layout.mkdir()
    monkeypatch.setattr(sys, "path", [str(other_layout), *sys.path])
    packages_distributions.cache_clear()
    assert packages_distributions(tmp_path)["yaml"] == ["PyYAML"]  # built and stored for that layout...
    monkeypatch.undo()
    packages_distributions.cache_clear()
    assert packages_distributions(tmp_path)["yaml"] == ["Planted"]  # ...without replacing this one's copy
    stored["stamp"] = {"/nowhere": 1}
    stored_file.write_text(json.dumps(stored))
    packages_distributions.cache_clear()
    assert packages_distributions(tmp_path)["yaml"] == ["PyYAML"]  # stamp differs: rebuilt
    packages_distributions.cache_clear()


def test_a_check_of_every_block_removes_the_results_no_block_has_any_more(tmp_path, capsys):
    """Each edit of a block stored one more result, forever: ``check`` of every block now keeps only the
    results of the blocks the posts have (``-k`` checks a few: it removes nothing)."""
    from site_builder.cli import main
    from site_builder.snippets.cache import cache_dir

    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    post = content / "posts" / "2024-01-01-p.md"

    def write(number: int) -> None:
        post.write_text(f"---\ntitle: T\n---\n\nUser: run?\n\nChatGPT: yes\n\n```python\nprint({number})\n```\n\n"
                        "```python\nprint('unchanged')\n```\n")

    results = cache_dir(content)
    for number in range(3):
        write(number)
        assert main(["check", "--content", str(content), "-k", "L"]) == 0
    assert len(list(results.glob("*.json"))) == 4, "-k: nothing removed"
    assert main(["check", "--content", str(content)]) == 0
    assert len([p for p in results.glob("*.json") if not p.name.startswith("packages-")]) == 2
    capsys.readouterr()
