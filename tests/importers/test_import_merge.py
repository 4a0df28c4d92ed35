"""Merging re-imports (issue 21): a conversation imported, edited by the author, then continued in the app and
exported again -> the new turns are appended to the edited post and every edit is kept; a turn changed on both
sides is a conflict, shown as a diff, and nothing is written until the author decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.importers.detect import detect
from site_builder.importers.driver import Selection, import_export
from site_builder.importers.merge import recorded_turns, turn_hash
from site_builder.posts import parse_post

FIXTURES = Path(__file__).parent.parent / "fixtures"
CORPUS = FIXTURES  # the copies of ../shared/corpus (chatgpt-export, claude-export, sharegpt), with SOURCES.md


def _claude(*texts: str, uuid: str = "conv-1") -> list[dict]:
    messages = [{"uuid": f"m{i}", "sender": "human" if i % 2 == 0 else "assistant", "text": text,
                 "created_at": f"2024-05-01T09:{i:02d}:00Z"} for i, text in enumerate(texts)]
    return [{"uuid": uuid, "name": "Sorting in Python", "created_at": "2024-05-01T09:00:00Z",
             "chat_messages": messages}]


FIRST = ("How do I sort a list of tuples by the second item?",
         "Use `sorted(pairs, key=lambda p: p[1])`.\n\n```python\nprint(sorted([(1, 'b'), (2, 'a')], key=lambda p: p[1]))\n```",
         "And in reverse?",
         "Add `reverse=True`.")
MORE = ("What about stability?", "Python's sort is stable: equal keys keep their order.")


def _export(tmp_path: Path, *texts: str) -> Path:
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps(_claude(*texts)), encoding="utf-8")
    return export


def _import(export: Path, out: Path, **flags):
    return import_export(None, export, out, Selection(everything=True), **flags).outcomes[0]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_new_turns_are_appended_to_the_edited_post_and_every_edit_is_kept(tmp_path):
    out = tmp_path / "posts"
    path = _import(_export(tmp_path, *FIRST), out).path
    _edit(path, "title: Sorting in Python", "title: Sorting tuples, with Claude\ntags: [python]")
    _edit(path, "Add `reverse=True`.", "Add `reverse=True`.\n\n> [!NOTE]\n> I checked this one in the REPL.")
    _edit(path, "And in reverse?", "And in reverse order?")  # a typo fixed in the author's question
    _edit(path, "```python norun", "```python trusted")
    path.write_text(path.read_text(encoding="utf-8") + "\n<!-- end of conversation -->\n\nWhat I learned: key=.\n",
                    encoding="utf-8")
    edited = path.read_text(encoding="utf-8")

    outcome = _import(_export(tmp_path, *FIRST, *MORE), out)
    assert outcome.action == "merged"
    assert outcome.detail == "2 turns added, 0 updated from the export, 3 edited turns kept"
    text = path.read_text(encoding="utf-8")
    for kept in ("title: Sorting tuples, with Claude", "tags: [python]", "I checked this one in the REPL.",
                 "And in reverse order?", "```python trusted"):
        assert kept in text
    post = parse_post(path, text)
    assert [t.text.split("\n")[0] for t in post.turns][-2:] == list(MORE)
    assert post.outro.startswith("What I learned")
    assert text.index(MORE[1]) < text.index("<!-- end of conversation -->")
    # the edited parts are byte for byte where they were
    assert text.startswith(edited.split("\nimported_turns:")[0])

    # again: nothing new in the export, nothing changes
    assert _import(_export(tmp_path, *FIRST, *MORE), out).action == "unchanged"
    assert path.read_text(encoding="utf-8") == text


def test_a_turn_changed_on_both_sides_is_a_conflict_shown_as_a_diff_and_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "posts"
    path = _import(_export(tmp_path, *FIRST), out).path
    _edit(path, "Add `reverse=True`.", "Add `reverse=True` (or negate a numeric key).")
    edited = path.read_bytes()
    changed = (*FIRST[:3], "Pass `reverse=True` to sorted().", *MORE)
    export = _export(tmp_path, *changed)
    assert main(["import", str(export), "--all", "--out", str(out), "--no-progress"]) == 1
    report = capsys.readouterr().out
    assert "conflict" in report and "turn 4 (line" in report
    assert "-Claude: Add `reverse=True` (or negate a numeric key)." in report
    assert "+Claude: Pass `reverse=True` to sorted()." in report
    assert "--keep-edits" in report and "--force-edited" in report
    assert path.read_bytes() == edited

    # the author decides: keep their side, merge the rest
    outcome = _import(export, out, keep_edits=True)
    assert outcome.action == "merged"
    text = path.read_text(encoding="utf-8")
    assert "(or negate a numeric key)" in text and "Pass `reverse=True`" not in text and MORE[1] in text
    # or take the export whole
    assert _import(export, out, force_edited=True).action == "overwritten"
    assert "Pass `reverse=True` to sorted()." in path.read_text(encoding="utf-8")


def test_a_turn_changed_only_in_the_export_is_updated_and_the_authors_edit_elsewhere_kept(tmp_path):
    out = tmp_path / "posts"
    path = _import(_export(tmp_path, *FIRST), out).path
    _edit(path, "How do I sort a list", "How can I sort a list")
    outcome = _import(_export(tmp_path, *FIRST[:3], "Pass `reverse=True`."), out)
    assert (outcome.action, outcome.detail) == ("merged", "0 turns added, 1 updated from the export, "
                                                          "1 edited turns kept")
    text = path.read_text(encoding="utf-8")
    assert "How can I sort a list" in text and "Claude: Pass `reverse=True`." in text and "Add `reverse" not in text


def test_an_unedited_post_takes_the_continued_conversation_without_force(tmp_path):
    out = tmp_path / "posts"
    path = _import(_export(tmp_path, *FIRST), out).path
    outcome = _import(_export(tmp_path, *FIRST, *MORE), out)
    assert (outcome.action, outcome.detail) == ("updated", "the conversation went on")
    assert MORE[1] in path.read_text(encoding="utf-8")


def test_turns_added_by_hand_stop_the_merge_and_say_why(tmp_path):
    out = tmp_path / "posts"
    path = _import(_export(tmp_path, *FIRST), out).path
    _edit(path, "\n\nUser: And in reverse?", "\n\nUser: One more thing.\n\nClaude: Sure.\n\nUser: And in reverse?")
    edited = path.read_bytes()
    outcome = _import(_export(tmp_path, *FIRST, *MORE), out)
    assert outcome.action == "edited" and outcome.detail == "turns were added or removed since the import (4 imported, 6 now)"
    assert path.read_bytes() == edited


EXPORTS = [
    *sorted((FIXTURES / "exports-2025").glob("*.json*")),
    *sorted(p for p in (FIXTURES / "exports-2026").glob("*") if p.suffix in (".json", ".jsonl", ".html", ".csv")),
    *sorted((CORPUS / "chatgpt-export").glob("*.json")),
    *sorted((CORPUS / "claude-export").glob("*.json")),
]


def test_the_record_is_checked_on_every_format():
    """A folder moved or renamed must not shrink the test below silently."""
    assert len(EXPORTS) >= 45
    kinds = {found.kind for path in EXPORTS for found in detect(path)}
    assert len(kinds) == 15, kinds


@pytest.mark.parametrize("export", EXPORTS, ids=lambda p: p.name)
def test_every_imported_post_records_its_turns_as_the_parser_reads_them(export, tmp_path):
    """The merge's record must match what the parser reads back, or an unedited turn would look edited."""
    report = import_export(None, export, tmp_path / "posts", Selection(everything=True))
    for outcome in report.outcomes:
        text = outcome.path.read_text(encoding="utf-8")
        post = parse_post(outcome.path, text)
        assert recorded_turns(text) == tuple(turn_hash(t.speaker.name, t.text) for t in post.turns), outcome.path
