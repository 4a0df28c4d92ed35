"""Claude Code sessions -> ``Conversation``s: one post per session.

A session is a JSON lines file, ``~/.claude/projects/<project folder>/<session id>.jsonl``: one object a line,
``type`` ``user`` / ``assistant`` (with ``uuid``, ``parentUuid``, ``sessionId``, ``timestamp``, ``cwd``,
``gitBranch``, ``isSidechain`` and the API ``message``: ``role`` and ``content``, a string or blocks ``text``,
``thinking``, ``tool_use``, ``tool_result``), ``summary`` (the session's title), ``system`` and bookkeeping
lines (``file-history-snapshot``, ``queue-operation``, ``progress``…), which are counted, not shown. A Claude
Code on the web session, fetched as JSON, is ``{"loglines": [the same objects]}``.

The messages hang on their ``parentUuid`` (``logicalParentUuid`` across a compaction), so a rewound and edited
prompt reads as a branch, as in the other importers (``layout.thread``). Tool results come back in ``user``
lines: they are not the person's, they go in the fold of their call (``agent_session``). A sub-agent's run
(``isSidechain`` lines, or ``agent-<id>.jsonl`` beside the session) is nested in the fold of the ``Task`` call
that started it. A folder is read as its sessions, one post each (the ``agent-*`` files with their parents).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.errors import ImportError_
from site_builder.importers import agent_session as agent
from site_builder.importers.agent_session import Call, CallRef, Finished, Line, Result, Session
from site_builder.importers.common import (
    Conversation, Sample, ShapeError, Skipped, WrongKind, expect, optional,
)
from site_builder.importers.jsonstream import CutOff, Progress, iter_json
from site_builder.importers.records import lenient_time, read_record
from site_builder.importers.text import code_block, code_span, inline, reasoning

SOURCE = "claude-code"
NAME = "Claude Code session"
AGENT = "Claude Code"
_SHOWN = ("user", "assistant", "system")
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


def recognises(sample: Sample) -> bool:
    """A line of a Claude Code session (``sessionId`` with ``uuid``/``parentUuid``, a ``summary`` with its
    ``leafUuid``, a ``file-history-snapshot``), or a web session's ``loglines``."""
    record = sample.record
    if not isinstance(record, dict):
        return False
    if isinstance(record.get("loglines"), list):
        return True
    return _is_line(record)


def _is_line(record: Mapping[str, Any]) -> bool:
    kind = record.get("type")
    if not isinstance(kind, str):
        return False
    if "sessionId" in record and ("uuid" in record or "parentUuid" in record or "operation" in record):
        return True
    return (kind == "summary" and "leafUuid" in record) or (kind == "file-history-snapshot" and "snapshot" in record)


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    """One conversation per session: ``path`` itself, or each session of a project folder."""
    alone = not path.is_dir()
    for file in session_files(path):
        yield str(file), _session(file, member, progress, alone)


def session_files(path: Path) -> list[Path]:
    """The sessions of ``path``: the file itself, or the ``.jsonl`` files under a folder (but the sub-agents'
    ``agent-*.jsonl``, which are read with the session that started them)."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*.jsonl") if not p.name.startswith("agent-"))


def read_with_another(path: Path) -> bool:
    """Whether ``path`` is a sub-agent's run that the session beside it (or above its ``subagents`` folder)
    shows nested in its Task call, rather than a session of its own."""
    if not path.name.startswith("agent-"):
        return False
    if path.parent.name == "subagents":
        return True
    return any(not p.name.startswith("agent-") for p in path.parent.glob("*.jsonl"))


def _session(file: Path, member: str | None, progress: Progress | None, alone: bool) -> Conversation | Skipped:
    """The session of ``file``; one that cannot be read is refused and named (a file given ``alone``, not in a
    folder, that is of another kind or not JSON lines stops the import, as in the other importers)."""
    reader = _Reader(file)
    try:
        return read_record(lambda: reader.read(member, progress), None, str(file), first=alone)
    except ImportError_ as exc:  # a line that is not JSON: this session is refused, a folder's others go on
        if alone:
            raise
        return Skipped(reader.session_id or file.stem, reader.title or "", str(exc), refused=True)


@dataclass(slots=True)
class _Chain:
    """A sub-agent's run: the sidechain lines that descend from one root."""

    root: str
    agent: str | None
    prompt: str | None = None
    pieces: list = field(default_factory=list)


class _Reader:
    """The working state of reading one session file (local to ``_session``)."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.session_id = ""
        self.title = ""
        self.created = None
        self.facts: dict[str, str] = {}
        self.lines: list[Line] = []
        self.chains: dict[str, _Chain] = {}
        self.chain_of: dict[str, str] = {}
        self.calls: dict[str, Call] = {}
        self.results: dict[str, Result] = {}
        self.agent_of: dict[str, str] = {}
        """Task call id -> the id of the sub-agent it ran (``toolUseResult.agentId``)."""
        self.dropped: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.last: str | None = None
        """The last line of the main thread read: the parent of a line that names none (the lines of a web
        session and of some older files have no ``parentUuid``; a ``null`` one after the first line is the
        same), so the session reads in file order."""
        self.seen: dict[str, str] = {}
        """uuid -> its line's message as JSON, to tell a repeated line from a new one with the same uuid."""
        self.unread: dict[str, str | None] = {}
        """uuid -> parent of the lines whose message could not be read (kept as places in the thread)."""

    def read(self, member: str | None, progress: Progress | None) -> Conversation | Skipped:
        try:
            self._read_lines(member, progress)
        except CutOff as exc:  # a session still being written: what came before its last line is whole
            self.dropped.append((exc.where, "a last line cut off (the session was still being written)"))
            self.problems.append(f"{exc.where}: cut off at the end of the file (was Claude Code still writing "
                                 "it?); the line is left out")
        self._read_agent_files()
        return self.conversation()

    def _read_lines(self, member: str | None, progress: Progress | None) -> None:
        for number, record in enumerate(iter_json(self.file, member, progress)):
            if number == 0 and not (isinstance(record.value, dict) and (_is_line(record.value)
                                                                         or "loglines" in record.value)):
                raise WrongKind(record.where or "the top level", "not a line of a Claude Code session (no `type` "
                                "with `sessionId` and `uuid`)")
            loglines = record.value.get("loglines") if isinstance(record.value, dict) else None
            if isinstance(loglines, list):
                for index, line in enumerate(loglines):
                    self.line(line, f"loglines[{index}]", sidechain=None)
            else:
                self.line(record.value, record.where, sidechain=None)

    def line(self, raw: Any, where: str, sidechain: bool | None) -> None:
        """Take in one line; a line of the wrong shape is counted in ``dropped``, naming its place."""
        try:
            self._line(expect(raw, dict, where), where, sidechain)
        except ShapeError as exc:
            self.dropped.append((where, "lines of a shape not understood (named in the problems)"))
            self.problems.append(f"{exc.path}: {exc.message}; the line is left out")

    def _line(self, item: Mapping[str, Any], where: str, sidechain: bool | None) -> None:
        kind = item.get("type")
        self.session_id = self.session_id or str(item.get("sessionId") or "")
        if self.created is None and item.get("timestamp"):
            self.created, _ = lenient_time(item.get("timestamp"), f"{where}.timestamp")
        if kind == "summary":
            self._summary(item, where)
            return
        uuid = optional(item, "uuid", str, where, "") or where
        for key in ("cwd", "gitBranch", "version"):
            if isinstance(item.get(key), str) and item[key]:
                self.facts.setdefault(key, item[key])
        if item.get("isSidechain") is True or sidechain:
            self._sidechain(item, uuid, where)
            return
        if uuid in self.seen:
            uuid = self._repeated(item, uuid, where)
            if uuid is None:
                return
        parent = optional(item, "parentUuid", str, where) or optional(item, "logicalParentUuid", str, where) \
            or (self.unread[uuid] if uuid in self.unread else self.last)
        time, _ = lenient_time(item.get("timestamp"), f"{where}.timestamp")
        line = Line(uuid, parent, None, time=time.timestamp() if time else None)
        if kind not in _SHOWN:
            self._keep(line, item)
            self.dropped.append((uuid, f"{str(kind)[:40]} lines (not shown)" if isinstance(kind, str)
                                 else "lines without a `type` (not shown)"))
            return
        try:
            if kind == "system":
                self._system(item, line, where)
            elif item.get("isMeta") is True:
                self.dropped.append((uuid, "meta messages (Claude Code's own, not typed by the person)"))
            else:
                self._message(item, line, where)
        except ShapeError:
            self._keep(Line(uuid, parent, None, time=line.time), None)  # its replies still hang on it
            raise
        self._keep(line, item)

    def _keep(self, line: Line, item: Mapping[str, Any] | None) -> None:
        """Add a line (``item`` None: one that could not be read, shown as nothing; a later line with its uuid
        takes its place)."""
        if line.id in self.unread:
            self.lines = [kept for kept in self.lines if kept.id != line.id]
            del self.unread[line.id]
        self.lines.append(line)
        if item is None:
            self.unread[line.id] = line.parent
        else:
            self.seen[line.id] = json.dumps(item.get("message"), sort_keys=True, default=str)
        self.last = line.id

    def _repeated(self, item: Mapping[str, Any], uuid: str, where: str) -> str | None:
        """A line whose uuid an earlier line has: None (counted) when it repeats that line's message (Claude
        Code writes a line again when a session is resumed), else an id of its own, so it is shown too."""
        if self.seen[uuid] == json.dumps(item.get("message"), sort_keys=True, default=str):
            self.dropped.append((where, "lines repeated (the uuid and message of an earlier line)"))
            return None
        return f"{uuid}@{where}"

    def _summary(self, item: Mapping[str, Any], where: str) -> None:
        text = " ".join(str(optional(item, "summary", str, where, "")).split())
        if text and not self.title:
            self.title = text
        elif text:
            self.dropped.append((where, "further summary lines (the first is the title)"))

    def _system(self, item: Mapping[str, Any], line: Line, where: str) -> None:
        subtype = str(item.get("subtype") or "")
        if subtype == "compact_boundary":
            meta = item.get("compactMetadata") if isinstance(item.get("compactMetadata"), dict) else {}
            tokens = meta.get("preTokens")
            line.role = "assistant"
            line.pieces.append(f"*The context was compacted here{f' ({tokens} tokens before)' if tokens else ''}.*")
            return
        self.dropped.append((line.id, f"system lines ({subtype or 'no subtype'})"))

    def _message(self, item: Mapping[str, Any], line: Line, where: str) -> None:
        message = expect(item.get("message"), dict, f"{where}.message")
        content = message.get("content")
        at = f"{where}.message.content"
        if item.get("type") == "assistant":
            line.role = "assistant"
            model = message.get("model")
            line.model = model if isinstance(model, str) and not model.startswith("<") else None
            line.pieces += self._blocks(content, at, line.id)
            return
        if item.get("isCompactSummary") is True:
            line.role = "assistant"
            line.pieces.append(agent.fold("Summary of the session so far (the context was compacted)",
                                             _text(content)))
            return
        self._results(item, content, at)
        text = _prompt_text(content, at, self.dropped, line.id)
        if text.strip():
            line.role, line.pieces = _person_or_cli(text)

    def _results(self, item: Mapping[str, Any], content: Any, where: str) -> None:
        """Register the tool results of a ``user`` line with their calls."""
        if not isinstance(content, list):
            return
        extra = item.get("toolUseResult")
        for index, block in enumerate(content):
            if isinstance(block, dict) and block.get("type") == "tool_result":
                call_id = str(block.get("tool_use_id") or f"{where}[{index}]")
                self.results[call_id] = self._result(block, call_id, f"{where}[{index}]")
                if isinstance(extra, dict) and isinstance(extra.get("agentId"), str):
                    self.agent_of[call_id] = extra["agentId"]

    def _result(self, block: Mapping[str, Any], call_id: str, where: str) -> Result:
        call = self.calls.get(call_id)
        content = block.get("content")
        images = sum(1 for b in content if isinstance(b, dict) and b.get("type") == "image") \
            if isinstance(content, list) else 0
        self.dropped += [(call_id, "images in tool results (their bytes are not kept)")] * images
        text = _text(content)
        error = block.get("is_error") is True
        if call is not None and call.prompt is not None and not error:  # a sub-agent's answer: Markdown
            return Result(f"*The sub-agent's answer:*\n\n{text.strip()}" if text.strip() else "", "", False, text)
        label = "file" if call is not None and call.name == "Read" else "output"
        return agent.output(text, error, label)

    def _blocks(self, content: Any, where: str, owner: str) -> list:
        """The pieces of an assistant message: text, reasoning, and a place for each call's fold."""
        if isinstance(content, str):
            return [content]
        pieces: list = []
        for index, raw in enumerate(expect(content, list, where)):
            block = expect(raw, dict, f"{where}[{index}]")
            kind = block.get("type")
            if kind == "text":
                pieces.append(optional(block, "text", str, f"{where}[{index}]", ""))
            elif kind == "thinking":
                thought = optional(block, "thinking", str, f"{where}[{index}]", "")
                if thought.strip():
                    pieces.append(reasoning(thought))
            elif kind == "redacted_thinking":
                self.dropped.append((owner, "redacted thinking (encrypted by the API)"))
            elif kind in ("tool_use", "server_tool_use"):
                call_id = str(block.get("id") or f"{owner}#{index}")
                self.calls[call_id] = tool_call(block, self.facts.get("cwd", ""))
                pieces.append(CallRef(call_id))
            else:
                pieces.append(f"*(content of type {code_span(str(kind), 40) or '(none)'}:)*\n\n"
                              + code_block(json.dumps(block, ensure_ascii=False, indent=2)[:4000], "json"))
        return pieces

    def _sidechain(self, item: Mapping[str, Any], uuid: str, where: str) -> None:
        parent = item.get("parentUuid")
        root = self.chain_of.get(parent) if isinstance(parent, str) else None
        if root is None:
            root = uuid
            self.chains[root] = _Chain(root, item.get("agentId") if isinstance(item.get("agentId"), str) else None)
        self.chain_of[uuid] = root
        chain = self.chains[root]
        if item.get("type") not in ("user", "assistant"):
            self.dropped.append((uuid, f"{str(item.get('type'))[:40]} lines of sub-agents (not shown)"))
            return
        message = expect(item.get("message"), dict, f"{where}.message")
        content = message.get("content")
        if item.get("type") == "assistant":
            chain.pieces += self._blocks(content, f"{where}.message.content", uuid)
            return
        self._results(item, content, f"{where}.message.content")
        text = _prompt_text(content, f"{where}.message.content", self.dropped, uuid)
        if text.strip() and chain.prompt is None and not chain.pieces:
            chain.prompt = text
        elif text.strip():
            chain.pieces.append(f"*Prompt:*\n\n{text}")

    def _read_agent_files(self) -> None:
        """Sub-agents that ran in files of their own (``agent-<id>.jsonl`` beside the session or in its
        ``subagents`` folder), for the Task calls whose run is not in the session file."""
        known = {chain.agent for chain in self.chains.values() if chain.agent}
        for agent_id in dict.fromkeys(self.agent_of.values()):
            if agent_id in known:
                continue
            for folder in (self.file.parent, self.file.parent / self.file.stem / "subagents"):
                candidate = folder / f"agent-{agent_id}.jsonl"
                if candidate.is_file():
                    before = set(self.chains)
                    for record in iter_json(candidate):
                        self.line(record.value, f"{candidate.name} {record.where}", sidechain=True)
                    for root in set(self.chains) - before:
                        self.chains[root].agent = self.chains[root].agent or agent_id
                    break

    def conversation(self) -> Conversation | Skipped:
        nested, leftover = self._nest()
        if leftover:
            self.lines.append(Line("#sub-agents", self.last, "assistant", [leftover]))
            self.last = "#sub-agents"
        facts = (agent.fact("Folder", self.facts.get("cwd")), agent.fact("Branch", self.facts.get("gitBranch")),
                 agent.fact("Claude Code", self.facts.get("version")))
        about = Finished(SOURCE, self.session_id or self.file.stem, self.title, self.created, AGENT, facts,
                         tuple(self.dropped), tuple(self.problems))
        return agent.finish(self.lines, Session(self.calls, self.results, nested), self.last, about)

    def _nest(self) -> tuple[dict[str, str], str]:
        """Each sub-agent's run as Markdown under the Task call that started it (by its agent id, else its
        prompt), and the runs no call claims, to show after the session."""
        session = Session(self.calls, self.results, {})
        free = dict(self.chains)
        by_agent = {chain.agent: root for root, chain in self.chains.items() if chain.agent}
        nested: dict[str, str] = {}
        for call_id, call in self.calls.items():
            if call.prompt is None:
                continue
            root = by_agent.get(self.agent_of.get(call_id, "")) if self.agent_of.get(call_id) else None
            if root not in free:
                root = next((r for r, c in free.items() if (c.prompt or "").strip() == call.prompt.strip()), None)
            if root is not None:
                chain = free.pop(root)
                nested[call_id] = _sub_agent(agent.resolve(chain.pieces, session))
        leftover = []
        for root, chain in free.items():
            if (chain.prompt or "").strip() == "Warmup":
                self.dropped.append((root, "sub-agent warm-up runs"))
                continue
            body = (f"*Prompt:*\n\n{chain.prompt}\n\n" if chain.prompt else "") + agent.resolve(chain.pieces, session)
            leftover.append(agent.fold("Sub-agent run (no Task call in the session names it)", body))
        return nested, "\n\n".join(leftover)


def _sub_agent(markdown: str) -> str:
    return f"*The sub-agent's run:*\n\n{markdown}" if markdown.strip() else "*The sub-agent's run shows nothing.*"


def _text(content: Any) -> str:
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


def _prompt_text(content: Any, where: str, dropped: list, owner: str) -> str:
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


def _person_or_cli(text: str) -> tuple[str, list]:
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
