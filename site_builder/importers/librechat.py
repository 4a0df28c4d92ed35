"""LibreChat conversation export (Export → JSON, one conversation a file) -> a ``Conversation``.

The file is one object ``{conversationId, endpoint, title, exportAt, branches, recursive, options?, messages}``.
Its ``messages`` are a flat list in tree order (each names its ``parentMessageId``; the root's parent is
``00000000-…``) or, with "recursive", the root messages with their replies nested in ``children`` (older
versions name that list ``messagesTree``). Without "branches" only the line the user saw is exported.
Siblings are regenerated answers or edited questions; LibreChat shows the newest sibling, so the line that
always takes the last child is the main line.

A message is ``{messageId, parentMessageId, sender, text, isCreatedByUser, model, error, unfinished,
createdAt, content?, files?, attachments?}``; with ``content`` (agents, assistants, reasoning models) it is
a list of typed parts: ``text``, ``think`` (the model's reasoning), ``tool_call``, ``image_file``,
``image_url``, ``error``; an ``agent_update`` part (which agent answers next) shows nothing and is counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.apptime import app_time, seconds
from site_builder.importers.common import Conversation, Message, Node, Skipped, WrongKind, expect, optional
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.layout import thread
from site_builder.importers.messages import pretty_json
from site_builder.importers.records import derived_id, read_record
from site_builder.importers.text import code_block, code_span, inline, note, reasoning

SOURCE = "librechat"
NAME = "LibreChat conversation export"
ASSISTANT = "Assistant"
ROOT = "00000000-0000-0000-0000-000000000000"
_LISTS = ("messages", "messagesTree")


def recognises(sample: Any) -> bool:
    """A LibreChat export: a ``conversationId`` and messages that have ``messageId``s."""
    record = sample.record
    if not isinstance(record, dict) or "conversationId" not in record:
        return False
    items = next((record[key] for key in _LISTS if isinstance(record.get(key), list)), None)
    return items is not None and all(isinstance(m, dict) and "messageId" in m for m in items[:3])


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    for index, record in enumerate(iter_json(path, member, progress)):
        item = read_record(lambda: convert(record.value, record.where, path.stem), record.value, record.where,
                           first=index == 0, repaired=record.repaired)
        yield record.where, _named(item, record.value)


def _named(item: Conversation | Skipped, raw: Any) -> Conversation | Skipped:
    """A refused export named by its ``conversationId`` (``records.identify`` knows ChatGPT's and Claude's ids)."""
    given = raw.get("conversationId") if isinstance(raw, dict) else None
    if isinstance(item, Skipped) and item.refused and isinstance(given, str) and given:
        return replace(item, source_id=given)
    return item


@dataclass(frozen=True, slots=True)
class _Raw:
    """One message of the export with its parent, in tree order."""

    id: str
    parent: str | None
    item: Mapping[str, Any]
    where: str


def convert(raw: Any, where: str, stem: str = "") -> Conversation | Skipped:
    record = expect(raw, dict, where or "the top level")
    key = next((k for k in _LISTS if k in record), None)
    if "conversationId" not in record or key is None:
        raise WrongKind(where or "the top level", "not a LibreChat conversation (no `conversationId` and `messages`)")
    title = " ".join(str(optional(record, "title", str, where, "")).split()) or stem or "Untitled conversation"
    listed = expect(record[key], list, _join(where, key))
    found = _walk(listed, None, _join(where, key))
    first_time = found[0].item.get("createdAt") if found else None
    source_id = str(optional(record, "conversationId", str, where, "") or derived_id(title, first_time))
    if not found:
        return Skipped(source_id, title, "no messages")
    created, warning = app_time(first_time, f"{found[0].where}.createdAt")
    problems = [warning + "; the post takes the export file's date"] if warning else []
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    for order, message in enumerate(found):
        time, time_warning = seconds(message.item.get("createdAt"), f"{message.where}.createdAt")
        problems += [time_warning] if time_warning and order else []
        shown, lost = _message(message.item, message.where)
        dropped += [(message.id, reason) for reason in lost]
        if shown is None:
            dropped.append((message.id, "empty message"))
        nodes[message.id] = Node(message.id, message.parent, shown, time, order)
    laid_out = thread(nodes, _newest_line(found))
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, _intro(record, where), tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _walk(items: list[Any], parent: str | None, where: str) -> list[_Raw]:
    """Every message of a flat list or a tree of ``children``, parents before their children."""
    out: list[_Raw] = []
    stack = [(item, parent, f"{where}[{index}]") for index, item in enumerate(items)][::-1]
    while stack:
        raw, above, place = stack.pop()
        item = expect(raw, dict, place)
        nid = str(expect(item.get("messageId"), str, f"{place}.messageId"))
        named = optional(item, "parentMessageId", str, place)
        out.append(_Raw(nid, None if named == ROOT else named or above, item, place))
        children = optional(item, "children", list, place, [])
        stack += [(child, nid, f"{place}.children[{k}]") for k, child in enumerate(children)][::-1]
    return out


def _newest_line(found: list[_Raw]) -> str | None:
    """The message LibreChat shows last: from the newest root, the newest (last) child at each step."""
    children: dict[str | None, list[str]] = {}
    known = {m.id for m in found}
    for message in found:
        children.setdefault(message.parent if message.parent in known else None, []).append(message.id)
    nid, seen = None, set()
    while children.get(nid) and nid not in seen:
        seen.add(nid)
        nid = children[nid][-1]
    return nid


def _message(item: Mapping[str, Any], where: str) -> tuple[Message | None, list[str]]:
    """The message as LibreChat shows it, and what of it was left out."""
    user = item.get("isCreatedByUser") is True or str(item.get("sender", "")).lower() == "user" and \
        "isCreatedByUser" not in item
    role, speaker = ("user", "User") if user else ("assistant", ASSISTANT)
    content = optional(item, "content", list, where, [])
    lost: list[str] = []
    if content:
        pieces = []
        for index, part in enumerate(content):
            shown = _part(part, f"{where}.content[{index}]")
            if shown is None:
                lost.append(f"`{inline(str(part.get('type')), 40)}` part (not shown in the chat)")
            else:
                pieces.append(shown)
        text = "\n\n".join(p for p in pieces if p.strip())
    else:
        text = str(optional(item, "text", (str, int, float), where, ""))
    if item.get("error") is True and text.strip():
        text = note("WARNING", "This message is an error LibreChat showed in place of an answer:") + "\n\n" + text
    text = "\n\n".join(p for p in (text, _files(item, where)) if p.strip())
    if not text.strip():
        return None, lost
    model = optional(item, "model", str, where) or optional(item, "sender", str, where)
    return Message(role, speaker, text, None if user else model, not user and item.get("unfinished") is True), lost


def _part(raw: Any, where: str) -> str | None:
    """One content part as Markdown; None for a part that shows nothing (``agent_update``)."""
    part = expect(raw, dict, where)
    kind = str(part.get("type") or "text")
    if kind == "agent_update":
        return None
    if kind in ("text", "think", "error"):
        value = part.get(kind, part.get("text"))
        text = value.get("value", "") if isinstance(value, dict) else "" if value is None else str(value)
        if kind == "think":
            return reasoning(text)
        if kind == "error":
            message = text or str(part.get("error") or "")
            return note("WARNING", f"Error: {inline(message, 500)}")
        return text
    if kind == "tool_call":
        return _tool_call(expect(part.get("tool_call"), dict, f"{where}.tool_call"))
    if kind == "image_file":
        image = part.get("image_file") if isinstance(part.get("image_file"), dict) else {}
        name = image.get("filepath") or image.get("file_id") or "not named"
        return f"*(Image: {code_span(str(name), 120)}; the file is not in the export)*"
    if kind == "image_url":
        image = part.get("image_url")
        url = str(image.get("url", "") if isinstance(image, dict) else image or "")
        return f"*(Image: {code_span(url if not url.startswith('data:') else 'embedded as a data URL', 120)})*"
    return f"*(part of type {code_span(kind, 60)}:)*\n\n" + code_block(json.dumps(part, ensure_ascii=False, indent=2), "json")


def _tool_call(call: Mapping[str, Any]) -> str:
    """A tool the model called: agents' ``{name, args, output}``, the Assistants API's ``function`` and
    ``code_interpreter`` calls; anything else as its JSON."""
    function = call.get("function") if isinstance(call.get("function"), dict) else None
    interpreter = call.get("code_interpreter") if isinstance(call.get("code_interpreter"), dict) else None
    if interpreter is not None:
        outputs = "\n".join(str(o.get("logs", "")) for o in interpreter.get("outputs") or [] if isinstance(o, dict))
        shown = ["*Code interpreter:*", code_block(str(interpreter.get("input", "")), "python")]
        return "\n\n".join(shown + (["*Output:*", code_block(outputs)] if outputs.strip() else []))
    source = function if function is not None else call
    name = source.get("name")
    arguments = source.get("arguments", source.get("args"))
    if name is None and arguments is None:
        return "*Tool call:*\n\n" + code_block(json.dumps(call, ensure_ascii=False, indent=2), "json")
    shown_args = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    shown = [f"*Tool call {code_span(str(name), 60)}:*" if name else "*Tool call:*"]
    shown += [code_block(pretty_json(shown_args), "json")] if shown_args and shown_args.strip() else []
    output = source.get("output")
    if output not in (None, ""):
        shown += ["*Result:*", code_block(output if isinstance(output, str) else json.dumps(output, ensure_ascii=False))]
    return "\n\n".join(shown)


def _files(item: Mapping[str, Any], where: str) -> str:
    """Files the user attached (``files``) and files a tool made (``attachments``), by name."""
    lines = []
    for key, label in (("files", "Attached"), ("attachments", "Attachment from a tool")):
        for index, raw in enumerate(optional(item, key, list, where, [])):
            entry = expect(raw, dict, f"{where}.{key}[{index}]")
            name = entry.get("filename") or entry.get("filepath") or entry.get("file_id") or "not named"
            lines.append(f"*{label}: {code_span(str(name), 120)}*")
    return "  \n".join(lines)


def _intro(record: Mapping[str, Any], where: str) -> str:
    """The conversation's instructions (``options.promptPrefix``), when the export includes its options."""
    options = optional(record, "options", dict, where, {})
    prefix = options.get("promptPrefix") or options.get("system")
    if not isinstance(prefix, str) or not prefix.strip():
        return ""
    label = options.get("chatGptLabel") or options.get("modelLabel")
    heading = f"**Instructions** (as {inline(label, 60)})**:**" if isinstance(label, str) and label else "**Instructions:**"
    return f"{heading}\n\n" + code_block(prefix, "text")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
