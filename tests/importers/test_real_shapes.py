"""Shapes met in real session and export files that other people published (issue 21): each test imports a
fixture of ours written in that file's shape (``tests/fixtures/exports-2026/real-shapes``, see SOURCES.md) and
checks that every message arrives."""

from __future__ import annotations

from pathlib import Path


from site_builder.importers.detect import detect
from site_builder.importers.driver import Selection, import_export
from site_builder.posts import parse_post

SHAPES = Path(__file__).resolve().parents[1] / "fixtures" / "exports-2026" / "real-shapes"
WEB = SHAPES / "claude-code-web-loglines.json"
NULL_PARENTS = SHAPES / "claude-code-null-parents.jsonl"
EVENT_PROMPTS = SHAPES / "rollout-2026-03-09T10-20-30-7c1d0a52-3e4f-4a6b-9c8d-1e2f3a4b5c6d.jsonl"
ID_ONLY = SHAPES / "rollout-5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e.jsonl"
OUTPUT_ITEMS = SHAPES / "openwebui-output-items.json"



def _posts(kind: str, export: Path, out: Path):
    report = import_export(kind, export, out, Selection(everything=True))
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.md"))}
    return report, {parse_post(out / name, text).title: (parse_post(out / name, text), text)
                    for name, text in texts.items()}


def _roles(post) -> list[str]:
    return [turn.role for turn in post.turns]


# Claude Code ------------------------------------------------------------------------------------------------


def test_web_session_lines_without_uuids_read_in_file_order_not_as_threads(tmp_path):
    _, posts = _posts("claude-code", WEB, tmp_path)
    [(post, text)] = posts.values()
    assert _roles(post) == ["user", "assistant", "user", "assistant"]
    assert "Another thread" not in text and "Another version" not in text
    assert post.turns[0].text.startswith("Write a function that counts vowels")
    assert "Make it count y as a vowel too" in post.turns[2].text
    assert "`vowels('rhythm')` gives 1" in post.turns[3].text
    assert text.index("A small function and one test will do.") < text.index("File created successfully")
    assert text.index("File created successfully") < text.rindex("Make it count y")


def test_null_parents_chain_in_file_order_and_a_broken_line_gives_way_to_its_rewrite(tmp_path):
    report, posts = _posts("claude-code", NULL_PARENTS, tmp_path)
    (post, text), = posts.values()
    assert post.title == "Cache warm-up after deploys"
    assert _roles(post) == ["user", "assistant", "user", "user", "assistant"]
    assert "Another thread" not in text
    assert "Thanks — and what does the header say after warming?" in post.turns[3].text  # the rewrite of e4
    assert text.count("It says `X-Cache: HIT`") == 1  # e5 written twice, shown once
    [outcome] = report.outcomes
    assert not any("cycle" in problem for problem in outcome.conversation.problems)


def test_null_parents_report_names_every_left_out_line(tmp_path):
    report, _ = _posts("claude-code", NULL_PARENTS, tmp_path)
    reasons = report.dropped()
    assert reasons["lines repeated (the uuid and message of an earlier line)"] == 1
    assert reasons["lines of a shape not understood (named in the problems)"] == 1
    assert reasons["lines without a `type` (not shown)"] == 1
    assert not any("None" in reason for reason in reasons)


def test_command_contents_are_shown_with_the_command(tmp_path):
    _, posts = _posts("claude-code", NULL_PARENTS, tmp_path)
    (post, _), = posts.values()
    assert "`warm-cache --region eu`" in post.turns[2].text
    assert "Fetch the ten most visited pages of the eu region once." in post.turns[2].text


# Codex ------------------------------------------------------------------------------------------------------


def test_a_prompt_logged_only_as_an_event_is_shown_and_copies_are_shown_once(tmp_path):
    report, posts = _posts("codex", EVENT_PROMPTS, tmp_path)
    (post, text), = posts.values()
    assert post.title == "List the beds that need water today."
    assert _roles(post) == ["user", "assistant", "user", "user", "assistant"]
    assert post.turns[0].text == "List the beds that need water today."
    assert "Only the tomatoes need water." in post.turns[1].text
    assert text.count("And tomorrow?") == 2  # the intro's list of prompts, and the prompt itself
    assert text.count("Also the herbs, please.") == 2
    reasons = report.dropped()
    assert reasons["event_msg user_message lines (the app's copy of the session, not shown)"] == 1
    assert reasons["user messages shown from their event_msg copy (the same prompt)"] == 1


def test_reasoning_parts_inside_a_codex_message_are_reasoning(tmp_path):
    _, posts = _posts("codex", EVENT_PROMPTS, tmp_path)
    (_, text), = posts.values()
    assert "> [!REASONING]" in text
    assert "> Tomorrow is forecast to rain." in text
    assert "Tomorrow none: rain is forecast, herbs included." in text


def test_an_older_rollout_starting_with_only_id_and_timestamp_is_found_and_read(tmp_path):
    [found] = detect(ID_ONLY)
    assert found.kind == "codex"
    _, posts = _posts("codex", ID_ONLY, tmp_path)
    (post, _), = posts.values()
    assert _roles(post) == ["user", "assistant"]
    assert "Renamed in `config.toml` and its loader." in post.turns[1].text
    assert str(post.date) == "2025-05-02"


def test_a_file_with_only_id_and_timestamp_not_named_rollout_is_not_claimed(tmp_path):
    other = tmp_path / "notes.jsonl"
    other.write_text(ID_ONLY.read_text(encoding="utf-8"), encoding="utf-8")
    [found] = detect(other)
    assert found.kind != "codex"


# Open WebUI -------------------------------------------------------------------------------------------------


def test_open_webui_output_items_give_the_full_reasoning_and_the_tool_call(tmp_path):
    _, posts = _posts("openwebui", OUTPUT_ITEMS, tmp_path)
    assert set(posts) == {"Trains to Lyon", "Tide at Brest"}
    post, text = posts["Trains to Lyon"]
    assert _roles(post) == ["user", "assistant"]
    assert "> [!REASONING] Thought for 2 seconds" in text
    assert "The TGV takes 1 h 56 min on the fastest runs." in text
    assert "Thinking..." not in text
    assert post.turns[1].text.rstrip().endswith("About two hours.")
    post, text = posts["Tide at Brest"]
    answer = post.turns[1].text
    assert "*Tool call `tide_table`:*" in answer
    assert '"port": "Brest"' in answer
    assert "High tide 14:32" in answer
    assert answer.index("High tide 14:32") < answer.index("High tide is at 14:32.")
    assert "web_preview" in answer and "https://tides.example/brest" in answer  # an unknown item, as JSON
    assert answer.count("High tide is at 14:32.") == 1
