"""What the content of a Claude Code line shows: the text of a message or a tool result, what the person typed
(a prompt, a slash command, a ``!`` shell command) or what the CLI printed back, a ``tool_use`` block as a call
(``tool_call``), and a sub-agent's run.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from site_builder.importers import agent_session as agent
from site_builder.importers.agent_session import Call
from site_builder.importers.common import expect, optional
from site_builder.importers.text import code_block, code_span, inline

_COMMAND = re.compile(r"<command-name>(?P<name>.*?)</command-name>.*?(?:<command-args>(?P<args>.*?)</command-args>|\Z)",
                      re.DOTALL)
_CLI_OUTPUT = re.compile(r"<(?P<tag>local-command-stdout|local-command-stderr|bash-stdout|bash-stderr)>(?P<body>.*?)"
                         r"</(?P=tag)>", re.DOTALL)
_CONTENTS = re.compile(r"<command-contents>(?P<body>.*?)</command-contents>", re.DOTALL)
"""What an older CLI logged a custom command to expand to (its ``<command-message>`` is only its status line)."""
_BASH_INPUT = re.compile(r"<bash-input>(?P<body>.*?)</bash-input>", re.DOTALL)
_INTERRUPTED = "[Request interrupted by user"
_FILE_TOOLS = {"Read": "file_path", "Write": "file_path", "Edit": "file_path", "MultiEdit": "file_path",
               "NotebookEdit": "notebook_path", "NotebookRead": "notebook_path"}


def sub_agent(markdown: str) -> str:
    return f"*The sub-agent's run:*\n\n{markdown}" if markdown.strip() else "*The sub-agent's run shows nothing.*"


def content_text(content: Any) -> str:
    """The text of a message's or a result's content: a string, or its text blocks (others named)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return "" if content is None else json.dumps(content, ensure_ascii=False)
    pieces = []
    for block in content:
        if isinstance(block, dict) and isinstance(block.get("text"), str):
            pieces.append(block["text"])
        elif isinstance(block, dict) and block.get("type") == "image":
            pieces.append("(an image, not kept)")
        elif isinstance(block, str):
            pieces.append(block)
        elif block is not None:
            pieces.append(json.dumps(block, ensure_ascii=False))
    return "\n\n".join(pieces)


def prompt_text(content: Any, where: str, dropped: list, owner: str) -> str:
    """What the person wrote in a ``user`` line (its tool results are its calls'): text and images named."""
    if isinstance(content, str):
        return content
    pieces = []
    for index, block in enumerate(expect(content, list, where) if content is not None else []):
        if not isinstance(block, dict) or block.get("type") == "tool_result":
            continue
        if block.get("type") == "text":
            pieces.append(optional(block, "text", str, f"{where}[{index}]", ""))
        elif block.get("type") == "image":
            pieces.append("*(an image, not kept)*")
            dropped.append((owner, "images in prompts (their bytes are not kept)"))
        else:
            pieces.append(f"*(content of type {code_span(str(block.get('type')), 40)}, not shown)*")
    return "\n\n".join(p for p in pieces if p.strip())


def person_or_cli(text: str) -> tuple[str, list]:
    """A ``user`` line's text as (role, pieces): the person's prompt (a slash command or ``!`` shell command as
    they typed it), or what the CLI printed back (command output, an interruption), which goes with the agent."""
    if text.startswith(_INTERRUPTED):
        return "assistant", [f"*{inline(text.strip(), 120)}*"]
    printed = list(_CLI_OUTPUT.finditer(text))
    if printed and not _CLI_OUTPUT.sub("", text).strip():
        return "assistant", [agent.fold("Output of the command", "\n\n".join(
            agent.output(m["body"]).body or "*(no output)*" for m in printed))]
    command = _COMMAND.search(text)
    if command:
        typed = f"{command['name'].strip()} {(command['args'] or '').strip()}".strip()
        contents = _CONTENTS.search(text)
        shown = [code_block(contents["body"].strip("\n"), "text")] if contents and contents["body"].strip() else []
        return "user", [code_span(typed, 300) or "*(a command)*", *shown]
    shell = _BASH_INPUT.search(text)
    if shell:
        return "user", [code_span(f"! {shell['body'].strip()}", 300)]
    return "user", [text]


def tool_call(block: Mapping[str, Any], cwd: str) -> Call:
    """A ``tool_use`` block as a call: its one-line subject, and the command, diff or arguments to show."""
    name = str(block.get("name") or "tool")
    args = block.get("input") if isinstance(block.get("input"), dict) else {}
    path = _shown_path(str(args.get(_FILE_TOOLS.get(name, "file_path")) or args.get("path") or ""), cwd)
    if name == "Bash":
        command = str(args.get("command") or "")
        about = f"*{inline(args['description'], 200)}*\n\n" if isinstance(args.get("description"), str) else ""
        commit = agent.commit_message(command)
        subject = f"git commit “{commit}”" if commit else agent.first_line(command, 100)
        return Call(name, subject, about + code_block(command, "bash"), commit=commit)
    if name == "Edit":
        body, note = agent.diff_block(path, str(args.get("old_string") or ""), str(args.get("new_string") or ""))
        every = "*Every occurrence replaced.*\n\n" if args.get("replace_all") is True else ""
        return Call(name, path, every + body, note=note)
    if name == "MultiEdit":
        edits = [e for e in args.get("edits") or [] if isinstance(e, dict)]
        diffs = [agent.diff_block(path, str(e.get("old_string") or ""), str(e.get("new_string") or "")) for e in edits]
        notes = [note for _, note in diffs if note]
        return Call(name, f"{path} ({len(edits)} edits)", "\n\n".join(body for body, _ in diffs),
                    note="; ".join(notes[:1]))
    if name == "Write":
        body, note = agent.diff_block(path, "", str(args.get("content") or ""))
        return Call(name, path, body, note=note)
    if name in ("Task", "Agent"):
        kind = f" ({args['subagent_type']})" if isinstance(args.get("subagent_type"), str) else ""
        prompt = str(args.get("prompt") or "")
        return Call(name, f"{agent.first_line(str(args.get('description') or ''), 80)}{kind}",
                    f"*Prompt:*\n\n{prompt}", prompt=prompt)
    if name == "TodoWrite":
        todos = [t for t in args.get("todos") or [] if isinstance(t, dict)]
        marks = {"completed": "[x]", "in_progress": "[ ] *(in progress)*"}
        items = "\n".join(f"- {marks.get(str(t.get('status')), '[ ]')} {inline(str(t.get('content') or ''), 200)}"
                          for t in todos)
        return Call(name, f"{len(todos)} items", items)
    subject = path or _first_string(args, ("pattern", "url", "query", "description", "command"))
    if name in ("Read", "NotebookRead", "Glob", "Grep", "WebFetch", "WebSearch", "LS"):
        rest = {k: v for k, v in args.items() if isinstance(v, (str, int, float, bool)) and str(v) != subject}
        shown = ", ".join(f"{k}: {code_span(str(v), 120)}" for k, v in rest.items() if k not in _FILE_TOOLS.values())
        return Call(name, f"{subject}" if subject else "", shown)
    arguments = json.dumps(args, ensure_ascii=False, indent=2)
    trimmed = agent.trimmed(arguments, agent.DIFF_HEAD, agent.DIFF_TAIL)
    return Call(name, subject, code_block(trimmed.text, "json"))


def _shown_path(path: str, cwd: str) -> str:
    """``path`` inside the session's folder as a relative path, else as it is."""
    if cwd and path.startswith(cwd.rstrip("/\\") + ("/" if "/" in cwd else "\\")):
        return path[len(cwd.rstrip("/\\")) + 1:]
    return path


def _first_string(args: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    """The first of ``keys`` that holds a string (else the first string argument), as one line."""
    for key in keys:
        if isinstance(args.get(key), str) and args[key].strip():
            return agent.first_line(args[key], 100)
    value = next((v for v in args.values() if isinstance(v, str) and v.strip()), "")
    return agent.first_line(value, 100)
