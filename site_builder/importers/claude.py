"""Claude data export (``conversations.json``, alone or in its zip) -> ``Conversation``s.

Messages are ordered by their ``parent_message_uuid`` chain (real exports are not always in time
order); without parent ids, by their creation time. ``<antArtifact>`` blocks become code blocks
titled with the artifact's title, ``<antThinking>`` and ``thinking`` blocks the model's reasoning; attachments and files are
listed by name (their bytes are not in the export).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.common import (
    Conversation, Message, Node, Skipped, WrongKind, expect, optional, thread,
)
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.records import lenient_time, read_record
from site_builder.importers.text import code_block, code_span, inline, reasoning

SOURCE = "claude"
ASSISTANT = "Claude"
_ROOT_PARENT = "00000000-0000-4000-8000-000000000000"
# Linear on any text: a failed tag stops at the next `<`; a name starts where a word starts; a value may be
# left unclosed (each failed attempt would otherwise scan to the end of the message, quadratic in the tags).
_ARTIFACT = re.compile(r"<antArtifact\b(?P<attrs>[^<>]*)>(?P<body>.*?)(?:</antArtifact>|\Z)", re.DOTALL)
_THINKING = re.compile(r"<antThinking>(?P<body>.*?)(?:</antThinking>|\Z)", re.DOTALL)
_ATTR = re.compile(r'(?<![\w-])([\w-]+)\s*=\s*"([^"]*)"?')
_ARTIFACT_LANGS = {"text/html": "html", "application/vnd.ant.react": "jsx", "image/svg+xml": "xml",
                   "text/markdown": "markdown", "application/vnd.ant.mermaid": "mermaid"}


def conversations(path: Path, options: object = None, progress: Progress | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    for index, record in enumerate(iter_json(path, "conversations.json", progress)):
        yield record.where, read_record(lambda: convert(record.value, record.where), record.value, record.where,
                                        first=index == 0, repaired=record.repaired)


def convert(raw: Any, where: str) -> Conversation | Skipped:
    conv = expect(raw, dict, where or "the top level")
    if "chat_messages" not in conv:
        raise WrongKind(where or "the top level", "not a Claude conversation (no `chat_messages`)"
                        + ("; this looks like a ChatGPT export" if "mapping" in conv else ""))
    source_id = str(optional(conv, "uuid", str, where, "") or where)
    title = " ".join(str(optional(conv, "name", str, where, "")).split()) or "Untitled conversation"
    created, warning = lenient_time(conv.get("created_at"), _join(where, "created_at"))
    problems = [warning + "; the post takes the export file's date"] if warning else []
    messages = expect(conv.get("chat_messages"), list, _join(where, "chat_messages"))
    if not messages:
        return Skipped(source_id, title, "no messages")
    items = [expect(item, dict, f"{_join(where, 'chat_messages')}[{index}]") for index, item in enumerate(messages)]
    times, time_problems = _times(items, _join(where, "chat_messages"))
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
        converted = _message(message, at)
        if converted is None:
            dropped.append((nid, "empty message"))
        nodes[nid] = Node(nid, parent, converted, times[index], order)
        previous = nid
    current = optional(conv, "current_leaf_message_uuid", str, where) or (None if has_parents else previous)
    laid_out = thread(nodes, current)
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, "", tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


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


def _message(message: Mapping[str, Any], where: str) -> Message | None:
    sender = str(optional(message, "sender", str, where, ""))
    role = {"human": "user", "user": "user", "assistant": "assistant"}.get(sender.lower(), "tool")
    blocks = optional(message, "content", list, where, [])
    text = _blocks_text(blocks, f"{where}.content") if blocks else optional(message, "text", str, where, "")
    if role == "assistant":
        text = _assistant_markup(text.removeprefix(" "))
    text = "\n\n".join(x for x in (text, _attachments(message, where)) if x.strip())
    if not text.strip():
        return None
    speaker = {"user": "User", "assistant": ASSISTANT}.get(role, "Tool")
    return Message(role, speaker, text)


def _blocks_text(blocks: list[Any], where: str) -> str:
    parts = []
    for index, raw in enumerate(blocks):
        block = expect(raw, dict, f"{where}[{index}]")
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text") or ""))
        elif kind == "thinking":
            parts.append(_thinking(block, f"{where}[{index}]"))
        elif kind == "voice_note":
            parts.append(_voice_note(block, f"{where}[{index}]"))
        elif kind == "tool_use":
            parts.append(f"*Tool call `{inline(block.get('name') or 'tool', 60)}`:*\n\n"
                         + code_block(_json_text(block.get("input")), "json"))
        elif kind == "tool_result":
            parts.append("*Tool result:*\n\n" + code_block(_json_text(block.get("content")), "text"))
        else:
            parts.append(f"*(content of type `{inline(str(kind), 40)}` not shown)*")
    return "\n\n".join(p for p in parts if p.strip())


def _thinking(block: Mapping[str, Any], where: str) -> str:
    """Extended thinking: a reasoning block titled with its last summary, Markdown intact."""
    summaries = [s.get("summary") for s in optional(block, "summaries", list, where, []) if isinstance(s, dict)]
    title = next((s for s in reversed(summaries) if isinstance(s, str) and s.strip()), "")
    text = optional(block, "thinking", str, where, "")
    return reasoning(text, title) if text.strip() or title else ""


def _voice_note(block: Mapping[str, Any], where: str) -> str:
    """A message spoken in the app: its transcript (the audio is not in the export)."""
    transcript = optional(block, "transcript", str, where, "") or optional(block, "text", str, where, "")
    title = optional(block, "title", str, where, "")
    heading = f"*Voice note ({inline(title, 80)}):*" if title.strip() and title.strip() != "Voice note" else "*Voice note:*"
    return f"{heading}\n\n{transcript.strip()}" if transcript.strip() else "*(Voice note without a transcript)*"


def _json_text(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


def _assistant_markup(text: str) -> str:
    """``<antThinking>`` -> a reasoning block; ``<antArtifact>`` -> a titled code block."""
    text = _THINKING.sub(lambda m: "\n\n" + reasoning(m["body"]) + "\n\n", text)
    return _ARTIFACT.sub(_artifact, text).strip()


def _artifact(match: re.Match[str]) -> str:
    attrs = dict(_ATTR.findall(match["attrs"]))
    title = html.unescape(attrs.get("title", "") or attrs.get("identifier", "") or "Artifact")
    lang = attrs.get("language") or _ARTIFACT_LANGS.get(attrs.get("type", ""), "")
    return f"\n\n**Artifact: {inline(title, 120)}**\n\n{code_block(match['body'].strip(chr(10)), lang)}\n\n"


def _attachments(message: Mapping[str, Any], where: str) -> str:
    """The text the export holds of each attachment (``extracted_content``: a file's text, or text pasted into
    the message, whose ``file_name`` is often empty), then the names of the other files (their bytes are not in
    the export), each once."""
    contents: list[str] = []
    with_content: set[str] = set()
    names: list[str] = []
    for key in ("attachments", "files", "files_v2"):
        for index, raw in enumerate(optional(message, key, list, where, [])):
            item = {"file_name": raw} if isinstance(raw, str) else expect(raw, dict, f"{where}.{key}[{index}]")
            name = str(item.get("file_name") or item.get("name") or "").strip()
            extracted = item.get("extracted_content")
            if isinstance(extracted, str) and extracted.strip():
                heading = f"*Attached: {code_span(name, 120)}*" if name else "*Pasted text:*"
                contents.append(f"{heading}\n\n{code_block(extracted, 'text')}")
                with_content.add(name)
            elif name:
                names.append(name)
    listed = [n for n in dict.fromkeys(names) if n not in with_content]
    if listed:
        contents.append(f"*Attached: {', '.join(code_span(n, 120) for n in listed)}*")
    return "\n\n".join(contents)
