"""``site-builder explain --fix``: the front matter that settles a doubtful reading, and nothing else."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.errors import PostError
from site_builder.model import ReadingWarning
from site_builder.posts import load_post
from site_builder.settle import settle

TYPO = "## Me\n\nhi\n\n## Claude\n\nhello\n\n## M3\n\nand then?\n\n## Claude\n\nbye\n"
"""A mistyped heading label: read as a second user, and said."""


def _post(tmp_path: Path, text: str, name: str = "2024-01-01-post.md") -> Path:
    path = tmp_path / "posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def test_fix_writes_the_speakers_as_read_and_nothing_else(tmp_path: Path, capsys) -> None:
    front = "\ufeff---\r\ntitle: T\r\ntags: [a]\r\n---\r\n"
    body = TYPO.replace("\n", "\r\n")
    path = _post(tmp_path, front + body)
    before = load_post(path)
    assert before.confidence == "unsure" and [w.line for w in before.warnings] == [13]
    assert main(["explain", "--fix", str(path)]) == 0
    out = capsys.readouterr().out
    assert "reading: unsure (1 doubt(s) below" in out
    assert "+speakers: {Me: user, Claude: assistant, M3: user}\r\n" in out and "settled: speakers" in out
    raw = path.read_bytes().decode("utf-8")
    assert raw == front[:-5] + "speakers: {Me: user, Claude: assistant, M3: user}\r\n---\r\n" + body, \
        "one line added, the BOM, the line ends and the body as they were"
    after = load_post(path)
    assert after.confidence == "declared" and after.warnings == ()
    assert [(t.speaker.name, t.role, t.line - 1, t.text) for t in after.turns] == \
        [(t.speaker.name, t.role, t.line, t.text) for t in before.turns]
    assert main(["explain", "--fix", str(path)]) == 0
    assert "nothing to settle" in capsys.readouterr().out and path.read_bytes().decode("utf-8") == raw


def test_fix_in_toml_and_without_front_matter(tmp_path: Path, capsys) -> None:
    toml = _post(tmp_path, '+++\ntitle = "T"\ndate = 2024-01-01\n+++\n' + TYPO, "toml.md")
    assert main(["explain", "--fix", str(toml)]) == 0
    assert '+speakers = { "Me" = "user", "Claude" = "assistant", "M3" = "user" }' in capsys.readouterr().out
    assert load_post(toml).warnings == () and load_post(toml).meta["title"] == "T"
    bare = _post(tmp_path, "Q: Why did the compiler quit?\nA: Too many unresolved issues.\n\nMore prose here.\n\n"
                           "And here.\n\nThe end.\n", "2024-01-02-bare.md")
    assert load_post(bare).turns == () and load_post(bare).confidence == "unsure"
    assert main(["explain", "--fix", str(bare)]) == 0
    assert bare.read_text(encoding="utf-8").startswith("---\nspeakers: {}\n---\nQ: Why did")
    assert load_post(bare).turns == () and load_post(bare).warnings == ()


def test_closing_words_settle_where_the_conversation_ends(tmp_path: Path, capsys) -> None:
    body = "**Me:** 2+2?\n\n**Claude:** 4.\n\n---\n\nMy takeaway.\n\n## Setup\n\nMore.\n"
    path = _post(tmp_path, "---\ntitle: T\n---\n" + body)
    post = load_post(path)
    assert post.warnings[0].settle == (("closing_words", "none"),) and "closing_words: My takeaway." in \
        post.warnings[0].message
    path.write_text("---\ntitle: T\nclosing_words: My takeaway\n---\n" + body, encoding="utf-8")
    ended = load_post(path)
    assert ended.warnings == () and ended.outro.startswith("My takeaway.") and ended.turns[-1].text == "4."
    assert ended.confidence == "certain"
    path.write_text("---\ntitle: T\nclosing_words: none\n---\n" + body, encoding="utf-8")
    assert load_post(path).warnings == () and load_post(path).turns[-1].text.endswith("More.")
    path.write_text("---\ntitle: T\nclosing_words: Nowhere to be found\n---\n" + body, encoding="utf-8")
    with pytest.raises(PostError, match="no line of the post starts with the closing_words") as error:
        load_post(path)
    assert error.value.line == 3
    path.write_text("---\ntitle: T\nclosing_words: [1, 2]\n---\n" + body, encoding="utf-8")
    with pytest.raises(PostError, match="closing_words must be `none` or words"):
        load_post(path)


def test_a_fix_that_would_change_the_reading_is_not_written(tmp_path: Path) -> None:
    path = _post(tmp_path, "---\ntitle: T\n---\n" + TYPO)
    post = load_post(path)
    wrong = dataclasses.replace(post, warnings=(ReadingWarning(7, "x", (("speakers", (("Nobody", "user"),)),)),))
    result = settle(wrong, path.read_text(encoding="utf-8"))
    assert result.text is None and "would change how the post reads" in result.said


def test_declared_speakers_keep_their_heading_and_bold_labels(tmp_path: Path) -> None:
    """A declared speaker written as ``## Me`` or ``**Me:**`` starts turns (an author's post); an importer's post
    starts turns with ``Label:`` only (it escapes exactly those lines)."""
    body = "**Me:** hi\n\n**ChatGPT:** hello\n\n## Me\n\nmore\n"
    path = _post(tmp_path, "---\ntitle: T\nspeakers: {Me: user, ChatGPT: assistant}\n---\n" + body)
    assert [t.speaker.name for t in load_post(path).turns] == ["Me", "ChatGPT", "Me"]
    path.write_text("---\ntitle: T\nspeakers: {Me: user, ChatGPT: assistant}\nimported: chatgpt\n---\n" + body,
                    encoding="utf-8")
    assert load_post(path).turns == ()


def test_build_says_what_settles_a_doubt(tmp_path: Path, capsys) -> None:
    content = tmp_path / "content"
    _post(content, "---\ntitle: T\n---\n" + TYPO)
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "site")]) == 0
    err = capsys.readouterr().err
    assert "2024-01-01-post.md:12: warning: `M3:` starts one turn only" in err
    assert "add `speakers: {Me: user, Claude: assistant, M3: user}` to the front matter, or run " \
           "`site-builder explain --fix" in err


def test_fix_keeps_links_and_refuses_read_only_files(tmp_path: Path, capsys) -> None:
    real = _post(tmp_path, "---\ntitle: T\n---\n" + TYPO, "2024-01-03-real.md")
    link = real.parent / "2024-01-04-link.md"
    link.symlink_to(real.name)
    assert main(["explain", "--fix", str(link)]) == 0
    assert link.is_symlink() and "speakers:" in real.read_text(encoding="utf-8")
    locked = _post(tmp_path, "---\ntitle: T\n---\n" + TYPO, "2024-01-05-locked.md")
    locked.chmod(0o444)
    try:
        assert main(["explain", "--fix", str(locked)]) == 1
        assert "read-only" in capsys.readouterr().out and "speakers:" not in locked.read_text(encoding="utf-8")
    finally:
        locked.chmod(0o644)


def test_closing_words_must_follow_the_first_turn(tmp_path: Path) -> None:
    body = "Intro words here.\n\nMe: hi\n\nChatGPT: hello\n\n```\nOutro inside code\n```\n"
    for words in ("Intro words", "Outro inside"):
        path = _post(tmp_path, f"---\ntitle: T\nclosing_words: {words}\n---\n" + body)
        with pytest.raises(PostError, match="start no line after the first turn") as error:
            load_post(path)
        assert error.value.line == 3
