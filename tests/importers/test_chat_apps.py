"""Chat apps' own exports (issue 21): Gemini (Google Takeout My Activity), DeepSeek, Grok, Le Chat, Copilot.
Fixtures: ``tests/fixtures/exports-2026`` (see its SOURCES.md: the real shape each was modelled on)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from site_builder.importers import deepseek, gemini
from site_builder.importers.common import Sample
from site_builder.importers.driver import format_report

from export_support import import_with, posts_by_title, sample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPORTS = FIXTURES / "exports-2026"
OTHERS = sorted(p for p in (FIXTURES / "exports-2025").rglob("*") if p.suffix in (".json", ".jsonl"))
"""Exports of the formats read before (ChatGPT, Claude, training data): no new reader may claim them."""








# --- 1. Gemini (Google Takeout "My Activity" for Gemini Apps) --------------------------------------------------


def test_gemini_json_one_post_per_named_chat_then_per_day_every_item_shown_or_counted(tmp_path):
    report = import_with(gemini, EXPORTS / "gemini-myactivity.json", tmp_path)
    posts = posts_by_title(tmp_path)
    assert set(posts) == {"Give me a lemon tart recipe, this is my oven",
                          "How do I undo the last git commit but keep the changes?",
                          "What is the tallest mountain in Africa?"}
    tart = posts["Give me a lemon tart recipe, this is my oven"]
    assert tart.meta["source"] == "gemini" and tart.meta["source_id"] == "4f1c2a9be07d3e55"
    # chat order is time order (Takeout lists the newest first); the two drafts of the answer are two variants
    # (the site writes a variant under its question again)
    assert [t.role for t in tart.turns] == ["user", "assistant"] * 3
    question, answer, second, draft1, again, draft2 = (t.text for t in tart.turns)
    assert again == second
    assert question.startswith("Give me a lemon tart recipe, this is my oven")
    assert "*Attached: `image_5b2e1d-9a0c4e61f2b7d813.png`*" in question and "Attached 1 file" not in question
    assert answer.startswith("Your oven has a *fan* setting")
    assert "### Ingredients" in answer and "- 150 g sugar" in answer and "  - or 120 g honey" in answer
    assert "| Step | Time |" in answer and "| Chill the dough | 30 min |" in answer
    assert "[this recipe](https://www.bbcgoodfood.com/recipes/lemon-tart)" in answer
    assert "alert" not in answer and "javascript" not in answer and "<" not in answer.replace("&lt;", "")
    assert second == "And how do I keep the crust from going soggy?"
    assert "1. Line it with baking paper" in draft1 and "2. Bake for **15 minutes** at 190 °C." in draft1
    assert draft2 == "Brush the base with melted chocolate or egg white before adding the filling."
    day = posts["How do I undo the last git commit but keep the changes?"]
    assert day.meta["source_id"] == "day-2026-03-12"
    assert [t.text.split("\n")[0] for t in day.turns if t.role == "user"] == [
        "How do I undo the last git commit but keep the changes?", "Summarise this week's stand-up notes"]
    assert [(b.lang, b.code) for b in day.code_blocks] == [("bash", "git reset --soft HEAD~1\n")]
    assert "[Meeting Helper was used in this chat. Manage your Gems.](https://gemini.google.com/gems/view)" in \
        day.turns[2].text
    image_only = posts["What is the tallest mountain in Africa?"]
    assert image_only.turns[0].text.startswith("*(The export keeps no text for this prompt.)*")
    assert "`receipt-march.pdf`" in image_only.turns[0].text and "**€42.80**" in image_only.turns[1].text
    assert image_only.turns[-1].text == "What is the tallest mountain in Africa?"  # asked, no answer kept
    assert dict(report.dropped()) == {"activity that is not a message (`Gave feedback: Good response`)": 1,
                                      "a prompt without its answer (the export keeps none)": 1}
    [skipped] = report.skipped  # a day of nothing but a choice of drafts: said, not written
    assert not skipped.refused and "Selected preferred draft" in skipped.reason


def test_gemini_html_page_reads_like_the_json(tmp_path):
    report = import_with(gemini, EXPORTS / "gemini-myactivity.html", tmp_path)
    posts = posts_by_title(tmp_path)
    assert set(posts) == {"How do I write a type alias in Python?", "Draw a cat in a space suit"}
    alias = posts["How do I write a type alias in Python?"]
    assert alias.meta["source_id"] == "9d3e0c7a1b2f4e68"
    assert [t.text.split("\n")[0] for t in alias.turns] == [
        "How do I write a type alias in Python?", "Use `TypeAlias`:", "And in Python 3.12?",
        "In 3.12 you can also write `type Point = tuple[float, float]`."]
    assert alias.code_blocks[0].lang == "python" and "Point: TypeAlias" in alias.code_blocks[0].code
    assert "Then *annotate* with `Point` \\& you are done." in alias.turns[1].text
    assert str(alias.date) == "2026-03-14"
    cat = posts["Draw a cat in a space suit"]
    assert cat.turns[0].text == "Draw a cat in a space suit\n\n*1 generated image.*"
    assert cat.meta["source_id"] == "day-2026-03-13"  # 8:55 PM GMT+01:00 is 19:55 UTC
    assert report.skipped and "Gave feedback" in report.skipped[0].reason


def test_gemini_in_a_takeout_zip_is_found_beside_other_products(tmp_path):
    export = tmp_path / "takeout-20260315T000000Z-001.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("Takeout/My Activity/Search/MyActivity.json",
                         '[{"header": "Search", "title": "Searched for gemini", "time": "2026-03-01T10:00:00Z"}]')
        archive.write(EXPORTS / "gemini-myactivity.json", "Takeout/My Activity/Gemini Apps/MyActivity.json")
        archive.writestr("Takeout/archive_browser.html", "<html></html>")
    import_with(gemini, export, tmp_path / "posts")
    assert len(posts_by_title(tmp_path / "posts")) == 3


def test_gemini_a_bad_item_is_refused_and_named_the_others_are_imported(tmp_path):
    report = import_with(gemini, EXPORTS / "gemini-bad-records.json", tmp_path)
    text = format_report(report)
    posts = posts_by_title(tmp_path)
    assert set(posts) == {"Name three primary colours", "A date that is not a date"}
    assert posts["A date that is not a date"].turns[1].text == "Still shown."
    assert "[1].title: expected a string, found a number" in text
    assert "[3].safeHtmlItem[0]: expected an object, found a string" in text
    assert "[2].time: not a time ('yesterday')" in text
    assert report.refused() == 2


def test_gemini_first_item_of_another_product_stops_the_import(tmp_path):
    from site_builder.errors import ImportError_

    export = tmp_path / "MyActivity.json"
    export.write_text('[{"header": "YouTube", "title": "Watched a video", "time": "2026-03-01T10:00:00Z"}]')
    with pytest.raises(ImportError_, match="not Gemini Apps activity"):
        import_with(gemini, export, tmp_path / "posts")


def test_gemini_html_answers_become_markdown_without_markup():
    from site_builder.importers.html_text import markdown

    text = markdown('<p>Voici <strong>la réponse</strong>.</p><script>alert("x")</script><style>p{}</style>'
                    '<img src="x" onerror="alert(1)" alt="a diagram"><iframe src="https://e.invalid/"></iframe>'
                    '<p><a href="javascript:alert(2)">click here</a> and <a href="https://example.org/d">the docs</a>'
                    '</p><p>1. not a list<br># not a heading</p><pre><code>&lt;div&gt;hi&lt;/div&gt;\n  kept'
                    '</code></pre><scr<script>ipt>alert(3)</script>')
    assert text.split("\n\n")[:3] == ["Voici **la réponse**.", "*(image: a diagram)*",
                                      "click here and [the docs](https://example.org/d)"]
    assert "1\\. not a list\\\n\\# not a heading" in text
    assert '```text norun reason="imported conversation: not checked"\n<div>hi</div>\n  kept\n```' in text
    assert "alert(1)" not in text and "alert(2)" not in text and "onerror" not in text and "e.invalid" not in text
    assert "<scr" not in text and "<script" not in text


def test_gemini_recognises_its_items_and_pages_only():
    assert gemini.recognises(sample(EXPORTS / "gemini-myactivity.json"))
    assert gemini.recognises(sample(EXPORTS / "gemini-myactivity.html"))
    assert not gemini.recognises(Sample("MyActivity.json", {"header": "YouTube", "title": "Watched x",
                                                              "time": "2026-01-01T00:00:00Z"}))
    assert not gemini.recognises(Sample("MyActivity.html", None, '<div class="outer-cell"><p class="mdl-typography'
                                                                 '--title">YouTube<br></p></div>'))
    claimed = [p.name for p in OTHERS if gemini.recognises(sample(p))]
    assert OTHERS and claimed == []


# --- 2. DeepSeek (data export conversations.json) ------------------------------------------------------------


def test_deepseek_every_message_fragment_and_branch_arrives(tmp_path):
    report = import_with(deepseek, EXPORTS / "deepseek-conversations.json", tmp_path)
    posts = posts_by_title(tmp_path)
    assert set(posts) == {"Parse a log file in Python", "Rust 2024 edition changes"}
    log = posts["Parse a log file in Python"]
    assert log.meta["source"] == "deepseek" and log.meta["source_id"] == "7d1f0c52-93ab-4e0e-8b1c-3f2a9d6e0a11"
    assert log.speakers["DeepSeek"].model == "deepseek-reasoner"
    # main line: the latest leaf (node 5); node 4 regenerated the first answer and is its second variant
    texts = [t.text for t in log.turns]
    assert [t.role for t in log.turns] == ["user", "assistant", "user", "assistant", "user", "assistant"]
    assert texts[0].startswith("Count the ERROR lines in this log with Python.\n\n*Attached: `server.log`*")
    assert "2026-02-10 21:00:01 ERROR db timeout" in texts[0]
    assert texts[1].startswith("> [!REASONING] Thought for 6 seconds\n>\n> The user wants a count.")
    assert texts[1].endswith("For your file this prints `1`.")
    # the variant is written under its question again, right after the first answer
    assert texts[2] == texts[0] and texts[3].endswith("Use `grep -c ERROR server.log` in a shell.")
    assert texts[3].startswith("> [!REASONING] Thought for 2 seconds")
    assert texts[4] == "And only for the last hour?"
    assert texts[5] == "Parse the timestamp of each line and keep those after `now - timedelta(hours=1)`."
    assert [(b.lang, b.code) for b in log.code_blocks][1] == (
        "python", "with open('server.log') as f:\n    print(sum('ERROR' in line for line in f))\n")
    rust = posts["Rust 2024 edition changes"].turns[1].text
    assert rust.startswith("**Searched the web:**\n\n- [Announcing Rust 1.85.0 and Rust 2024]"
                           "(https://blog.rust-lang.org/2025/02/20/Rust-1.85.0.html) (Rust Blog): The Rust team")
    assert "- [Rust 2024 - The Rust Edition Guide](https://doc.rust-lang.org/edition-guide/rust-2024/index.html)" in rust
    assert rust.endswith("`unsafe extern` blocks and `gen` reserved as a keyword.")
    assert dict(report.dropped()) == {"empty `THINK` fragment": 1, "empty message (no fragments with content)": 1}
    assert not any(o.conversation.problems for o in report.outcomes)


def test_deepseek_a_bad_record_is_refused_and_named_the_others_are_imported(tmp_path):
    report = import_with(deepseek, EXPORTS / "deepseek-bad-records.json", tmp_path)
    assert set(posts_by_title(tmp_path)) == {"Fine before", "Fine after"}
    assert ("refused    11111111-aaaa-4bbb-8ccc-000000000002 'Fragments that are not a list': "
            "[1].mapping.1.message.fragments: expected a list, found a string") in format_report(report)
    assert report.refused() == 1


def test_deepseek_and_chatgpt_records_are_told_apart():
    assert deepseek.recognises(sample(EXPORTS / "deepseek-conversations.json"))
    chatgpt_like = [p for p in OTHERS if p.name.startswith("chatgpt") or p.parent.name == "chatgpt-split"]
    assert chatgpt_like and not any(deepseek.recognises(sample(p)) for p in chatgpt_like)
    assert [p.name for p in OTHERS if deepseek.recognises(sample(p))] == []
    assert not deepseek.recognises(sample(EXPORTS / "gemini-myactivity.json"))
    # a DeepSeek record without inserted_at is still told by its fragments
    assert deepseek.recognises(Sample("conversations.json", {"id": "x", "mapping": {"1": {"message": {
        "fragments": [{"type": "REQUEST", "content": "hi"}]}}}}))


def test_deepseek_refuses_a_chatgpt_export_by_name(tmp_path):
    from site_builder.errors import ImportError_

    with pytest.raises(ImportError_, match="looks like a ChatGPT export"):
        import_with(deepseek, FIXTURES / "exports-2025" / "chatgpt-reasoning.json", tmp_path)
