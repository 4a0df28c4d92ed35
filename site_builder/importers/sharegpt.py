"""ShareGPT-style datasets (a JSON array, one record, or JSON lines) -> ``Conversation``s.

A record is a conversation (``conversations: [{from, value}]``, or OpenAI-style ``messages: [{role, content}]``;
one message is read by ``messages.message``) with optional ``system`` and ``tools``, or a training record built
on one:
- preference pairs, shown as two answer variants marked chosen and rejected: ``chosen`` / ``rejected`` after
  the conversation (LLaMA-Factory: one message each; TRL: strings or message lists, after a ``prompt`` or
  holding the whole conversation, whose shared beginning is the question), or LLaMA-Factory v1's
  ``chosen_messages`` / ``rejected_messages``;
- ``prompt`` and ``completion`` (TRL), the completion an answer; alpaca-style ``instruction``, ``input``,
  ``output`` and ``history`` (LLaMA-Factory), with ``chosen``/``rejected`` or a KTO tag as above;
- a KTO label (``kto_tag``, or TRL's boolean ``label``) shown on the answer it judges.
``images``, ``videos`` and ``audios`` name the files of the record's ``<image>``/``<video>``/``<audio>``
placeholders. Empty turns are left out and counted. Datasets carry no dates: posts take the date of the
dataset file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.common import (
    Conversation, Message, Node, Sample, Skipped, WrongKind, expect, optional,
)
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.layout import thread
from site_builder.importers.messages import Media, message, pretty_json
from site_builder.importers.records import read_record
from site_builder.importers.text import code_block, note

SOURCE = "sharegpt"
NAME = "ShareGPT / OpenAI-messages dataset"
_CONVERSATION = ("conversations", "messages")
_PAIRS = (("chosen", "rejected"), ("chosen_messages", "rejected_messages"))
_KNOWN = (*_CONVERSATION, "prompt", "completion", "instruction", *(key for pair in _PAIRS for key in pair))
_APP_KEYS = ("conversationId", "messagesTree", "messageId", "versions")
"""Keys of an app's own export that also has ``messages`` (LibreChat, LM Studio): not a dataset record."""
_SHAPES = ("`conversations`, `messages`, `prompt`, `instruction`, `chosen`/`rejected` or "
           "`chosen_messages`/`rejected_messages`")
_LABELS = {"chosen": "Chosen answer", "rejected": "Rejected answer", "chosen_messages": "Chosen answer",
           "rejected_messages": "Rejected answer"}


def recognises(sample: Sample) -> bool:
    """A dataset record: an object with one of the keys of a conversation or a training record (and not a Grok
    export, whose ``conversations`` are ``{conversation, responses}`` wrappers, not turns)."""
    record = sample.record
    if not isinstance(record, dict) or not any(key in record for key in _KNOWN):
        return False
    if any(key in record for key in _APP_KEYS):
        return False
    turns = next((record[key] for key in _CONVERSATION if key in record), None)
    if turns is None:
        return True
    if isinstance(turns, list) and turns and isinstance(turns[0], dict) and "responses" in turns[0] \
            and "conversation" in turns[0]:
        return False  # Grok's export: conversations of responses
    return isinstance(turns, list) and all(isinstance(t, dict) and not any(k in t for k in _APP_KEYS) for t in turns[:20])


def conversations(path: Path, options: object = None, progress: Progress | None = None,
                  member: str | None = None) -> Iterator[tuple[str, Conversation | Skipped]]:
    for index, record in enumerate(iter_json(path, member, progress)):
        yield record.where, read_record(lambda: convert(record.value, record.where, path.stem), record.value,
                                        record.where, first=index == 0, repaired=record.repaired)


def convert(raw: Any, where: str, stem: str) -> Conversation | Skipped:
    record = expect(raw, dict, where or "the top level")
    if not any(key in record for key in _KNOWN):
        raise WrongKind(where or "the top level",
                        (f"not a ShareGPT dataset: expected a list of records, or one record, with {_SHAPES}" if not where
                         else f"not a ShareGPT record (none of {_SHAPES})")
                        + ("; this looks like a ChatGPT export" if "mapping" in record else ""))
    media = Media(record, where)
    base_raw, base_at = _base(record, where)
    answers = _answers(record, where)
    if not base_raw and len(answers) > 1:
        base_raw, answers = _shared_beginning(answers)
        base_at = f"{where}.{answers[0][0]}" if where else answers[0][0]
    base, dropped = _read_all(base_raw, base_at, media)
    system = record.get("system")
    if isinstance(system, str) and system.strip():
        base.insert(0, Message("system", "System", system))
    variants: list[list[Message]] = []
    for key, items, offset in answers:
        read, lost = _read_all(items, f"{where}.{key}" if where else key, media, offset)
        dropped += lost
        if read and len(answers) > 1:
            read[0] = _noted(read[0], f"{_LABELS.get(key, key)} (preference data).")
        variants.append(read)
    base, variants = _kto(record, base, variants)
    source_id = _source_id(record, where, stem)
    title = _title([*base, *(m for v in variants for m in v)]) or " ".join(f"{stem} {where}".split())
    if not base and not any(variants):
        return Skipped(source_id, title, "no messages")
    laid_out = thread(*_nodes(base, variants))
    unplaced = media.unplaced()
    problems = laid_out.problems + ((f"{len(unplaced)} file(s) named by the record but by no placeholder: "
                                     + ", ".join(unplaced[:5]),) if unplaced else ())
    return Conversation(SOURCE, source_id, title, None, laid_out.exchanges, _tools_intro(record), tuple(dropped),
                        problems, laid_out.branches)


def _base(record: Mapping[str, Any], where: str) -> tuple[list[Any], str]:
    """The messages every answer follows, and their place."""
    for key in _CONVERSATION:
        if key in record:
            return expect(record[key], list, f"{where}.{key}" if where else key), f"{where}.{key}" if where else key
    if "prompt" in record:
        return _as_messages(record["prompt"], "user", f"{where}.prompt" if where else "prompt"), \
            f"{where}.prompt" if where else "prompt"
    if "instruction" in record:
        return _alpaca(record, where), where
    return [], where


def _alpaca(record: Mapping[str, Any], where: str) -> list[Any]:
    """Alpaca-style (LLaMA-Factory): ``history`` pairs, then the ``instruction`` with its ``input`` below it."""
    messages: list[Any] = []
    for index, pair in enumerate(optional(record, "history", list, where, [])):
        turns = expect(pair, list, f"{where}.history[{index}]")
        messages += [{"role": "user", "content": turns[0] if turns else None},
                     {"role": "assistant", "content": turns[1] if len(turns) > 1 else None}]
    instruction = optional(record, "instruction", str, where, "")
    extra = optional(record, "input", str, where, "")
    messages.append({"role": "user", "content": "\n\n".join(x for x in (instruction, extra) if x.strip())})
    return messages


def _answers(record: Mapping[str, Any], where: str) -> list[tuple[str, list[Any], int]]:
    """(key, messages, index of the first in the key's list) of each answer: the chosen and rejected ones, or
    the completion."""
    for pair in _PAIRS:
        if any(record.get(key) is not None for key in pair):
            return [(key, _as_messages(record[key], "assistant", f"{where}.{key}"), 0)
                    for key in pair if record.get(key) is not None]
    for key in ("completion", "output"):
        if record.get(key) is not None:
            return [(key, _as_messages(record[key], "assistant", f"{where}.{key}"), 0)]
    return []


def _as_messages(value: Any, role: str, where: str) -> list[Any]:
    """A string (one message of ``role``), one message, or a list of messages."""
    if isinstance(value, str):
        return [{"role": role, "content": value}]
    if isinstance(value, dict):
        return [value]
    return expect(value, list, where)


def _shared_beginning(answers: list[tuple[str, list[Any], int]]) -> tuple[list[Any], list[tuple[str, list[Any], int]]]:
    """Answers that each hold the whole conversation (TRL's implicit prompt, LLaMA-Factory v1): what they share
    from the start is the conversation, the rest of each is its answer."""
    lists = [items for _, items, _ in answers]
    shared = 0
    while all(shared < len(items) - 1 for items in lists) and all(items[shared] == lists[0][shared] for items in lists):
        shared += 1
    return lists[0][:shared], [(key, items[shared:], shared) for key, items, _ in answers]


def _read_all(items: list[Any], where: str, media: Media, offset: int = 0) -> tuple[list[Message], list[tuple[str, str]]]:
    kept: list[Message] = []
    dropped: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        read = message(item, f"{where}[{offset + index}]", media)
        if read.message is not None:
            kept.append(read.message)
        else:
            dropped.append((f"{where}[{offset + index}]", read.dropped or "empty message"))
    return kept, dropped


def _kto(record: Mapping[str, Any], base: list[Message], variants: list[list[Message]],
         ) -> tuple[list[Message], list[list[Message]]]:
    """A KTO label (``kto_tag``; TRL's boolean ``label``) as a note on the answer it judges: the completion, else
    the last answer of the conversation."""
    tag = record.get("kto_tag", record.get("label"))
    if not isinstance(tag, bool):
        return base, variants
    text = f"KTO label: {'desirable' if tag else 'undesirable'} answer (`{'kto_tag' if 'kto_tag' in record else 'label'}: {str(tag).lower()}`)."
    if variants and variants[0]:
        return base, [[_noted(variants[0][0], text), *variants[0][1:]], *variants[1:]]
    last = max((i for i, m in enumerate(base) if m.role == "assistant"), default=None)
    if last is None:
        return base, variants
    return [*base[:last], _noted(base[last], text), *base[last + 1:]], variants


def _noted(message_: Message, text: str) -> Message:
    return Message(message_.role, message_.speaker, f"{note('IMPORTED', text)}\n\n{message_.text.strip(chr(10))}", message_.model,
                   message_.interrupted)


def _nodes(base: list[Message], variants: list[list[Message]]) -> tuple[dict[str, Node], str | None]:
    """The conversation as a chain, each answer a branch from its end; the first answer is the main line."""
    nodes = {str(i): Node(str(i), str(i - 1) if i else None, m, order=i) for i, m in enumerate(base)}
    last = str(len(base) - 1) if base else None
    current = last
    order = len(base)
    for number, variant in enumerate(variants):
        parent = last
        for position, message_ in enumerate(variant):
            nid = f"v{number}-{position}"
            nodes[nid] = Node(nid, parent, message_, order=order)
            parent, order = nid, order + 1
            if number == 0:
                current = nid
    return nodes, current


def _source_id(record: Mapping[str, Any], where: str, stem: str) -> str:
    given = record.get("id")
    if isinstance(given, (str, int)) and not isinstance(given, bool) and str(given):
        return str(given)
    if where.startswith("["):
        return f"{stem}{where}"
    return f"{stem}:{where.split()[-1]}" if where else stem


def _title(messages: list[Message]) -> str:
    """The first line of the first question that is not an image placeholder."""
    for message_ in messages:
        if message_.role != "user":
            continue
        for line in message_.text.split("\n"):
            words = " ".join(line.split())
            if words and not words.startswith("*("):
                return words if len(words) <= 70 else words[:69].rstrip() + "…"
    return ""


def _tools_intro(record: Mapping[str, Any]) -> str:
    tools = record.get("tools")
    if tools is None or tools == "" or tools == []:
        return ""
    text = tools if isinstance(tools, str) else json.dumps(tools, ensure_ascii=False)
    return "**Tools available to the assistant:**\n\n" + code_block(pretty_json(text), "json")
