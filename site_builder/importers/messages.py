"""One message of a training dataset -> a ``Message``: ShareGPT ``{from, value}`` or OpenAI-style ``{role, content}``.

Content is a string or typed parts (``text``, ``reasoning``, ``tool_call(s)``, ``tools``, ``image_url``…; the
part's text in ``text`` or, in LLaMA-Factory's files, ``value``). What the model thought (``reasoning_content``,
``reasoning`` parts, a leading ``<think>…</think>``) becomes a reasoning block; the calls it made
(``tool_calls``, a ``function_call`` turn) code blocks named after the tool; ``<image>``, ``<video>`` and
``<audio>`` placeholders name the record's files in order (``Media``). Roles: human/user, gpt/assistant/model,
system and ``developer`` (OpenAI's newer name for it), and tool/function/observation/ipython.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from site_builder.importers.common import Message, expect, optional
from site_builder.importers.text import as_blocks, code_block, code_span, inline, reasoning

ROLES = {
    "human": ("user", "User"), "user": ("user", "User"),
    "gpt": ("assistant", "Assistant"), "assistant": ("assistant", "Assistant"), "bot": ("assistant", "Assistant"),
    "model": ("assistant", "Assistant"), "chatgpt": ("assistant", "Assistant"),
    "system": ("system", "System"), "developer": ("system", "Developer"),
    "function_call": ("assistant", "Assistant"), "observation": ("tool", "Tool"),
    "tool": ("tool", "Tool"), "function": ("tool", "Tool"), "ipython": ("tool", "Tool"),
}
"""role or ``from`` -> (role, speaker label). Anything else is a tool's."""
MEDIA = {"image": "images", "video": "videos", "audio": "audios"}
"""placeholder -> the record's list that names its files."""
_THINK = re.compile(r"\s*<think>(?P<body>.*?)</think>", re.DOTALL)
_LEADING_SPACES = re.compile(r"\A {1,3}(?=\S)")


@dataclass(frozen=True, slots=True)
class Read:
    """What ``message`` made of a message: the message, or why it is left out."""

    message: Message | None
    dropped: str | None = None


class Media:
    """The record's ``images``, ``videos`` and ``audios`` lists, consumed in order by the placeholders of its
    messages (local to one record)."""

    def __init__(self, record: Mapping[str, Any], where: str) -> None:
        self.names = {kind: [_file_name(v) for v in optional(record, key, list, where, [])]
                      for kind, key in MEDIA.items()}
        self.used = dict.fromkeys(MEDIA, 0)

    def take(self, kind: str) -> str:
        names, index = self.names[kind], self.used[kind]
        self.used[kind] += 1
        return names[index] if index < len(names) else ""

    def kinds(self) -> list[str]:
        """The placeholders this record gives files for (``<video>`` in a record without ``videos`` is text)."""
        return [kind for kind, names in self.names.items() if names]

    def unplaced(self) -> list[str]:
        """Files the record names that no placeholder showed (they are listed after the conversation)."""
        return [f"{kind}: {name}" for kind, names in self.names.items() for name in names[self.used[kind]:]]


def message(raw: Any, where: str, media: Media) -> Read:
    item = expect(raw, dict, where)
    role_key = "from" if "from" in item else "role"
    role_name = str(expect(item.get(role_key), str, f"{where}.{role_key}")).lower()
    role, label = ROLES.get(role_name, ("tool", "Tool"))
    value_key = "value" if "value" in item else "content"
    pieces = [reasoning(item["reasoning_content"]) if isinstance(item.get("reasoning_content"), str)
              and item["reasoning_content"].strip() else ""]
    pieces.append(_content(item.get(value_key), role_name, role, f"{where}.{value_key}", media))
    pieces.append(tool_calls(item.get("tool_calls"), f"{where}.tool_calls"))
    if isinstance(item.get("function_call"), dict):  # OpenAI's older single call
        pieces.append(tool_calls([{"function": item["function_call"]}], f"{where}.function_call"))
    text = "\n\n".join(p for p in pieces if p.strip())
    if role == "tool" and text.strip() and isinstance(item.get("name"), str) and item["name"].strip():
        text = f"*Result of {code_span(item['name'], 60)}:*\n\n{text}"
    if not text.strip():
        return Read(None, f"empty message ({inline(role_name, 30) or 'no role'})")
    return Read(Message(role, label, text))


def _content(value: Any, role_name: str, role: str, where: str, media: Media) -> str:
    if isinstance(value, list):
        return parts(value, where, media)
    text = str(expect(value, (str, int, float), where)) if value is not None else ""
    if role_name == "function_call":
        return tool_calls([{"function": _loads(text)}], where) if isinstance(_loads(text), dict) else \
            "*Tool call:*\n\n" + code_block(pretty_json(text), "json")
    if role_name == "observation":
        return code_block(pretty_json(text), "json")
    text = _LEADING_SPACES.sub("", text)  # TRL's " blue." after a prompt "The sky is"; not indented code
    return placeholders(think_tags(text) if role == "assistant" else text, media)


def parts(items: list[Any], where: str, media: Media) -> str:
    out = []
    for index, raw in enumerate(items):
        part = expect(raw, dict, f"{where}[{index}]")
        kind = str(part.get("type") or "text")
        value = part.get("value", part.get("text"))
        if isinstance(value, dict):  # {"type": "image_url", "image_url": {"url": ...}}
            value = value.get("url")
        if value is None and isinstance(part.get(kind), dict):
            value = part[kind].get("url")
        out.append(_part(kind, value, f"{where}[{index}]", media))
    return "\n\n".join(p for p in out if p.strip())


def _part(kind: str, value: Any, where: str, media: Media) -> str:
    text = value if isinstance(value, str) else "" if value is None else json.dumps(value, ensure_ascii=False)
    if kind == "text":
        return placeholders(text, media)
    if kind == "reasoning":
        return reasoning(text)
    if kind in ("tool_call", "tool_calls"):
        calls = _loads(text)
        calls = [calls] if isinstance(calls, dict) else calls
        return tool_calls(calls, where) if isinstance(calls, list) else "*Tool call:*\n\n" + code_block(text, "json")
    if kind == "tools":
        return "*Tools available:*\n\n" + code_block(pretty_json(text), "json")
    base = kind.removesuffix("_url")
    if base in MEDIA:
        return asset(base.title(), text)
    return f"*(part of type {code_span(kind, 60)}:)* {inline(text)}"


def tool_calls(calls: Any, where: str) -> str:
    """``[{id, type: function, function: {name, arguments}}]`` (OpenAI) or ``[{name, arguments}]``: each call
    named, its arguments as JSON."""
    if calls is None or calls == []:
        return ""
    out = []
    for index, raw in enumerate(expect(calls, list, where)):
        call = expect(raw, dict, f"{where}[{index}]")
        function = call.get("function") if isinstance(call.get("function"), dict) else call
        name = function.get("name")
        arguments = function.get("arguments", function.get("parameters", function.get("input")))
        shown = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
        heading = f"*Tool call {code_span(name, 60)}:*" if isinstance(name, str) and name.strip() else "*Tool call:*"
        out.append(f"{heading}\n\n{code_block(pretty_json(shown), 'json')}")
    return "\n\n".join(out)


def think_tags(text: str) -> str:
    """A leading ``<think>…</think>`` (DeepSeek-R1 style distilled data) is the model's reasoning."""
    match = _THINK.match(text)
    if not match:
        return text
    return f"{reasoning(match['body'])}\n\n{text[match.end():].lstrip()}".rstrip()


def placeholders(text: str, media: Media) -> str:
    """``<image>``, ``<video>``, ``<audio>`` name the record's files of that kind, in order (a record without
    ``videos`` means the text ``<video>``)."""
    kinds = media.kinds()
    if "<" not in text or not kinds:
        return text
    pattern = re.compile(f"<({'|'.join(kinds)})>")
    return as_blocks(text, pattern, lambda m: asset(m[1].title(), media.take(m[1])))


def asset(kind: str, name: str) -> str:
    return f"*({kind}: {inline(name, 120) if name else 'not named'}; the file is not in the dataset)*"


def pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except (ValueError, TypeError, RecursionError):  # not JSON, or nested too deeply to indent: as it is
        return text


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None


def _file_name(value: Any) -> str:
    if isinstance(value, dict):  # {"path": ...} / {"url": ...} as some converters save them
        value = value.get("path") or value.get("url") or value.get("file_name") or ""
    return str(value)
