"""ShareGPT-style datasets (JSON array or JSON lines) -> ``Conversation``s.

Records are ``{conversations: [{from, value}]}`` (roles human/gpt/system/function_call/observation),
the OpenAI-style ``{messages: [{role, content}]}`` (content a string or typed parts), or the
preference format, whose ``chosen`` and ``rejected`` answers become two variants of the last exchange.
Datasets carry no dates: posts take the date of the dataset file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from site_builder.importers.common import (
    Conversation, Message, Node, ShapeError, Skipped, WrongKind, expect, optional, thread,
)
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.records import read_record
from site_builder.importers.text import code_block, inline, note

SOURCE = "sharegpt"
_ROLES = {
    "human": ("user", "User"), "user": ("user", "User"),
    "gpt": ("assistant", "Assistant"), "assistant": ("assistant", "Assistant"), "bot": ("assistant", "Assistant"),
    "model": ("assistant", "Assistant"), "chatgpt": ("assistant", "Assistant"),
    "system": ("system", "System"),
    "function_call": ("tool", "Function call"), "observation": ("tool", "Observation"),
    "tool": ("tool", "Tool"), "function": ("tool", "Tool"),
}


def conversations(path: Path, options: object = None, progress: Progress | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    for index, record in enumerate(iter_json(path, None, progress)):
        if not record.where:
            raise ShapeError("the top level", "not a ShareGPT dataset: expected a list of records "
                                              "with `conversations` or `messages`, found an object")
        yield record.where, read_record(lambda: convert(record.value, record.where, path.stem), record.value,
                                        record.where, first=index == 0, repaired=record.repaired)


def convert(raw: Any, where: str, stem: str) -> Conversation | Skipped:
    record = expect(raw, dict, where)
    key = "conversations" if "conversations" in record else "messages" if "messages" in record else None
    if key is None:
        raise WrongKind(where, "not a ShareGPT record (no `conversations` or `messages`)"
                         + ("; this looks like a ChatGPT export" if "mapping" in record else ""))
    images = [str(i) for i in optional(record, "images", list, where, [])]
    messages: list[Message] = []
    if isinstance(record.get("system"), str) and record["system"].strip():
        messages.append(Message("system", "System", record["system"]))
    items = expect(record[key], list, f"{where}.{key}")
    for index, item in enumerate(items):
        message = _message(item, f"{where}.{key}[{index}]", images)
        if message is not None:
            messages.append(message)
    source_id = str(record.get("id") or f"{stem}{where if where.startswith('[') else ':' + where.split()[-1]}")
    title = _title(messages) or f"{stem} {where}"
    alternatives = _preference(record, where, images)
    if not messages and not alternatives:
        return Skipped(source_id, title, "no messages")
    nodes = {str(i): Node(str(i), str(i - 1) if i else None, m, order=i) for i, m in enumerate(messages)}
    last = str(len(messages) - 1) if messages else None
    for offset, message in enumerate(alternatives):
        nodes[f"alt{offset}"] = Node(f"alt{offset}", last, message, order=len(messages) + offset)
    laid_out = thread(nodes, "alt0" if alternatives else last)  # the chosen answer is the main line
    return Conversation(SOURCE, source_id, title, None, laid_out.exchanges, _tools_intro(record, where), (),
                        laid_out.problems, laid_out.branches)


def _title(messages: list[Message]) -> str:
    """The first line of the first question that is not an image placeholder."""
    for message in messages:
        if message.role != "user":
            continue
        for line in message.text.split("\n"):
            words = " ".join(line.split())
            if words and not words.startswith("*("):
                return words if len(words) <= 70 else words[:69].rstrip() + "…"
    return ""


def _message(raw: Any, where: str, images: list[str]) -> Message | None:
    item = expect(raw, dict, where)
    role_key = "from" if "from" in item else "role"
    role_name = str(expect(item.get(role_key), str, f"{where}.{role_key}")).lower()
    role, label = _ROLES.get(role_name, ("tool", "Tool"))
    value_key = "value" if "value" in item else "content"
    value = item.get(value_key)
    if isinstance(value, list):
        text = _parts(value, f"{where}.{value_key}")
    else:
        text = str(expect(value, str, f"{where}.{value_key}")) if value is not None else ""
        if role_name in ("function_call", "observation"):
            text = code_block(_pretty_json(text), "json")
        else:
            text = _image_tokens(text, images)
    return Message(role, label, text) if text.strip() else None


def _parts(parts: list[Any], where: str) -> str:
    out = []
    for index, raw in enumerate(parts):
        part = expect(raw, dict, f"{where}[{index}]")
        kind = str(part.get("type") or "text")
        value = part.get("value", part.get("text"))
        if isinstance(value, dict):  # {"type": "image_url", "image_url": {"url": ...}}
            value = value.get("url")
        if value is None and isinstance(part.get(kind), dict):
            value = part[kind].get("url")
        value = "" if value is None else str(value)
        if kind == "text":
            out.append(value)
        elif kind == "reasoning":
            out.append(note("NOTE", "**Thinking**\n\n" + inline(value)))
        elif kind == "tool_call":
            out.append("*Tool call:*\n\n" + code_block(_pretty_json(value), "json"))
        elif kind in ("image_url", "image", "video", "audio", "video_url", "audio_url"):
            out.append(_asset(kind.split("_")[0].title(), value))
        else:
            out.append(f"*(part of type `{inline(kind, 40)}`:)* {inline(value)}")
    return "\n\n".join(p for p in out if p.strip())


def _image_tokens(text: str, images: list[str]) -> str:
    """``<image>`` tokens name the record's images in order."""
    if "<image>" not in text:
        return text
    pieces = text.split("<image>")
    out = [pieces[0]]
    for index, piece in enumerate(pieces[1:]):
        name = images[index] if index < len(images) else ""
        out += ["\n\n" + _asset("Image", name) + "\n\n", piece]
    images[: len(pieces) - 1] = []
    return "".join(out).strip()


def _asset(kind: str, name: str) -> str:
    return f"*({kind}: {inline(name, 120) if name else 'not named'}; the file is not in the dataset)*"


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except (ValueError, TypeError, RecursionError):  # not JSON, or nested too deeply to indent: as it is
        return text


def _preference(record: dict, where: str, images: list[str]) -> list[Message]:
    """``chosen`` then ``rejected``, each marked as such."""
    result = []
    for key, label in (("chosen", "Chosen answer"), ("rejected", "Rejected answer")):
        if record.get(key) is None:
            continue
        raw = record[key]
        message = _message(raw if isinstance(raw, dict) else {"from": "gpt", "value": raw}, f"{where}.{key}", images)
        if message is not None:
            result.append(Message(message.role, message.speaker,
                                  f"{note('NOTE', f'{label} (preference data).')}\n\n{message.text}"))
    return result


def _tools_intro(record: dict, where: str) -> str:
    tools = record.get("tools")
    if tools is None or tools == "" or tools == []:
        return ""
    text = tools if isinstance(tools, str) else json.dumps(tools, ensure_ascii=False)
    return "**Tools available to the assistant:**\n\n" + code_block(_pretty_json(text), "json")
