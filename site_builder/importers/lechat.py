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
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.common import (
    Conversation, Message, Node, Sample, ShapeError, Skipped, WrongKind, expect, optional,
)
from site_builder.importers.jsonstream import Progress, Record, iter_json
from site_builder.importers.layout import latest_leaf, thread
from site_builder.importers.records import lenient_time, read_record
from site_builder.importers.text import code_block, code_span, inline, link, reasoning

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
    text = _text(raw, at, lost)
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


# --- one message -> its Markdown ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Body:
    """The blocks of a message's text as its chunks are read: inline pieces (text, citations) make paragraphs;
    tool calls, images and files are blocks of their own."""

    blocks: list[str] = field(default_factory=list)
    line: list[str] = field(default_factory=list)
    cited: dict[str, int] = field(default_factory=dict)
    """Reference id -> its number in this message, in the order first cited."""

    def inline(self, piece: str) -> None:
        self.line.append(piece)

    def block(self, piece: str) -> None:
        self.flush()
        if piece.strip():
            self.blocks.append(piece)

    def flush(self) -> None:
        text = "".join(self.line)
        if text.strip():
            self.blocks.append(text.strip("\n"))
        self.line = []


def _text(raw: Mapping[str, Any], at: str, lost: list[str]) -> str:
    """The message as Markdown: what was quoted, its chunks in order (or its ``content``), its canvases, the
    pages it cites, and the files sent with it."""
    chunks = optional(raw, "contentChunks", list, at, [])
    references = _references(raw, chunks, at)
    body = _Body()
    for quote in _quotes(raw, at, lost):
        body.block(quote)
    has_text = any(isinstance(c, dict) and c.get("type") == "text" for c in chunks)
    if not has_text:
        body.inline(optional(raw, "content", str, at, ""))
    for index, raw_chunk in enumerate(chunks):
        _chunk(expect(raw_chunk, dict, f"{at}.contentChunks[{index}]"), f"{at}.contentChunks[{index}]", body,
               references, lost)
    body.flush()
    blocks = body.blocks + _canvases(raw, chunks, at, lost) + [_sources(body.cited, references),
                                                                _files(raw, at, lost)]
    if raw.get("context") not in (None, "", [], {}):
        lost.append("the message's `context`, not shown")
    return "\n\n".join(block for block in blocks if block.strip())


def _chunk(chunk: Mapping[str, Any], at: str, body: _Body, references: dict[str, dict], lost: list[str]) -> None:
    kind = chunk.get("type")
    if kind == "text":
        body.inline(optional(chunk, "text", str, at, ""))
    elif kind == "reference":
        body.inline(_citations(chunk, at, body, references))
    elif kind == "tool_call":
        body.block(_tool_call(chunk, at, lost))
    elif kind == "thinking":
        body.block(_thinking(chunk, at))
    elif kind == "image_url":
        url = chunk.get("imageUrl")
        url = url.get("url") if isinstance(url, dict) else url
        shown = link("the image", url) if isinstance(url, str) and url else "not in the export"
        body.block(f"*Generated image: {shown}*")
    elif kind == "file_reference":
        name = optional(chunk, "fileReference", str, at, "") or "a file"
        alt = optional(chunk, "fileAlt", str, at, "")
        url = optional(chunk, "fileUrl", str, at, "")
        shown = code_span(name, 200) + (f" ({inline(alt, 200)})" if alt.strip() else "")
        body.block(f"*Generated file: {shown}{': ' + link('download', url) if url else ''}*")
    elif kind == "canva":
        pass  # where the canvas stands in the answer: its text is in ``canvas`` (``_canvases``)
    elif kind == "custom_element":
        lost.append("a custom element of the answer (`custom_element`), not shown")
    else:
        lost.append(f"a part of type {str(kind)[:40]!r}, not shown")


def _references(raw: Mapping[str, Any], chunks: list[Any], at: str) -> dict[str, dict]:
    """Reference id -> reference (``{url, title, source, …}``): the message's ``references``, then those its tool
    calls found (``publicResult``)."""
    found: dict[str, dict] = {}
    for index, ref in enumerate(optional(raw, "references", list, at, [])):
        ref = expect(ref, dict, f"{at}.references[{index}]")
        if ref.get("id") is not None:
            found.setdefault(str(ref["id"]), ref)
    for chunk in chunks:
        result = chunk.get("publicResult") if isinstance(chunk, dict) and chunk.get("type") == "tool_call" else None
        for key, ref in _result_references(result).items():
            found.setdefault(key, ref)
    return found


def _result_references(result: Any) -> dict[str, dict]:
    """The references a tool call's ``publicResult`` holds (``{id: reference}`` or ``[reference]``), else none."""
    if isinstance(result, dict) and result and all(isinstance(v, dict) and "url" in v for v in result.values()):
        return {str(v.get("id", k)): v for k, v in result.items()}
    if isinstance(result, list) and result and all(isinstance(v, dict) and "url" in v and "id" in v for v in result):
        return {str(v["id"]): v for v in result}
    return {}


def _citations(chunk: Mapping[str, Any], at: str, body: _Body, references: dict[str, dict]) -> str:
    ids = optional(chunk, "referenceIds", list, at, [])
    marks = []
    for index, rid in enumerate(ids):
        key = str(expect(rid, (str, int), f"{at}.referenceIds[{index}]"))
        number = body.cited.setdefault(key, len(body.cited) + 1)
        url = references.get(key, {}).get("url")
        marks.append(link(f"[{number}]", url) if isinstance(url, str) and url else inline(f"[{number}]"))
    return "".join(marks)


def _tool_call(chunk: Mapping[str, Any], at: str, lost: list[str]) -> str:
    """One line: the tool and what it was given (its result, when it is references, is in the sources)."""
    name = optional(chunk, "name", str, at, "") or optional(chunk, "toolType", str, at, "") or "a tool"
    arguments = chunk.get("publicArguments")
    if arguments is not None and not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False)
    line = f"*Used {code_span(name, 80)}*"
    if isinstance(arguments, str) and arguments.strip():
        line += f" {code_span(arguments, 300)}"
    if chunk.get("success") is False or chunk.get("isInterrupted") is True:
        line += " *(it did not finish)*"
    result = chunk.get("publicResult")
    if result not in (None, "", [], {}) and not _result_references(result):
        lost.append(f"the result of a tool call ({name[:40]}), not shown")
    return line


def _thinking(chunk: Mapping[str, Any], at: str) -> str:
    value = chunk.get("thinking")
    if isinstance(value, str):
        return reasoning(value)
    parts = []
    for index, part in enumerate(expect(value if value is not None else [], list, f"{at}.thinking")):
        part = expect(part, dict, f"{at}.thinking[{index}]")
        parts.append(optional(part, "text", str, f"{at}.thinking[{index}]", ""))
    return reasoning("".join(parts))


def _quotes(raw: Mapping[str, Any], at: str, lost: list[str]) -> list[str]:
    """What the user quoted from an earlier answer, as quotes."""
    shown = []
    for index, quote in enumerate(optional(raw, "quotes", list, at, [])):
        fields = quote if isinstance(quote, dict) else {}
        text = quote if isinstance(quote, str) else next(
            (fields[k] for k in ("text", "content", "quote") if isinstance(fields.get(k), str)), None)
        if text is None or not text.strip():
            lost.append(f"a quote (`quotes[{index}]`) in a shape not known, not shown")
            continue
        shown.append("*Quoted:*\n\n" + "\n".join(f"> {line}" if line.strip() else ">" for line in text.split("\n")))
    return shown


def _canvases(raw: Mapping[str, Any], chunks: list[Any], at: str, lost: list[str]) -> list[str]:
    """Each canvas (a document, slides) the answer wrote: Markdown as Markdown, anything else as a code block."""
    items = optional(raw, "canvas", list, at, [])
    shown = []
    for index, item in enumerate(items):
        place = f"{at}.canvas[{index}]"
        item = expect(item, dict, place)
        kind = optional(item, "type", str, place, "")
        title = optional(item, "title", str, place, "") or "Canvas"
        content = optional(item, "content", str, place, "")
        head = f"**Canvas: {inline(title, 200)}**" + (f" ({code_span(kind, 60)})" if kind and kind != "text/markdown"
                                                      else "")
        if kind in ("text/markdown", "") and content.strip():
            shown.append(f"{head}\n\n{content.strip()}")
        else:
            shown.append(f"{head}\n\n{code_block(content, 'markdown' if kind == 'slides' else '')}")
    markers = sum(1 for c in chunks if isinstance(c, dict) and c.get("type") == "canva")
    if markers > len(items):
        lost += ["a canvas whose text is not in the export (`canva`), not shown"] * (markers - len(items))
    return shown


def _sources(cited: dict[str, int], references: dict[str, dict]) -> str:
    """The pages the answer cites, numbered as in its text, then the others its tools found."""
    lines = [f"- {_reference_line(number, references.get(key), key)}" for key, number in cited.items()]
    others = [f"- {_reference_line(None, ref, key)}" for key, ref in references.items() if key not in cited]
    blocks = []
    if lines:
        blocks.append("**Sources:**\n\n" + "\n".join(lines))
    if others:
        blocks.append("**Also found by its tools:**\n\n" + "\n".join(others))
    return "\n\n".join(blocks)


def _reference_line(number: int | None, ref: Mapping[str, Any] | None, key: str) -> str:
    mark = inline(f"[{number}]") + " " if number is not None else ""
    if ref is None:
        return mark + f"(reference {code_span(key, 60)}: not in the export)"
    url = ref.get("url") if isinstance(ref.get("url"), str) else ""
    title = next((ref[k] for k in ("title", "source") if isinstance(ref.get(k), str) and ref[k].strip()), url)
    line = mark + link(str(title or "a page"), url)
    source = ref.get("source")
    if isinstance(source, str) and source.strip() and source != title:
        line += f" ({inline(source, 80)})"
    snippets = ref.get("snippets") if isinstance(ref.get("snippets"), list) else []
    snippet = ref.get("description") or next((s for s in snippets if isinstance(s, str) and s.strip()), None)
    if isinstance(snippet, str) and snippet.strip():
        line += f": {inline(snippet, 300)}"
    return line


def _files(raw: Mapping[str, Any], at: str, lost: list[str]) -> str:
    """The files sent with the message, by name (the export keeps them in ``chat-<id>-files/``)."""
    lines = []
    for index, item in enumerate(optional(raw, "files", list, at, [])):
        name = item.get("name") if isinstance(item, dict) else item if isinstance(item, str) else None
        if not isinstance(name, str) or not name.strip():
            lost.append(f"an attached file (`files[{index}]`) in a shape not known, not shown")
            continue
        kind = item.get("type") if isinstance(item, dict) and isinstance(item.get("type"), str) else "file"
        label = {"image": "image", "text": "text file", "document": "document"}.get(kind, "file")
        lines.append(f"*Attached {label}: {code_span(name, 200)}*")
    return "\n".join(lines)
