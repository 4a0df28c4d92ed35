"""What a failed check tells its reader: what to do about a missing package, and no path of the author's machine
on the page."""

from __future__ import annotations

import json
import sys
import sysconfig
import tempfile
from pathlib import Path

from bs4 import BeautifulSoup
from snippet_helpers import copy_site, write_post
from test_snippet_report import run_check

from site_builder.build import build_site
from site_builder.snippets.model import FAILED, CheckResult
from site_builder.snippets.statuses import published

ABSENT = "site_builder_absent_module"
"""A module no installed package provides."""


def failing_post(content: Path) -> Path:
    """A post whose blocks fail: three on the absent module (a program, a doctest, a companion's smoke()), one
    on something else, one naming the check's working folder."""
    (content / "companions" / "needs.py").write_text(
        f'"""Needs a package that is not installed."""\n\nimport {ABSENT}\n\n\ndef smoke():\n    return None\n',
        encoding="utf-8")
    return write_post(content, f"```python\nimport {ABSENT}.tools\n```\n\n```pycon\n>>> import {ABSENT}\n```\n\n"
                               "```python companion=needs.py::smoke\ndef smoke():\n    return None\n```\n\n"
                               "```python\nraise ValueError('not an import')\n```\n\n"
                               "```python\nimport os\nraise RuntimeError(os.getcwd())\n```\n")


def checked_blocks(content: Path, capsys) -> list[dict]:
    assert run_check(content, "--json", "-k", "case.md") == 1
    blocks = json.loads(capsys.readouterr().out)["blocks"]
    assert [block["status"] for block in blocks] == [FAILED] * 5
    return blocks


def unwrapped(text: str) -> str:
    return " ".join(text.split())


def test_a_block_that_fails_on_a_missing_package_says_which_and_what_to_do(tmp_path, capsys):
    content = copy_site(tmp_path / "content")
    failing_post(content)
    blocks = checked_blocks(content, capsys)
    for block in blocks[:3]:
        hint = unwrapped(block["detail"].rsplit("\n\n", 1)[-1])
        assert hint.startswith(f"hint: `{ABSENT}` is not installed in the Python the checks run with "
                               f"({sys.executable})"), block["detail"]
        assert f"`{sys.executable} -m pip install {ABSENT}`" in hint
        assert "make check" not in hint, "a blog of the user's has no make check"
    assert "hint:" not in blocks[3]["detail"], "a failure that is not an import has no hint"

    assert run_check(content, "-q", "-k", "case.md") == 1
    report = unwrapped(capsys.readouterr().out)
    assert report.count(f"hint: `{ABSENT}` is not installed") == 3, "the report shows the hint as evidence"


def test_in_this_repository_the_hint_is_make_check(tmp_path, capsys):
    content = copy_site(tmp_path / "content")
    failing_post(content)
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "companions.txt").write_text("numpy\n", encoding="utf-8")
    (tmp_path / "Makefile").write_text("build:\n\ttrue\n\ncheck: build\n\ttrue\n", encoding="utf-8")
    hint = unwrapped(checked_blocks(content, capsys)[0]["detail"].rsplit("\n\n", 1)[-1])
    assert "companion stack (requirements/companions.txt)" in hint
    assert "`make check` or `make test` installs it" in hint and "pip install" not in hint


def test_the_page_shows_the_hint_and_no_path_of_the_authors_machine(tmp_path, capsys):
    content = copy_site(tmp_path / "content")
    failing_post(content)
    checked_blocks(content, capsys)
    out = tmp_path / "_site"
    build_site(content, out)
    page = BeautifulSoup((out / "posts" / "case" / "index.html").read_text(encoding="utf-8"), "html.parser")
    shown = [details.get_text("\n") for details in page.select("details.check-reason")]
    assert len(shown) == 5 and all(text.startswith("How it failed") for text in shown)
    assert all(f"hint: `{ABSENT}` is not installed" in unwrapped(text) for text in shown[:3])
    assert 'File "posts/2024-02-02-case.md", line 6' in shown[0]
    assert 'File "companions/needs.py", line 3' in shown[2]
    assert "RuntimeError: <tmp>/work" in shown[4]
    everything = page.decode()
    environment = [sys.prefix + "/"] if sys.prefix != sys.base_prefix else []  # a venv's folder (/usr is no secret)
    for private in (str(tmp_path), str(Path.home()) + "/", tempfile.gettempdir() + "/", *environment):
        assert private not in everything, private


def test_published_text_names_paths_relative_to_the_content_folder(tmp_path):
    content = tmp_path / "blog" / "content"
    purelib = sysconfig.get_paths()["purelib"]
    detail = "\n".join([f'File "{content}/posts/a.md", line 3', f"{content}", f"{content.parent}/notes.txt",
                        f"{Path.home()}/private/x.py", f"{purelib}/numpy/core.py",
                        f"{tempfile.gettempdir()}/snippet-check-ab12_cd/work/data.csv", "/usr/bin/env",
                        f"{content}2/x", f"'{content}/companions/sgd.py'"])
    shown = published(CheckResult(FAILED, f"raised OSError: {content}/posts/a.md", detail), content)
    assert shown.reason == "raised OSError: posts/a.md"
    assert shown.detail.splitlines() == ['File "posts/a.md", line 3', ".", "../notes.txt", "~/private/x.py",
                                         "<site-packages>/numpy/core.py", "<tmp>/work/data.csv", "/usr/bin/env",
                                         "../content2/x", "'companions/sgd.py'"]
