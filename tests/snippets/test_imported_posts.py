"""Trust belongs to the post: an imported post runs none of its blocks until the author marks one ``trusted``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from snippet_helpers import check_all, copy_site, snippets_of

from site_builder.cli import main
from site_builder.errors import SnippetError
from site_builder.snippets.model import NORUN, NOT_EXECUTABLE, PROGRAM, SKIPPED, VERIFIED
from site_builder.snippets.parse import IMPORTED_REASON


def _hostile_sharegpt(marker: Path) -> list[dict]:
    """The issue's repro: a bare ``>>>`` fence, and a fence hidden from the per-message neutraliser by an
    HTML block opened in the question (both created their file under ``site-builder check`` before)."""
    return [
        {"id": "1", "conversations": [
            {"from": "human", "value": "hi"},
            {"from": "gpt", "value": f"```\n>>> open({str(marker / 'A')!r}, 'w')\n```"}]},
        {"id": "2", "conversations": [
            {"from": "human", "value": "<!--"},
            {"from": "gpt", "value": f"<pre>\n-->\n```python\nopen({str(marker / 'B')!r}, 'w')\n```\n</pre>"}]},
    ]


def test_importing_then_checking_a_hostile_export_runs_nothing(tmp_path, capsys):
    marker = tmp_path / "pwned"
    marker.mkdir()
    export = tmp_path / "a.json"
    export.write_text(json.dumps(_hostile_sharegpt(marker)))
    content = tmp_path / "c"
    assert main(["import", "sharegpt", str(export), "--all", "--out", str(content / "posts"), "--no-progress"]) == 0
    assert main(["check", "--content", str(content)]) == 0
    assert list(marker.iterdir()) == []
    report = capsys.readouterr().out
    assert report.count("skipped: norun: imported") == 2 and "2 blocks: 2 skipped" in report
    for path in sorted((content / "posts").glob("*.md")):
        assert "\nimported: sharegpt\n" in path.read_text(encoding="utf-8")


def _write(content: Path, front: str, body: str) -> Path:
    path = content / "posts" / "2024-03-03-imported.md"
    path.write_text(f"---\ntitle: Imported\n{front}---\n\nUser: run this\n\nAssistant:\n\n{body}", encoding="utf-8")
    return path


PROGRAM_BLOCKS = "```python\nprint('ran')\n```\n\n```json\n{}\n```\n\n```python companion=toy.py::mean\nx\n```\n"


@pytest.mark.parametrize("front", ["imported: chatgpt\n", "imported: true\n", "imported:\n",
                                   "source: chatgpt\nsource_id: abc\n"],
                         ids=["imported-source", "imported-true", "imported-empty", "older-import"])
def test_no_block_of_an_imported_post_runs(tmp_path, front):
    content = copy_site(tmp_path / "content")
    path = _write(content, front, PROGRAM_BLOCKS)
    snippets = snippets_of(content, path)
    # the companion reference (which does not match toy.py) is not even resolved: untrusted text
    assert [s.kind for s in snippets] == [NORUN, NOT_EXECUTABLE, NORUN]
    assert snippets[0].reason == IMPORTED_REASON
    results = check_all(content, path)
    assert {r.status for line, r in results.items() if line != snippets[1].line} == {SKIPPED}


def test_the_author_opts_one_block_in_with_trusted(tmp_path):
    content = copy_site(tmp_path / "content")
    path = _write(content, "imported: claude\n", "```python trusted\nprint('ran')\n```\n\n```python\nprint(1)\n```\n")
    first, second = snippets_of(content, path)
    assert (first.kind, second.kind) == (PROGRAM, NORUN)
    assert check_all(content, path)[first.line].status == VERIFIED


def test_imported_false_makes_the_post_the_authors(tmp_path):
    content = copy_site(tmp_path / "content")
    path = _write(content, "source: chatgpt\nsource_id: abc\nimported: false\n", "```python\nprint('ran')\n```\n")
    assert [s.kind for s in snippets_of(content, path)] == [PROGRAM]


def test_trusted_cannot_be_combined_with_norun(tmp_path):
    content = copy_site(tmp_path / "content")
    path = _write(content, "imported: chatgpt\n", '```python trusted norun reason="x"\nprint(1)\n```\n')
    with pytest.raises(SnippetError, match="`norun` cannot be combined with `trusted`"):
        snippets_of(content, path)
