"""Local and self-hosted chat apps (issue 21): Open WebUI, LibreChat, LM Studio, SillyTavern, and ChatGPT's
own ``chat.html``. Fixtures: ``tests/fixtures/exports-2026`` (see its SOURCES.md for the real shapes)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from site_builder.importers import chatgpt_html, librechat, lmstudio, openwebui, sillytavern
from site_builder.importers.common import Sample
from site_builder.importers.driver import Selection, format_report, import_export

from export_support import import_with, posts_by_title, sample as _sample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPORTS = FIXTURES / "exports-2026"
OLDER = FIXTURES / "exports-2025"








def _others(prefix: str) -> list[Path]:
    """The fixtures of every other format: last year's and this folder's, less this format's own."""
    return [p for p in sorted(OLDER.glob("*.json*")) + sorted(EXPORTS.glob("*"))
            if p.is_file() and not p.name.startswith(prefix) and p.suffix != ".md"]


def _answers(exchange) -> list[list[str]]:
    return [[turn.text for turn in variant] for variant in exchange.answers]


# --- 1. Open WebUI --------------------------------------------------------------------------------------


def test_openwebui_all_chats_every_message_arrives_with_its_variants(tmp_path):
    import_with(openwebui, EXPORTS / "openwebui-all-chats.json", tmp_path)
    posts = posts_by_title(tmp_path)
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


def test_openwebui_several_models_files_sources_and_errors_are_shown(tmp_path):
    import_with(openwebui, EXPORTS / "openwebui-all-chats.json", tmp_path)
    post = posts_by_title(tmp_path)["Summarise the report"]
    (exchange,) = post.exchanges
    assert "*Attached file: `q3-report.pdf`*" in exchange.question.text
    assert "*Attached image: `image embedded in the export (image/png)`*" in exchange.question.text
    gpt, llama = _answers(exchange)
    assert gpt[0].startswith("Revenue grew 12% in the third quarter.")
    assert "- q3-report.pdf" in gpt[0] and "- [Markets today](https://example.org/markets)" in gpt[0]
    assert "The model's answer failed: Ollama: 500" in llama[0]


def test_openwebui_a_stopped_answer_is_marked_an_empty_question_counted_a_bad_chat_refused(tmp_path):
    report = import_with(openwebui, EXPORTS / "openwebui-all-chats.json", tmp_path)
    text = format_report(report)
    post = posts_by_title(tmp_path)["Stopped answer and an empty one"]
    turns = [t.text for t in post.turns]
    assert turns[0] == "Write a haiku about rain."
    assert turns[1].startswith("Soft rain on the roof,\nthe gutters") and "[!IMPORTED]" in turns[1]
    # the empty question is left out (counted), so both answers make one turn
    assert len(turns) == 2 and turns[1].endswith("\n\nDid you mean to send an empty message?")
    outcome = next(o for o in report.outcomes if o.conversation.title == "Stopped answer and an empty one")
    assert outcome.conversation.dropped == (("4f3b7c1d-0003-4d5e-8f60-000000000003", "empty message"),)
    assert "refused    b7e2d1c4-5a3f-4e8b-9c21-0d6f8a1e2b03 'History that is not a map': " \
           "[2].chat.history.messages: expected an object, found a list" in text
    assert report.refused() == 1
    assert any(s.title == "New Chat" and s.reason == "no messages" for s in report.skipped)


def test_openwebui_single_chat_export_with_an_edited_question(tmp_path):
    import_with(openwebui, EXPORTS / "openwebui-chat-export-1736165100123.json", tmp_path)
    post = posts_by_title(tmp_path)["Bread without yeast"]
    questions = [e.question.text.split("\n\n")[-1] for e in post.exchanges]
    assert questions == ["Can I bake bread without yeast?", "How long does soda bread bake, and at what temperature?",
                         "How long does it bake?"]
    assert "Edited question: this branch asks another version of question 2" in post.exchanges[2].question.text
    assert _answers(post.exchanges[2]) == [["About 40 minutes at 200°C."]]
    assert str(post.meta["date"]).startswith("2025-01-06")


def test_openwebui_details_written_on_one_line_and_a_tool_result_in_the_body():
    """The compact form of ``<details>`` (as in LibreChat's Open WebUI import fixture): no newlines, the
    reasoning escaped, a tool's result as the block's body."""
    text = openwebui.details('<details type="reasoning" done="true" duration="3"><summary>Thought for 3 seconds'
                             '</summary>&gt; Let me break this down...</details>255')
    assert text == "> [!REASONING] Thought for 3 seconds\n>\n> Let me break this down...\n\n255"
    tool = openwebui.details('<details type="tool_calls"><summary>Tool Executed</summary>"Paris: 18C, rain"</details>'
                             'The weather in Paris is 18C with rain.')
    assert tool.startswith("*Tool call:*\n\n*Result:*") and '"Paris: 18C, rain"' in tool
    assert tool.endswith("The weather in Paris is 18C with rain.")


def test_openwebui_recognises_its_chats_only():
    assert openwebui.recognises(_sample(EXPORTS / "openwebui-all-chats.json"))
    assert openwebui.recognises(_sample(EXPORTS / "openwebui-chat-export-1736165100123.json"))
    for path in _others("openwebui"):
        assert not openwebui.recognises(_sample(path)), path.name


# --- 2. LibreChat ---------------------------------------------------------------------------------------


def test_librechat_tree_export_every_message_arrives_newest_siblings_first(tmp_path):
    report = import_with(librechat, EXPORTS / "librechat-tree.json", tmp_path)
    post = posts_by_title(tmp_path)["Fast lookups by id"]
    assert post.meta["source"] == "librechat" and post.meta["source_id"] == "7d3c0b1e-91a4-4f6e-b2d8-5e0a9c4f1a20"
    assert str(post.meta["date"]).startswith("2025-03-02")
    # LibreChat shows the newest sibling: the edited question is the main line, the first question a branch
    questions = [e.question.text.split("\n\n") for e in post.exchanges]
    assert questions[0] == ["How do I look up items by id quickly in old JavaScript without Map?"]
    assert _answers(post.exchanges[0]) == [["Index them in an object: `byId[item.id] = item`."]]
    assert "Edited question" in questions[1][0] and questions[1][-2:] == [
        "How do I look up items by id quickly in JavaScript?", "*Attached: `items.json`*"]
    newest, first = _answers(post.exchanges[1])
    assert "[!REASONING]" in newest[0] and "Map keeps insertion order." in newest[0]
    assert newest[0].endswith("Build a `Map` from the array once, then call `map.get(id)`.")
    assert first == ["Use a `Map` keyed by id; lookups are O(1)."]
    assert post.exchanges[2].question.text.endswith("Is it faster than a plain object?")
    tool = _answers(post.exchanges[2])[0][0]
    assert "*Tool call `web_search`:*" in tool and '"query": "Map vs object performance V8"' in tool
    assert "V8 blog: Maps are faster" in tool and tool.endswith("A `Map` is faster when keys are added and removed often.")
    outcome = report.outcomes[0]
    assert outcome.conversation.dropped == (("c1a0e5d2-0003-4b7a-9c3e-000000000003",
                                             "`agent\\_update` part (not shown in the chat)"),)
    written = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
    assert "You answer JavaScript questions with short code." in written and "Code helper" in written


def test_librechat_the_older_messagesTree_key_reads_the_same(tmp_path):
    data = json.loads((EXPORTS / "librechat-tree.json").read_text(encoding="utf-8"))
    data["messagesTree"] = data.pop("messages")
    export = tmp_path / "older.json"
    export.write_text(json.dumps(data), encoding="utf-8")
    import_with(librechat, export, tmp_path / "posts")
    post = posts_by_title(tmp_path / "posts")["Fast lookups by id"]
    assert len(post.exchanges) == 3 and sum(len(e.answers) for e in post.exchanges) == 4


def test_librechat_linear_export_unfinished_error_and_empty_messages(tmp_path):
    report = import_with(librechat, EXPORTS / "librechat-linear.json", tmp_path)
    post = posts_by_title(tmp_path)["Cron every weekday"]
    turns = [t.text for t in post.turns]
    assert turns[:3] == ["Write a cron line for 7am on weekdays.", "`0 7 * * 1-5` runs at 07:00 from Monday to Friday.",
                         "And in UTC if I am in New York?"]
    assert turns[3].startswith("In summer (EDT) 07:00 is 11:00 UTC") and "Interrupted" in turns[3]
    assert "error LibreChat showed in place of an answer" in turns[3]
    assert turns[3].endswith("429 Rate limit reached for gpt-4o-mini")
    assert report.outcomes[0].conversation.dropped == (("5e7d1a0c-0005-4c2b-8a9d-000000000005", "empty message"),)
    assert post.meta["speakers"]["Assistant"]["model"] == "gpt-4o-mini"


def test_librechat_a_malformed_export_is_refused_and_named(tmp_path):
    data = json.loads((EXPORTS / "librechat-linear.json").read_text(encoding="utf-8"))
    data["messages"][2]["messageId"] = 42
    export = tmp_path / "bad.json"
    export.write_text(json.dumps(data), encoding="utf-8")
    report = import_with(librechat, export, tmp_path / "posts")
    assert report.refused() == 1 and not report.outcomes
    assert "refused    0b9e2f4d-3c71-4a58-8e16-7f2d5c9a3b40 'Cron every weekday': messages[2].messageId: " \
           "expected a string, found a number" in format_report(report)


def test_librechat_recognises_its_exports_only_not_chatgpt_exports_made_for_its_importer():
    assert librechat.recognises(_sample(EXPORTS / "librechat-tree.json"))
    assert librechat.recognises(_sample(EXPORTS / "librechat-linear.json"))
    corpus = FIXTURES / "chatgpt-export"  # LibreChat's ChatGPT exports (copied from ../shared/corpus)
    for path in _others("librechat") + sorted(corpus.glob("librechat_*.json")):
        assert not librechat.recognises(_sample(path)), path.name


# --- 3. LM Studio ---------------------------------------------------------------------------------------

LMSTUDIO = EXPORTS / "lmstudio-1746526932473.conversation.json"


def test_lmstudio_versions_are_answer_variants_and_every_message_arrives(tmp_path):
    report = import_with(lmstudio, LMSTUDIO, tmp_path)
    post = posts_by_title(tmp_path)["Split a CSV by column"]
    assert post.meta["source"] == "lmstudio" and post.meta["source_id"] == "lmstudio-1746526932473"
    assert str(post.meta["date"]).startswith("2025-05-06")
    first, rate, edited_away, edited = post.exchanges
    assert first.question.text.split("\n\n") == ["How do I split sales.csv into one file per region (column 3)?",
                                                  "*Attached: `sales.csv`*"]
    selected, other = _answers(first)
    assert "[!REASONING] Thought for 2.41 seconds" in selected[0] and "awk can write to a file" in selected[0]
    assert "awk -F, 'NR>1 {print > ($3 \".csv\")}' sales.csv" in selected[0]
    assert other == ["Use `split -l 100 sales.csv`."]
    tool = _answers(rate)[0][0]
    assert "*Tool call `get_exchange_rate`:*" in tool and '"from": "EUR"' in tool and "1 EUR = 1.0842 USD" in tool
    assert "1 EUR is 1.0842 USD today, so multiply the totals by" in tool and "Interrupted" in tool
    # the selected version of the edited question is the main line; the other is an edited-question branch
    assert edited_away.question.text.endswith("What does NR>1 do in that awk line?")
    assert _answers(edited_away) == [["`NR>1` skips the first line, the header."]]
    assert "Edited question" in edited.question.text and edited.question.text.endswith("What does NR>1 do?")
    assert edited.answers == () or _answers(edited) == []
    dropped = dict(report.outcomes[0].conversation.dropped)
    assert dropped == {"messages[1].versions[0]": "debug information (hidden in the chat)",
                       "messages[1].versions[1]": "debug information (hidden in the chat)",
                       "messages[3].versions[0]": "tool status line"}
    written = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
    assert "You are a concise shell expert." in written
    assert post.meta["speakers"]["Assistant"]["model"] in {"qwen3-8b", "gemma-3-4b-it"}


def test_lmstudio_a_malformed_conversation_is_refused_and_named(tmp_path):
    data = json.loads(LMSTUDIO.read_text(encoding="utf-8"))
    data["messages"][3]["versions"][0]["steps"] = "broken"
    export = tmp_path / "1746526932473.conversation.json"
    export.write_text(json.dumps(data), encoding="utf-8")
    report = import_with(lmstudio, export, tmp_path / "posts")
    assert report.refused() == 1
    assert "refused    1746526932473 'Split a CSV by column': messages[3].versions[0].steps: expected a list, " \
           "found a string" in format_report(report)


def test_lmstudio_recognises_its_conversations_only():
    assert lmstudio.recognises(_sample(LMSTUDIO))
    assert lmstudio.recognises(Sample("1.conversation.json", {"name": "New Chat", "createdAt": 1, "messages": [],
                                                              "systemPrompt": ""}))
    for path in _others("lmstudio"):
        assert not lmstudio.recognises(_sample(path)), path.name


# --- 4. SillyTavern -------------------------------------------------------------------------------------

TAVERN = EXPORTS / "sillytavern-Mara Quill - 2025-05-03@20h14m09s.jsonl"


def test_sillytavern_swipes_are_answer_variants_and_every_message_arrives(tmp_path):
    report = import_with(sillytavern, TAVERN, tmp_path)
    (post,) = posts_by_title(tmp_path).values()
    assert post.meta["source"] == "sillytavern" and post.meta["source_id"] == "5b0f6c2e-8d4a-4e71-9a3c-2f1e7d6b9c01"
    assert str(post.meta["date"]).startswith("2025-05-03")
    assert set(post.meta["speakers"]) == {"Alex", "Mara Quill", "System"}
    greeting, passage, ferry, alternate = post.exchanges
    assert greeting.question is None
    assert _answers(greeting) == [["*Mara is coiling rope when you reach the dock.* Need passage, stranger?"]]
    # an alternate greeting (a swipe of the first message) comes after the main line
    assert "Another version of the first messages" in alternate.answers[0][0].text
    assert alternate.answers[0][0].text.endswith("*The boiler coughs twice as Mara looks up.* You're late for the ferry.")
    assert passage.question.text == "Can you get me to Harrow Bend before nightfall?"
    kept, refused = _answers(passage)
    assert "[!REASONING] Thought for 4 seconds" in kept[0] and "proud of her boat" in kept[0]
    assert kept[0].endswith("If the wind holds, we'll make it by dusk.")
    assert "Mara should refuse at first." in refused[0] and refused[0].endswith("Not tonight. The river's too high.")
    assert ferry.question.text.startswith("Here's the map I was given.")
    assert "Mara Quill_2025-05-03@20h17m02s.png" in ferry.question.text
    narrator, answer = [t.text for t in ferry.answers[0]]
    assert narrator == "The ferry leaves the dock. The fog thickens."
    assert answer == "*She taps the map.* That road washed out last spring. We go by water."
    assert report.outcomes[0].conversation.dropped == (("line 4 swipe 2", "empty swipe"),)
    assert post.meta["speakers"]["Mara Quill"]["model"] == "deepseek-reasoner"


def test_sillytavern_a_malformed_message_refuses_the_chat_and_names_the_line(tmp_path):
    lines = TAVERN.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[3])
    broken["swipes"][0] = {"text": "not a string"}
    lines[3] = json.dumps(broken)
    export = tmp_path / "Mara Quill - broken.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_with(sillytavern, export, tmp_path / "posts")
    assert report.refused() == 1 and not report.outcomes
    assert "line 4.swipes[0]: expected a string, found an object" in format_report(report)


def test_sillytavern_recognises_its_chats_only():
    assert sillytavern.recognises(_sample(TAVERN))
    old = {"user_name": "You", "character_name": "Aqua", "create_date": 1689012345678}
    assert sillytavern.recognises(Sample("Aqua - 2023-7-10 @20h 05m 45s 678ms.jsonl", old))
    for path in _others("sillytavern"):
        assert not sillytavern.recognises(_sample(path)), path.name


# --- 5. ChatGPT's chat.html -----------------------------------------------------------------------------

PAGE = EXPORTS / "chatgpt-chat.html"
SAME_RECORDS = OLDER / "chatgpt-bad-records.json"


def _import_page(export: Path, out: Path):
    return import_with(chatgpt_html, export, out)


def _same_day(tmp_path: Path, *paths: Path) -> list[Path]:
    """Copies of ``paths`` with one modification time (a post without a date takes its export file's)."""
    copies = []
    for path in paths:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        os.utime(copy, (1_700_000_000, 1_700_000_000))
        copies.append(copy)
    return copies


def test_chat_html_gives_the_posts_conversations_json_gives(tmp_path):
    page, records = _same_day(tmp_path, PAGE, SAME_RECORDS)
    from_page = _import_page(page, tmp_path / "page")
    import_export("chatgpt", records, tmp_path / "json", Selection(everything=True))
    written = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "page").glob("*.md")}
    assert written == {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "json").glob("*.md")}
    assert len(written) == 4 and all("source: chatgpt" in text for text in written.values())
    assert "refused    6f0c0004-aaaa-4000-8000-000000000004 'A broken message': " \
           "[3].mapping.a1.message.content: expected an object, found a string" in format_report(from_page)
    assert posts_by_title(tmp_path / "page")["A message without content"].turns[-1].text == "The PDF argues for shorter meetings."


def test_chat_html_after_conversations_json_finds_its_posts_unchanged(tmp_path):
    page, records = _same_day(tmp_path, PAGE, SAME_RECORDS)
    import_export("chatgpt", records, tmp_path / "posts", Selection(everything=True))
    again = _import_page(page, tmp_path / "posts")
    assert again.count("unchanged") == 4 and again.count("new") == 0


def test_chat_html_is_read_from_its_zip(tmp_path):
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.write(PAGE, "export/chat.html")
        archive.writestr("export/user.json", "{}")
    report = _import_page(export, tmp_path / "posts")
    assert report.count("new") == 4 and report.refused() == 1


def test_a_page_without_conversations_is_an_error_naming_the_file(tmp_path):
    from site_builder.errors import ImportError_

    page = tmp_path / "chat.html"
    page.write_text("<html><body>nothing here</body></html>", encoding="utf-8")
    with pytest.raises(ImportError_, match="no conversations in this page"):
        _import_page(page, tmp_path / "posts")


def test_chat_html_is_read_without_running_its_script():
    text = PAGE.read_text(encoding="utf-8")
    records = list(chatgpt_html.embedded(text.replace("var assetsJson = {};", "throw new Error('ran');"), "p"))
    assert [r.where for r in records] == ["[0]", "[1]", "[2]", "[3]", "[4]"]
    assert records[0].value["title"] == "Good one before"


def test_chat_html_recognised_by_its_page_only():
    assert chatgpt_html.recognises(_sample(PAGE))
    assert not chatgpt_html.recognises(Sample("jobs.html", None, '<html><script>var jsonData = [{"title": "x"}]'))
    for path in _others("chatgpt-chat"):
        assert not chatgpt_html.recognises(_sample(path)), path.name
