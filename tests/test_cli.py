"""The command line: --version, --help for each command, `new`, and the progress line."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder import __version__
from site_builder.cli import _progress_after, main
from site_builder.posts import load_post


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.strip() == f"site-builder {__version__}"


@pytest.mark.parametrize("command, options", [
    ("build", ["--content", "--out", "--drafts", "--base-url", "--profile"]),
    ("serve", ["--content", "--out", "--port", "--drafts"]),
    ("new", ["--content", "--date", "--draft"]),
])
def test_help_documents_options(command: str, options: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert all(option in out for option in options), out


def test_new_creates_a_post_that_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    assert main(["new", "Ask Claude: what is a “monad”?", "--content", str(content), "--date", "2024-07-01"]) == 0
    path = content / "posts" / "2024-07-01-ask-claude-what-is-a-monad.md"
    post = load_post(path)
    assert post.title == "Ask Claude: what is a “monad”?"
    assert [t.role for t in post.turns] == ["user", "assistant"] and post.turns[1].annotations
    assert main(["new", "Ask Claude: what is a “monad”?", "--content", str(content), "--date", "2024-07-01"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "posts" / "ask-claude-what-is-a-monad" / "index.html").is_file()


def test_build_profile_says_where_the_time_went_stage_by_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """``build --profile``: the build's summary, then its profile: each stage that ran with its seconds and share
    (a cold build reads and renders content, a rebuild with nothing changed stops before), and the heaviest
    functions. Without the option, no profile."""
    content = tmp_path / "content"
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    assert main(["new", "Profiled", "--content", str(content), "--date", "2024-07-01"]) == 0
    capsys.readouterr()
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "out"), "--profile"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Built 1 posts") and lines[1].startswith("profile (cProfile")
    stages = [line.split("%", 1)[1].strip() for line in lines[2:] if "%  " in line]
    assert {"content: posts and pages read and rendered", "writing: pages rendered and written, copies, index",
            "the state saved"} <= set(stages), out
    assert "the functions that took the most time of their own:" in out
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "out"), "--profile"]) == 0
    again = capsys.readouterr().out
    assert "(nothing changed)" in again and "profile (cProfile" in again
    assert "content: posts and pages read and rendered" not in again, "a build with nothing to do reads no content"
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "out")]) == 0
    assert "profile (cProfile" not in capsys.readouterr().out


def test_progress_line_only_after_the_delay(capsys: pytest.CaptureFixture[str]) -> None:
    _progress_after(60.0)("rendering 1/2")
    assert capsys.readouterr().err == ""
    _progress_after(0.0)("rendering 2/2")
    assert "rendering 2/2" in capsys.readouterr().err


def test_progress_in_a_log_is_a_line_every_few_seconds_not_one_per_post(capsys: pytest.CaptureFixture[str]) -> None:
    report = _progress_after(0.0, log_every=3600.0)
    for index in range(1, 2001):
        report(f"rendering {index}/2000")
    assert capsys.readouterr().err == "rendering 1/2000\n"


def test_module_entry_point(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "site_builder", "build", "--content", str(tmp_path / "missing")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_explain_shows_how_a_post_was_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "2024-01-01-x.md"
    path.write_text("---\ntitle: T\n---\n\nIntro.\n\nAlice: What is 2 + 2?\n\nChatGPT: It is 4.\n\n"
                    "Bob: And 3 + 3?\n\nChatGPT: 6.\n\nAlice: Thanks.\n", encoding="utf-8")
    assert main(["explain", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [f"reading: unsure (1 doubt(s) below: `site-builder explain --fix {path}` writes what settles "
                       "them as decided)",
                       "line  turn  speaker  role       why",
                       "   7     1  Alice    user       asks (an assistant answers right after)",
                       "   9     2  ChatGPT  assistant  known assistant"]
    assert out[-1].startswith(f"{path}:11: warning: `Bob:` starts one turn only")
    path.write_text("---\ntitle: T\n---\nAlice: What is 2 + 2?\n\nChatGPT: It is 4.\n", encoding="utf-8")
    assert main(["explain", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "reading: certain (no doubt found)", \
        "one question answered by a known assistant: nothing to doubt"


def test_build_prints_reading_warnings_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    post = content / "posts" / "2024-01-01-x.md"
    post.write_text("---\ntitle: T\n---\n\nAlice: What is 2 + 2?\n\nChatGPT: It is 4.\n\nBob: And 3 + 3?\n\n"
                    "ChatGPT: 6.\n\nAlice: Thanks.\n", encoding="utf-8")
    (content / "site.yaml").write_text("base_url: https://example.org/\n", encoding="utf-8")
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{post}:9: warning: `Bob:` starts one turn only, read as a user (asks); declare `speakers:` "
                   "without it if it is part of the text (to settle it, add `speakers: {Alice: user, ChatGPT: "
                   f"assistant, Bob: user}}` to the front matter, or run `site-builder explain --fix {post}`)"]


def test_help_says_what_a_command_does_without_citing_documents_users_do_not_have(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    texts = [capsys.readouterr().out]
    commands = [line.split()[0] for line in texts[0].split("commands:")[1].splitlines() if line.startswith("    ")]
    assert "check" in commands and "build" in commands
    for command in commands:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        texts.append(capsys.readouterr().out)
    assert not [text for text in texts if "DESIGN" in text or "§" in text]
    check = texts[1 + commands.index("check")]
    assert "every code block of every post" in " ".join(check.split())


@pytest.mark.parametrize("command", ["check", "build", "import"])
def test_a_reader_that_went_away_ends_the_command_quietly(command: str, tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-01-01-x.md").write_text("---\ntitle: T\n---\n\nIntro.\n\n```text\nx\n```\n",
                                                       encoding="utf-8")
    export = Path(__file__).parent / "fixtures" / "chatgpt-export" / "langchain_fake_conversations.json"
    argv = {"check": ["check", "--content", str(content), "--json"],
            "build": ["build", "--content", str(content), "--out", str(tmp_path / "out")],
            "import": ["import", "chatgpt", str(export), "--list"]}[command]
    reader, writer = os.pipe()
    os.close(reader)  # `… | head -1` after head has gone: every write to stdout fails
    try:
        result = subprocess.run([sys.executable, "-m", "site_builder", *argv], stdout=writer, stderr=subprocess.PIPE,
                                text=True, timeout=120, env={**os.environ, "SITE_BUILDER_CACHE": str(tmp_path / "cache")})
    finally:
        os.close(writer)
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr, result.stderr
    assert result.returncode in (0, 128 + signal.SIGPIPE)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("broken", [False, True])
def test_the_progress_line_is_cleared_before_the_summary_or_the_errors(
        broken: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    for day in (1, 2):
        fence = "```python wat\nx = 1\n```\n" if broken and day == 2 else ""
        (content / "posts" / f"2024-01-0{day}-x{day}.md").write_text(f"---\ntitle: T{day}\n---\n\nIntro.\n\n{fence}",
                                                                encoding="utf-8")
    terminal = _Terminal()  # stdout and stderr on one terminal, as a user sees them
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr("site_builder.cli._progress_after", lambda seconds: _progress_after(-1.0))  # drawn at once
    status = main(["build", "--content", str(content), "--out", str(tmp_path / "out"), "-j", "1"])
    assert status == (1 if broken else 0), terminal.getvalue()
    shown = terminal.getvalue()
    progress, after = shown.rsplit("\r\033[K", 1)
    assert "rendering 2/2" in progress, "the progress line was drawn"
    assert ("error: " if broken else "Built 2 posts") in after and "rendering" not in after, repr(shown)
