"""Importers: every corpus fixture imports with the expected report, reads back through our parser,
and builds; the posts folder is safe (idempotent, edits detected); bad exports fail in one line."""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

import pytest

from site_builder.errors import ImportError_
from site_builder.importers import add_import_parser
from site_builder.importers.driver import Selection, import_export, read_export
from site_builder.importers import jsonstream
from site_builder.importers.common import Message, Node
from site_builder.importers.layout import thread
from site_builder.importers.text import neutralise
from site_builder.importers.writer import render_post, slugify
from site_builder.markdown.core import create_markdown, render
from site_builder.posts import parse_post

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHATGPT = FIXTURES / "chatgpt-export"
SHAREGPT = FIXTURES / "sharegpt"
CLAUDE = FIXTURES / "claude-export"
ROOT_DROP = "node without a message (the root)"

# (kind, file, conversations read, posts, turns, variants, branches, dropped reasons, skipped)
EXPECTED = [
    ("chatgpt", CHATGPT / "librechat_chatgpt-tree.json", 1, 1, 12, 1, 2,
     {"hidden system message": 1, ROOT_DROP: 1}, 0),
    ("chatgpt", CHATGPT / "librechat_chatgpt-modern-export.json", 3, 2, 6, 0, 0,
     {ROOT_DROP: 2, "custom instructions (include them with --custom-instructions)": 1}, 1),
    ("chatgpt", CHATGPT / "librechat_chatgpt-citations.json", 1, 1, 2, 0, 0, {}, 0),
    ("chatgpt", CHATGPT / "langchain_fake_conversations.json", 2, 2, 4, 0, 0, {}, 0),
    ("claude", CLAUDE / "simonw_claude-to-sqlite_example.json", 1, 1, 2, 0, 0, {}, 0),
]
SHAREGPT_FILES = sorted(p for p in SHAREGPT.glob("*.json*") if "dataset_info" not in p.name)


def _import_all(kind: str, export: Path, out: Path, **kw):
    return import_export(kind, export, out, Selection(everything=True), **kw)


def _assert_round_trip(kind: str, export: Path, out: Path) -> int:
    """Every written post parses back to the turns, speakers and variants the writer meant."""
    checked = 0
    for item in read_export(kind, export):
        if not hasattr(item, "exchanges"):
            continue
        rendered = render_post(item, __import__("datetime").date(2020, 1, 1))
        post = parse_post(out / "x.md", rendered.text)
        assert [(t.speaker.name, t.text) for t in post.turns] == [(t.speaker, t.text) for t in rendered.turns]
        assert tuple(len(e.answers) for e in post.exchanges) == rendered.shape
        assert {n: (s.role, s.model) for n, s in post.speakers.items()} == \
            {label: (role, model) for label, role, model in rendered.speakers}
        assert post.meta["source"] == kind and post.meta["source_id"] == item.source_id
        checked += 1
    return checked


@pytest.mark.parametrize("kind, export, conversations, posts, turns, variants, branches, dropped, skipped",
                         EXPECTED, ids=[e[1].name for e in EXPECTED])
def test_export_report_and_round_trip(tmp_path, kind, export, conversations, posts, turns, variants, branches,
                                      dropped, skipped):
    report = _import_all(kind, export, tmp_path / "posts")
    assert report.conversations == conversations
    assert report.count("new") == posts == len(list((tmp_path / "posts").glob("*.md")))
    assert sum(o.turns for o in report.outcomes) == turns
    assert sum(o.variants for o in report.outcomes) == variants
    assert sum(o.conversation.branches for o in report.outcomes) == branches
    assert dict(report.dropped()) == dropped
    assert len(report.skipped) == skipped
    assert _assert_round_trip(kind, export, tmp_path) == posts


def _sharegpt_records(path: Path) -> list[dict]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("export", SHAREGPT_FILES, ids=[p.name for p in SHAREGPT_FILES])
def test_sharegpt_report_and_round_trip(tmp_path, export):
    records = _sharegpt_records(export)
    report = _import_all("sharegpt", export, tmp_path / "posts")
    assert report.conversations == len(records) == report.count("new")
    messages = sum(len(r.get("conversations") or r.get("messages")) + bool(r.get("system")) for r in records)
    preference = sum(1 for r in records if "chosen" in r)
    # chosen + rejected answers, and the question repeated above the rejected one
    assert sum(o.turns for o in report.outcomes) == messages + 3 * preference
    assert sum(o.variants for o in report.outcomes) == preference
    assert _assert_round_trip("sharegpt", export, tmp_path) == len(records)


def test_tree_keeps_regenerated_answer_and_edited_branch(tmp_path):
    _import_all("chatgpt", CHATGPT / "librechat_chatgpt-tree.json", tmp_path)
    post = parse_post(tmp_path / "p.md", next(tmp_path.glob("*.md")).read_text(encoding="utf-8"))
    questions = [e.question.text.splitlines()[-1] for e in post.exchanges]
    assert questions == ["hi there", "hi again", "tell me a joke", "so cool bro", "tell me a story"]
    assert len(post.exchanges[2].answers) == 2  # the regenerated joke
    assert "Edited question" in post.exchanges[3].question.text and "question 2" in post.exchanges[3].question.text
    story = post.exchanges[4].answers[0][0]
    # the importer's notes are its own, not the author's: no annotation, a "Note from the import"
    assert story.annotations == () and "> [!IMPORTED]\n> Interrupted" in story.text
    assert post.exchanges[3].question.annotations == ()
    assert "Note from the import" in render(create_markdown(), story.text) and "Author" not in render(create_markdown(), story.text)
    assert "\n---\n" in story.text  # the rule inside the answer stays a rule, inside the turn


def test_citations_become_footnotes_and_browsing_a_tool_turn(tmp_path):
    _import_all("chatgpt", CHATGPT / "librechat_chatgpt-citations.json", tmp_path)
    post = parse_post(tmp_path / "p.md", next(tmp_path.glob("*.md")).read_text(encoding="utf-8"))
    tool, answer = post.turns
    assert (tool.speaker.name, tool.role) == ("Browser", "tool")
    assert "【" not in answer.text and answer.text.count("[^c1-") == 8  # 4 references + 4 definitions
    assert "[^c1-1]: [Signal Sciences - Crunchbase Company Profile \\& Funding]" \
           "(https://www.crunchbase.com/organization/signal-sciences)" in answer.text


def test_custom_instructions_are_opt_in(tmp_path):
    from site_builder.importers.chatgpt import Options

    report = import_export("chatgpt", CHATGPT / "librechat_chatgpt-modern-export.json", tmp_path,
                           Selection(title_match="staging"), options=Options(custom_instructions=True))
    text = report.outcomes[0].path.read_text(encoding="utf-8")
    assert "Custom instructions" in text and "The user is an SRE." in text
    assert parse_post(tmp_path / "p.md", text).intro.startswith("> [!IMPORTED]")


def test_build_of_imported_posts_shows_variants(tmp_path):
    from site_builder.build import build_site

    posts = tmp_path / "content" / "posts"
    for kind, export, *_ in EXPECTED:
        _import_all(kind, export, posts)
    for export in SHAREGPT_FILES:
        _import_all("sharegpt", export, posts)
    written = len(list(posts.glob("*.md")))
    result = build_site(tmp_path / "content", tmp_path / "out")
    assert result.posts == written
    page = (tmp_path / "out/posts/assist-user-with-summary/index.html").read_text(encoding="utf-8")
    assert page.count('class="variant"') == 2
    claude_page = (tmp_path / "out/posts/bash-command-for-openai-api/index.html").read_text(encoding="utf-8")
    assert "CleanShot 20241017 at 22.29.542x.png" in claude_page


def test_reimport_is_unchanged_and_edits_are_protected(tmp_path):
    export = CHATGPT / "librechat_chatgpt-tree.json"
    first = _import_all("chatgpt", export, tmp_path)
    path = first.outcomes[0].path
    before = path.read_bytes()
    assert _import_all("chatgpt", export, tmp_path).outcomes[0].action == "unchanged"
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1
    path.write_text(path.read_text(encoding="utf-8").replace("hi there", "hello there"), encoding="utf-8")
    edited = path.read_bytes()
    for force in (False, True):  # the export did not change: the edited post is kept as it is
        outcome = _import_all("chatgpt", export, tmp_path, force=force).outcomes[0]
        assert (outcome.action, outcome.detail) == ("unchanged", "your edits kept")
        assert path.read_bytes() == edited
    assert _import_all("chatgpt", export, tmp_path, force_edited=True).outcomes[0].action == "overwritten"
    assert path.read_bytes() == before


def test_changed_export_needs_force(tmp_path):
    from site_builder.importers.chatgpt import Options

    export, pick = CHATGPT / "librechat_chatgpt-modern-export.json", Selection(ids=("6b0f0d9c-0000-4000-8000-000000000001",))
    path = import_export("chatgpt", export, tmp_path, pick).outcomes[0].path
    before = path.read_bytes()
    with_notes = Options(custom_instructions=True)
    assert import_export("chatgpt", export, tmp_path, pick, options=with_notes).outcomes[0].action == "exists"
    assert path.read_bytes() == before
    assert import_export("chatgpt", export, tmp_path, pick, options=with_notes, force=True).outcomes[0].action == "updated"
    assert b"Custom instructions" in path.read_bytes()


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    add_import_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_list_and_refusal_exit_code(tmp_path, capsys):
    export = str(CHATGPT / "librechat_chatgpt-modern-export.json")
    assert _cli(["import", "chatgpt", export, "--list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["id", "date", "turns", "branches", "title"]
    assert "Weeknight pasta" in listing[3] and "not importable" in listing[2]
    with pytest.raises(ImportError_, match="more than one conversation"):
        _cli(["import", "chatgpt", export, "--out", str(tmp_path / "p")])
    assert not (tmp_path / "p").exists()
    assert _cli(["import", "chatgpt", export, "--out", str(tmp_path / "p"), "--title-match", "PASTA"]) == 0
    post = next((tmp_path / "p").glob("*.md"))
    post.write_text(post.read_text(encoding="utf-8") + "\nMy own note.\n", encoding="utf-8")
    # the author's note is kept: the export has nothing new, so the edited post stays as it is
    assert _cli(["import", "chatgpt", export, "--out", str(tmp_path / "p"), "--title-match", "pasta"]) == 0
    assert "unchanged" in capsys.readouterr().out and post.read_text(encoding="utf-8").endswith("My own note.\n")
    post.write_text(post.read_text(encoding="utf-8").replace("\nChatGPT:", "\nChatGPT:\n\nUser: extra\n\nChatGPT:", 1),
                    encoding="utf-8")  # a turn added by hand: no turn-by-turn merge
    assert _cli(["import", "chatgpt", export, "--out", str(tmp_path / "p"), "--title-match", "pasta", "--force"]) == 1
    assert "--force-edited replaces it" in capsys.readouterr().out


@pytest.mark.parametrize("kind, export, message", [
    ("sharegpt", SHAREGPT / "llamafactory_data_README.md", r"llamafactory_data_README\.md: line 1 column 1: not valid JSON"),
    ("sharegpt", SHAREGPT / "llamafactory_dataset_info.json", r"dataset_info\.json: the top level: not a ShareGPT dataset"),
    ("chatgpt", CLAUDE / "simonw_claude-to-sqlite_example.json", r"example\.json: \[0\]: not a ChatGPT conversation.*claude"),
    ("claude", CHATGPT / "librechat_chatgpt-tree.json", r"tree\.json: \[0\]: not a Claude conversation"),
    ("sharegpt", CHATGPT / "librechat_chatgpt-tree.json", r"tree\.json: \[0\]: not a ShareGPT record"),
    ("chatgpt", FIXTURES / "no-such-export.json", r"no-such-export\.json: no such file"),
])
def test_bad_exports_fail_in_one_line_and_write_nothing(tmp_path, kind, export, message):
    with pytest.raises(ImportError_, match=message) as caught:
        _import_all(kind, export, tmp_path / "posts")
    assert "\n" not in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_wrong_shape_names_the_json_path_and_refuses_only_that_conversation(tmp_path):
    data = json.loads((CHATGPT / "librechat_chatgpt-modern-export.json").read_text(encoding="utf-8"))
    data[2]["mapping"]["user-3"]["message"]["content"] = "plain string"
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps(data), encoding="utf-8")
    report = _import_all("chatgpt", export, tmp_path / "posts")
    [refused] = [s for s in report.skipped if s.refused]
    assert refused.reason == "[2].mapping.user-3.message.content: expected an object, found a string"
    assert report.count("new") == 1 and report.refused() == 1  # conversation [0] is written (issue 10, point 6)


def test_zip_export_and_zip_without_conversations(tmp_path):
    good, bad = tmp_path / "export.zip", tmp_path / "other.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.write(CHATGPT / "librechat_chatgpt-tree.json", "export/conversations.json")
        archive.writestr("export/chat.html", "<html></html>")
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("chat.html", "<html></html>")
    assert _import_all("chatgpt", good, tmp_path / "posts").count("new") == 1
    with pytest.raises(ImportError_, match=r"other\.zip: this zip has no conversations\.json"):
        _import_all("chatgpt", bad, tmp_path / "posts2")


def test_stream_reader_cuts_elements_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 7)
    values = [{"text": "é" * n, "n": n, "nested": [1, {"a": None}]} for n in range(40)] + [12345678]
    path = tmp_path / "a.json"
    path.write_text(json.dumps(values, ensure_ascii=False, indent=1), encoding="utf-8")
    assert [r.value for r in jsonstream.iter_json(path)] == values
    path.write_text('[{"a": 1},\n {"b": [1, 2,]}]', encoding="utf-8")
    with pytest.raises(ImportError_, match=r"a\.json: line 2 column \d+ in \[1\]: not valid JSON"):
        list(jsonstream.iter_json(path))


def test_message_text_cannot_split_its_turn():
    labels = ["User", "ChatGPT"]
    text = "User: this line is quoted\nchatgpt : so is this\n\n```python title=x\nUser: in code\nprint(1)\n\nmore\n\n---"
    safe = neutralise(text, labels)
    assert "&#85;ser: this line" in safe and "&#99;hatgpt : so" in safe
    assert '```python norun reason="imported conversation: not checked"\nUser: in code' in safe
    assert safe.endswith("```")  # the unclosed fence is closed
    post = parse_post(Path("x.md"), f"---\ntitle: t\ndate: 2024-01-01\nspeakers:\n  User: {{role: user}}\n"
                                    f"  ChatGPT: {{role: assistant}}\n---\n\nUser:\n\n{safe}\n\nChatGPT: ok\n")
    assert [t.speaker.name for t in post.turns] == ["User", "ChatGPT"] and post.turns[0].text == safe
    assert neutralise("answer\n\n---", labels).endswith("\\---")


def test_same_question_twice_is_not_merged_but_identical_edit_is_a_variant():
    def msg(role, text):
        return Message(role, "User" if role == "user" else "ChatGPT", text)

    nodes = {"q1": Node("q1", None, msg("user", "continue"), order=0),
             "a1": Node("a1", "q1", msg("assistant", "part 1"), order=1),
             "q2": Node("q2", "a1", msg("user", "Continue"), order=2),
             "a2": Node("a2", "q2", msg("assistant", "part 2"), order=3),
             "q2b": Node("q2b", "a1", msg("user", "continue "), order=4),
             "a2b": Node("a2b", "q2b", msg("assistant", "part 2, again"), order=5)}
    laid = thread(nodes, "a2")
    assert [len(e.answers) for e in laid.exchanges] == [1, 2] and laid.branches == 1
    from site_builder.importers.common import Conversation

    rendered = render_post(Conversation("chatgpt", "x", "t", None, laid.exchanges), __import__("datetime").date(2024, 1, 1))
    post = parse_post(Path("x.md"), rendered.text)
    assert [len(e.answers) for e in post.exchanges] == [1, 2]
    assert "Asked again" in post.exchanges[1].question.text


def test_slugs_are_ascii_stable_and_unique(tmp_path):
    assert slugify("Café crème: résumé!", "chatgpt", "id1") == "cafe-creme-resume"
    cjk = slugify("机器学习入门 🤖", "chatgpt", "abc-123")
    assert cjk == slugify("机器学习入门 🤖", "chatgpt", "abc-123") and cjk.isascii() and cjk.startswith("chatgpt-")
    data = [{"title": "同じ", "create_time": 1700000000, "id": f"id-{n}", "current_node": "u",
             "mapping": {"u": {"message": {"author": {"role": "user"}, "content": {"parts": [f"question {n}"]}},
                               "parent": None, "children": []}}} for n in range(2)]
    export = tmp_path / "c.json"
    export.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    names = [o.path.name for o in _import_all("chatgpt", export, tmp_path / "p").outcomes]
    assert len(set(names)) == 2 and all(n.isascii() for n in names)
    assert [o.path.name for o in _import_all("chatgpt", export, tmp_path / "p").outcomes] == names
    titles = {parse_post(p, p.read_text(encoding="utf-8")).title for p in (tmp_path / "p").glob("*.md")}
    assert titles == {"同じ"}


def test_claude_order_by_parent_chain_artifacts_and_thinking(tmp_path):
    root = "00000000-0000-4000-8000-000000000000"
    answer = (" Here it is.\n\n<antThinking>Plan: a short script.</antThinking>\n\n<antArtifact identifier=\"hello\" "
              "type=\"application/vnd.ant.code\" language=\"python\" title=\"Hello &amp; bye\">\nprint('hi')\n"
              "</antArtifact>")
    data = [{"uuid": "c1", "name": "Claude features", "created_at": "2024-10-18T05:30:10Z", "chat_messages": [
        {"uuid": "a1", "sender": "assistant", "text": answer, "parent_message_uuid": "q1",
         "created_at": "2024-10-18T05:30:00Z"},  # listed first and timed first, yet it answers q1
        {"uuid": "q1", "sender": "human", "text": "Write hello", "parent_message_uuid": root,
         "created_at": "2024-10-18T05:31:00Z"},
    ]}]
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps(data), encoding="utf-8")
    report = _import_all("claude", export, tmp_path / "posts")
    post = parse_post(report.outcomes[0].path, report.outcomes[0].path.read_text(encoding="utf-8"))
    assert [(t.speaker.name, t.role) for t in post.turns] == [("User", "user"), ("Claude", "assistant")]
    reply = post.turns[1]
    assert reply.text.startswith("Here it is.")
    assert "**Artifact: Hello \\& bye**" in reply.text
    assert [(b.lang, b.code) for b in post.code_blocks] == [("python", "print('hi')\n")]
    assert 'norun reason="imported conversation: not checked"' in post.code_blocks[0].info
    assert reply.annotations == () and "\n\n> [!REASONING]\n>\n> Plan: a short script." in reply.text  # the model's


def test_claude_without_parents_is_ordered_by_time_and_errors_name_the_json_element(tmp_path):
    messages = [{"sender": "assistant", "text": "second", "created_at": "2024-01-01T00:00:02Z"},
                {"sender": "human", "text": "first", "created_at": "2024-01-01T00:00:01Z"}]
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([{"uuid": "c1", "name": "t", "chat_messages": messages}]), encoding="utf-8")
    [conversation] = [c for c in read_export("claude", export)]
    assert [[m.text for m in (e.question, *e.answers[0])] for e in conversation.exchanges] == [["first", "second"]]
    messages[0]["files"] = "not a list"
    export.write_text(json.dumps([{"uuid": "c1", "name": "t", "chat_messages": messages}]), encoding="utf-8")
    [refused] = read_export("claude", export)
    assert refused.refused and refused.reason.startswith("[0].chat_messages[0].files: expected a list")


def test_chatgpt_answers_of_another_model_get_their_own_speaker():
    from site_builder.importers.chatgpt import convert

    def node(nid, parent, role, text, model=None):
        return {"id": nid, "parent": parent, "children": [], "message": {
            "author": {"role": role}, "content": {"content_type": "text", "parts": [text]},
            "metadata": {"model_slug": model} if model else {}}}

    mapping = {"q1": node("q1", None, "user", "one"), "a1": node("a1", "q1", "assistant", "1", "gpt-4o"),
               "q2": node("q2", "a1", "user", "two"), "a2": node("a2", "q2", "assistant", "2", "o1-mini"),
               "q3": node("q3", "a2", "user", "three"), "a3": node("a3", "q3", "assistant", "3", "gpt-4o")}
    conv = convert({"title": "t", "mapping": mapping, "current_node": "a3"}, "[0]")
    assert [(m.speaker, m.model) for e in conv.exchanges for m in e.answers[0]] == \
        [("ChatGPT", "gpt-4o"), ("ChatGPT o1-mini", "o1-mini"), ("ChatGPT", "gpt-4o")]
    rendered = render_post(conv, __import__("datetime").date(2024, 1, 1))
    post = parse_post(Path("x.md"), rendered.text)
    assert {n: (s.role, s.model) for n, s in post.speakers.items()} == {
        "User": ("user", None), "ChatGPT": ("assistant", "gpt-4o"), "ChatGPT o1-mini": ("assistant", "o1-mini")}
    assert [t.speaker.name for t in post.turns][1::2] == ["ChatGPT", "ChatGPT o1-mini", "ChatGPT"]
