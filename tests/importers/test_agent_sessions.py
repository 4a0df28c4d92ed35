"""Coding-agent sessions as posts (issue 21): Claude Code (``claude-code``) and Codex CLI rollouts (``codex``).
Fixtures: ``tests/fixtures/exports-2026`` (see its SOURCES.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from site_builder.importers import agent_session, claude_code, codex
from site_builder.importers.common import Sample, Skipped
from site_builder.importers.driver import Selection, import_export
from site_builder.importers.jsonstream import iter_json
from site_builder.markdown.core import create_markdown
from site_builder.posts import parse_post

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NEW = FIXTURES / "exports-2026"
CLAUDE_CODE = NEW / "claude-code-session.jsonl"
CODEX = NEW / "codex-rollout-2025-09-14T09-12-00-0198f2c4-7d1e-7a30-b6f1-5c2e9d4a8b17.jsonl"
CODEX_OLDER = NEW / "codex-rollout-older.jsonl"



def _import(kind: str, export: Path, out: Path):
    return import_export(kind, export, out, Selection(everything=True))


def _only_post(out: Path):
    [path] = sorted(out.glob("*.md"))
    return parse_post(path, path.read_text(encoding="utf-8")), path.read_text(encoding="utf-8")


def _html(markdown: str) -> BeautifulSoup:
    return BeautifulSoup(create_markdown().render(markdown), "html.parser")


def _sample(path: Path) -> Sample:
    record = next(iter(iter_json(path)), None)
    return Sample(path.name, record.value if record else None)


# --- the fold ---------------------------------------------------------------------------------------------


def test_a_tool_fold_renders_collapsed_with_its_summary_line_and_nests():
    text = agent_session.fold("Bash: pytest -q (output: 340 lines, 40 shown)",
                              "```bash\npytest -q\n```\n\n" + agent_session.fold("Read: a.py", "inside"))
    soup = _html(text + "\n\nafter\n")
    outer = soup.find("details", class_="tool")
    assert outer.summary.get_text() == "Bash: pytest -q (output: 340 lines, 40 shown)"
    assert "open" not in outer.attrs
    assert outer.find("code").get_text().strip() == "pytest -q"
    inner = outer.find("details", class_="tool")
    assert inner.summary.get_text() == "Read: a.py" and inner.p.get_text() == "inside"
    assert soup.find_all("p")[-1].get_text() == "after"  # the fold ends where its quote ends
    assert _html("> [!REASONING] Plan\n>\n> step").find("details", class_="reasoning").summary.get_text() \
        == "Reasoning · Plan"
    assert _html("> [!TOOLS] not a fold").find("blockquote") is not None


def test_output_is_trimmed_head_and_tail_and_says_how_much():
    text = "\n".join(f"line {i}" for i in range(1, 101))
    result = agent_session.output(text)
    assert result.note == "output: 100 lines, 40 shown"
    assert "line 20\n… 60 lines left out …\nline 81" in result.body
    assert agent_session.output("a\nb").note == "" and agent_session.output("", error=True).note == "error, no output"
    assert "(5000 characters in all)" in agent_session.trimmed("x" * 5000).text


@pytest.mark.parametrize("command, message", [
    ('git commit -m "Fix the \\"parser\\""', 'Fix the "parser"'),
    ("git add -A && git commit -am 'Show °C'", "Show °C"),
    ("git commit -m \"$(cat <<'EOF'\nFirst line\n\nBody\nEOF\n)\"", "First line"),
    ("git -C repo commit --message='Tidy'", "Tidy"),
    ("git commit", None),
    ("echo git commit -q", None),
])
def test_commit_messages_are_read_from_shell_commands(command, message):
    assert agent_session.commit_message(command) == message


# --- Claude Code ------------------------------------------------------------------------------------------


def test_a_claude_code_session_reads_as_prompts_and_answers_with_folded_tool_calls(tmp_path):
    report = _import("claude-code", CLAUDE_CODE, tmp_path / "posts")
    post, text = _only_post(tmp_path / "posts")
    assert post.title == "Fix ISO week parsing in parse_date"  # the summary line
    assert post.meta["source"] == "claude-code" and post.meta["source_id"] == "8f3c2d9e-41b7-4c55-9a0e-2b6d7f1e4a90"
    assert str(post.meta["date"]) == "2025-06-02"
    speakers = [t.speaker.name for t in post.turns]
    assert speakers == ["User", "Claude Code", "User", "Claude Code", "User", "Claude Code"]
    user_turns = [t.text for t in post.turns if t.speaker.name == "User"]
    assert user_turns[0].startswith("The test for parse_date fails on ISO weeks like 2025-W23-1.")
    assert user_turns[1] == "`/cost`" and user_turns[2] == "Thanks! Also add a line to CHANGELOG.md."
    first = post.turns[1].text
    assert "> [!REASONING]" in first and "I'll run the failing test first." in first
    assert first.rstrip().endswith("All 57 tests pass.")
    titles = [line[len("> [!TOOL] "):] for line in text.split("\n") if line.startswith("> [!TOOL] ")]
    assert titles == ["Bash: pytest -q tests/test_dates.py (error, output: 57 lines, 40 shown)", "Read: src/dates.py",
                      "Edit: src/dates.py", "Task: Find parse_date callers (general-purpose)",
                      "Write: tests/test_weeks.py", "Bash: git commit “Fix ISO week parsing in parse_date”",
                      "Output of the command", "TodoWrite: 2 items", "MultiEdit: CHANGELOG.md (1 edits)"]
    assert "> … 17 lines left out …" in first and "> 1 failed, 55 passed in 0.41s" in first
    assert "> +        return dt.datetime.strptime(text, \"%G-W%V-%u\").date()" in first  # the Edit as a diff
    assert "> +def test_iso_week():" in first  # the Write as a new file's diff
    assert "> - [x] Run tests" in post.turns[5].text
    assert "Added the changelog line under *Unreleased*." in post.turns[5].text
    dropped = report.dropped()
    assert dropped["x-future-line lines (not shown)"] == 1 and dropped["file-history-snapshot lines (not shown)"] == 1
    assert dropped["meta messages (Claude Code's own, not typed by the person)"] == 1
    assert dropped["system lines (informational)"] == 1
    assert "imported: claude-code" in text  # the writer keeps every block of it inert
    assert all("norun" in line for line in text.split("\n") if line.lstrip("> ").startswith("```") and
               line.lstrip("> ").strip("`"))


def test_the_intro_outlines_the_prompts_and_the_commits(tmp_path):
    _import("claude-code", CLAUDE_CODE, tmp_path / "posts")
    _, text = _only_post(tmp_path / "posts")
    intro = text.split("\n---\n", 1)[1].split("\nUser:", 1)[0]
    assert "Folder: `/home/dev/dates` · Branch: `main`" in intro
    assert "1. The test for parse\\_date fails on ISO weeks like 2025-W23-1.\n2. " in intro
    assert "3. Thanks\\! Also add a line to CHANGELOG.md." in intro
    assert "**Commits**\n\n- Fix ISO week parsing in parse\\_date" in intro


def test_tool_results_are_not_turns_of_the_person_and_a_sub_agent_is_nested_under_its_task(tmp_path):
    _import("claude-code", CLAUDE_CODE, tmp_path / "posts")
    post, _ = _only_post(tmp_path / "posts")
    assert not any("tool_result" in t.text or "Todos have been modified" in t.text
                   for t in post.turns if t.speaker.name == "User")
    soup = _html(post.turns[1].text)
    task = next(d for d in soup.find_all("details", class_="tool") if d.summary.get_text().startswith("Task:"))
    grep = task.find("details", class_="tool")
    assert grep.summary.get_text() == "Grep: parse_date\\("
    assert "src/cli.py:40" in grep.get_text()
    assert task.get_text().count("Two callers") == 1  # the answer its run ends with is not repeated


def test_a_sub_agent_in_a_file_of_its_own_is_nested_and_a_web_session_reads_the_same(tmp_path):
    lines = [json.loads(line) for line in CLAUDE_CODE.read_text(encoding="utf-8").splitlines()]
    side = [line for line in lines if line.get("isSidechain")]
    main = [line for line in lines if not line.get("isSidechain")]
    for line in main:
        if isinstance(line.get("toolUseResult"), dict) and "totalDurationMs" in line["toolUseResult"]:
            line["toolUseResult"]["agentId"] = "a1b2c3d4"
    folder = tmp_path / "project"
    (folder / "8f3c2d9e" / "subagents").mkdir(parents=True)
    (folder / "8f3c2d9e.jsonl").write_text("".join(json.dumps(line) + "\n" for line in main), encoding="utf-8")
    (folder / "8f3c2d9e" / "subagents" / "agent-a1b2c3d4.jsonl").write_text(
        "".join(json.dumps(dict(line, agentId="a1b2c3d4")) + "\n" for line in side), encoding="utf-8")
    [(_, conv)] = list(claude_code.conversations(folder))
    answer = "\n\n".join(m.text for m in conv.exchanges[0].answers[0])
    assert "> > [!TOOL] Grep: parse_date\\(" in answer
    web = tmp_path / "web-session.json"
    web.write_text(json.dumps({"loglines": lines}), encoding="utf-8")
    assert claude_code.recognises(_sample(web))
    report = _import("claude-code", web, tmp_path / "posts")
    post, _ = _only_post(tmp_path / "posts")
    assert report.count("new") == 1 and len(post.turns) == 6 and "> > [!TOOL] Grep" in post.turns[1].text


def test_in_a_folder_a_bad_line_is_named_and_a_file_that_is_no_session_is_refused(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(CLAUDE_CODE, folder / "a-good.jsonl")
    good = CLAUDE_CODE.read_text(encoding="utf-8").splitlines()
    broken = json.loads(good[2])
    broken["message"] = "not an object"
    (folder / "b-bad-line.jsonl").write_text("\n".join([good[0], json.dumps(broken), *good[3:]]) + "\n",
                                             encoding="utf-8")
    (folder / "c-not-a-session.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\n',
                                                  encoding="utf-8")
    (folder / "d-not-json.jsonl").write_text(good[2] + "\n{oops\n", encoding="utf-8")
    (folder / "e-empty.jsonl").write_text(good[0] + "\n" + good[1] + "\n", encoding="utf-8")
    items = dict(claude_code.conversations(folder))
    by_name = {Path(place).name: item for place, item in items.items()}
    assert not isinstance(by_name["a-good.jsonl"], Skipped)
    bad = by_name["b-bad-line.jsonl"]
    assert bad.problems[0] == "line 2.message: expected an object, found a string; the line is left out"
    assert ("line 2", "lines of a shape not understood (named in the problems)") in bad.dropped
    assert bad.exchanges[0].question is None  # the prompt was the line left out; its answer is still there
    assert "I'll run the failing test first." in bad.exchanges[0].answers[0][1].text
    refused = by_name["c-not-a-session.jsonl"]
    assert refused.refused and "c-not-a-session.jsonl" in refused.source_id and "not a conversation" in refused.reason
    assert by_name["d-not-json.jsonl"].refused and "line 2: not valid JSON" in by_name["d-not-json.jsonl"].reason
    assert by_name["e-empty.jsonl"] == Skipped("e-empty",  # no line with a sessionId: the file name is the id
                                               "Fix ISO week parsing in parse_date", "no messages")


def test_a_single_file_of_another_kind_stops_the_import(tmp_path):
    from site_builder.errors import ImportError_

    with pytest.raises(ImportError_, match="not a line of a Claude Code session"):
        _import("claude-code", CODEX, tmp_path / "posts")
    with pytest.raises(ImportError_, match="not a line of a Codex rollout"):
        _import("codex", CLAUDE_CODE, tmp_path / "posts")
    assert not (tmp_path / "posts").exists()


# --- Codex ------------------------------------------------------------------------------------------------


def test_a_codex_rollout_reads_as_prompts_and_answers_with_folded_calls(tmp_path):
    report = _import("codex", CODEX, tmp_path / "posts")
    post, text = _only_post(tmp_path / "posts")
    assert post.title == "The temperatures print in Kelvin. Show them in Celsius and commit."
    assert post.meta["source_id"] == "0198f2c4-7d1e-7a30-b6f1-5c2e9d4a8b17"
    assert post.meta["speakers"]["Codex"] == {"role": "assistant", "model": "gpt-5-codex"}
    assert [t.speaker.name for t in post.turns] == ["User", "Codex", "User", "Codex"]
    assert post.turns[2].text == "Does the README say Kelvin anywhere?"
    answer = post.turns[1].text
    assert "> [!REASONING]\n>\n> **Finding the conversion**" in answer
    titles = [line[len("> [!TOOL] "):] for line in text.split("\n") if line.startswith("> [!TOOL] ")]
    assert titles == ["shell: rg -n kelvin src", "apply_patch: src/report.py", "shell: pytest -v (output: 71 lines, 40 shown)",
                      "shell: git commit “Show temperatures in Celsius”", "shell: grep -n -i kelvin README.md (error, no output)"]
    assert '> +    return f"{kelvin - 273.15:.1f} °C"' in answer  # the patch as a diff block
    assert answer.rstrip().endswith("the change is committed.")
    assert "**Commits**\n\n- Show temperatures in Celsius" in text
    assert "environment_context" not in text and "Always run the linters" not in text
    dropped = report.dropped()
    assert dropped["context Codex adds to the prompt (environment, AGENTS.md; not shown)"] == 2
    assert dropped["event_msg user_message lines (the app's copy of the session, not shown)"] == 1
    assert dropped["reasoning without a summary (encrypted, not readable)"] == 1
    assert dropped["x_future_kind lines (not shown)"] == 1
    assert dropped["instructions given to Codex (AGENTS.md, skills; not shown)"] == 1


def test_an_older_codex_rollout_is_read_too(tmp_path):
    report = _import("codex", CODEX_OLDER, tmp_path / "posts")
    post, text = _only_post(tmp_path / "posts")
    assert post.meta["source_id"] == "5b3f0c1e-2a4d-4e6f-8a9b-0c1d2e3f4a5b" and str(post.meta["date"]) == "2025-05-20"
    assert [t.text.split("\n")[0] for t in post.turns] == ["What does the --dry-run flag of deploy.sh do?",
                                                           "> [!TOOL] shell: sed -n 1,40p deploy.sh"]
    assert post.turns[1].text.rstrip().endswith("stops before `rsync` copies anything.")
    assert report.dropped()["state lines of older rollouts (not shown)"] == 2


def test_a_bad_codex_line_is_named_and_a_bad_rollout_in_a_folder_is_refused(tmp_path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    lines = CODEX.read_text(encoding="utf-8").splitlines()
    (folder / "rollout-a.jsonl").write_text("\n".join([*lines[:3], '{"timestamp": "2025-09-14T09:12:09.000Z", '
                                                       '"type": "response_item", "payload": ["x"]}', *lines[3:]]) + "\n",
                                            encoding="utf-8")
    (folder / "rollout-b.jsonl").write_text('{"type": "user", "sessionId": "s", "uuid": "u"}\n', encoding="utf-8")
    (folder / "rollout-c.jsonl").write_text(lines[0] + "\n" + lines[1] + "\n", encoding="utf-8")
    by_name = {Path(place).name: item for place, item in codex.conversations(folder)}
    good = by_name["rollout-a.jsonl"]
    assert good.problems == ("line 4.payload: expected an object, found a list; the line is left out",)
    assert len(good.exchanges) == 2
    assert by_name["rollout-b.jsonl"].refused and "rollout-b.jsonl" in by_name["rollout-b.jsonl"].source_id
    assert by_name["rollout-c.jsonl"].reason == "no messages"


# --- which reader claims a file ---------------------------------------------------------------------------


def test_each_reader_recognises_its_own_files_only():
    assert claude_code.recognises(_sample(CLAUDE_CODE)) and not codex.recognises(_sample(CLAUDE_CODE))
    for rollout in (CODEX, CODEX_OLDER):
        assert codex.recognises(_sample(rollout)) and not claude_code.recognises(_sample(rollout))
    assert claude_code.recognises(Sample("x.jsonl", {"type": "user", "sessionId": "s", "uuid": "u", "parentUuid": None}))
    assert not claude_code.recognises(Sample("x.jsonl", {"type": "user", "message": {"role": "user"}}))
    assert not codex.recognises(Sample("x.jsonl", {"type": "message", "role": "user", "content": []}))
    others = sorted(p for p in (FIXTURES / "exports-2025").rglob("*") if p.suffix in (".json", ".jsonl"))
    assert len(others) > 15
    for path in others:
        sample = _sample(path)
        assert not claude_code.recognises(sample), path.name
        assert not codex.recognises(sample), path.name
