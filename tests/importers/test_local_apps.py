"""Local and self-hosted chat apps (issue 21): Open WebUI, LibreChat, LM Studio, SillyTavern, and ChatGPT's
own ``chat.html``. Fixtures: ``tests/fixtures/exports-2026`` (see its SOURCES.md for the real shapes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_builder.importers import driver, openwebui
from site_builder.importers.common import Sample
from site_builder.importers.driver import Selection, format_report, import_export
from site_builder.posts import parse_post

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPORTS = FIXTURES / "exports-2026"
OLDER = FIXTURES / "exports-2025"


def _import(monkeypatch, module, export: Path, out: Path):
    monkeypatch.setitem(driver.KINDS, module.SOURCE, module)
    return import_export(module.SOURCE, export, out, Selection(everything=True))


def _posts(out: Path) -> dict[str, object]:
    posts = [parse_post(p, p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.md"))]
    return {post.title: post for post in posts}


def _sample(path: Path) -> Sample:
    """What detection shows a reader: the file's name, its first JSON record (or line), its first text."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        value = json.loads(text)
        record = value[0] if isinstance(value, list) and value else value
    except ValueError:
        first = text.split("\n", 1)[0]
        try:
            record = json.loads(first)
        except ValueError:
            record = None
    return Sample(path.name, record, text[:256 << 10])


def _others(prefix: str) -> list[Path]:
    """The fixtures of every other format: last year's and this folder's, less this format's own."""
    return [p for p in sorted(OLDER.glob("*.json*")) + sorted(EXPORTS.glob("*"))
            if p.is_file() and not p.name.startswith(prefix) and p.suffix != ".md"]


def _answers(exchange) -> list[list[str]]:
    return [[turn.text for turn in variant] for variant in exchange.answers]


# --- 1. Open WebUI --------------------------------------------------------------------------------------


def test_openwebui_all_chats_every_message_arrives_with_its_variants(tmp_path, monkeypatch):
    report = _import(monkeypatch, openwebui, EXPORTS / "openwebui-all-chats.json", tmp_path)
    posts = _posts(tmp_path)
    assert set(posts) == {"Count lines in a file", "Summarise the report", "Stopped answer and an empty one"}
    lines = posts["Count lines in a file"]
    assert lines.meta["source"] == "openwebui"
    assert lines.meta["source_id"] == "b7e2d1c4-5a3f-4e8b-9c21-0d6f8a1e2b01"
    first, second = lines.exchanges
    assert first.question.text == "How do I count the lines of a file in the shell?"
    # the regenerated answer is the main line (currentId), the first answer its other variant
    main, other = _answers(first)
    assert main[0].endswith("Use `wc -l file.txt`: it prints the number of lines followed by the file name.")
    assert "[!REASONING] Thought for 4 seconds" in main[0]
    assert "`wc -l` is the usual answer & it is short." in main[0]  # unquoted, unescaped
    assert "&gt;" not in main[0]
    assert other == ["Run `cat file.txt | wc -l`."]
    assert second.question.text == "And the weather in Lisbon?"
    weather = _answers(second)[0][0]
    assert "*Tool call `get_weather`:*" in weather and '"city": "Lisbon"' in weather
    assert "18°C, light rain" in weather and "<details" not in weather
    assert weather.endswith("It is 18°C with light rain in Lisbon, so take an umbrella.")
    written = next(p.read_text(encoding="utf-8") for p in tmp_path.glob("*count-lines*.md"))
    assert "**System prompt of this chat:**" in written and "Answer briefly." in written
    models = {label: spec.get("model") for label, spec in lines.meta["speakers"].items()}
    assert models["Assistant"] in {"DeepSeek R1 14B", "llama3.1:8b", "qwen2.5:7b"}


def test_openwebui_several_models_files_sources_and_errors_are_shown(tmp_path, monkeypatch):
    _import(monkeypatch, openwebui, EXPORTS / "openwebui-all-chats.json", tmp_path)
    post = _posts(tmp_path)["Summarise the report"]
    (exchange,) = post.exchanges
    assert "*Attached file: `q3-report.pdf`*" in exchange.question.text
    assert "*Attached image: `image embedded in the export (image/png)`*" in exchange.question.text
    gpt, llama = _answers(exchange)
    assert gpt[0].startswith("Revenue grew 12% in the third quarter.")
    assert "- q3-report.pdf" in gpt[0] and "[Markets today](https://example.org/markets)" not in gpt[0]
    assert "(https://example.org/markets)" in gpt[0]
    assert "The model's answer failed: Ollama: 500" in llama[0]


def test_openwebui_a_stopped_answer_is_marked_an_empty_question_counted_a_bad_chat_refused(tmp_path, monkeypatch):
    report = _import(monkeypatch, openwebui, EXPORTS / "openwebui-all-chats.json", tmp_path)
    text = format_report(report)
    post = _posts(tmp_path)["Stopped answer and an empty one"]
    turns = [t.text for t in post.turns]
    assert turns[0] == "Write a haiku about rain."
    assert turns[1].startswith("Soft rain on the roof,\nthe gutters") and "[!WARNING]" in turns[1]
    # the empty question is left out (counted), so both answers make one turn
    assert len(turns) == 2 and turns[1].endswith("\n\nDid you mean to send an empty message?")
    outcome = next(o for o in report.outcomes if o.conversation.title == "Stopped answer and an empty one")
    assert outcome.conversation.dropped == (("4f3b7c1d-0003-4d5e-8f60-000000000003", "empty message"),)
    assert "refused    b7e2d1c4-5a3f-4e8b-9c21-0d6f8a1e2b03 'History that is not a map': " \
           "[2].chat.history.messages: expected an object, found a list" in text
    assert report.refused() == 1
    assert any(s.title == "New Chat" and s.reason == "no messages" for s in report.skipped)


def test_openwebui_single_chat_export_with_an_edited_question(tmp_path, monkeypatch):
    _import(monkeypatch, openwebui, EXPORTS / "openwebui-chat-export-1736165100123.json", tmp_path)
    post = _posts(tmp_path)["Bread without yeast"]
    questions = [e.question.text.split("\n\n")[-1] for e in post.exchanges]
    assert questions == ["Can I bake bread without yeast?", "How long does soda bread bake, and at what temperature?",
                         "How long does it bake?"]
    assert "Edited question: this branch asks another version of question 2" in post.exchanges[2].question.text
    assert _answers(post.exchanges[2]) == [["About 40 minutes at 200°C."]]
    assert str(post.meta["date"]).startswith("2025-01-06")


def test_openwebui_recognises_its_chats_only():
    assert openwebui.recognises(_sample(EXPORTS / "openwebui-all-chats.json"))
    assert openwebui.recognises(_sample(EXPORTS / "openwebui-chat-export-1736165100123.json"))
    for path in _others("openwebui"):
        assert not openwebui.recognises(_sample(path)), path.name
