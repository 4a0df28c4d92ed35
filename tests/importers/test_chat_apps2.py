"""Chat apps' own exports, part 2 (issue 21): Microsoft Copilot (privacy dashboard CSV) and Grok
(``prod-grok-backend.json``). Fixtures: ``tests/fixtures/exports-2026`` (SOURCES.md names the real shape each
was modelled on)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from site_builder.errors import ImportError_
from site_builder.importers import copilot, grok
from site_builder.importers.common import Sample
from site_builder.importers.detect import READERS, detect
from site_builder.importers.driver import Selection, format_report, import_export

from export_support import posts_by_title as _posts, sample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPORTS = FIXTURES / "exports-2026"
COPILOT = EXPORTS / "copilot-activity-history.csv"
COPILOT_BAD = EXPORTS / "copilot-bad-rows.csv"
GROK = EXPORTS / "grok-prod-grok-backend.json"
GROK_BAD = EXPORTS / "grok-bad-records.json"
OURS = (COPILOT, COPILOT_BAD, GROK, GROK_BAD)
OTHERS = sorted(p for folder in ("exports-2025", "exports-2026") for p in (FIXTURES / folder).rglob("*")
                if p.is_file() and p.suffix in (".json", ".jsonl", ".html", ".csv") and p not in OURS)
"""Exports of every other format: neither new reader may claim one of them."""


def _import(export: Path, out: Path, kind: str | None = None):
    return import_export(kind, export, out, Selection(everything=True))





# --- 1. Microsoft Copilot (privacy dashboard "Export all activity history") -------------------------------------


def test_copilot_fixture_has_the_export_byte_shape():
    data = COPILOT.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfConversation,Time,Author,Message\r\n")
    assert b'\n\n- Discard' in data and b'\r\n"Sourdough Starter Schedule",2026-07-26T23:20:56,AI,"' in data


def test_copilot_every_row_arrives_questions_before_answers(tmp_path):
    report = _import(COPILOT, tmp_path)  # found from the file: copilot is registered with detection
    posts = _posts(tmp_path)
    assert set(posts) == {"Sourdough Starter Schedule", "List Comprehension Filter"}
    bread = posts["Sourdough Starter Schedule"]
    assert bread.meta["source"] == "copilot" and bread.meta["source_id"].startswith("derived-")
    assert str(bread.date) == "2026-07-26"
    # the file is newest first and an answer shares its question's second: reversed, not sorted
    assert [t.role for t in bread.turns] == ["user", "assistant"] * 3
    texts = [t.text for t in bread.turns]
    assert texts[0] == "how often should I feed a sourdough starter?"
    assert texts[1].startswith("**Short answer:** once a day") and "- Feed it 50 g flour and 50 g water" in texts[1]
    assert texts[2] == 'what does "float test" mean?'
    assert 'a "stiff" starter can sink' in texts[3]
    assert [(b.lang, b.code) for b in bread.code_blocks] == [("text", "floats -> ready to bake\nsinks  -> feed it "
                                                                      "again\n")]
    assert texts[4:] == ["Can I use rye flour instead, and will it rise faster?",
                         "Yes: rye ferments faster, so feed it a little more often, say every 18 hours."]
    lists = posts["List Comprehension Filter"]
    assert [t.text.split("\n")[0] for t in lists.turns] == [
        "show me a list comprehension that keeps only even numbers", "Here you go:", "and as a generator?"]
    assert lists.code_blocks[0].code == "evens = [n for n in numbers if n % 2 == 0]\n"
    assert dict(report.dropped()) == {"empty message": 1}
    [bread_outcome] = [o for o in report.outcomes if o.conversation.title == "Sourdough Starter Schedule"]
    assert any("2 separate places" in p for p in bread_outcome.conversation.problems)


def test_copilot_ids_are_stable_when_the_history_grows(tmp_path):
    first = {c.title: c.source_id for c in _read(COPILOT)}
    grown = tmp_path / "copilot-activity-history.csv"
    text = COPILOT.read_bytes().decode("utf-8")
    header, rest = text.split("\r\n", 1)
    grown.write_bytes((header + '\r\n"Sourdough Starter Schedule",2026-07-29T07:00:00,AI,"Welcome back."\r\n'
                       '"Sourdough Starter Schedule",2026-07-29T07:00:00,Human,"I\'m back"\r\n' + rest).encode())
    again = {c.title: (c.source_id, c) for c in _read(grown)}
    assert {title: sid for title, (sid, _) in again.items()} == first
    bread = again["Sourdough Starter Schedule"][1]
    assert bread.exchanges[-1].question.text == "I'm back" and bread.exchanges[-1].answers[0][0].text == "Welcome back."


def _read(path: Path):
    return [item for _, item in copilot.conversations(path)]


def test_copilot_a_bad_row_refuses_its_conversation_by_name_the_others_are_imported(tmp_path):
    report = _import(COPILOT_BAD, tmp_path, "copilot")
    text = format_report(report)
    posts = _posts(tmp_path)
    assert set(posts) == {"Fine Before", "Fine After", "A Time That Is Not A Time"}
    assert [t.text for t in posts["Fine Before"].turns] == ["Hello?", "Hello! How can I help?"]
    assert "'Unknown Author': line 4: Author 'System' is neither Human nor AI" in text
    assert "'Cut Short': line 8: 3 column(s), expected 4" in text
    assert "line 6: Time: not a time ('yesterday')" in text
    assert report.refused() == 2


def test_copilot_a_csv_of_another_kind_is_refused_with_its_header(tmp_path):
    other = tmp_path / "copilot-chat-activity.csv"
    other.write_text("CreatedAt,MessageContent,Author,ChatName\r\n1/1/2026 10:00:00 +00:00,Hi,user,Research\r\n")
    with pytest.raises(ImportError_, match="not a Copilot activity history: its first line is 'CreatedAt"):
        _import(other, tmp_path / "posts", "copilot")


def test_copilot_a_file_that_is_not_utf8_is_named(tmp_path):
    export = tmp_path / "copilot-activity-history.csv"
    export.write_bytes("Conversation,Time,Author,Message\r\n\"Caf\xe9\",2026-01-01T00:00:00,Human,\"x\"\r\n"
                       .encode("latin-1"))
    with pytest.raises(ImportError_, match="not UTF-8"):
        _import(export, tmp_path / "posts", "copilot")


def test_copilot_is_read_as_a_stream_in_small_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(copilot, "_CHUNK", 7)  # rows and quoted line breaks cut across reads
    seen: list[int] = []
    items = [item for _, item in copilot.conversations(COPILOT, progress=lambda done, total: seen.append(done))]
    assert sorted(len(c.exchanges) for c in items) == [2, 3]
    assert len(seen) > 100 and seen[-1] == COPILOT.stat().st_size


def test_copilot_in_a_zip(tmp_path):
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.write(COPILOT, "Copilot/copilot-activity-history.csv")
    _import(export, tmp_path / "found", None)
    _import(export, tmp_path / "named", "copilot")
    assert len(_posts(tmp_path / "found")) == len(_posts(tmp_path / "named")) == 2


def test_copilot_recognises_its_header_only():
    assert copilot.recognises(sample(COPILOT)) and copilot.recognises(sample(COPILOT_BAD))
    assert copilot.recognises(Sample("x.csv", None, "conversation, time ,AUTHOR,Message,Extra\n"))
    assert not copilot.recognises(Sample("x.csv", None, "CreatedAt,MessageContent,Author,ChatName\n"))
    assert not copilot.recognises(Sample("x.csv", None, "Time,Conversation,Author,Message\n"))
    assert not copilot.recognises(Sample("x.json", {"Conversation": 1}, "Conversation,Time,Author,Message"))


# --- 2. Grok (prod-grok-backend.json) ---------------------------------------------------------------------------


def test_grok_every_response_and_what_it_holds_arrives(tmp_path):
    report = _import(GROK, tmp_path)  # found from the file: grok is registered with detection
    posts = _posts(tmp_path)
    assert set(posts) == {"Why the Sky Is Blue", "Lighthouse at Dusk"}
    sky = posts["Why the Sky Is Blue"]
    assert sky.meta["source"] == "grok" and sky.meta["source_id"] == "0f3b6a52-6c1e-4d7a-9b1f-2a8e5c7d9e01"
    assert str(sky.date) == "2026-08-06"
    # main line ends at leaf_response_id; the regenerated answer (same parent) is a second variant,
    # written under its question again
    texts = [t.text for t in sky.turns]
    assert [t.role for t in sky.turns] == ["user", "assistant"] * 3
    assert texts[0] == texts[2] == "Why is the sky blue?"
    answer = texts[1]
    assert answer.startswith("> [!REASONING] Thought for 7 seconds\n>\n> The user asks a classic physics question.")
    assert '> *Used `web_search`* `{"query":"why is the sky blue rayleigh"}`' in answer
    assert "grok:render" not in answer and "xai:" not in answer
    assert "long ones.[&#91;0&#93;](https://en.wikipedia.org/wiki/Rayleigh_scattering)" in answer
    assert "*(image 2 from the web search)*" in answer
    assert "**Sources:**\n\n- &#91;0&#93; [Rayleigh scattering - Wikipedia](https://en.wikipedia.org/wiki/" \
           "Rayleigh_scattering) (Wikipedia): Rayleigh scattering is the scattering" in answer
    assert "**Also found by its web search:**\n\n- &#91;2&#93; [Why is the sky blue? - Met Office]" in answer
    assert texts[3] == "Short version: air scatters blue light more than red light."
    assert texts[4] == ("And why are sunsets red? Here is my photo.\n\n"
                        "*Attached file: `7c0e2d44-91ab-4f3e-b6a1-0d9c8e7f6a52`*")
    assert texts[5].startswith("At sunset light crosses much more air")
    assert "[Post 1890000000000000001](https://x.com/i/status/1890000000000000001)" in texts[5]
    assert "- [NASA on X](https://x.com/NASA/status/1890000000000000001)" in texts[5]
    assert "Interrupted" in texts[5]  # partial: true
    light = [t.text for t in posts["Lighthouse at Dusk"].turns]
    assert light == ["Draw a lighthouse at dusk, watercolour style",
                     "*Image prompt: a watercolour lighthouse at dusk, warm light, calm sea*\n\n"
                     "*Generated image: `users/3f1e9a70/generated/8d7c6b5a-4e3f/image.jpg`*",
                     "Make the sea stormy\n\n*Page given: [https://en.wikipedia.org/wiki/Lighthouse]"
                     "(https://en.wikipedia.org/wiki/Lighthouse)*",
                     "*(Grok's answer ended with an error: Failed to respond.)*"]
    assert dict(report.dropped()) == {
        "a tool step of the answer (`steps`: a search or tool it ran), not shown": 1,
        "a card (`card_attachments_json`) that names no page, not shown": 1, "empty message": 1}
    skipped = {s.source_id: s.reason for s in report.skipped}
    assert skipped == {"projects": "1 project(s) (custom instructions and files): not conversations, not imported",
                       "media_posts": "1 generated image(s) and video(s) (`media_posts`): not conversations, "
                                      "not imported"}
    assert not any(s.refused for s in report.skipped)


def test_grok_a_bad_conversation_is_refused_and_named_the_others_are_imported(tmp_path):
    report = _import(GROK_BAD, tmp_path, "grok")
    text = format_report(report)
    assert set(_posts(tmp_path)) == {"Fine before", "Fine after"}
    assert ("refused    b-2 'Responses that are not a list': conversations[1].responses: expected a list, "
            "found a string") in text
    assert "'A response that is a number': conversations[2].responses[0].response: expected an object" in text
    assert report.refused() == 2


def test_grok_refuses_a_file_of_another_kind_by_name(tmp_path):
    with pytest.raises(ImportError_, match="not a Grok export"):
        _import(FIXTURES / "exports-2025" / "claude-single-conversation.json", tmp_path, "grok")


def test_grok_in_its_export_zip(tmp_path):
    export = tmp_path / "grok-export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        folder = "ttl/30d/export_data/3f1e9a70-0c4b-4d2e-8a55-6b7c8d9e0f12"
        archive.write(GROK, f"{folder}/prod-grok-backend.json")
        archive.writestr(f"{folder}/prod-mc-auth-mgmt-api.json", json.dumps({"user": {"userId": "u"}}))
        archive.writestr(f"{folder}/prod-mc-asset-server/7c0e2d44/content", "a photo")
    found = {f.member: f.kind for f in detect(export)}
    assert found[f"{folder}/prod-grok-backend.json"] == "grok"
    assert found[f"{folder}/prod-mc-auth-mgmt-api.json"] is None
    _import(export, tmp_path / "named", "grok")
    assert set(_posts(tmp_path / "named")) == {"Why the Sky Is Blue", "Lighthouse at Dusk"}


def test_grok_recognises_its_export_object_only():
    assert grok.recognises(sample(GROK)) and grok.recognises(sample(GROK_BAD))
    # a file too large to sample as JSON is still told by how it starts
    assert grok.recognises(Sample("prod-grok-backend.json", None, '{"conversations": [{"conversation": {"id"'))
    assert not grok.recognises(Sample("c.json", {"conversations": [{"from": "human", "value": "hi"}]}))
    assert not grok.recognises(Sample("c.json", {"conversations": []}))


# --- both: detection claims each file for one reader only -------------------------------------------------------


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_no_other_reader_claims_our_fixtures(path):
    expected = "copilot" if path.suffix == ".csv" else "grok"
    assert [r.SOURCE for r in READERS if r.recognises(sample(path))] == [expected]


def test_our_readers_claim_no_fixture_of_another_format():
    claimed = [(r.SOURCE, p.name) for p in OTHERS for r in (copilot, grok) if r.recognises(sample(p))]
    assert len(OTHERS) > 20 and claimed == []


def test_the_cli_finds_both_kinds_and_accepts_their_names(tmp_path, capsys):
    from site_builder.cli import main

    assert main(["import", str(COPILOT), "--all", "--out", str(tmp_path / "a"), "--no-progress"]) == 0
    assert main(["import", "grok", str(GROK), "--all", "--out", str(tmp_path / "b"), "--no-progress"]) == 0
    assert main(["import", "copilot", str(COPILOT_BAD), "--all", "--out", str(tmp_path / "c"), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "as a Microsoft Copilot activity history (CSV)" in out and "as a Grok data export" in out
    assert len(_posts(tmp_path / "a")) == 2 and len(_posts(tmp_path / "b")) == 2 and len(_posts(tmp_path / "c")) == 3
