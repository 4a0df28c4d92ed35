"""Claude data export (``conversations.json``, alone or in its zip) -> ``Conversation``s.

Messages are ordered by their ``parent_message_uuid`` chain (real exports are not always in time
order); without parent ids, by their creation time (a time that cannot be read: the file's order, and a
warning). What a message shows is read by ``claude_content``: its own blocks, and the results of tools, which
become tool turns whichever side sent them (a message may become several nodes, chained).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.common import (
    Conversation, Message, Node, Sample, Skipped, WrongKind, expect, optional,
)
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.layout import thread
from site_builder.importers.claude_content import Blocks, Run, attachments, blocks, markup, tool_names
from site_builder.importers.records import derived_id, lenient_time, read_record

SOURCE = "claude"
NAME = "Claude export"
ASSISTANT = "Claude"
_ROOT_PARENT = "00000000-0000-4000-8000-000000000000"


def recognises(sample: Sample) -> bool:
    """A Claude conversation: an object with ``chat_messages``."""
    return isinstance(sample.record, dict) and isinstance(sample.record.get("chat_messages"), list)


def conversations(path: Path, options: object = None, progress: Progress | None = None,
                  member: str | None = None) -> Iterator[tuple[str, Conversation | Skipped]]:
    for index, record in enumerate(iter_json(path, member or "conversations.json", progress)):
        yield record.where, read_record(lambda: convert(record.value, record.where), record.value, record.where,
                                        first=index == 0, repaired=record.repaired)


def convert(raw: Any, where: str) -> Conversation | Skipped:
    conv = expect(raw, dict, where or "the top level")
    if "chat_messages" not in conv:
        raise WrongKind(where or "the top level", "not a Claude conversation (no `chat_messages`)"
                        + ("; this looks like a ChatGPT export" if "mapping" in conv else ""))
    title = " ".join(str(optional(conv, "name", str, where, "")).split()) or "Untitled conversation"
    created, warning = lenient_time(conv.get("created_at"), _join(where, "created_at"))
    source_id = str(optional(conv, "uuid", str, where, "") or where or derived_id(title, conv.get("created_at")))
    problems = [warning + "; the post takes the export file's date"] if warning else []
    messages = expect(conv.get("chat_messages"), list, _join(where, "chat_messages"))
    if not messages:
        return Skipped(source_id, title, "no messages")
    items = [expect(item, dict, f"{_join(where, 'chat_messages')}[{index}]") for index, item in enumerate(messages)]
    times, time_problems = _times(items, _join(where, "chat_messages"))
    tools = tool_names(items)
    problems += time_problems
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    has_parents = any(m.get("parent_message_uuid") for m in items)
    previous: str | None = None
    in_file_order = has_parents or None in times
    ordered = list(enumerate(items)) if in_file_order else sorted(enumerate(items), key=lambda im: (times[im[0]], im[0]))
    for order, (index, message) in enumerate(ordered):
        at = f"{_join(where, 'chat_messages')}[{index}]"
        nid = str(optional(message, "uuid", str, at, "") or f"#{order}")
        parent = optional(message, "parent_message_uuid", str, at) if has_parents else previous
        if parent == _ROOT_PARENT:
            parent = None
        read = _message(message, at, tools)
        dropped += [(nid, reason) for reason in read.dropped]
        if not read.messages:
            dropped.append((nid, "empty message"))
        nodes.update(_nodes(nid, parent, read.messages, times[index], order))
        previous = nid
    current = optional(conv, "current_leaf_message_uuid", str, where) or (None if has_parents else previous)
    laid_out = thread(nodes, current)
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, "", tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _nodes(nid: str, parent: str | None, messages: tuple[Message, ...], time: float | None, order: int,
           ) -> dict[str, Node]:
    """One node per message shown (none: a hidden node), chained; the last keeps the id its children name."""
    if not messages:
        return {nid: Node(nid, parent, None, time, order)}
    ids = [f"{nid}#{k}" for k in range(1, len(messages))] + [nid]
    return {node_id: Node(node_id, ids[k - 1] if k else parent, message, time, order)
            for k, (node_id, message) in enumerate(zip(ids, messages))}


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _times(messages: list[dict], where: str) -> tuple[list[float | None], list[str]]:
    """Each message's time in seconds, and a warning for each that is there but not a time. Messages with no
    parent ids are ordered by time only when every one has a time; else they keep the order of the file."""
    times: list[float | None] = []
    problems: list[str] = []
    for index, message in enumerate(messages):
        time, warning = lenient_time(message.get("created_at"), f"{where}[{index}].created_at")
        times.append(time.timestamp() if time else None)
        if warning:
            problems.append(warning + "; the messages keep the order of the file")
    return times, problems


@dataclass(frozen=True, slots=True)
class _Read:
    messages: tuple[Message, ...]
    """What one message of the export shows, in order: the sender's runs and the tools' (``claude_content``)."""
    dropped: tuple[str, ...] = ()


def _message(message: Mapping[str, Any], where: str, tools: Mapping[str, str]) -> _Read:
    sender = str(optional(message, "sender", str, where, ""))
    role = {"human": "user", "user": "user", "assistant": "assistant"}.get(sender.lower(), "tool")
    speaker = {"user": "User", "assistant": ASSISTANT}.get(role, "Tool")
    items = optional(message, "content", list, where, [])
    read = blocks(items, f"{where}.content", tools) if items else \
        Blocks((Run(False, optional(message, "text", str, where, "")),))
    runs = list(read.runs)
    files = attachments(message, where)
    if files:
        own = max((i for i, run in enumerate(runs) if not run.tool), default=None)
        if own is None:
            runs.append(Run(False, files))
        else:
            runs[own] = Run(False, f"{runs[own].text}\n\n{files}")
    shown = tuple(Message("tool", "Tool", run.text) if run.tool else
                  Message(role, speaker, markup(run.text.removeprefix(" ")) if role == "assistant" else run.text)
                  for run in runs if run.text.strip())
    return _Read(tuple(m for m in shown if m.text.strip()), read.dropped)
