"""ChatGPT "Export data" (``conversations.json``, alone or in its zip) -> ``Conversation``s.

Each conversation is a ``mapping`` tree of nodes ``{id, message|null, parent, children}``; the path
to ``current_node`` is what the user saw last (the main line), every other branch is kept (see
``common.thread``). Left out on purpose, and counted: nodes without a message, hidden system
messages, messages hidden from the conversation view, memory updates; custom instructions unless
asked for.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import islice
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.common import (
    Conversation, Message, Node, Sample, Skipped, WrongKind, expect, optional,
)
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.layout import thread
from site_builder.importers.records import derived_id, lenient_time, read_record
from site_builder.importers.chatgpt_content import Shown, canvas, content_text
from site_builder.importers.text import code_span, note

SOURCE = "chatgpt"
NAME = "ChatGPT export"
ASSISTANT = "ChatGPT"
_ROLES = {"user": "user", "human": "user", "assistant": "assistant", "ai": "assistant", "gpt": "assistant",
          "model": "assistant", "system": "system", "tool": "tool", "function": "tool"}
_CONVERSATION_KEYS = ("mapping", "conversation_id", "create_time", "current_node", "default_model_slug")
"""Keys of a ChatGPT conversation: a record with one of them and no ``mapping`` is an empty conversation
(skipped); a record with none is not a ChatGPT conversation at all (refused)."""
_OTHER_KINDS = {"chat_messages": "claude", "conversations": "sharegpt", "messages": "sharegpt"}


@dataclass(frozen=True, slots=True)
class Options:
    custom_instructions: bool = False
    """Show the user's custom instructions (``user_editable_context``) as a note before the first turn."""


@dataclass(frozen=True, slots=True)
class _Converted:
    message: Message | None
    dropped: str | None = None
    intro: str = ""
    left_out: tuple[str, ...] = ()
    """Citation markers of the message left out, by kind."""
    kind: str = ""
    """The content type of a shown message."""


def recognises(sample: Sample) -> bool:
    """A ChatGPT conversation: an object with ``mapping`` whose messages have ChatGPT's ``author`` and
    ``content`` (DeepSeek's export has a ``mapping`` too, with ``fragments``)."""
    record = sample.record
    if not isinstance(record, dict) or not isinstance(record.get("mapping"), dict):
        return False
    messages = [n.get("message") for n in islice(record["mapping"].values(), 20) if isinstance(n, dict)]
    shown = [m for m in messages if isinstance(m, dict)]
    return not shown or any("author" in m or "content" in m for m in shown)


def conversations(path: Path, options: Options = Options(), progress: Progress | None = None,
                  member: str | None = None) -> Iterator[tuple[str, Conversation | Skipped]]:
    """(JSON path, conversation or why it was skipped) for every conversation of the export."""
    for index, record in enumerate(iter_json(path, member or "conversations.json", progress)):
        yield record.where, read_record(lambda: convert(record.value, record.where, options), record.value,
                                        record.where, first=index == 0, repaired=record.repaired)


def convert(raw: Any, where: str, options: Options = Options()) -> Conversation | Skipped:
    conv = expect(raw, dict, where or "the top level")
    title = " ".join(str(optional(conv, "title", (str, int, float), where, "")).split()) or "Untitled conversation"
    created, time_warning = lenient_time(conv.get("create_time"), _join(where, "create_time"))
    source_id = str(optional(conv, "conversation_id", (str, int), where, "") or optional(conv, "id", (str, int), where, "")
                    or derived_id(title, conv.get("create_time")))
    if "mapping" not in conv or conv["mapping"] is None:
        other = next((kind for key, kind in _OTHER_KINDS.items() if key in conv), None)
        if other or not where or not any(key in conv for key in _CONVERSATION_KEYS):
            raise WrongKind(where or "the top level", "not a ChatGPT conversation (no `mapping`)"
                             + (f"; this looks like a {other} export" if other else ""))
        return Skipped(source_id, title, "no `mapping` in the export: nothing to import")
    if not recognises(Sample("", conv)):
        raise WrongKind(where or "the top level", "not a ChatGPT conversation: the messages of its `mapping` have no "
                        "`author` or `content`" + ("; this looks like a DeepSeek export" if "inserted_at" in conv else ""))
    mapping = expect(conv["mapping"], dict, _join(where, "mapping"))
    default_model = optional(conv, "default_model_slug", str, where)
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    problems: list[str] = [time_warning + "; the post takes the export file's date"] if time_warning else []
    intro: list[str] = []
    left_out: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    for order, (nid, raw_node) in enumerate(mapping.items()):
        at = _join(where, f"mapping.{nid}")
        node = expect(raw_node, dict, at)
        parent = optional(node, "parent", str, at)
        for child in optional(node, "children", list, at, []):
            if isinstance(child, str) and child not in mapping:
                problems.append(f"message {nid} lists child {child}, which is not in the export")
        converted = _message(node.get("message"), _join(at, "message"), options, order)
        if converted.dropped:
            dropped.append((nid, converted.dropped))
        if converted.intro:
            intro.append(converted.intro)
        left_out.update(converted.left_out)
        kinds[nid] = converted.kind
        time = node["message"].get("create_time") if isinstance(node.get("message"), dict) else None
        nodes[nid] = Node(nid, parent, converted.message, time if isinstance(time, (int, float)) else None, order)
    nodes = _label_models(_recaps_as_titles(nodes, kinds), default_model)
    laid_out = thread(nodes, optional(conv, "current_node", str, where))
    if left_out:
        problems.append(f"{sum(left_out.values())} citation marker(s) left out, their source not in the export ("
                        + ", ".join(f"{n} {kind}" for kind, n in sorted(left_out.items())) + ")")
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, "\n\n".join(intro), tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _message(raw: Any, where: str, options: Options, order: int) -> _Converted:
    if raw is None:
        return _Converted(None, "node without a message (the root)")
    message = expect(raw, dict, where)
    author = optional(message, "author", dict, where, {})
    role_name = str(optional(author, "role", str, _join(where, "author"), "")).lower()
    role = _ROLES.get(role_name, "tool")
    metadata = optional(message, "metadata", dict, where, {})
    if message.get("content") is None:
        return _Converted(None, "message without content (`content: null`)")
    content = expect(message.get("content"), dict, _join(where, "content"))
    kind = str(optional(content, "content_type", str, _join(where, "content"), "text"))
    at = _join(where, "content")
    if kind == "user_editable_context":
        return _custom_instructions(content, at, options)
    if metadata.get("is_visually_hidden_from_conversation"):
        return _Converted(None, "hidden system message" if role == "system" else "hidden from the conversation view")
    if kind == "model_editable_context":
        return _Converted(None, f"not part of the conversation ({kind})")
    recipient = str(message.get("recipient") or "all")
    drawn = canvas(recipient, content, at) if role == "assistant" and recipient.startswith("canmore.") else None
    shown = Shown(drawn) if drawn is not None else content_text(kind, content, at, metadata, f"c{order}")
    text = shown.text
    if text is None:
        return _Converted(None, f"unsupported content type `{kind}`")
    if not text.strip():
        return _Converted(None, "hidden system message" if role == "system" else f"empty message (`{kind}`)")
    model = optional(metadata, "model_slug", str, _join(where, "metadata"))
    interrupted = message.get("status") == "in_progress" or (
        isinstance(metadata.get("finish_details"), dict) and metadata["finish_details"].get("type") == "interrupted")
    if role == "assistant" and drawn is None and recipient not in ("all", "python", "python_user_visible"):
        shown_as = Message("tool", _tool_label(recipient), f"*Call to {code_span(recipient, 40)}:*\n\n{text}")
    elif role == "tool" and kind == "execution_output":
        shown_as = Message("assistant", ASSISTANT, text)
    elif role == "tool":
        shown_as = Message("tool", _tool_label(str(author.get("name") or "tool")), text)
    else:
        speaker = {"user": "User", "system": "System"}.get(role, ASSISTANT)
        shown_as = Message(role, speaker, text, model if role == "assistant" else None, bool(interrupted))
    return _Converted(shown_as, left_out=shown.left_out, kind=kind)


def _custom_instructions(content: Mapping[str, Any], where: str, options: Options) -> _Converted:
    if not options.custom_instructions:
        return _Converted(None, "custom instructions (include them with --custom-instructions)")
    parts = []
    for key, heading in (("user_profile", "About the user"), ("user_instructions", "How to respond")):
        value = optional(content, key, str, where, "")
        if value.strip():
            parts.append(f"**{heading}:** {value.strip()}")
    body = "\n\n".join(parts) or "(empty)"
    return _Converted(None, "custom instructions (shown before the first turn)",
                      note("IMPORTED", f"**Custom instructions**\n\n{body}"))


def _recaps_as_titles(nodes: dict[str, Node], kinds: Mapping[str, str]) -> dict[str, Node]:
    """A reasoning recap ("Thought for 9 seconds") titles the thoughts above it in its answer, as in ChatGPT,
    instead of showing as a reasoning block of its own."""
    merged = dict(nodes)
    for nid, kind in kinds.items():
        recap = merged[nid].message
        if kind != "reasoning_recap" or recap is None:
            continue
        above = _thoughts_above(merged, kinds, nid)
        thoughts = merged[above].message if above else None
        if thoughts is None or not thoughts.text.startswith("> [!REASONING]\n"):
            continue
        title = recap.text.split("\n", 1)[0]  # "> [!REASONING] Thought for 9 seconds"
        merged[above] = replace(merged[above], message=replace(thoughts, text=title + thoughts.text[len("> [!REASONING]"):]))
        merged[nid] = replace(merged[nid], message=None)
    return merged


def _thoughts_above(nodes: Mapping[str, Node], kinds: Mapping[str, str], nid: str, limit: int = 50) -> str | None:
    """The nearest thoughts above ``nid`` in its answer (not past a question), if any."""
    parent = nodes[nid].parent
    for _ in range(limit):
        node = nodes.get(parent) if parent is not None else None
        if node is None or (node.message is not None and node.message.role == "user"):
            return None
        if kinds.get(parent) == "thoughts":
            return parent
        parent = node.parent
    return None


def _tool_label(name: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", " ", name).split()[:3]
    label = " ".join(w[:1].upper() + w[1:] for w in words)
    if not label or not label[0].isalpha() or label.casefold() in ("user", "system", ASSISTANT.casefold()):
        label = ("Tool " + label).strip()
    return label


def _label_models(nodes: dict[str, Node], default_model: str | None) -> dict[str, Node]:
    """One assistant speaker per model: the most used keeps ``ChatGPT``, others get ``ChatGPT <model>``."""
    counts = Counter(n.message.model for n in nodes.values()
                     if n.message and n.message.role == "assistant" and n.message.model)
    main = counts.most_common(1)[0][0] if counts else default_model

    def relabel(message: Message) -> Message:
        model = message.model or main
        label = ASSISTANT if model == main else f"{ASSISTANT} {re.sub(r'[^A-Za-z0-9.-]+', '-', model)[:40]}"
        return replace(message, speaker=label, model=model)

    return {k: (replace(n, message=relabel(n.message)) if n.message and n.message.role == "assistant" else n)
            for k, n in nodes.items()}
