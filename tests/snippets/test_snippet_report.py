"""The two ways to run the checks: ``site-builder check`` and the pytest plugin."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from snippet_helpers import copy_site, write_post

from site_builder.snippets.pytest_plugin import content_root, pages_folder
from site_builder.snippets import add_check_parser


def run_check(content: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_check_parser(parser.add_subparsers())
    args = parser.parse_args(["check", "--content", str(content), *argv])
    return args.func(args)


def test_check_command_prints_a_table_and_exits_0_when_nothing_failed(content, capsys):
    assert run_check(content) == 0
    out = capsys.readouterr().out
    header, first = out.splitlines()[:2]
    assert header.split() == ["post", "line", "kind", "status", "time"]
    assert first.split()[1:4] == ["7", "excerpt", "verified"]
    assert out.rstrip().splitlines()[-1].startswith("11 blocks: 9 verified, 1 skipped, 1 not-checked (0 from cache)")
    assert run_check(content) == 0
    assert "(9 from cache)" in capsys.readouterr().out


def test_check_command_json_and_failure_exit(content, capsys):
    write_post(content, "```python companion=toy.py::mean\ntotal = 1\n```\n")
    assert run_check(content, "--json", "-k", "2024-02-02") == 1
    data = json.loads(capsys.readouterr().out)
    (block,) = data["blocks"]
    assert (block["line"], block["kind"], block["status"], block["block"]) == \
        (5, "excerpt", "drifted", "python companion=toy.py::mean")
    assert "+total = 0" in block["detail"]
    assert (data["summary"]["drifted"], data["summary"]["blocks"]) == (1, 1)


def test_check_command_reports_the_evidence_of_a_failure(content, capsys):
    write_post(content, "```python companion=toy.py::Stats.spread\nreturn 0.0\n```\n")
    assert run_check(content, "-k", "case.md") == 1
    out = capsys.readouterr().out
    assert "content/posts/2024-02-02-case.md:5: [python companion=toy.py::Stats.spread] failed: " \
           "excerpt lines never executed by smoke(): 20" in out
    assert "toy.py:20: return 0.0" in out


def test_check_quiet_prints_only_the_failures_and_verbose_every_block_with_its_evidence(content, capsys):
    write_post(content, "```python companion=toy.py::mean\ntotal = 1\n```\n")
    assert run_check(content) == 1
    table = capsys.readouterr().out.splitlines()
    rows = table[1:table.index("")]
    assert len(rows) == 12

    assert run_check(content, "-q") == 1
    quiet = capsys.readouterr().out.splitlines()
    assert quiet[0].endswith("2024-02-02-case.md:5: [python companion=toy.py::mean] drifted: "
                             "excerpt differs from toy.py::mean")
    assert "    +total = 0" in quiet, "a failure keeps its evidence"
    assert quiet[-1].startswith("12 blocks: 9 verified, 1 drifted, 1 skipped, 1 not-checked")
    assert not [line for line in quiet if line.split()[:2] == ["post", "line"] or "norun" in line or "verified:" in line]

    assert run_check(content, "--verbose") == 1
    verbose = capsys.readouterr().out.splitlines()
    assert [line.split()[:4] for line in verbose[:len(rows) + 1]] == \
        [line.split()[:4] for line in table[:len(rows) + 1]], "the same table"
    results = [line for line in verbose if ": [" in line and not line.startswith(" ")]
    assert [line.split(": [")[0].rsplit(":", 1)[1] for line in results] == [row.split()[1] for row in rows]
    assert any(line.endswith("[python] verified: ran without error") for line in results)
    assert "    +    low = min(values)" in verbose, "an adapted block's diff"
    assert "    +total = 0" in verbose

    with pytest.raises(SystemExit):
        run_check(content, "-q", "-v")


def test_only_posts_and_drafts_of_a_content_folder_are_collected(tmp_path):
    root = copy_site(tmp_path / "content")
    (root / "drafts").mkdir()
    assert content_root(root / "posts" / "a.md") == root
    assert content_root(root / "drafts" / "b.md") == root
    assert content_root(tmp_path / "README.md") is None
    assert content_root(root / "companions" / "notes.md") is None
    assert content_root(Path(__file__).parent / "fixtures" / "site" / "posts" / "2024-01-01-fixture.md") is None
    jekyll = tmp_path / "blog"
    (jekyll / "_posts").mkdir(parents=True)
    (jekyll / "_config.yml").write_text("title: x\n")
    assert content_root(jekyll / "_posts" / "2024-01-01-x.md") == jekyll


def test_pages_of_a_content_folder_are_collected(tmp_path):
    root = copy_site(tmp_path / "content")
    assert pages_folder(root / "pages" / "docs" / "setup.md") == root / "pages"
    assert pages_folder(root / "posts" / "a.md") is None
    assert pages_folder(tmp_path / "pages" / "a.md") is None, "a pages/ folder outside a content folder"


def test_pytest_collects_and_runs_the_blocks_of_a_page(project):
    page = project / "content" / "pages" / "docs" / "setup.md"
    page.parent.mkdir(parents=True)
    page.write_text("# Setup\n\nNo front matter, no date: a page.\n\n```python\nassert 1 + 1 == 2\n```\n")
    run = pytest_in(project, "content/pages", "-q")
    assert "1 passed" in run.stdout, run.stdout
    collected = pytest_in(project, "--collect-only", "-q", "content/pages").stdout
    assert "content/pages/docs/setup.md::L5[python]" in collected


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with content/ (the fixture site plus one failing post) and a README."""
    content = copy_site(tmp_path / "content")
    write_post(content, "Intro.\n\n```python companion=toy.py::mean\ntotal = 1\n```\n")
    (tmp_path / "README.md").write_text("```python\nraise SystemExit(1)\n```\n")
    return tmp_path


def pytest_in(project: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *argv],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def test_pytest_collects_every_block_with_its_name(project):
    run = pytest_in(project, "--collect-only", "-q", "content")
    names = [line for line in run.stdout.splitlines() if "::" in line]
    assert names[:2] == ["content/posts/2024-01-01-fixture.md::L7[python companion=toy.py::mean]",
                         "content/posts/2024-01-01-fixture.md::L15[python companion=toy.py::Stats.spread adapted]"]
    assert len(names) == 12 and names[-1] == "content/posts/2024-02-02-case.md::L7[python companion=toy.py::mean]"
    assert not any("README" in name for name in names)


def test_pytest_reports_a_failure_at_the_post_line_and_selects_with_k(project):
    run = pytest_in(project, "content", "-k", "case or L51")
    assert run.returncode == 1, run.stdout
    assert "content/posts/2024-02-02-case.md:7: [python companion=toy.py::mean] drifted: " \
           "excerpt differs from toy.py::mean" in run.stdout
    assert "+total = 0" in run.stdout
    assert "site_builder/snippets/" not in run.stdout  # no internal traceback
    assert "SKIPPED [1] content/posts/2024-01-01-fixture.md:51: norun: needs a GPU" in run.stdout
    assert "1 failed, 1 skipped, 10 deselected" in run.stdout


def test_pytest_reports_a_bad_directive_as_a_collection_error_with_file_and_line(project):
    write_post(project / "content", "```python wat\nx = 1\n```\n", name="2024-03-03-bad.md")
    run = pytest_in(project, "content", "-k", "bad")
    assert "content/posts/2024-03-03-bad.md:5: code block `python wat`: unknown option `wat`" in run.stdout
    assert run.returncode != 0
