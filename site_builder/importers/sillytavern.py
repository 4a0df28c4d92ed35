"""SillyTavern chat (``data/<user>/chats/<character>/<character> - <date>.jsonl``, or Export chat → .jsonl)
-> a ``Conversation``: the whole file is one chat.

The first line is the chat's header ``{user_name, character_name, create_date, chat_metadata}``; every other
line is a message ``{name, is_user, is_system, send_date, mes, swipe_id, swipes, swipe_info, extra}``.
``swipes`` are the answers the user swiped through (``mes`` is ``swipes[swipe_id]``, the one kept): each
other swipe is another answer variant, with its own reasoning from ``swipe_info[k].extra.reasoning``.
``extra.reasoning`` is the model's reasoning, ``extra.model`` the model. A message with ``is_system`` is a
narrator's or system note (hidden from the model, shown in the chat); it is shown as a system turn.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.apptime import app_time, seconds
from site_builder.importers.common import Conversation, Message, Node, Skipped, WrongKind, expect, optional
from site_builder.importers.jsonstream import Progress, Record, iter_json
from site_builder.importers.layout import thread
from site_builder.importers.records import read_record
from site_builder.importers.text import code_span, reasoning

SOURCE = "sillytavern"
NAME = "SillyTavern chat"
_LABEL = re.compile(r"^[^\W\d_][\w .'-]{0,38}$")
"""A name that can label a turn (``Seraphina``, ``Dr. Mara Quill``); other names are shown as Character / User."""


def recognises(sample: Any) -> bool:
    """A SillyTavern chat: its first line is the header with ``user_name`` and ``character_name``."""
    record = sample.record
    return isinstance(record, dict) and "user_name" in record and "character_name" in record and \
        ("chat_metadata" in record or "create_date" in record)


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    """The one chat of the file (all its lines are read: the chat is one record)."""
    lines = list(iter_json(path, member, progress))
    stem = path.stem if member is None else Path(member).stem
    header = lines[0].value if lines else None
    yield "", read_record(lambda: convert(lines, stem), header, "", first=True,
                          repaired=sum(line.repaired for line in lines))


def convert(lines: list[Record], stem: str) -> Conversation | Skipped:
    if not lines:
        raise WrongKind("the top level", "not a SillyTavern chat (the file is empty)")
    header = expect(lines[0].value, dict, lines[0].where or "line 1")
    if "user_name" not in header or "character_name" not in header:
        raise WrongKind(lines[0].where or "line 1", "not a SillyTavern chat (no header line with `user_name` and "
                                                    "`character_name`)")
    at = lines[0].where or "line 1"
    user = _label(optional(header, "user_name", str, at, ""), "User")
    character = _label(optional(header, "character_name", str, at, ""), "Character")
    metadata = optional(header, "chat_metadata", dict, at, {})
    title = " ".join(stem.split()) or f"{character} chat"
    source_id = str(metadata.get("integrity") or stem)
    created, warning = app_time(header.get("create_date"), f"{at}.create_date")
    problems = [warning + "; the post takes the export file's date"] if warning else []
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    parent: str | None = None
    order = 0
    for line in lines[1:]:
        item = expect(line.value, dict, line.where)
        time, time_warning = seconds(item.get("send_date"), f"{line.where}.send_date")
        problems += [time_warning] if time_warning else []
        for nid, message, reason in _versions(item, line.where, user, character):
            if message is None:
                dropped.append((nid, reason))
            nodes[nid] = Node(nid, parent, message, time, order)
            order += 1
        parent = line.where
    if not any(node.message for node in nodes.values()):
        return Skipped(source_id, title, "no messages")
    laid_out = thread(nodes, parent)
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, "", tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _versions(item: Mapping[str, Any], where: str, user: str, character: str,
              ) -> list[tuple[str, Message | None, str]]:
    """(node id, message or None, why it is left out) for the message as kept, then each other swipe. The kept
    one has the line's place as its id, so the next message hangs on it."""
    is_user = item.get("is_user") is True
    is_system = item.get("is_system") is True and not is_user
    role = "user" if is_user else "system" if is_system else "assistant"
    name = optional(item, "name", str, where, "")
    speaker = user if is_user else "System" if is_system else _label(name, character)
    extra = optional(item, "extra", dict, where, {})
    model = extra.get("model") if isinstance(extra.get("model"), str) and role == "assistant" else None
    kept = _text(optional(item, "mes", str, where, ""), extra, item, where)
    out = [(where, Message(role, speaker, kept, model) if kept.strip() else None, "empty message")]
    swipes = optional(item, "swipes", list, where, [])
    chosen = optional(item, "swipe_id", int, where, 0)
    infos = optional(item, "swipe_info", list, where, [])
    for index, raw in enumerate(swipes):
        if index == chosen:
            continue
        swipe = str(expect(raw, str, f"{where}.swipes[{index}]"))
        info = infos[index] if index < len(infos) and isinstance(infos[index], dict) else {}
        swipe_extra = info.get("extra") if isinstance(info.get("extra"), dict) else {}
        text = _text(swipe, swipe_extra, {}, f"{where}.swipes[{index}]")
        swipe_model = swipe_extra.get("model") if isinstance(swipe_extra.get("model"), str) else model
        out.append((f"{where} swipe {index}", Message(role, speaker, text, swipe_model if role == "assistant" else None)
                    if text.strip() else None, "empty swipe"))
    return out


def _text(mes: str, extra: Mapping[str, Any], item: Mapping[str, Any], where: str) -> str:
    """The message's text, after its reasoning (``extra.reasoning``) and with its attached image or file named."""
    pieces = []
    thought = extra.get("reasoning")
    if isinstance(thought, str) and thought.strip():
        duration = extra.get("reasoning_duration")
        title = f"Thought for {round(duration / 1000)} seconds" if isinstance(duration, (int, float)) \
            and not isinstance(duration, bool) and duration > 0 else ""
        pieces.append(reasoning(thought, title))
    pieces.append(mes)
    for key, label in (("image", "Image"), ("file", "File")):
        value = extra.get(key)
        name = value.get("name") if isinstance(value, dict) else value
        if isinstance(name, str) and name.strip():
            shown = "embedded in the chat" if name.startswith("data:") else name
            pieces.append(f"*({label}: {code_span(shown, 120)}; not in the export)*")
    return "\n\n".join(p for p in pieces if p.strip())


def _label(name: str, fallback: str) -> str:
    flat = " ".join(str(name).split())
    return flat if _LABEL.match(flat) and flat.casefold() not in ("system", "tool") else fallback
