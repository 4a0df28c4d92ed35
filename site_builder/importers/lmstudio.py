"""LM Studio conversation (``~/.lmstudio/conversations/<ms>.conversation.json``, one chat a file) -> a
``Conversation``.

The file is ``{name, createdAt (ms), systemPrompt, lastUsedModel, messages: [{versions, currentlySelected}],
...}``. Each message is a list of versions, of which ``currentlySelected`` is the one shown: a regenerated
answer (or an edited question) is another version of the same message, and the messages after it follow the
selected version. So every other version becomes another answer variant (or an edited question) of its
exchange.

A user's version is a ``singleStep`` with ``content`` parts (``text``, ``file``); an assistant's is a
``multiStep`` of ``steps``: ``contentBlock``s (text parts; a block styled ``thinking`` is the model's
reasoning; ``toolCallRequest`` / ``toolCallResult`` parts), ``citationBlock``s (a quoted file), and blocks
the chat hides by default, counted as left out: ``debugInfoBlock``, ``toolStatus``, ``status``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.apptime import app_time
from site_builder.importers.common import Conversation, Message, Node, Skipped, WrongKind, expect, optional
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.layout import thread
from site_builder.importers.messages import pretty_json
from site_builder.importers.records import derived_id, read_record
from site_builder.importers.text import code_block, code_span, inline, reasoning

SOURCE = "lmstudio"
NAME = "LM Studio conversation"
ASSISTANT = "Assistant"
_HIDDEN_STEPS = {"debugInfoBlock": "debug information (hidden in the chat)",
                 "toolStatus": "tool status line", "status": "status line"}
_CUT_SHORT = {"userStopped", "failed", "maxPredictedTokensReached", "contextLengthReached"}
"""``genInfo.stats.stopReason`` of an answer that stopped before it was finished."""


def recognises(sample: Any) -> bool:
    """An LM Studio conversation: ``messages`` whose items hold ``versions``."""
    record = sample.record
    if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
        return False
    items = record["messages"][:3]
    if not items:
        return "createdAt" in record and ("systemPrompt" in record or "lastUsedModel" in record)
    return all(isinstance(m, dict) and isinstance(m.get("versions"), list) for m in items)


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    stem = path.name.removesuffix(".json").removesuffix(".conversation")
    for index, record in enumerate(iter_json(path, member, progress)):
        item = read_record(lambda: convert(record.value, record.where, stem), record.value, record.where,
                           first=index == 0, repaired=record.repaired)
        refused_here = isinstance(item, Skipped) and item.refused and not record.where
        yield record.where, replace(item, source_id=stem) if refused_here and stem else item


@dataclass(frozen=True, slots=True)
class _Shown:
    """What one version shows, and what of it was left out."""

    message: Message | None
    dropped: tuple[str, ...] = ()


def convert(raw: Any, where: str, stem: str = "") -> Conversation | Skipped:
    record = expect(raw, dict, where or "the top level")
    slots = record.get("messages")
    if not isinstance(slots, list) or any(not isinstance(s, dict) or "versions" not in s for s in slots[:3]):
        raise WrongKind(where or "the top level", "not an LM Studio conversation (no `messages` with `versions`)")
    title = " ".join(str(optional(record, "name", str, where, "")).split()) or "Untitled conversation"
    created, warning = app_time(record.get("createdAt"), _join(where, "createdAt"))
    source_id = stem or derived_id(title, record.get("createdAt"))
    if not slots:
        return Skipped(source_id, title, "no messages")
    problems = [warning + "; the post takes the export file's date"] if warning else []
    model = _model(record)
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    parent: str | None = None
    order = 0
    for index, raw_slot in enumerate(slots):
        at = f"{_join(where, 'messages')}[{index}]"
        slot = expect(raw_slot, dict, at)
        versions = expect(slot.get("versions"), list, f"{at}.versions")
        if not versions:
            dropped.append((f"messages[{index}]", "message without versions"))
            continue
        selected = optional(slot, "currentlySelected", int, at, 0)
        selected = selected if 0 <= selected < len(versions) else len(versions) - 1
        for number, version in enumerate(versions):
            nid = f"messages[{index}].versions[{number}]"
            shown = _version(version, f"{at}.versions[{number}]", model)
            dropped += [(nid, reason) for reason in shown.dropped]
            if shown.message is None:
                dropped.append((nid, "empty message"))
            nodes[nid] = Node(nid, parent, shown.message, None, order)
            order += 1
        parent = f"messages[{index}].versions[{selected}]"
    laid_out = thread(nodes, parent)
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, _intro(record, where), tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _version(raw: Any, where: str, model: str | None) -> _Shown:
    version = expect(raw, dict, where)
    role = str(optional(version, "role", str, where, ""))
    if role == "user" or role == "system":
        text = _parts(optional(version, "content", list, where, []), f"{where}.content")
        speaker = "User" if role == "user" else "System"
        return _Shown(Message(role, speaker, text) if text.strip() else None)
    pieces: list[str] = []
    dropped: list[str] = []
    cut_short = False
    sender = version.get("senderInfo", {}).get("senderName") if isinstance(version.get("senderInfo"), dict) else None
    steps = optional(version, "steps", list, where, []) or [{"type": "contentBlock",
                                                             "content": optional(version, "content", list, where, [])}]
    for index, raw_step in enumerate(steps):
        step = expect(raw_step, dict, f"{where}.steps[{index}]")
        kind = str(step.get("type") or "")
        if kind == "contentBlock":
            pieces.append(_content_block(step, f"{where}.steps[{index}]"))
            info = step.get("genInfo") if isinstance(step.get("genInfo"), dict) else {}
            sender = sender or info.get("identifier")
            stats = info.get("stats") if isinstance(info.get("stats"), dict) else {}
            cut_short = cut_short or stats.get("stopReason") in _CUT_SHORT
        elif kind == "citationBlock":
            pieces.append(_citation(step))
        else:
            dropped.append(_HIDDEN_STEPS.get(kind, f"`{inline(kind, 40)}` step (not shown)"))
    text = "\n\n".join(p for p in pieces if p.strip())
    if not text.strip():
        return _Shown(None, tuple(dropped))
    return _Shown(Message("assistant", ASSISTANT, text, str(sender or model or "") or None, cut_short), tuple(dropped))


def _content_block(step: Mapping[str, Any], where: str) -> str:
    """A block of the answer: its text (the model's reasoning when styled ``thinking``) and tool calls."""
    text = _parts(optional(step, "content", list, where, []), f"{where}.content")
    style = step.get("style") if isinstance(step.get("style"), dict) else {}
    if style.get("type") == "thinking" and text.strip():
        return reasoning(text, str(style.get("label") or style.get("title") or ""))
    return text


def _parts(items: list[Any], where: str) -> str:
    pieces = []
    for index, raw in enumerate(items):
        part = expect(raw, dict, f"{where}[{index}]")
        kind = str(part.get("type") or "text")
        if kind == "text":
            pieces.append(str(part.get("text") or ""))
        elif kind == "file":
            name = part.get("name") or part.get("fileIdentifier") or "not named"
            pieces.append(f"*Attached: {code_span(str(name), 120)}*")
        elif kind == "toolCallRequest":
            pieces.append(_tool_request(part))
        elif kind == "toolCallResult":
            pieces.append("*Result:*\n\n" + code_block(pretty_json(_text_of(part.get("content")))))
        else:
            pieces.append(f"*(part of type {code_span(kind, 60)}:)*\n\n"
                          + code_block(json.dumps(part, ensure_ascii=False, indent=2), "json"))
    return "\n\n".join(p for p in pieces if p.strip())


def _tool_request(part: Mapping[str, Any]) -> str:
    call = part.get("toolCallRequest") if isinstance(part.get("toolCallRequest"), dict) else part
    name = call.get("name")
    arguments = call.get("arguments", call.get("parameters"))
    shown = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    heading = f"*Tool call {code_span(str(name), 60)}:*" if name else "*Tool call:*"
    return f"{heading}\n\n{code_block(pretty_json(shown), 'json')}" if arguments not in (None, {}) else heading


def _text_of(content: Any) -> str:
    """A tool result's content: a string, or (as LM Studio saves it) JSON of text parts."""
    value = content
    if isinstance(content, str):
        try:
            value = json.loads(content)
        except ValueError:
            return content
    if isinstance(value, list) and all(isinstance(p, dict) and p.get("type") == "text" for p in value):
        return "\n".join(str(p.get("text", "")) for p in value)
    return content if isinstance(content, str) else json.dumps(value, ensure_ascii=False)


def _citation(step: Mapping[str, Any]) -> str:
    source = step.get("source") if isinstance(step.get("source"), dict) else {}
    name = source.get("fileName") or step.get("fileName") or "a file"
    cited = str(step.get("citedText") or "")
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in cited.strip().split("\n"))
    return f"*Cited from {code_span(str(name), 120)}:*\n\n{quoted}" if cited.strip() else \
        f"*Cited from {code_span(str(name), 120)}*"


def _model(record: Mapping[str, Any]) -> str | None:
    used = record.get("lastUsedModel")
    return str(used.get("identifier")) if isinstance(used, dict) and used.get("identifier") else None


def _intro(record: Mapping[str, Any], where: str) -> str:
    """The chat's system prompt (``systemPrompt``, or the per-chat ``llm.prediction.systemPrompt``)."""
    prompt = optional(record, "systemPrompt", str, where, "")
    config = record.get("perChatPredictionConfig")
    fields = config.get("fields") if isinstance(config, dict) and isinstance(config.get("fields"), list) else []
    for field in fields:
        if isinstance(field, dict) and field.get("key") == "llm.prediction.systemPrompt" and \
                isinstance(field.get("value"), str) and field["value"].strip():
            prompt = field["value"]
    return "**System prompt:**\n\n" + code_block(prompt, "text") if prompt.strip() else ""


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
