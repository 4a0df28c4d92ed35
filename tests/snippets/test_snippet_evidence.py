"""What a failed check tells its reader: what to do about a missing package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bs4 import BeautifulSoup
from snippet_helpers import copy_site, write_post
from test_snippet_report import run_check

from site_builder.build import build_site
from site_builder.snippets.model import FAILED, CheckResult

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


def test_the_page_shows_the_hint(tmp_path, capsys):
    content = copy_site(tmp_path / "content")
    failing_post(content)
    checked_blocks(content, capsys)
    out = tmp_path / "_site"
    build_site(content, out)
    page = BeautifulSoup((out / "posts" / "case" / "index.html").read_text(encoding="utf-8"), "html.parser")
    shown = [details.get_text("\n") for details in page.select("details.check-reason")]
    assert len(shown) == 5 and all(text.startswith("How it failed") for text in shown)
    assert all(f"hint: `{ABSENT}` is not installed" in unwrapped(text) for text in shown[:3])
