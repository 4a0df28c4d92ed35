"""Mistral Le Chat data export (chat.mistral.ai, now "Mistral Vibe": your name → Profile → Export → Download: a
zip of ``chat-<chat id>.json`` files, each alone or in its zip) -> one ``Conversation`` per file.

What is confirmed, and by what (no real export file was read; see ``tests/fixtures/exports-2026/SOURCES.md``):

- the zip holds one ``chat-<uuid>.json`` per conversation and a ``chat-<uuid>-files/`` folder of the files sent
  in it, by their names; a chat file is a JSON **array of messages**, with no title or other conversation
  object, and the messages are **not in time order** (Superkikim/nexus-ai-chat-importer, an importer of real
  Le Chat exports: ``src/providers/lechat/lechat-types.ts``, ``lechat-converter.ts`` and its tests,
  ``lechat-attachment-extractor.ts``, ``src/providers/vibe/vibe-types.ts``, ``vibe-converter.ts``);
- a message is ``{id, version, chatId, content, contentChunks, role, createdAt, reaction, reactionDetail,
  reactionComment, preference, preferenceOver, context, canvas, quotes, files}``: ``role`` is ``user`` or
  ``assistant``, ``createdAt`` ISO 8601 with milliseconds (``2025-09-19T16:18:19.236Z``), ``content`` the text
  (the text chunks joined), ``contentChunks`` null or a list of ``text`` ``{text}``, ``reference``
  ``{referenceIds}``, ``tool_call`` ``{id, name, turn, isDone, success, toolType, startTime, endTime,
  publicArguments, publicResult, isInterrupted, requiresConfirmation}``, ``image_url`` ``{imageUrl}`` (a
  generated image, on Mistral's servers), ``file_reference`` ``{fileReference, fileAlt, fileUrl}`` (a generated
  file), ``canva`` ``{id, version}`` (the canvas, whose text is in ``canvas``: ``[{type: "text/markdown" |
  "slides" | …, content, title}]``) and ``custom_element``; ``files`` is ``[{type: image | text | document,
  name}]`` (same sources);
- the same message objects are what the app's own API (``message.all``) returns, with a ``references`` list
  ``[{id, url, title, source, snippets, description}]`` and ``tool_call`` chunks whose ``publicResult`` maps a
  reference id to such a reference; a ``reference`` chunk stands where the answer cites them
  (L-a-r-t/chatgpt-to-notion ``src/models/mistral/types/index.ts``, ``functions/index.ts``,
  ``api/getConversation.ts``).

Read leniently, as nothing confirms them: ``references`` on an exported message (used when there), ids given
as numbers or strings, a ``thinking`` chunk (``{thinking: [chunks] | text}``, as Mistral's API writes a
reasoning model's thoughts) shown as reasoning, ``quotes`` given as strings or ``{text}`` / ``{content}``,
and the same message id in several ``version``s (a regenerated answer or an edited question): each later
version is shown as another variant of the first. A ``custom_element`` chunk, a chunk of a type not listed,
``context``, a tool call's result that is not references, and a quote or file entry of a shape not listed
are counted as left out, never guessed at. ``reaction`` / ``preference`` (the user's feedback) are not kept.

A file whose first element is not such a message is not a Le Chat chat (``WrongKind``); a later element that is
not one (no ``role`` user / assistant, a chunk that is not an object, text that is not text) refuses the
conversation, named by its chat id and the element's place; the other files of the zip are imported.

What a message shows is read by ``lechat_content``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.common import (
    Conversation, Message, Node, Sample, ShapeError, Skipped, WrongKind, expect, optional,
)
from site_builder.importers.jsonstream import Progress, Record, iter_json
from site_builder.importers.layout import latest_leaf, thread
from site_builder.importers.lechat_content import message_text
from site_builder.importers.records import lenient_time, read_record

SOURCE = "lechat"
NAME = "Mistral Le Chat export"
ASSISTANT = "Le Chat"
_ROLES = {"user": "User", "assistant": ASSISTANT}
_MARKS = ("chatId", "contentChunks", "createdAt", "role")
"""The keys of a Le Chat message that, together, no other export's records have."""
_TITLE_CHARS = 80


def recognises(sample: Sample) -> bool:
    """A chat file: a JSON array whose first element is a Le Chat message (``chatId``, ``contentChunks``,
    ``createdAt``, ``role``)."""
    return _is_message(sample.record)


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and all(key in value for key in _MARKS) and \
        value.get("role") in _ROLES and not isinstance(value.get("contentChunks"), (str, dict))


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    """The one conversation of the chat file (every element of its array is a message of it)."""
    records = list(iter_json(path, member, progress))
    stem = Path(member).stem if member else path.stem
    first = records[0].value if records else None
    if not _is_message(first):
        at = records[0].where if records else "the top level"
        raise WrongKind(at or "the top level", "not a Le Chat message (no `chatId`, `contentChunks`, `createdAt` and "
                                               "`role` user or assistant); a Le Chat export's chat-<id>.json is a "
                                               "list of them")
    named = {"id": _chat_id(first, stem), "title": _first_question(records)}
    yield "", read_record(lambda: convert(records, stem), named, "", first=True,
                          repaired=sum(r.repaired for r in records))


def _chat_id(message: Any, stem: str) -> str:
    """The chat's id: its messages' ``chatId``, else the file's name (``chat-<id>.json``)."""
    given = message.get("chatId") if isinstance(message, dict) else None
    if isinstance(given, (str, int)) and not isinstance(given, bool) and str(given):
        return str(given)
    name = stem.removeprefix("lechat-").removeprefix("chat-")
    return name or stem


def _first_question(records: list[Record]) -> str:
    """The first user message's ``content`` as far as it can be told, to name a conversation that is refused."""
    times = [(r.value.get("createdAt") or "", n, r.value.get("content")) for n, r in enumerate(records)
             if isinstance(r.value, dict) and r.value.get("role") == "user" and isinstance(r.value.get("content"), str)]
    return min(times, default=("", 0, ""), key=lambda t: (str(t[0]), t[1]))[2]


# --- a chat file -> a conversation --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Read:
    """One message as read, before the thread is laid out."""

    id: str
    version: int
    time: float | None
    order: int
    message: Message | None
    lost: list[str]
    said: str
    """What the user typed (``content``, or the text chunks), for the title."""


def convert(records: list[Record], stem: str) -> Conversation | Skipped:
    problems: list[str] = []
    read = [_read(record, order, problems) for order, record in enumerate(records)]
    chat_ids = {str(r.value["chatId"]) for r in records if isinstance(r.value, dict) and r.value.get("chatId")}
    source_id = _chat_id(records[0].value, stem) if records else stem
    if len(chat_ids) > 1:
        problems.append(f"the file holds messages of {len(chat_ids)} chats ({', '.join(sorted(chat_ids)[:3])}): "
                        "shown as one conversation")
    if all(r.time is not None for r in read):
        read.sort(key=lambda r: (r.time, r.order))  # the export is not in time order
    else:
        problems.append("some messages have no time (`createdAt`): shown in the file's order")
    title = _title(read) or "Untitled conversation"
    if not any(r.message for r in read):
        return Skipped(source_id, title, "no messages")
    nodes, repeated = _nodes(read)
    if repeated:
        problems.append(f"{repeated} message(s) appear in more than one version (a regenerated answer or an "
                        "edited question): each later version is shown as a variant of the first")
    times = [r.time for r in read if r.time is not None]
    created, _ = lenient_time(min(times), "createdAt") if times else (None, None)
    dropped = tuple((r.id, reason) for r in read for reason in r.lost) + \
        tuple((r.id, "empty message") for r in read if r.message is None)
    laid_out = thread(nodes, latest_leaf(nodes))
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, "", dropped,
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _read(record: Record, order: int, problems: list[str]) -> _Read:
    at = record.where or "the top level"
    raw = expect(record.value, dict, at)
    role = raw.get("role")
    if role not in _ROLES:
        expect(role, str, f"{at}.role")
        raise ShapeError(f"{at}.role", f"{str(role)[:40]!r} is neither user nor assistant")
    mid = str(optional(raw, "id", (str, int), at, "") or record.where)
    version = optional(raw, "version", int, at, 0)
    time, warning = lenient_time(raw.get("createdAt"), f"{at}.createdAt")
    if warning:
        problems.append(warning)
    lost: list[str] = []
    text = message_text(raw, at, lost)
    model = optional(raw, "model", str, at) if role == "assistant" else None
    message = Message(role, _ROLES[role], text, model or None) if text.strip() else None
    return _Read(mid, version, time.timestamp() if time else None, order, message, lost, _said(raw, at))


def _said(raw: Mapping[str, Any], at: str) -> str:
    chunks = raw.get("contentChunks") if isinstance(raw.get("contentChunks"), list) else []
    texts = [c["text"] for c in chunks
             if isinstance(c, dict) and c.get("type") == "text" and isinstance(c.get("text"), str)]
    return "".join(texts) if texts else optional(raw, "content", str, at, "")


def _nodes(read: list[_Read]) -> tuple[dict[str, Node], int]:
    """The messages as a line in time order; a later version of a message hangs where its first version does
    (another answer, or an edited question), and the line goes on from it."""
    nodes: dict[str, Node] = {}
    first_parent: dict[str, str | None] = {}
    previous: str | None = None
    repeated: set[str] = set()
    for r in read:
        if r.id in first_parent:
            repeated.add(r.id)
            parent = first_parent[r.id]
            nid = f"{r.id} (version {r.version})"
        else:
            parent = previous
            first_parent[r.id] = previous
            nid = r.id
        while nid in nodes:
            nid += "'"
        nodes[nid] = Node(nid, parent, r.message, r.time, r.order)
        previous = nid
    return nodes, len(repeated)


def _title(read: list[_Read]) -> str:
    """The first line of the first question (the export names no title)."""
    for r in read:
        if r.message and r.message.role == "user" and r.said.strip():
            line = next(" ".join(s.split()) for s in r.said.split("\n") if s.strip())
            return line if len(line) <= _TITLE_CHARS else line[: _TITLE_CHARS - 1].rstrip() + "…"
    return ""
