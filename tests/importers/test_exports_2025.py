"""Today's exports (issue 10): split ChatGPT zips, one bad record, reasoning, tools, attachments, citations
and the training formats people keep on disk. Fixtures: ``tests/fixtures/exports-2025`` (see its SOURCES.md)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from site_builder.importers.driver import Selection, format_report, import_export, list_export
from site_builder.posts import parse_post

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports-2025"


def _import_all(kind: str, export: Path, out: Path, **kw):
    return import_export(kind, export, out, Selection(everything=True), **kw)


def _posts(out: Path) -> dict[str, object]:
    """title -> parsed post, for every post in ``out``."""
    posts = [parse_post(p, p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.md"))]
    return {post.title: post for post in posts}


def _zip_folder(folder: Path, zip_path: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
        archive.writestr(prefix + "chat.html", "<html></html>")
        archive.writestr("__MACOSX/" + prefix + "._conversations-000.json", "junk")
    return zip_path


# --- 1. split ChatGPT zips ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "export/"])
def test_a_split_chatgpt_zip_is_read_part_after_part(tmp_path, prefix):
    export = _zip_folder(EXPORTS / "chatgpt-split", tmp_path / "export.zip", prefix)
    report = _import_all("chatgpt", export, tmp_path / "posts")
    assert report.conversations == 3 and report.count("new") == 3
    posts = _posts(tmp_path / "posts")
    assert set(posts) == {"Rename files by date", "Tea for a sore throat", "Kotlin null safety"}
    assert posts["Kotlin null safety"].meta["source_id"] == "68b20d44-2222-8002-a1f0-6c1e8b000003"
    assert [r.source_id for r in list_export("chatgpt", export)][-1] == "68b20d44-2222-8002-a1f0-6c1e8b000003"


# --- 6. one bad record does not abort the export ---------------------------------------------------------


def _cli(argv: list[str]) -> int:
    import argparse

    from site_builder.importers import add_import_parser

    parser = argparse.ArgumentParser()
    add_import_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_one_bad_chatgpt_record_is_refused_and_named_the_others_are_imported(tmp_path, capsys):
    export = EXPORTS / "chatgpt-bad-records.json"
    assert _cli(["import", "chatgpt", str(export), "--all", "--out", str(tmp_path / "posts"), "--no-progress"]) == 1
    printed = capsys.readouterr().out
    posts = _posts(tmp_path / "posts")
    assert set(posts) == {"Good one before", "A message without content", "A date that is not a date",
                          "Good one after"}
    assert ("refused    6f0c0004-aaaa-4000-8000-000000000004 'A broken message': "
            "[3].mapping.a1.message.content: expected an object, found a string") in printed
    assert "1 message without content (`content: null`)" in printed  # counted, not the conversation's end
    assert "[2].create_time: not a time ('yesterday')" in printed  # a warning; the post takes the file's date
    assert "1 refused" in printed
    assert posts["A message without content"].turns[-1].text == "The PDF argues for shorter meetings."


def test_a_clean_export_still_exits_0(tmp_path):
    export = EXPORTS / "chatgpt-split" / "conversations-000.json"
    assert _cli(["import", "chatgpt", str(export), "--all", "--out", str(tmp_path / "posts"), "--no-progress"]) == 0


def test_one_bad_claude_record_is_refused_files_as_names_and_odd_times_cost_a_warning(tmp_path):
    report = _import_all("claude", EXPORTS / "claude-bad-records.json", tmp_path / "posts")
    text = format_report(report)
    posts = _posts(tmp_path / "posts")
    assert set(posts) == {"Read my PDF", "Odd timestamps", "Fine after the bad one"}
    assert "*Attached: `q3-report.pdf`*" in posts["Read my PDF"].turns[0].text
    odd = posts["Odd timestamps"]
    assert [t.text for t in odd.turns] == ["How long to boil an egg?", "Seven minutes for a firm yolk."]
    assert "[1].chat_messages[0].created_at: not a time ('10:00')" in text and "order of the file" in text
    assert "[1].created_at: not a time ('last Tuesday')" in text
    assert "refused    c0a1b2c3-0003-4e5f-8a9b-000000000003 'Messages are not a list': [2].chat_messages: " \
           "expected a list, found a string" in text
    assert report.refused() == 1


def test_the_first_record_of_another_kind_still_stops_the_import(tmp_path):
    from site_builder.errors import ImportError_

    with pytest.raises(ImportError_, match=r"\[0\]: not a ChatGPT conversation .*claude"):
        _import_all("chatgpt", EXPORTS / "claude-bad-records.json", tmp_path / "posts")
    assert not (tmp_path / "posts").exists()


def test_a_bad_record_of_a_part_is_named_with_its_part(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    for path in (EXPORTS / "chatgpt-split").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "conversations-001.json").write_text('[{"title": "x", "mapping": {"a": 5}}]', encoding="utf-8")
    report = _import_all("chatgpt", _zip_folder(folder, tmp_path / "export.zip"), tmp_path / "posts")
    assert report.count("new") == 2
    assert "conversations-001.json [0].mapping.a: expected an object" in format_report(report)


# --- 2. reasoning is the model's, not the author's -------------------------------------------------------


def _build(tmp_path: Path, *imports: tuple[str, Path]) -> Path:
    """Import each (kind, export) into a site and build it; the output folder."""
    from site_builder.build import build_site

    for kind, export in imports:
        _import_all(kind, export, tmp_path / "content" / "posts")
    build_site(tmp_path / "content", tmp_path / "out")
    return tmp_path / "out"


@pytest.mark.parametrize("kind, export, title", [
    ("chatgpt", "chatgpt-reasoning.json", "check_prime with o3"),
    ("claude", "claude-reasoning.json", "List or tuple"),
])
def test_reasoning_is_a_collapsed_part_of_the_answer_with_its_markdown(tmp_path, kind, export, title):
    out = _build(tmp_path, (kind, EXPORTS / export))
    [post] = _posts(tmp_path / "content" / "posts").values()
    answer = post.turns[1]
    assert answer.role == "assistant" and len(post.turns) == 2  # reasoning and answer: one turn of the model's
    assert answer.annotations == ()  # not an annotation of the author's
    assert answer.text.startswith("> [!REASONING]")
    page = next(out.glob("posts/*/index.html")).read_text(encoding="utf-8")
    assert page.count('<details class="reasoning"><summary>Reasoning') >= 1
    assert "markdown-alert" not in page  # no "Author's note" box at all
    # lists and code kept (code blocks hold <details> of their own: read the page as HTML, not by slicing)
    reasoning = BeautifulSoup(page, "html.parser").select_one("details.reasoning")
    assert reasoning.find("li") is not None and reasoning.select_one('figure.code[data-lang="python"]') is not None


def test_chatgpt_thoughts_keep_their_summaries_and_the_recap_titles_its_block(tmp_path):
    _import_all("chatgpt", EXPORTS / "chatgpt-reasoning.json", tmp_path)
    [post] = _posts(tmp_path).values()
    text = post.turns[1].text
    assert text.startswith("> [!REASONING] Thought for 9 seconds\n>\n> **Checking the definition**\n>\n> A number is")
    assert text.count("[!REASONING]") == 1  # the recap titles the thoughts, as in ChatGPT
    assert post.speakers["ChatGPT"].model == "o3"


def test_training_data_reasoning_parts_think_tags_and_reasoning_content(tmp_path):
    _import_all("sharegpt", EXPORTS / "sharegpt-think.jsonl", tmp_path)
    _import_all("sharegpt", EXPORTS.parent / "sharegpt" / "llamafactory_reason_tool_use_demo_50.jsonl", tmp_path)
    posts = _posts(tmp_path)
    strawberry = posts['How many r\'s are in "strawberry"?'].turns[1]
    assert strawberry.text.startswith("> [!REASONING]\n>\n> Spell it out") and "> - r at position 3" in strawberry.text
    assert strawberry.text.endswith('There are **3** r\'s in "strawberry".') and "&lt;think" not in strawberry.text
    ninety_one = posts["Is 91 prime?"].turns[1]
    assert ninety_one.text.startswith("> [!REASONING]") and ninety_one.text.endswith("No: 91 = 7 × 13.")
    schools = posts["What are the schools near latitude 40 and longitude -75?"].turns[2]
    assert schools.role == "assistant" and schools.text.startswith("> [!REASONING]\n>\n> Okay, the user is asking")
    assert all(t.annotations == () for p in posts.values() for t in p.turns)


# --- 3. nothing vanishes silently -------------------------------------------------------------------------


def test_chatgpt_code_output_quotes_browsing_and_voice_are_shown_or_counted(tmp_path):
    report = _import_all("chatgpt", EXPORTS / "chatgpt-content-kinds.json", tmp_path)
    [post] = _posts(tmp_path).values()
    text = "\n\n".join(t.text for t in post.turns)
    assert "What is the median of 3, 9, 4 and 7?" in post.turns[0].text  # the voice message's transcription
    assert [(b.lang, b.code) for b in post.code_blocks][:2] == [
        ("python", "import statistics\nstatistics.median([3, 9, 4, 7])\n"), ("text", "5.5\n")]
    assert "[statistics — Mathematical statistics functions](https://docs.python.org/3/library/statistics.html)" in text
    assert "[PEP 450 – Adding A Statistics Module To The Standard Library](https://peps.python.org/pep-0450/)" in text
    assert "This module provides functions for calculating mathematical statistics" in text
    assert "*Quote from :*" not in text and "*Quote:*" in text
    assert dict(report.dropped()) == {"node without a message (the root)": 1,
                                      "empty message (`tether_browsing_display`)": 1}


def test_claude_pasted_text_attachments_and_voice_notes_are_shown(tmp_path):
    _import_all("claude", EXPORTS / "claude-content-kinds.json", tmp_path)
    [post] = _posts(tmp_path).values()
    first, _, voice, _ = post.turns
    assert "*Pasted text:*" in first.text and "error: linker `cc` not found" in first.text
    assert "Okay I installed it, and now it says permission denied" in voice.text and "not shown" not in voice.text
    assert "*Attached: `Cargo.toml`*" in voice.text and 'name = "hello"' in voice.text
    assert voice.text.count("Cargo.toml") == 1  # listed once, though both in files and attachments


def test_an_openai_tool_call_without_content_is_kept_with_its_role(tmp_path):
    report = _import_all("sharegpt", EXPORTS / "openai-tool-calls.jsonl", tmp_path)
    [post] = _posts(tmp_path).values()
    assert [(t.speaker.name, t.role) for t in post.turns] == [
        ("Developer", "system"), ("User", "user"), ("Assistant", "assistant"), ("Tool", "tool"), ("Assistant", "assistant")]
    call, result = post.turns[2].text, post.turns[3].text
    assert call.startswith("*Tool call `get_forecast`:*") and '"city": "Lyon"' in call
    assert result.startswith("*Result of `get_forecast`:*") and '"rain_mm": 6.5' in result
    assert dict(report.dropped()) == {}


def test_sharegpt_counts_the_empty_turns_it_leaves_out(tmp_path):
    report = _import_all("sharegpt", EXPORTS / "sharegpt-empty-turns.json", tmp_path)
    assert dict(report.dropped()) == {"empty message (gpt)": 1, "empty message (human)": 1}
    assert "dropped 1 empty message (gpt), 1 empty message (human)" in format_report(report)
    [post] = _posts(tmp_path).values()
    assert [t.text for t in post.turns][-2:] == ["And into Dutch?", "Goedemorgen."]


# --- 4. tools read as tools --------------------------------------------------------------------------------


def test_claude_tools_artifacts_results_and_client_side_results(tmp_path):
    report = _import_all("claude", EXPORTS / "claude-tools.json", tmp_path / "content" / "posts")
    [post] = _posts(tmp_path / "content" / "posts").values()
    roles = [(t.speaker.name, t.role) for t in post.turns]
    assert roles == [("User", "user"), ("Claude", "assistant"), ("User", "user"), ("Claude", "assistant"),
                     ("User", "user"), ("Claude", "assistant"), ("Tool", "tool"), ("Claude", "assistant"),
                     ("User", "user"), ("Claude", "assistant"), ("Tool", "tool"), ("Claude", "assistant"),
                     ("Tool", "tool"), ("User", "user"), ("Claude", "assistant")]
    counter = post.turns[1].text
    assert "**Artifact: Counter button**" in counter and "\\n" not in counter and '"command"' not in counter
    assert ("jsx", 'import { useState } from "react";') == (post.code_blocks[0].lang, post.code_blocks[0].code.split("\n")[0])
    assert counter.endswith("Click it to count.")
    update = post.turns[3].text
    assert "**Artifact: counter** (updated)" in update and "bg-gray-200" in update and "bg-blue-500 text-white" in update
    search = post.turns[6].text
    assert "[useActionState – React](https://react.dev/reference/react/useActionState)" in search
    assert '"type": "knowledge"' not in search
    assert post.turns[10].text == "*Result of `local_clock`:*\n\n```text norun reason=\"imported conversation: not checked\"\n14:05\n```"
    assert [e.question.text for e in post.exchanges if e.question] == [
        "Make me a React counter button.", "Make the button blue.", "Which React version has useActionState?",
        "What time is it on my machine?", "Thanks. Is that before noon?"]
    # the search results' page excerpts are not shown (their links are): counted, never silently gone
    assert dict(report.dropped()) == {"the artifacts tool's confirmation (OK)": 2,
                                      "search result page excerpt (its link is shown)": 2}


# --- 7. training formats people have on disk ---------------------------------------------------------------


@pytest.mark.parametrize("kind, export, title", [
    ("sharegpt", "axolotl-single-conversation.json", "Give me a synonym for 'quick'."),
    ("claude", "claude-single-conversation.json", "Haiku about rain"),
    ("chatgpt", "chatgpt-split/conversations-001.json", "Kotlin null safety"),
])
def test_one_conversation_object_at_the_top_level(tmp_path, kind, export, title):
    source = EXPORTS / export
    if kind == "chatgpt":  # one conversation of an export, saved on its own
        source = tmp_path / "one.json"
        source.write_text(json.dumps(json.loads((EXPORTS / export).read_text(encoding="utf-8"))[0]), encoding="utf-8")
    report = _import_all(kind, source, tmp_path / "posts")
    assert report.count("new") == 1 and not report.skipped
    [post] = _posts(tmp_path / "posts").values()
    assert post.title == title and post.meta["source_id"]
    assert len(post.turns) >= 2


def _variants(post) -> list[list[str]]:
    return [[t.text.split("\n\n")[-1] for t in variant] for e in post.exchanges for variant in e.answers]


def test_llamafactory_v1_chosen_and_rejected_messages_are_two_answers(tmp_path):
    _import_all("sharegpt", EXPORTS / "llamafactory-v1-dpo.jsonl", tmp_path)
    [post] = _posts(tmp_path).values()
    [exchange] = post.exchanges
    assert exchange.question.text == "Explain a Python list comprehension in one sentence."
    assert _variants(post) == [["It builds a list from an iterable in one expression, e.g. `[x * x for x in range(5)]`."],
                               ["It is a loop."]]
    assert "Chosen answer (preference data)." in exchange.answers[0][0].text
    assert "Rejected answer (preference data)." in exchange.answers[1][0].text


def test_trl_preference_records_strings_lists_and_implicit_prompts(tmp_path):
    report = _import_all("sharegpt", EXPORTS / "trl-preference.jsonl", tmp_path)
    assert report.count("new") == 3 and sum(o.variants for o in report.outcomes) == 3
    posts = _posts(tmp_path)
    assert _variants(posts["The sky is"]) == [["blue."], ["green."]]
    assert _variants(posts["What color is the sky on a clear day?"]) == [["Blue."], ["Green."]]
    water = posts["Is water wet?"]
    assert [e.question.text for e in water.exchanges] == ["Is water wet?"]
    assert _variants(water)[1] == ["No."]


def test_kto_labels_are_shown_on_the_answer_they_judge(tmp_path):
    _import_all("sharegpt", EXPORTS / "kto.json", tmp_path)
    posts = _posts(tmp_path)
    good = posts["Recommend a first programming language."].turns[1]
    assert "KTO label: desirable answer (`kto_tag: true`)." in good.text
    assert "KTO label: undesirable answer (`kto_tag: false`)." in posts[
        "Recommend a first programming language, again."].turns[1].text
    spider = posts["How many legs does a spider have?"].turns[1]
    assert "KTO label: desirable answer (`label: true`)." in spider.text and spider.text.endswith("Eight.")


def test_image_video_and_audio_placeholders_name_their_files(tmp_path):
    _import_all("sharegpt", EXPORTS / "mllm-placeholders.json", tmp_path)
    [post] = _posts(tmp_path).values()
    first, _, third, _ = post.turns
    assert "*(Image: mllm\\_demo\\_data/1.jpg; the file is not in the dataset)*" in first.text
    assert "*(Video: mllm\\_demo\\_data/1.mp4; the file is not in the dataset)*" in first.text
    assert "*(Audio: mllm\\_demo\\_data/1.mp3; the file is not in the dataset)*" in third.text
    assert "&lt;" not in first.text + third.text
    assert post.title == "What happens in the clip, and who is in the photo?"


def test_json_lines_in_a_file_named_json_and_a_zipped_dataset(tmp_path):
    report = _import_all("sharegpt", EXPORTS / "jsonl-named.json", tmp_path / "a")
    assert report.count("new") == 2
    assert {p.meta["source_id"] for p in _posts(tmp_path / "a").values()} == {"jsonl-named:1", "jsonl-named:2"}
    with zipfile.ZipFile(tmp_path / "data.zip", "w") as archive:
        archive.write(EXPORTS / "trl-preference.jsonl", "data/train.jsonl")
    assert _import_all("sharegpt", tmp_path / "data.zip", tmp_path / "b").count("new") == 3


# --- 5. citations of 2025 exports, sandbox links ------------------------------------------------------------


def test_2025_citation_markers_become_footnotes_or_are_counted_and_sandbox_links_name_their_file(tmp_path):
    report = _import_all("chatgpt", EXPORTS / "chatgpt-citations-2025.json", tmp_path / "content" / "posts")
    [post] = _posts(tmp_path / "content" / "posts").values()
    answer = post.turns[1].text
    assert not any("\ue000" <= ch <= "\uf8ff" for ch in answer)  # no marker left to show as a box
    assert "released on 7 October 2024.[^c2w-1] It adds" in answer and "interpreter.[^c2w-2][^c2w-1] Your" in answer
    assert "[^c2w-1]: [What's New In Python 3.13](https://docs.python.org/3/whatsnew/3.13.html?utm_source=chatgpt.com)" in answer
    assert "[^c2w-2]: [PEP 703 – Making the Global Interpreter Lock Optional in CPython](https://peps.python.org/pep-0703/)" \
        in answer
    assert "Your notes say the same. The JIT compiler is off by default.\n" in answer
    assert "created by Guido van Rossum." in answer
    assert "Download the release table *(file `python_releases.csv`, not in the export)*" in answer
    assert "Release timeline *(image `releases.png`, not in the export)*" in answer
    assert "2 citation marker(s) left out, their source not in the export (1 cite, 1 filecite)" in format_report(report)
    from site_builder.build import build_site

    build_site(tmp_path / "content", tmp_path / "out")
    page = next((tmp_path / "out").glob("posts/*/index.html")).read_text(encoding="utf-8")
    assert "sandbox:" not in page and 'href="https://peps.python.org/pep-0703/"' in page
    assert page.count('class="footnote-ref"') == 3


# --- 8. text fidelity ---------------------------------------------------------------------------------------


def test_code_spans_show_names_exactly(tmp_path):
    _import_all("chatgpt", EXPORTS / "chatgpt-text-fidelity.json", tmp_path)
    _import_all("claude", EXPORTS / "claude-text-fidelity.json", tmp_path)
    posts = _posts(tmp_path)
    call = posts["check_prime and bases"].turns[1].text
    assert call.startswith("*Call to `file_search.msearch`:*")
    assert "*Attached: `check_prime.py`*" in posts["Review check_prime"].turns[0].text
    assert "**Artifact: check\\_prime, reviewed**" in posts["Review check_prime"].turns[1].text  # bold, not code


def test_a_model_is_named_once_in_headers(tmp_path):
    out = _build(tmp_path, ("chatgpt", EXPORTS / "chatgpt-text-fidelity.json"))
    page = next(out.glob("posts/*/index.html")).read_text(encoding="utf-8")
    assert '>ChatGPT o4-mini</span>' in page and "o4-mini</span> <span" not in page
    assert '<span class="model">o4-mini</span>' not in page
    assert '<span class="speaker role-assistant">ChatGPT</span> <span class="model">gpt-4o</span>' in page


def _blank_runs(text: str) -> list[int]:
    """Lines after which two or more blank lines run, outside fenced code."""
    runs, blank, fenced = [], 0, False
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip("> ").startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and not line.strip():
            blank += 1
            continue
        if blank >= 2:
            runs.append(number)
        blank = 0
    return runs


def test_no_runs_of_blank_lines_around_notes_and_blocks(tmp_path):
    kinds = {"chatgpt": "chatgpt-*.json", "claude": "claude-*.json"}
    for kind, pattern in kinds.items():
        for export in EXPORTS.glob(pattern):
            _import_all(kind, export, tmp_path / export.stem)
    for export in [*EXPORTS.glob("*.jsonl"), *(EXPORTS / n for n in ("mllm-placeholders.json", "kto.json"))]:
        _import_all("sharegpt", export, tmp_path / export.stem)
    posts = list(tmp_path.rglob("*.md"))
    assert len(posts) > 20
    assert {p.name: _blank_runs(p.read_text(encoding="utf-8")) for p in posts if _blank_runs(p.read_text(encoding="utf-8"))} == {}


# --- 9. the outline shows each question's text exactly ------------------------------------------------------


def test_the_outline_shows_the_questions_exactly(tmp_path):
    import html

    out = _build(tmp_path, ("chatgpt", EXPORTS / "chatgpt-text-fidelity.json"))
    page = next(out.glob("posts/*/index.html")).read_text(encoding="utf-8")
    start = page.index('<nav class="outline"')
    outline = page[start:page.index("</nav>", start)]
    items = [html.unescape(i.split(">", 1)[1]) for i in re.findall(r'<a href="#turn-\d+">[^<]*', outline)]
    assert items == ["Is check_prime(1) False? Search my files for check_prime.", "Is 3 > 2 in every base?", "Thanks!",
                     "<video autoplay> does not start on an iPhone: why? (a_b & c)"]


def test_a_placeholder_without_files_of_its_kind_is_text(tmp_path):
    export = tmp_path / "a.json"
    export.write_text(json.dumps([{"messages": [{"role": "user", "content": "Why does <video> not autoplay?"},
                                                {"role": "assistant", "content": "Add `muted`."}]}]), encoding="utf-8")
    _import_all("sharegpt", export, tmp_path / "posts")
    [post] = _posts(tmp_path / "posts").values()
    assert post.turns[0].text == "Why does <video> not autoplay?"


def test_chatgpt_canvas_documents_read_as_code_and_text(tmp_path):
    _import_all("chatgpt", EXPORTS / "chatgpt-canvas.json", tmp_path)
    [post] = _posts(tmp_path).values()
    created = post.turns[1]
    assert created.role == "assistant" and created.text.startswith("**Canvas: fizzbuzz**")
    assert "\\n" not in created.text and '"type": "code/python"' not in created.text
    assert post.code_blocks[0].lang == "python" and post.code_blocks[0].code.startswith("for i in range(1, 16):")
    later = "\n\n".join(t.text for t in post.turns[4:])
    assert "**Canvas updated** (1 change):" in later and "range(1, 101)" in later
    assert "**Canvas: README**\n\n# FizzBuzz" in later


def test_alpaca_records_instruction_input_output_history_and_preferences(tmp_path):
    report = _import_all("sharegpt", EXPORTS / "alpaca-records.json", tmp_path)
    assert report.count("new") == 3
    posts = _posts(tmp_path)
    summary = posts["What is a summary?"]
    assert [(t.role, t.text) for t in summary.turns] == [
        ("system", "Be brief."), ("user", "What is a summary?"), ("assistant", "A short version of a longer text."),
        ("user", "Summarise the text in one sentence.\n\nThe meeting moved from Tuesday to Thursday because the room "
                 "was booked."), ("assistant", "The meeting is now on Thursday since Tuesday's room was taken.")]
    assert _variants(posts["Name the capital of Canada."]) == [["Ottawa."], ["Toronto."]]
    assert "KTO label: undesirable answer (`kto_tag: false`)." in posts["Is the Earth flat?"].turns[1].text
