"""Mistral Le Chat data export (issue 21): a zip of ``chat-<id>.json`` files, each a list of message objects not
in time order. Fixtures: ``tests/fixtures/exports-2026/lechat-*.json`` (SOURCES.md names the code the shape was
modelled on; no real export file was read)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from site_builder.errors import ImportError_
from site_builder.importers import lechat
from site_builder.importers.common import Sample
from site_builder.importers.detect import READERS, detect, kind_of
from site_builder.importers.driver import Selection, format_report, import_export

from tests.importers.export_support import posts_by_title, sample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHAT_ID = "6f1c2e9a-3b7d-4e21-9a55-0d8e4b7c2f10"
BAD_ID = "0b7e4d21-9c3f-4a8e-b5d6-7f1e2a3b4c5d"
CHAT = FIXTURES / "exports-2026" / f"lechat-chat-{CHAT_ID}.json"
BAD = FIXTURES / "exports-2026" / f"lechat-bad-chat-{BAD_ID}.json"
OURS = (CHAT, BAD)
OTHERS = sorted(p for folder in ("exports-2025", "exports-2026") for p in (FIXTURES / folder).rglob("*")
                if p.is_file() and p.suffix in (".json", ".jsonl", ".html", ".csv") and p not in OURS)
TITLE = "What's the boiling point of water at the top of Mont Blanc?"


def _import(export: Path, out: Path, kind: str | None = None):
    return import_export(kind, export, out, Selection(everything=True))


def _zip(tmp_path: Path, *files: tuple[str, Path | bytes]) -> Path:
    """An export zip as Le Chat writes it: ``chat-<id>.json`` files and ``chat-<id>-files/`` folders."""
    export = tmp_path / "lechat-export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        for name, data in files:
            archive.writestr(name, data.read_bytes() if isinstance(data, Path) else data)
    return export


def _message(mid: str, role: str, at: str, content: str, **extra) -> dict:
    base = {"id": mid, "version": 0, "chatId": "c-1", "content": content, "contentChunks": None, "role": role,
            "createdAt": at, "reaction": "neutral", "reactionDetail": None, "reactionComment": None,
            "preference": None, "preferenceOver": None, "context": None, "canvas": [], "quotes": [], "files": []}
    return base | extra


def _write(tmp_path: Path, messages: list) -> Path:
    path = tmp_path / "chat-c-1.json"
    path.write_text(json.dumps(messages), encoding="utf-8")
    return path


# --- the fixture's shape ---------------------------------------------------------------------------------------


def test_fixture_is_a_list_of_messages_out_of_time_order():
    messages = json.loads(CHAT.read_text(encoding="utf-8"))
    assert isinstance(messages, list) and len(messages) == 8
    assert {m["chatId"] for m in messages} == {CHAT_ID}
    times = [m["createdAt"] for m in messages]
    assert times != sorted(times)  # the real export is not in time order
    assert set(messages[0]) == {"id", "version", "chatId", "content", "contentChunks", "role", "createdAt", "reaction",
                                "reactionDetail", "reactionComment", "preference", "preferenceOver", "context",
                                "canvas", "quotes", "files"}


# --- every message arrives ---------------------------------------------------------------------------------------


def test_every_message_arrives_in_time_order(tmp_path):
    report = _import(CHAT, tmp_path)  # found from the file: lechat is registered with detection
    posts = posts_by_title(tmp_path)
    assert set(posts) == {TITLE}
    post = posts[TITLE]
    assert post.meta["source"] == "lechat" and post.meta["source_id"] == CHAT_ID
    assert str(post.date) == "2025-09-19"
    assert [t.role for t in post.turns] == ["user", "assistant"] * 4
    assert {t.speaker.name for t in post.turns} == {"User", "Le Chat"}
    texts = [t.text for t in post.turns]
    assert texts[0] == TITLE
    assert texts[2].startswith("Can you turn that into a short note I can print?")
    assert texts[4] == "And a picture of a pot boiling on a mountain, please."
    assert texts[6] == "How would I work it out myself for any altitude?"
    assert dict(report.dropped()) == {"a custom element of the answer (`custom_element`), not shown": 1}
    assert report.refused() == 0


def test_an_answer_keeps_its_tool_call_citations_and_sources(tmp_path):
    _import(CHAT, tmp_path, "lechat")
    answer = posts_by_title(tmp_path)[TITLE].turns[1].text
    lines = answer.split("\n")
    assert lines[0] == '*Used `web_search`* `{"query": "boiling point of water Mont Blanc summit"}`'
    # text chunks and the citations between them make one sentence, each citation linked to its page
    assert "boils at roughly **84 °C**[&#91;1&#93;](https://en.wikipedia.org/wiki/High-altitude_cooking), " \
           "because the air pressure" in answer
    assert "sea level[&#91;2&#93;](https://www.engineeringtoolbox.com/boiling-points-water-altitude-d_1344.html)." \
        in answer
    assert "So pasta takes noticeably longer to cook" in answer
    assert "- &#91;1&#93; [High-altitude cooking](https://en.wikipedia.org/wiki/High-altitude_cooking) (Wikipedia): " \
           "Water boils at lower temperatures at higher altitudes." in answer
    # the page the search found but the answer does not cite is still shown
    assert "**Also found by its tools:**\n\n- [Mont Blanc](https://www.chamonix.com/mont-blanc) (chamonix.com): " \
           "The highest summit of the Alps, 4,806 m." in answer
    assert answer.count("Used `web_search`") == 1  # the text is read from the chunks, not again from `content`


def test_files_canvas_generated_image_and_code_are_shown(tmp_path):
    _import(CHAT, tmp_path, "lechat")
    post = posts_by_title(tmp_path)[TITLE]
    texts = [t.text for t in post.turns]
    assert texts[2].endswith("*Attached image: `summit-photo.jpg`*")
    assert texts[3].startswith("Here is a printable note:\n\n**Canvas: Boiling at altitude**\n\n# Boiling at altitude")
    assert "- Mont Blanc summit: about 84 °C" in texts[3]
    assert '*Used `generate_image`* `{"prompt": "a steaming pot on a camping stove on a snowy summit"}`' in texts[5]
    assert "*Generated image: [the image](https://files.mistral.ai/generated/5f2b9c1e-pot-on-summit.png?sig=abc123)*" \
        in texts[5]
    assert [(b.lang, b.code.splitlines()[2]) for b in post.code_blocks] == [("python",
                                                                              "def boiling_point(altitude_m):")]


# --- a malformed record --------------------------------------------------------------------------------------------


def test_a_zip_of_chats_imports_each_and_refuses_a_malformed_one_by_name(tmp_path):
    export = _zip(tmp_path, (f"chat-{CHAT_ID}.json", CHAT), (f"chat-{CHAT_ID}-files/summit-photo.jpg", b"\xff\xd8"),
                  (f"chat-{BAD_ID}.json", BAD))
    found = detect(export)
    assert [(f.member, f.kind) for f in found] == [(f"chat-{BAD_ID}.json", "lechat"),
                                                   (f"chat-{CHAT_ID}.json", "lechat")]
    report = _import(export, tmp_path / "posts")
    text = format_report(report)
    assert set(posts_by_title(tmp_path / "posts")) == {TITLE}
    assert report.refused() == 1
    assert f"refused    {BAD_ID} 'Hello?': [1].contentChunks[0]: expected an object, found a string" in text


def test_a_message_of_another_role_refuses_its_conversation_naming_the_place(tmp_path):
    path = _write(tmp_path, [_message("m1", "user", "2025-01-01T10:00:00.000Z", "Hi"),
                             _message("m2", "system", "2025-01-01T10:00:01.000Z", "You are helpful.")])
    report = _import(path, tmp_path / "posts", "lechat")
    [skipped] = report.skipped
    assert skipped.refused and skipped.source_id == "c-1" and skipped.title == "Hi"
    assert skipped.reason == "[1].role: 'system' is neither user nor assistant"
    assert report.outcomes == ()


def test_an_element_that_is_not_a_message_is_refused_not_read(tmp_path):
    path = _write(tmp_path, [_message("m1", "user", "2025-01-01T10:00:00.000Z", "Hi"), "not a message"])
    [(_, item)] = list(lechat.conversations(path))
    assert item.refused and item.reason == "[1]: expected an object, found a string"


def test_another_export_given_as_lechat_is_named_not_read(tmp_path):
    chatgpt = FIXTURES / "exports-2025" / "chatgpt-bad-records.json"
    with pytest.raises(ImportError_, match=r"\[0\]: not a Le Chat message") as caught:
        _import(chatgpt, tmp_path, "lechat")
    assert "this looks like a ChatGPT export" in caught.value.hint


def test_an_openai_messages_list_is_not_taken_for_a_chat(tmp_path):
    path = tmp_path / "messages.json"
    path.write_text(json.dumps([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]))
    assert not lechat.recognises(sample(path))
    with pytest.raises(ImportError_, match="not a Le Chat message"):
        _import(path, tmp_path / "posts", "lechat")


# --- what is read leniently ------------------------------------------------------------------------------------------


def test_a_message_in_two_versions_is_shown_as_two_answers(tmp_path):
    path = _write(tmp_path, [
        _message("a1", "assistant", "2025-01-01T10:00:05.000Z", "Second try."),
        _message("q1", "user", "2025-01-01T10:00:00.000Z", "Tell me a joke"),
        _message("a1", "assistant", "2025-01-01T10:00:02.000Z", "First try.", version=1),
    ])
    [(_, conv)] = list(lechat.conversations(path))
    [exchange] = conv.exchanges
    assert exchange.question.text == "Tell me a joke"
    assert sorted(answer[0].text for answer in exchange.answers) == ["First try.", "Second try."]
    assert any("more than one version" in p for p in conv.problems)


def test_quotes_thinking_and_unknown_parts_are_shown_or_counted(tmp_path):
    path = _write(tmp_path, [
        _message("q1", "user", "2025-01-01T10:00:00.000Z", "Why?", quotes=["84 °C at the top"],
                 context={"library": "notes"}),
        _message("a1", "assistant", "2025-01-01T10:00:02.000Z", "Because of pressure.", contentChunks=[
            {"type": "thinking", "thinking": [{"type": "text", "text": "Lower pressure, lower boiling point."}]},
            {"type": "text", "text": "Because of pressure."},
            {"type": "hologram", "data": 1},
            {"type": "reference", "referenceIds": [7]}]),
    ])
    [(_, conv)] = list(lechat.conversations(path))
    question = conv.exchanges[0].question.text
    answer = conv.exchanges[0].answers[0][0].text
    assert question == "*Quoted:*\n\n> 84 °C at the top\n\nWhy?"
    assert answer.startswith("> [!REASONING]\n>\n> Lower pressure, lower boiling point.\n\n"
                             "Because of pressure.&#91;1&#93;")
    assert "- &#91;1&#93; (reference `7`: not in the export)" in answer
    assert sorted(reason for _, reason in conv.dropped) == ["a part of type 'hologram', not shown",
                                                            "the message's `context`, not shown"]


def test_a_chat_without_a_shown_message_is_skipped_as_empty(tmp_path):
    path = _write(tmp_path, [_message("q1", "user", "2025-01-01T10:00:00.000Z", "  ")])
    [(_, item)] = list(lechat.conversations(path))
    assert not item.refused and item.reason == "no messages" and item.source_id == "c-1"


# --- recognition ------------------------------------------------------------------------------------------------


def test_recognises_its_own_files_and_only_them():
    assert lechat.recognises(sample(CHAT)) and lechat.recognises(sample(BAD))
    assert [kind_of(r) for r in READERS if r.recognises(sample(CHAT))] == ["lechat"]
    claimed = [p.name for p in OTHERS if lechat.recognises(sample(p))]
    assert claimed == []


@pytest.mark.parametrize("record", [
    None,
    {"chatId": "c", "contentChunks": None, "createdAt": "2025-01-01T00:00:00Z"},          # no role
    {"chatId": "c", "contentChunks": None, "createdAt": "2025-01-01T00:00:00Z", "role": "tool"},
    {"chatId": "c", "contentChunks": "text", "createdAt": "2025-01-01T00:00:00Z", "role": "user"},
    {"conversationId": "c", "messages": [{"role": "user", "content": "Hi"}]},
])
def test_recognises_refuses_what_is_not_a_le_chat_message(record):
    assert not lechat.recognises(Sample("chat-c.json", record))


def test_a_chat_id_ending_in_digits_is_not_taken_for_a_part_of_a_split_export(tmp_path):
    """``chat-…-123456789012.json`` looks like the part ``-NNN`` of a split export: it is still read as itself."""
    messages = json.loads(CHAT.read_text(encoding="utf-8"))
    digits = "5d0c3a1e-7b2f-4c9d-8e6a-123456789012"
    export = _zip(tmp_path, (f"chat-{digits}.json", json.dumps([m | {"chatId": digits} for m in messages])))
    report = _import(export, tmp_path / "posts")
    [outcome] = report.outcomes
    assert outcome.conversation.source_id == digits and outcome.turns == 8
