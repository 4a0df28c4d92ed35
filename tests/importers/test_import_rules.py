"""The import's rules (issue 21): the format is found from the file; no conversation is ever lost or
overwritten by another; every record is written, or skipped and named with its reason; status 0 only when
every record was written or deliberately skipped; nothing of a message vanishes without a count."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.errors import ImportError_
from site_builder.importers import KIND_NAMES
from site_builder.importers.common import Sample
from site_builder.importers.detect import KINDS, READERS, detect
from site_builder.importers.driver import Selection, import_export

FIXTURES = Path(__file__).parent.parent / "fixtures"
CORPUS = FIXTURES  # the copies of ../shared/corpus (chatgpt-export, claude-export, sharegpt), with SOURCES.md


def _cli(args: list[str]) -> int:
    return main([*args, "--no-progress"])


def _posts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


def _claude(uuid: str, name: str, *texts: str) -> dict:
    messages = [{"uuid": f"{uuid}-{i}", "sender": "human" if i % 2 == 0 else "assistant", "text": text,
                 "created_at": f"2024-03-01T10:00:0{i}Z"} for i, text in enumerate(texts)]
    return {"uuid": uuid, "name": name, "created_at": "2024-03-01T10:00:00Z", "chat_messages": messages}


def _chatgpt(title: str, question: str, answer: str, conversation_id: str | None = None) -> dict:
    def node(nid: str, parent: str | None, role: str | None, text: str) -> dict:
        message = None if role is None else {"id": nid, "author": {"role": role}, "create_time": 1700000000,
                                             "content": {"content_type": "text", "parts": [text]}}
        return {"id": nid, "parent": parent, "children": [], "message": message}
    record = {"title": title, "create_time": 1700000000.5, "current_node": "a",
              "mapping": {"root": node("root", None, None, ""), "q": node("q", "root", "user", question),
                          "a": node("a", "q", "assistant", answer)}}
    if conversation_id:
        record["conversation_id"] = conversation_id
    return record


# --- the format is found from the file ---------------------------------------------------------------

@pytest.mark.parametrize(("path", "kind"), [
    (CORPUS / "chatgpt-export" / "librechat_chatgpt-modern-export.json", "chatgpt"),
    (CORPUS / "claude-export" / "simonw_claude-to-sqlite_example.json", "claude"),
    (CORPUS / "sharegpt" / "fastchat_dummy_conversation.first12.json", "sharegpt"),
    (CORPUS / "sharegpt" / "llamafactory_v1_multimodal_demo.jsonl", "sharegpt"),
    (FIXTURES / "exports-2025" / "claude-tools.json", "claude"),
    (FIXTURES / "exports-2025" / "trl-preference.jsonl", "sharegpt"),
    (FIXTURES / "exports-2025" / "alpaca-records.json", "sharegpt"),
])
def test_each_known_export_is_recognised_as_its_kind_by_one_reader_only(path, kind):
    [found] = detect(path)
    assert found.kind == kind
    sample = Sample(path.name, json.loads(path.read_text(encoding="utf-8").split("\n")[0]) if path.suffix == ".jsonl"
                    else (lambda v: v[0] if isinstance(v, list) else v)(json.loads(path.read_text(encoding="utf-8"))))
    assert [r.SOURCE for r in READERS if r.recognises(sample)] == [kind]


def test_the_cli_knows_every_kind_detection_knows():
    assert set(KIND_NAMES) == set(KINDS)


def test_import_without_a_kind_says_what_it_found(tmp_path, capsys):
    export = CORPUS / "claude-export" / "simonw_claude-to-sqlite_example.json"
    assert _cli(["import", str(export), "--all", "--out", str(tmp_path / "posts")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"read {export} as a Claude export\n")
    assert len(list((tmp_path / "posts").glob("*.md"))) >= 1


def test_a_file_of_no_known_format_is_named_with_what_it_looks_like(tmp_path, capsys):
    export = tmp_path / "records.jsonl"
    export.write_text('{"a": 1}\n{"b": 2}\n', encoding="utf-8")
    assert _cli(["import", str(export), "--all", "--out", str(tmp_path / "posts")]) == 1
    err = capsys.readouterr().err
    assert "not an export that import reads" in err and "a JSON object with keys `a`" in err
    assert "ChatGPT export (chatgpt)" in err and "Claude export (claude)" in err  # the formats it reads
    assert not (tmp_path / "posts").exists()


def test_records_that_are_no_conversations_given_as_chatgpt_fail_instead_of_exit_0(tmp_path, capsys):
    export = tmp_path / "records.jsonl"
    export.write_text('{"a": 1}\n{"b": 2}\n', encoding="utf-8")
    assert _cli(["import", "chatgpt", str(export), "--all", "--out", str(tmp_path / "posts")]) == 1
    assert "not a ChatGPT conversation" in capsys.readouterr().err
    assert not (tmp_path / "posts").exists()


def test_a_claude_export_given_as_chatgpt_is_named_as_claude(tmp_path, capsys):
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([_claude("c1", "Hello", "hi", "hello")]), encoding="utf-8")
    assert _cli(["import", "chatgpt", str(export), "--all", "--out", str(tmp_path / "posts")]) == 1
    err = capsys.readouterr().err
    assert "this looks like a Claude export" in err and f"site-builder import {export}" in err


def test_a_chatgpt_like_mapping_of_fragments_is_not_taken_for_chatgpt(tmp_path):
    """DeepSeek's export has a ``mapping`` too, whose messages hold ``fragments``: the ChatGPT reader must not
    claim it (it used to write an empty post, exit 0)."""
    record = {"id": "d1", "title": "t", "inserted_at": "2025-01-01T00:00:00", "mapping": {
        "root": {"id": "root", "parent": None, "children": ["1"], "message": None},
        "1": {"id": "1", "parent": "root", "children": [], "message": {
            "fragments": [{"type": "REQUEST", "content": "hello"}], "inserted_at": "2025-01-01T00:00:00"}}}}
    assert not KINDS["chatgpt"].recognises(Sample("conversations.json", record))


def test_a_zip_holding_two_kinds_imports_both_and_names_what_it_did_not_read(tmp_path, capsys):
    export = tmp_path / "exports.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("chatgpt/conversations.json", json.dumps([_chatgpt("Sourdough", "Why sour?", "Lactobacilli.",
                                                                           "g1")]))
        archive.writestr("claude/conversations.json", json.dumps([_claude("c1", "Rust lifetimes", "what is 'a?",
                                                                          "A lifetime name.")]))
        archive.writestr("claude/users.json", json.dumps([{"uuid": "u", "full_name": "Me"}]))
    assert _cli(["import", str(export), "--all", "--out", str(tmp_path / "posts")]) == 0
    out = capsys.readouterr().out
    assert f"read {export}: chatgpt/conversations.json as a ChatGPT export" in out
    assert f"read {export}: claude/conversations.json as a Claude export" in out
    assert "skipped" in out and "claude/users.json" in out and "not read" in out
    texts = "\n".join(_posts(tmp_path / "posts").values())
    assert "Lactobacilli." in texts and "A lifetime name." in texts


def test_a_folder_of_exports_is_read_file_by_file(tmp_path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "one.json").write_text(json.dumps([_claude("c1", "First", "q1", "a1")]), encoding="utf-8")
    (folder / "two.json").write_text(json.dumps([_claude("c2", "Second", "q2", "a2")]), encoding="utf-8")
    (folder / "notes.txt").write_text("not an export", encoding="utf-8")
    report = import_export(None, folder, tmp_path / "posts", Selection(everything=True))
    assert [f.kind for f in report.found] == ["claude", "claude"]
    assert report.count("new") == 2


# --- no conversation lost or overwritten -------------------------------------------------------------

def test_two_records_with_one_id_are_two_posts_and_a_reimport_finds_each_again(tmp_path, capsys):
    export = tmp_path / "data.json"
    export.write_text(json.dumps([
        {"id": "x", "conversations": [{"from": "human", "value": "one"}, {"from": "gpt", "value": "a"}]},
        {"id": "x", "conversations": [{"from": "human", "value": "two"}, {"from": "gpt", "value": "b"}]}]),
        encoding="utf-8")
    out = tmp_path / "posts"
    assert _cli(["import", "sharegpt", str(export), "--all", "--out", str(out)]) == 0
    report = capsys.readouterr().out
    assert "imported as 'x~2'" in report
    posts = _posts(out)
    assert len(posts) == 2
    by_id = {text.split("source_id: ", 1)[1].split("\n", 1)[0]: text for text in posts.values()}
    assert "User: one" in by_id["x"] and "User: two" in by_id["x~2"]
    assert _cli(["import", "sharegpt", str(export), "--all", "--out", str(out)]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:3]] == ["unchanged", "unchanged"]
    assert _posts(out) == posts


def test_two_claude_conversations_sharing_a_uuid_are_both_kept(tmp_path):
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([_claude("same", "Alpha", "first question", "first answer"),
                                  _claude("same", "Beta", "second question", "second answer")]), encoding="utf-8")
    report = import_export(None, export, tmp_path / "posts", Selection(everything=True))
    assert report.count("new") == 2 and not report.skipped
    texts = "\n".join(_posts(tmp_path / "posts").values())
    assert "first answer" in texts and "second answer" in texts


def test_two_chatgpt_conversations_without_ids_with_one_title_and_time_are_both_kept(tmp_path):
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([_chatgpt("Same", "first?", "first!"), _chatgpt("Same", "second?", "second!")]),
                      encoding="utf-8")
    report = import_export(None, export, tmp_path / "posts", Selection(everything=True))
    assert report.count("new") == 2
    texts = "\n".join(_posts(tmp_path / "posts").values())
    assert "first!" in texts and "second!" in texts


# --- empty conversations: skipped, counted, said ------------------------------------------------------

def test_conversations_with_only_empty_messages_are_skipped_and_named(tmp_path, capsys):
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([_claude("e1", "Empty one", "", ""), _claude("e2", "Empty two", "  ", ""),
                                  _claude("f1", "Full", "question", "answer")]), encoding="utf-8")
    assert _cli(["import", str(export), "--all", "--out", str(tmp_path / "posts")]) == 0  # deliberate skips
    out = capsys.readouterr().out
    assert "skipped    e1 'Empty one': no message to show" in out and "e2 'Empty two'" in out
    assert "1 new" in out and "2 skipped" in out
    assert len(_posts(tmp_path / "posts")) == 1


# --- nothing of a message vanishes -------------------------------------------------------------------

def test_chatgpt_thoughts_and_recaps_written_in_parts_are_shown(tmp_path):
    record = _chatgpt("Thinking", "Why is the sky blue?", "Rayleigh scattering.", "t1")
    mapping = record["mapping"]
    mapping["th"] = {"id": "th", "parent": "q", "children": [], "message": {
        "id": "th", "author": {"role": "assistant"}, "create_time": 1700000001,
        "content": {"content_type": "thoughts", "parts": ["Short wavelengths scatter more."]}}}
    mapping["rc"] = {"id": "rc", "parent": "th", "children": [], "message": {
        "id": "rc", "author": {"role": "assistant"}, "create_time": 1700000002,
        "content": {"content_type": "reasoning_recap", "parts": ["Thought for 4 seconds"]}}}
    mapping["a"]["parent"] = "rc"
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([record]), encoding="utf-8")
    report = import_export(None, export, tmp_path / "posts", Selection(everything=True))
    [text] = _posts(tmp_path / "posts").values()
    assert "Short wavelengths scatter more." in text and "Thought for 4 seconds" in text
    assert set(report.dropped()) == {"node without a message (the root)"}  # nothing of the thoughts


def test_claude_citations_and_web_search_results_are_shown_or_counted(tmp_path):
    conversation = _claude("w1", "Search", "who won?", "")
    conversation["chat_messages"][1]["content"] = [
        {"type": "server_tool_use", "id": "srv1", "name": "web_search", "input": {"query": "who won"}},
        {"type": "web_search_tool_result", "tool_use_id": "srv1", "content": [
            {"type": "web_search_result", "title": "Results page", "url": "https://example.org/results",
             "encrypted_content": "EqQBCkYIBx"}]},
        {"type": "text", "text": "The blue team won.", "citations": [
            {"type": "web_search_result_location", "url": "https://example.org/results", "title": "Results page",
             "cited_text": "blue team won"},
            {"uuid": "c2", "start_index": 0, "end_index": 5, "details": {"type": "web_search_citation",
                                                                         "url": "https://example.com/news"}}]}]
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([conversation]), encoding="utf-8")
    report = import_export(None, export, tmp_path / "posts", Selection(everything=True))
    [text] = _posts(tmp_path / "posts").values()
    assert "The blue team won." in text
    assert "[Results page](https://example.org/results)" in text and "https://example.com/news" in text
    assert "web_search_tool_result" not in text  # shown as results, not as an unknown block
    assert dict(report.dropped()) == {"search result page excerpt (its link is shown)": 1}


def test_an_unreadable_file_inside_a_folder_is_an_error_naming_it(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "broken.json").write_text('[{"uuid": "c1", "chat_messages": [', encoding="utf-8")
    with pytest.raises(ImportError_) as caught:
        import_export(None, folder, tmp_path / "posts", Selection(everything=True))
    assert "broken.json" in str(caught.value)


def test_every_export_fixture_is_claimed_by_exactly_one_reader():
    """Detection asks every reader; two readers claiming one file would make the format a matter of order."""
    from site_builder.importers.detect import _sample, kind_of

    not_conversations = {"export_manifest.json", "llamafactory_dataset_info.json"}
    folders = ("exports-2025", "exports-2026", "chatgpt-export", "claude-export", "sharegpt")
    files = [p for base in (FIXTURES / f for f in folders) for p in sorted(base.rglob("*"))
             if p.is_file() and p.suffix in (".json", ".jsonl", ".html", ".csv")]
    assert len(files) > 40
    for path in files:
        claims = [kind_of(r) for r in READERS if r.recognises(_sample(path, None, path.name))]
        assert len(claims) == (0 if path.name in not_conversations else 1), (path.name, claims)


def test_the_export_zips_chat_html_is_not_read_again_beside_conversations_json(tmp_path, capsys):
    export = tmp_path / "chatgpt-export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.write(FIXTURES / "exports-2026" / "chatgpt-chat.html", "chat.html")
        archive.write(FIXTURES / "exports-2025" / "chatgpt-bad-records.json", "conversations.json")
    assert _cli(["import", str(export), "--all", "--out", str(tmp_path / "posts")]) == 1  # one record is refused
    out = capsys.readouterr().out
    assert f"skipped    {export}: chat.html '': the same conversations as the export's conversations.json" in out
    assert len(_posts(tmp_path / "posts")) == 4  # each conversation once


def test_a_claude_code_project_folder_reads_every_session_and_names_what_it_does_not(tmp_path, capsys):
    session = FIXTURES / "exports-2026" / "claude-code-session.jsonl"
    lines = session.read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "project"
    (folder / "subagents").mkdir(parents=True)
    (folder / "one.jsonl").write_text(session.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "two.jsonl").write_text("\n".join([lines[0], "{oops", *lines[1:]]) + "\n", encoding="utf-8")
    (folder / "agent-a1.jsonl").write_text(lines[0] + "\n", encoding="utf-8")
    assert _cli(["import", str(folder), "--all", "--out", str(tmp_path / "posts")]) == 1  # two.jsonl is refused
    out = capsys.readouterr().out
    assert f"read {folder / 'one.jsonl'} as a Claude Code session" in out
    assert f"skipped    {folder / 'agent-a1.jsonl'} '': a sub-agent's run: shown inside the session" in out
    assert f"refused    {folder / 'two.jsonl'} '': cannot be read: line 2: not valid JSON" in out
    assert len(_posts(tmp_path / "posts")) == 1


def test_a_deepseek_export_given_as_chatgpt_fails_naming_deepseek_instead_of_exit_0(tmp_path, capsys):
    export = FIXTURES / "exports-2026" / "deepseek-conversations.json"
    assert _cli(["import", "chatgpt", str(export), "--all", "--out", str(tmp_path / "posts")]) == 1
    err = capsys.readouterr().err
    assert "not a ChatGPT conversation" in err and "this looks like a DeepSeek data export" in err
    assert f"site-builder import deepseek {export}" in err
    assert not (tmp_path / "posts").exists()


def test_a_claude_code_session_still_being_written_keeps_what_came_before_its_cut_last_line(tmp_path, capsys):
    session = (FIXTURES / "exports-2026" / "claude-code-session.jsonl").read_text(encoding="utf-8")
    cut = tmp_path / "live.jsonl"
    cut.write_text(session.rstrip("\n") + '\n{"parentUuid": "x", "type": "assistant", "mess', encoding="utf-8")
    assert _cli(["import", str(cut), "--all", "--out", str(tmp_path / "posts")]) == 0
    out = capsys.readouterr().out
    lines = session.rstrip("\n").count("\n") + 2
    assert f"note: line {lines}: cut off at the end of the file (was Claude Code still writing it?)" in out
    [text] = _posts(tmp_path / "posts").values()
    assert "Fix ISO week parsing" in text
    # a JSON lines dataset cut off the same way is still an error: nothing is written
    data = tmp_path / "data.jsonl"
    data.write_text('{"conversations": [{"from": "human", "value": "hi"}]}\n{"conversations": [', encoding="utf-8")
    assert _cli(["import", str(data), "--all", "--out", str(tmp_path / "other")]) == 1
    assert "line 2: cut off at the end of the file" in capsys.readouterr().err


def test_an_alert_written_by_the_ai_is_not_shown_as_the_authors_note(tmp_path):
    """An answer that writes GitHub alert syntax (a README it drafted) must not become an "Author's note"."""
    from site_builder.markdown.core import create_markdown, render
    from site_builder.posts import parse_post

    export = tmp_path / "data.json"
    export.write_text(json.dumps([{"id": "n1", "conversations": [
        {"from": "human", "value": "Write a README tip."},
        {"from": "gpt", "value": "Here:\n\n> [!NOTE]\n> Use a virtual environment.\n\n> [!warning]\n> Never commit keys."}]}]),
        encoding="utf-8")
    import_export(None, export, tmp_path / "posts", Selection(everything=True))
    [path] = (tmp_path / "posts").glob("*.md")
    post = parse_post(path, path.read_text(encoding="utf-8"))
    answer = post.turns[-1]
    assert answer.annotations == ()
    html = render(create_markdown(), answer.text)
    assert "Author" not in html and "[!NOTE]" in html and "[!warning]" in html and "Use a virtual environment." in html
