"""OpenAI Codex CLI sessions (rollouts) -> ``Conversation``s: one post per session.

A rollout is a JSON lines file, ``~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl``. Each line is
``{"timestamp", "type", "payload"}``: ``session_meta`` (the session's id, time, folder, CLI version, git),
``turn_context`` (the model), ``response_item`` (what the model saw and said: ``message`` with ``role`` and
``input_text`` / ``output_text`` parts, ``reasoning`` with its ``summary``, ``function_call`` {name, arguments,
call_id}, ``custom_tool_call`` {name, input}, ``local_shell_call`` {action}, their ``…_output`` {call_id,
output}, ``web_search_call``), ``compacted`` (a summary replacing the history) and ``event_msg`` (the app's
copy of the same events, counted, not shown twice; a prompt logged only as an ``event_msg`` is shown). Older
rollouts start with ``{"id", "timestamp"}`` (with ``instructions``, ``git``) and hold the response items
themselves, one a line, between ``{"record_type": "state"}`` lines.

A session reads in file order. The context Codex adds to the first prompt (``<environment_context>``, the
AGENTS.md instructions) and its developer messages are counted, not shown. Tool calls are folded with their
output (``agent_session``); ``apply_patch`` shows its patch as a ``diff`` block.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path, PurePath
from typing import Any, Iterator, Mapping

from site_builder.errors import ImportError_
from site_builder.importers import agent_session as agent
from site_builder.importers.agent_session import Call, CallRef, Finished, Line, Result, Session
from site_builder.importers.common import Conversation, Sample, ShapeError, Skipped, WrongKind, expect, optional
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.records import lenient_time, read_record
from site_builder.importers.text import code_block, code_span, inline, reasoning

SOURCE = "codex"
NAME = "Codex CLI session"
AGENT = "Codex"
_ENVELOPES = ("session_meta", "response_item", "event_msg", "turn_context", "compacted")
_CONTEXT = ("<environment_context>", "<user_instructions>", "# AGENTS.md instructions", "<permissions instructions>",
            "<user_shell_command>", "<INSTRUCTIONS>")
"""How the prompts Codex writes itself begin (the context it adds to the person's first prompt)."""
_SHELLS = ("shell", "container.exec", "exec_command", "shell_command", "local_shell")
_SHELL_PREFIX = (("bash", "-lc"), ("bash", "-c"), ("sh", "-c"), ("sh", "-lc"), ("zsh", "-lc"), ("zsh", "-c"))
_PATCH_FILE = re.compile(r"^\*\*\* (?:Add|Update|Delete) File: (?P<path>.+)$", re.MULTILINE)
_EXIT = re.compile(r"^Exit code: (?P<code>-?\d+)", re.MULTILINE)


def recognises(sample: Sample) -> bool:
    """The first line of a rollout: ``session_meta`` (or another envelope) with its ``payload``, or an older
    rollout's ``{"id", "timestamp"}`` with its ``instructions`` or ``git``, or in a file named ``rollout-…``."""
    record = sample.record
    if not isinstance(record, dict):
        return False
    if record.get("type") in _ENVELOPES and isinstance(record.get("payload"), dict) and "timestamp" in record:
        return True
    return "type" not in record and isinstance(record.get("id"), str) and "timestamp" in record \
        and ("instructions" in record or "git" in record or PurePath(sample.name).name.startswith("rollout-"))


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    """One conversation per rollout: ``path`` itself, or each ``.jsonl`` file under a folder."""
    alone = not path.is_dir()
    for file in [path] if alone else sorted(path.rglob("*.jsonl")):
        reader = _Reader(file)
        try:
            item = read_record(lambda: reader.read(member, progress), None, str(file), first=alone)
        except ImportError_ as exc:  # a line that is not JSON: this rollout is refused, a folder's others go on
            if alone:
                raise
            item = Skipped(reader.session_id or file.stem, "", str(exc), refused=True)
        yield str(file), item


class _Reader:
    """The working state of reading one rollout (local to ``conversations``)."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.session_id = ""
        self.created = None
        self.model: str | None = None
        self.facts: dict[str, str] = {}
        self.lines: list[Line] = []
        self.calls: dict[str, Call] = {}
        self.results: dict[str, Result] = {}
        self.dropped: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.prompts: dict[str, list[str]] = {"item": [], "event": []}
        """Prompts shown from a response item, and from an ``event_msg`` only, not yet matched by their copy."""

    def read(self, member: str | None, progress: Progress | None) -> Conversation | Skipped:
        for number, record in enumerate(iter_json(self.file, member, progress)):
            value = record.value
            if number == 0 and not recognises(Sample(self.file.name, value)):
                raise WrongKind(record.where or "the top level", "not a line of a Codex rollout (no `session_meta`, "
                                "nor an older rollout's `id` and `timestamp`)")
            try:
                self.line(expect(value, dict, record.where), record.where, first=number == 0)
            except ShapeError as exc:
                self.dropped.append((record.where, "lines of a shape not understood (named in the problems)"))
                self.problems.append(f"{exc.path}: {exc.message}; the line is left out")
        facts = (agent.fact("Folder", self.facts.get("cwd")), agent.fact("Branch", self.facts.get("branch")),
                 agent.fact("Codex", self.facts.get("cli_version")))
        about = Finished(SOURCE, self.session_id or self.file.stem, "", self.created, AGENT, facts,
                         tuple(self.dropped), tuple(self.problems))
        current = self.lines[-1].id if self.lines else None
        return agent.finish(self.lines, Session(self.calls, self.results, {}), current, about)

    def line(self, item: Mapping[str, Any], where: str, first: bool) -> None:
        kind = item.get("type")
        time, _ = lenient_time(item.get("timestamp"), f"{where}.timestamp")
        if self.created is None and time is not None:
            self.created = time
        if "payload" in item and kind in _ENVELOPES:
            self._envelope(str(kind), expect(item["payload"], dict, f"{where}.payload"), f"{where}.payload", time)
        elif first and "type" not in item and "id" in item:
            self._meta(item, where)
        elif "record_type" in item:
            self.dropped.append((where, f"{str(item['record_type'])[:40]} lines of older rollouts (not shown)"))
        elif isinstance(kind, str) and "payload" not in item:
            self._item(item, where, time)
        else:
            self.dropped.append((where, f"{str(kind)[:40]} lines (not shown)"))

    def _envelope(self, kind: str, payload: Mapping[str, Any], where: str, time: Any) -> None:
        if kind == "session_meta":
            self._meta(payload, where)
        elif kind == "turn_context":
            model = payload.get("model")
            self.model = model if isinstance(model, str) and model else self.model
        elif kind == "response_item":
            self._item(payload, where, time)
        elif kind == "compacted":
            summary = optional(payload, "message", str, where, "")
            self._add(where, time, "assistant",
                      agent.fold("Summary of the session so far (the context was compacted)", summary))
        elif payload.get("type") == "user_message" and isinstance(payload.get("message"), str):
            self._prompt_event(payload["message"], where, time)
        else:
            event = str(payload.get("type") or "")[:40]
            self.dropped.append((where, f"event_msg {event} lines (the app's copy of the session, not shown)"))

    def _prompt_event(self, text: str, where: str, time: Any) -> None:
        """The app's copy of a prompt: counted when the prompt is in a response item too (before or after it),
        shown when it is the only copy (some rollouts log the prompt only as an event)."""
        key = text.strip()
        if key in self.prompts["item"]:
            self.prompts["item"].remove(key)
            self.dropped.append((where, "event_msg user_message lines (the app's copy of the session, not shown)"))
        elif key:
            self.prompts["event"].append(key)
            self._add(where, time, "user", text)

    def _meta(self, meta: Mapping[str, Any], where: str) -> None:
        self.session_id = self.session_id or str(meta.get("id") or "")
        created, _ = lenient_time(meta.get("timestamp"), f"{where}.timestamp")
        self.created = created or self.created
        for key in ("cwd", "cli_version"):
            if isinstance(meta.get(key), str):
                self.facts.setdefault(key, meta[key])
        git = meta.get("git")
        if isinstance(git, dict) and isinstance(git.get("branch"), str):
            self.facts.setdefault("branch", git["branch"])
        if isinstance(meta.get("instructions"), str) and meta["instructions"].strip():
            self.dropped.append((where, "instructions given to Codex (AGENTS.md, skills; not shown)"))

    def _add(self, where: str, time: Any, role: str | None, *pieces: Any) -> None:
        """A line of the session, after the one before it."""
        parent = self.lines[-1].id if self.lines else None
        self.lines.append(Line(where, parent, role, list(pieces), self.model if role == "assistant" else None,
                               time.timestamp() if time else None))

    def _item(self, item: Mapping[str, Any], where: str, time: Any) -> None:
        """One response item: a message, reasoning, a call (folded where it was made) or a call's output."""
        kind = item.get("type")
        if kind == "message":
            self._message(item, where, time)
        elif kind == "reasoning":
            text = _reasoning_text(item)
            if text.strip():
                self._add(where, time, "assistant", reasoning(text))
            else:
                self.dropped.append((where, "reasoning without a summary (encrypted, not readable)"))
        elif kind in ("function_call", "custom_tool_call", "local_shell_call", "web_search_call"):
            call_id = str(item.get("call_id") or item.get("id") or where)
            self.calls[call_id] = tool_call(item, self.facts.get("cwd", ""))
            if kind == "web_search_call":
                self.results[call_id] = Result("", "")
            self._add(where, time, "assistant", CallRef(call_id))
        elif kind in ("function_call_output", "custom_tool_call_output", "local_shell_call_output"):
            call_id = str(item.get("call_id") or where)
            self.results[call_id] = _result(item.get("output"), self.calls.get(call_id))
        else:
            self.dropped.append((where, f"{str(kind)[:40]} response items (not shown)"))

    def _message(self, item: Mapping[str, Any], where: str, time: Any) -> None:
        role = str(item.get("role") or "")
        text = _content_text(item.get("content"), f"{where}.content", self.dropped, where)
        if role == "assistant":
            self._add(where, time, "assistant", text)
        elif role == "user" and text.lstrip().startswith(_CONTEXT):
            self.dropped.append((where, "context Codex adds to the prompt (environment, AGENTS.md; not shown)"))
        elif role == "user" and text.strip() in self.prompts["event"]:
            self.prompts["event"].remove(text.strip())
            self.dropped.append((where, "user messages shown from their event_msg copy (the same prompt)"))
        elif role == "user":
            self.prompts["item"].append(text.strip())
            self._add(where, time, "user", text)
        else:
            self.dropped.append((where, f"{role[:40] or 'unnamed'} messages (Codex's instructions, not shown)"))


def _content_text(content: Any, where: str, dropped: list, owner: str) -> str:
    """The text of a message's parts (``input_text``, ``output_text``…); images named."""
    if isinstance(content, str):
        return content
    pieces = []
    for index, part in enumerate(expect(content, list, where) if content is not None else []):
        block = expect(part, dict, f"{where}[{index}]")
        if block.get("type") == "reasoning" and isinstance(block.get("text"), str):
            pieces.append(reasoning(block["text"]) if block["text"].strip() else "")
        elif isinstance(block.get("text"), str):
            pieces.append(block["text"])
        elif block.get("type") in ("input_image", "image"):
            pieces.append("*(an image, not kept)*")
            dropped.append((owner, "images (their bytes are not kept)"))
        else:
            pieces.append(f"*(content of type {code_span(str(block.get('type')), 40)}, not shown)*")
    return "\n\n".join(p for p in pieces if p.strip())


def _reasoning_text(item: Mapping[str, Any]) -> str:
    """The readable reasoning: its summary, then its text when the rollout holds it."""
    parts = []
    for key in ("summary", "content"):
        for part in item.get(key) or [] if isinstance(item.get(key), list) else []:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
    return "\n\n".join(p for p in parts if p.strip())


def tool_call(item: Mapping[str, Any], cwd: str) -> Call:
    """A call as the one-line subject of its fold and what to show first: the command, the patch, the
    arguments."""
    name = str(item.get("name") or item.get("type") or "tool")
    if item.get("type") == "local_shell_call":
        action = item.get("action") if isinstance(item.get("action"), dict) else {}
        return _shell("shell", action.get("command"))
    if item.get("type") == "web_search_call":
        action = item.get("action") if isinstance(item.get("action"), dict) else {}
        return Call("web search", agent.first_line(str(action.get("query") or ""), 100), "")
    raw = item.get("input") if item.get("type") == "custom_tool_call" else item.get("arguments")
    args = _arguments(raw)
    if name == "apply_patch":
        patch = raw if isinstance(raw, str) and not isinstance(args, dict) else str((args or {}).get("input") or "")
        return _patch(patch)
    if name in _SHELLS and isinstance(args, dict):
        return _shell(name, args.get("command") if "command" in args else args.get("cmd"))
    if name == "update_plan" and isinstance(args, dict):
        steps = [s for s in args.get("plan") or [] if isinstance(s, dict)]
        marks = {"completed": "[x]", "in_progress": "[ ] *(in progress)*"}
        items = "\n".join(f"- {marks.get(str(s.get('status')), '[ ]')} {inline(str(s.get('step') or ''), 200)}"
                          for s in steps)
        about = f"{inline(args['explanation'], 300)}\n\n" if isinstance(args.get("explanation"), str) else ""
        return Call("update_plan", f"{len(steps)} steps", about + items)
    shown = json.dumps(args, ensure_ascii=False, indent=2) if args is not None else str(raw or "")
    subject = next((agent.first_line(v, 100) for v in (args or {}).values() if isinstance(v, str) and v.strip()), "") \
        if isinstance(args, dict) else ""
    return Call(name, subject, code_block(agent.trimmed(shown, agent.DIFF_HEAD, agent.DIFF_TAIL).text, "json"))


def _arguments(raw: Any) -> Any:
    """A call's arguments: JSON text read (else the text itself)."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            return None
    return raw


def _shell(name: str, command: Any) -> Call:
    """A shell call: the script it runs (``bash -lc`` unwrapped), or the patch when it runs ``apply_patch``."""
    if isinstance(command, list):
        words = [str(w) for w in command]
        if words[:1] == ["apply_patch"] and len(words) > 1:
            return _patch(words[1])
        script = words[2] if tuple(words[:2]) in _SHELL_PREFIX and len(words) > 2 else shlex.join(words)
    else:
        script = str(command or "")
    commit = agent.commit_message(script)
    subject = f"git commit “{commit}”" if commit else agent.first_line(script, 100)
    return Call(name, subject, code_block(script, "bash"), commit=commit)


def _patch(patch: str) -> Call:
    files = [m["path"].strip() for m in _PATCH_FILE.finditer(patch)]
    body, note = agent.patch_block(patch)
    subject = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    return Call("apply_patch", subject, body, note=note)


def _result(output: Any, call: Call | None) -> Result:
    """A call's output, trimmed; an exit code other than 0 marks it an error."""
    text, code = _output_text(output)
    return agent.output(text, code not in (None, 0))


def _output_text(output: Any) -> tuple[str, int | None]:
    """The text of an output and its exit code when it says one (older rollouts: ``{"output", "metadata":
    {"exit_code"}}`` as JSON text; newer: ``Exit code: N`` in the text)."""
    if isinstance(output, list):
        return "\n\n".join(str(p.get("text")) for p in output if isinstance(p, dict) and "text" in p), None
    if isinstance(output, dict):
        output = output.get("content") if isinstance(output.get("content"), str) else json.dumps(output)
    text = str(output or "")
    parsed = _arguments(text) if text.lstrip().startswith("{") else None
    if isinstance(parsed, dict) and isinstance(parsed.get("output"), str):
        meta = parsed.get("metadata") if isinstance(parsed.get("metadata"), dict) else {}
        code = meta.get("exit_code")
        return parsed["output"], code if isinstance(code, int) else None
    found = _EXIT.search(text)
    return text, int(found["code"]) if found else None
