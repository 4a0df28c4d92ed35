"""Reading one Claude Code session file (``Reader``): its lines hung on their parents, the tool results given to
their calls, the sub-agents' runs (sidechain lines, or ``agent-<id>.jsonl`` files) nested under the Task calls
that started them, and what is left out counted; then the conversation (``agent_session.finish``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from site_builder.importers import agent_session as agent
from site_builder.importers.agent_session import Call, CallRef, Finished, Line, Result, Session
from site_builder.importers.claude_code_content import (content_text, person_or_cli, prompt_text, sub_agent,
                                                         tool_call)
from site_builder.importers.common import Conversation, ShapeError, Skipped, WrongKind, expect, optional
from site_builder.importers.jsonstream import CutOff, Progress, iter_json
from site_builder.importers.records import lenient_time
from site_builder.importers.text import code_block, code_span, reasoning

SOURCE = "claude-code"
"""The kind's ``SOURCE`` (``claude_code.SOURCE``), which its posts are marked with."""
AGENT = "Claude Code"
_SHOWN = ("user", "assistant", "system")


def is_line(record: Mapping[str, Any]) -> bool:
    """Whether ``record`` is a line of a Claude Code session (``claude_code.recognises`` asks it too)."""
    kind = record.get("type")
    if not isinstance(kind, str):
        return False
    if "sessionId" in record and ("uuid" in record or "parentUuid" in record or "operation" in record):
        return True
    return (kind == "summary" and "leafUuid" in record) or (kind == "file-history-snapshot" and "snapshot" in record)


@dataclass(slots=True)
class _Chain:
    """A sub-agent's run: the sidechain lines that descend from one root."""

    root: str
    agent: str | None
    prompt: str | None = None
    pieces: list = field(default_factory=list)


class Reader:
    """The working state of reading one session file (local to ``claude_code._session``)."""

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
            if number == 0 and not (isinstance(record.value, dict) and (is_line(record.value)
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
                                             content_text(content)))
            return
        self._results(item, content, at)
        text = prompt_text(content, at, self.dropped, line.id)
        if text.strip():
            line.role, line.pieces = person_or_cli(text)

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
        text = content_text(content)
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
        text = prompt_text(content, f"{where}.message.content", self.dropped, uuid)
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
                nested[call_id] = sub_agent(agent.resolve(chain.pieces, session))
        leftover = []
        for root, chain in free.items():
            if (chain.prompt or "").strip() == "Warmup":
                self.dropped.append((root, "sub-agent warm-up runs"))
                continue
            body = (f"*Prompt:*\n\n{chain.prompt}\n\n" if chain.prompt else "") + agent.resolve(chain.pieces, session)
            leftover.append(agent.fold("Sub-agent run (no Task call in the session names it)", body))
        return nested, "\n\n".join(leftover)
