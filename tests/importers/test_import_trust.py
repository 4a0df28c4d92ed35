"""Layer 2 of import trust (layer 1, ``imported:`` in the front matter, is tests/snippets/test_imported_posts.py):
every fence of an export is marked ``norun`` by the per-message neutraliser, and the assembled post is parsed
again with the real parser and checked with the post-level switch off; a block that would still run is
fixed in the whole post, or the conversation is refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from site_builder.importers import writer
from site_builder.importers.common import Conversation, DraftExchange, Message
from site_builder.importers.driver import Selection, format_report, import_export
from site_builder.importers.text import neutralise
from site_builder.importers.trust import runnable_lines
from site_builder.importers.writer import render_post
from site_builder.posts import parse_post
from site_builder.snippets.model import NORUN
from site_builder.snippets.parse import parse_snippet

LABELS = ["User", "Assistant"]
NOWHERE = Path("/nonexistent-companions")

# Each message holds exactly one fence (as the site's renderer, which shows raw HTML as text, sees it).
HOSTILE_MESSAGES = {
    "bare-doctest": "```\n>>> open('x', 'w')\n```",
    "tilde-bare-doctest": "~~~\n>>> open('x', 'w')\n~~~",
    "tilde-python": "~~~python\nopen('x', 'w')\n~~~",
    "longer-fence": "`````py\n```\nopen('x', 'w')\n```\n`````",
    "unclosed": "```python\nopen('x', 'w')",
    "in-list": "1. step\n\n   ```python\n   open('x', 'w')\n   ```",
    "in-quote": "> ```pycon\n> >>> open('x', 'w')\n> ```",
    "in-list-in-quote": "> - ```\n>   >>> open('x', 'w')\n>   ```",
    "tab-after-list-marker": "-\t```python\n\topen('x', 'w')\n\t```",
    "crlf": "```python\r\nopen('x', 'w')\r\n```",
    "cr": "```\r>>> open('x', 'w')\r```",
    "options": "```python companion=sgd.py::Network.SGD\nx = 1\n```",
    "trusted": "```python trusted\nopen('x', 'w')\n```",
    "shell-run": "```sh run\ntouch x\n```",
    "json": "```json\n{}\n```",
    "pre-hides-fence": "<pre>\n```python\nopen('x', 'w')\n```\n</pre>",
    "comment-hides-fence": "<!-- note\n```\n>>> open('x', 'w')\n```\n-->",
}


def _post(body: str):
    front = "---\ntitle: t\ndate: 2024-01-01\nspeakers:\n  User: {role: user}\n  Assistant: {role: assistant}\n---\n\n"
    return parse_post(Path("2024-01-01-t.md"), front + body)


def _kinds(post) -> list[str]:
    """What the snippet checks would make of each block if the post were not marked imported."""
    return [parse_snippet(post.path, block, NOWHERE, imported=False).kind for block in post.code_blocks]


@pytest.mark.parametrize("text", HOSTILE_MESSAGES.values(), ids=HOSTILE_MESSAGES.keys())
def test_every_fence_of_a_message_is_marked_norun(text):
    post = _post(f"User: run it\n\nAssistant:\n\n{neutralise(text, LABELS)}\n")
    assert _kinds(post) == [NORUN]
    assert "open('x', 'w')" in post.code_blocks[0].code or "touch x" in post.code_blocks[0].code \
        or post.code_blocks[0].code.strip() in ("{}", "x = 1")


def test_an_indented_doctest_is_not_a_block_and_stays_text():
    """An indented code block is not a fence: the snippet checks never see it (post.code_blocks)."""
    safe = neutralise("    >>> open(1)\n\n>>> open(2)", LABELS)
    post = _post(f"User: run it\n\nAssistant:\n\n{safe}\n")
    assert post.code_blocks == ()
    assert ">>> open(1)" in post.turns[1].text and ">>> open(2)" in post.turns[1].text


def _conversation(*exchanges: tuple[str | None, list[str]]) -> Conversation:
    return Conversation("sharegpt", "id-1", "t", None, tuple(
        DraftExchange(Message("user", "User", q) if q is not None else None,
                      (tuple(Message("assistant", "Assistant", a) for a in answers),))
        for q, answers in exchanges))


def test_an_html_block_opened_in_the_question_cannot_reveal_a_fence_in_the_answer():
    """The issue's second repro: ``<!--`` in the question, ``-->`` then a python fence in the answer."""
    rendered = render_post(_conversation(("<!--", ["<pre>\n-->\n```python\nopen('B', 'w')\n```\n</pre>"])),
                           dt.date(2024, 1, 1))
    post = parse_post(Path("2024-01-01-t.md"), rendered.text)
    assert _kinds(post) == [NORUN]
    assert [t.speaker.name for t in post.turns] == ["User", "Assistant"]


# Two answers of one speaker are joined in one turn. Read alone, the second is an indented code block (not a
# fence, so the neutraliser leaves it be); in the post it continues the list item of the first, where the
# same lines are a python fence.
LEAK = ["- a list item", "    ```python\n    open('C', 'w')\n    ```"]


def test_a_fence_that_only_the_assembled_post_has_is_marked_norun_and_reported():
    rendered = render_post(_conversation(("go", LEAK)), dt.date(2024, 1, 1))
    post = parse_post(Path("2024-01-01-t.md"), rendered.text)
    assert any("open('C', 'w')" in block.code for block in post.code_blocks)
    assert set(_kinds(post)) == {NORUN}
    assert runnable_lines(rendered.text) == ()
    assert any("only in the assembled post" in problem for problem in rendered.problems)


def test_runnable_lines_finds_what_would_run_without_the_post_switch():
    text = ("---\ntitle: t\ndate: 2024-01-01\nimported: chatgpt\n---\n\n```python\nx\n```\n\n```\n>>> 1\n```\n\n"
            "```json\n{}\n```\n\n```sh run\nls\n```\n\n```python norun reason=\"r\"\nx\n```\n\n"
            "```python companion=a.py::f\nx\n```\n")
    assert runnable_lines(text) == (7, 11, 19, 27)


def test_a_post_that_cannot_be_made_safe_is_refused_and_nothing_is_written(tmp_path, monkeypatch):
    refusal = "a code block would run (line 9 of the post)"
    monkeypatch.setattr(writer, "secure_post", lambda text: writer.SecuredPost(text, (9,), refusal))
    export = tmp_path / "a.json"
    export.write_text(json.dumps([{"id": "1", "conversations": [{"from": "human", "value": "hi"},
                                                                 {"from": "gpt", "value": "ok"}]}]))
    report = import_export("sharegpt", export, tmp_path / "posts", Selection(everything=True))
    assert report.count("new") == 0 and not (tmp_path / "posts").exists()
    [skipped] = report.skipped
    assert "refused" in skipped.reason and "line 9" in skipped.reason
    assert skipped.refused and f"refused    1 'hi': {skipped.reason}" in format_report(report)


def test_the_issue_repro_writes_no_runnable_block_even_without_the_post_switch(tmp_path):
    export = tmp_path / "a.json"
    export.write_text(json.dumps([
        {"id": "1", "conversations": [{"from": "human", "value": "hi"},
                                      {"from": "gpt", "value": "```\n>>> open('/tmp/PWNED_A','w')\n```"}]},
        {"id": "2", "conversations": [{"from": "human", "value": "<!--"},
                                      {"from": "gpt", "value": "<pre>\n-->\n```python\nopen('/tmp/PWNED_B','w')\n"
                                                               "```\n</pre>"}]}]))
    report = import_export("sharegpt", export, tmp_path / "posts", Selection(everything=True))
    assert report.count("new") == 2
    for outcome in report.outcomes:
        post = parse_post(outcome.path, outcome.path.read_text(encoding="utf-8"))
        assert post.imported and _kinds(post) == [NORUN]


def test_two_conversations_with_one_title_on_different_days_get_different_slugs(tmp_path):
    """A post's URL is its slug, the file name without the date: a second ``2024-05-02-hello.md`` next to
    ``2024-05-01-hello.md`` would stop the build ("slug already used")."""
    from site_builder.build import build_site

    def conversation(cid: str, day: int) -> dict:
        return {"uuid": cid, "name": "Hello", "created_at": f"2024-05-0{day}T00:00:00Z",
                "chat_messages": [{"uuid": "q", "sender": "human", "text": "hi"}]}

    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([conversation("c1", 1), conversation("c2", 2)]))
    posts = tmp_path / "content" / "posts"
    names = sorted(o.path.name for o in import_export("claude", export, posts, Selection(everything=True)).outcomes)
    assert names[0] == "2024-05-01-hello.md" and names[1].startswith("2024-05-02-hello-")
    assert build_site(tmp_path / "content", tmp_path / "site").posts == 2
