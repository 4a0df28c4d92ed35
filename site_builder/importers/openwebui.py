"""Open WebUI chat export (``chat-export-<ms>.json``: one chat from its menu, or every chat from Settings →
Chats → Export) -> ``Conversation``s.

The file is a JSON array of chats ``{id, user_id, title, chat: {history: {messages: {id: message}, currentId},
messages: [...], params, ...}, created_at, updated_at, ...}``. Each message names its ``parentId`` (and
``childrenIds``): a regenerated answer, or the answers of several models asked at once, are siblings and
become answer variants; the path to ``currentId`` is the main line. A chat without ``history`` (older exports)
is read from its ``messages`` list.

Open WebUI writes what the model did into the answer's text as ``<details type="...">`` blocks: the model's
reasoning (``reasoning``: a reasoning block), tool calls with their results (``tool_calls``) and code it ran
(``code_interpreter``), each shown for what it is. A message's ``files``, ``sources`` (citations) and
``error`` are shown below its text; an answer whose ``done`` is false was stopped before it ended. Newer
versions also keep an answer's ``output`` items (``reasoning``, ``message``, ``function_call`` with its
``function_call_output``), fuller than the text: an answer that has them is shown from them.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.apptime import app_time, seconds
from site_builder.importers.common import Conversation, Message, Node, Skipped, WrongKind, expect, optional
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.layout import thread
from site_builder.importers.messages import pretty_json
from site_builder.importers.records import derived_id, read_record
from site_builder.importers.text import code_block, code_span, inline, link, note, reasoning

SOURCE = "openwebui"
NAME = "Open WebUI chat export"
ASSISTANT = "Assistant"
_ROLES = {"user": ("user", "User"), "assistant": ("assistant", ASSISTANT), "system": ("system", "System")}
_DETAILS = re.compile(r'<details type="(?P<type>[\w-]+)"(?P<attrs>[^>\n]*)>\n?(?:<summary>(?P<summary>.*?)</summary>\n?)?'
                      r'(?P<body>.*?)\n?</details>', re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def recognises(sample: Any) -> bool:
    """A chat of Open WebUI: an object whose ``chat`` holds its ``history`` or ``messages``."""
    record = sample.record
    return isinstance(record, dict) and isinstance(record.get("chat"), dict) and \
        ("history" in record["chat"] or "messages" in record["chat"]) and "mapping" not in record


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    for index, record in enumerate(iter_json(path, member, progress)):
        yield record.where, read_record(lambda: convert(record.value, record.where), record.value, record.where,
                                        first=index == 0, repaired=record.repaired)


def convert(raw: Any, where: str) -> Conversation | Skipped:
    record = expect(raw, dict, where or "the top level")
    if not isinstance(record.get("chat"), dict):
        raise WrongKind(where or "the top level", "not an Open WebUI chat (no `chat` object)")
    chat = record["chat"]
    at = _join(where, "chat")
    title = " ".join(str(optional(record, "title", str, where, "") or optional(chat, "title", str, at, "")).split()) \
        or "Untitled chat"
    created, warning = app_time(record.get("created_at", chat.get("timestamp")), _join(where, "created_at"))
    source_id = str(optional(record, "id", str, where, "") or optional(chat, "id", str, at, "")
                    or derived_id(title, record.get("created_at")))
    problems = [warning + "; the post takes the export file's date"] if warning else []
    raw_messages, current = _messages(chat, at)
    if not raw_messages:
        return Skipped(source_id, title, "no messages")
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    for order, (nid, parent, item, place) in enumerate(raw_messages):
        time, time_warning = seconds(item.get("timestamp"), f"{place}.timestamp")
        problems += [time_warning] if time_warning else []
        message = _message(item, place)
        if message is None:
            dropped.append((nid, "empty message"))
        nodes[nid] = Node(nid, parent, message, time, order)
    laid_out = thread(nodes, current)
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, _intro(chat, at), tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _messages(chat: Mapping[str, Any], where: str) -> tuple[list[tuple[str, str | None, dict, str]], str | None]:
    """(id, parent id, message, place) of every message, and the id the chat shows last: from ``history`` (the
    whole tree), else from the ``messages`` list (a chain, unless its messages name their parents)."""
    history = optional(chat, "history", dict, where)
    if history is not None and history.get("messages"):
        found = expect(history["messages"], dict, f"{where}.history.messages")
        out = []
        for key, raw in found.items():
            place = f"{where}.history.messages.{key}"
            item = expect(raw, dict, place)
            out.append((str(key), optional(item, "parentId", str, place), item, place))
        return out, optional(history, "currentId", str, f"{where}.history")
    listed = optional(chat, "messages", list, where, [])
    out, previous = [], None
    for index, raw in enumerate(listed):
        place = f"{where}.messages[{index}]"
        item = expect(raw, dict, place)
        nid = str(optional(item, "id", str, place, "") or f"#{index}")
        parent = optional(item, "parentId", str, place) if "parentId" in item else previous
        out.append((nid, parent, item, place))
        previous = nid
    return out, previous


def _message(item: Mapping[str, Any], where: str) -> Message | None:
    """The message as shown in the chat, or None when it shows nothing."""
    role_name = str(optional(item, "role", str, where, ""))
    role, speaker = _ROLES.get(role_name, ("tool", "Tool"))
    content = item.get("content")
    text = content if isinstance(content, str) else "" if content is None else \
        code_block(json.dumps(content, ensure_ascii=False, indent=2), "json")
    output = item.get("output") if isinstance(item.get("output"), list) else []
    body = _output(output, f"{where}.output") if output else details(text) if role == "assistant" else text
    pieces = [body, _files(item, where), _sources(item, where), _error(item.get("error"))]
    shown = "\n\n".join(p.strip("\n") for p in pieces if p.strip())
    if not shown.strip():
        return None
    model = optional(item, "modelName", str, where) or optional(item, "model", str, where)
    interrupted = role == "assistant" and item.get("done") is False
    return Message(role, speaker, shown, model if role == "assistant" else None, interrupted)


def _output(items: list, where: str) -> str:
    """An answer from its ``output`` items (newer Open WebUI keeps what the model did there, and writes into the
    ``content`` text only a short form of it: a tool call without its name and arguments, reasoning cut):
    reasoning, messages, each function call with its output; an item of another type as its JSON."""
    results = {str(i.get("call_id")): i.get("output") for i in items
               if isinstance(i, dict) and i.get("type") == "function_call_output"}
    pieces = []
    for index, raw in enumerate(items):
        item = expect(raw, dict, f"{where}[{index}]")
        kind = item.get("type")
        if kind == "reasoning":
            duration = item.get("duration")
            summary = f"Thought for {duration} seconds" if isinstance(duration, (int, float)) else ""
            thought = _parts_text(item.get("content")) or _parts_text(item.get("summary"))
            pieces.append(reasoning(thought, summary) if thought.strip() else "")
        elif kind == "message":
            pieces.append(_parts_text(item.get("content")))
        elif kind == "function_call":
            name = str(item.get("name") or "")
            shown = [f"*Tool call {code_span(name, 60)}:*" if name else "*Tool call:*"]
            arguments = item.get("arguments") if isinstance(item.get("arguments"), str) else \
                json.dumps(item.get("arguments"), ensure_ascii=False)
            if arguments.strip() and arguments != "null":
                shown.append(code_block(pretty_json(arguments), "json"))
            result = results.get(str(item.get("call_id")))
            if result is not None:
                text = result if isinstance(result, str) else _parts_text(result) if isinstance(result, list) \
                    else json.dumps(result, ensure_ascii=False)
                shown += ["*Result:*", code_block(pretty_json(text))]
            pieces.append("\n\n".join(shown))
        elif kind != "function_call_output" or str(item.get("call_id")) not in \
                {str(i.get("call_id")) for i in items if isinstance(i, dict) and i.get("type") == "function_call"}:
            pieces.append(f"*(output of type {code_span(str(kind), 40)}:)*\n\n"
                          + code_block(json.dumps(item, ensure_ascii=False, indent=2)[:4000], "json"))
    return "\n\n".join(p.strip("\n") for p in pieces if p.strip())


def _parts_text(parts: Any) -> str:
    """The text of ``output_text`` / ``input_text`` parts (a string as it is)."""
    if isinstance(parts, str):
        return parts
    texts = [str(p["text"]) for p in parts or [] if isinstance(p, dict) and isinstance(p.get("text"), str)] \
        if isinstance(parts, list) else []
    return "\n\n".join(t for t in texts if t.strip())


def details(text: str) -> str:
    """An answer's text with each ``<details type=...>`` block Open WebUI wrote into it shown for what it is."""
    if "<details" not in text:
        return text
    pieces, last = [], 0
    for match in _DETAILS.finditer(text):
        pieces += [text[last:match.start()], _block(match)]
        last = match.end()
    pieces.append(text[last:])
    return "\n\n".join(p.strip("\n") for p in pieces if p.strip())


def _block(match: "re.Match[str]") -> str:
    attrs = {key: html.unescape(value) for key, value in _ATTR.findall(match["attrs"])}
    summary = html.unescape(match["summary"] or "")
    body = match["body"]
    kind = match["type"]
    if kind == "reasoning":
        return reasoning(_unquoted(body), summary)
    if kind == "tool_calls":
        call = f"*Tool call {code_span(attrs.get('name', ''), 60)}:*" if attrs.get("name") else "*Tool call:*"
        arguments = _json_text(attrs.get("arguments", ""))
        shown = [call] + ([code_block(pretty_json(arguments), "json")] if arguments.strip() else [])
        result = _json_text(attrs["result"]) if "result" in attrs else body.strip()
        if result:
            shown += ["*Result:*", code_block(pretty_json(result))]
        if attrs.get("files"):
            shown += ["*Files of the result:*", code_block(pretty_json(attrs["files"]), "json")]
        return "\n\n".join(shown)
    if kind == "code_interpreter":
        shown = ["*Code run by the model:*", body.strip("\n")]
        if attrs.get("output"):
            shown += ["*Output:*", code_block(pretty_json(_json_text(attrs["output"])), "json")]
        return "\n\n".join(shown)
    heading = f"*({inline(kind, 40)}: {inline(summary, 120)})*" if summary else f"*({inline(kind, 40)})*"
    return f"{heading}\n\n{body.strip()}" if body.strip() else heading


def _unquoted(body: str) -> str:
    """Reasoning as Open WebUI quotes it (``> `` before each line; newer versions escape it as HTML)."""
    lines = body.split("\n")
    if all(line.startswith("&gt;") or not line.strip() for line in lines):
        lines = [html.unescape(line) for line in lines]
    return "\n".join(line[2:] if line.startswith("> ") else line[1:] if line.startswith(">") else line
                     for line in lines)


def _json_text(value: str) -> str:
    """An attribute holding ``json.dumps`` of a value: the string itself when it was a string (arguments,
    results), else the JSON."""
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, str) else json.dumps(decoded, ensure_ascii=False)


def _files(item: Mapping[str, Any], where: str) -> str:
    """The files attached to a message: their names (an image pasted in the chat is embedded in the export as a
    data URL and named as such)."""
    files = optional(item, "files", list, where, [])
    lines = []
    for index, raw in enumerate(files):
        entry = expect(raw, dict, f"{where}.files[{index}]")
        inner = entry.get("file") if isinstance(entry.get("file"), dict) else {}
        name = entry.get("name") or inner.get("filename") or (inner.get("meta") or {}).get("name")
        url = str(entry.get("url") or "")
        kind = str(entry.get("type") or "file")
        if not name and url.startswith("data:"):
            name = f"{kind} embedded in the export ({url[5:url.find(';')] if ';' in url else 'data'})"
        lines.append(f"*Attached {inline(kind, 20)}: {code_span(str(name or url or 'not named'), 120)}*")
    return "\n".join(f"{line}  " if k < len(lines) - 1 else line for k, line in enumerate(lines))


def _sources(item: Mapping[str, Any], where: str) -> str:
    """The sources an answer cites (web search, documents): a list of links or names."""
    sources = optional(item, "sources", list, where, []) or optional(item, "citations", list, where, [])
    lines = []
    for index, raw in enumerate(sources):
        entry = expect(raw, dict, f"{where}.sources[{index}]")
        source = entry.get("source") if isinstance(entry.get("source"), dict) else {}
        metas = [m for m in entry.get("metadata") or [] if isinstance(m, dict)]
        urls = list(dict.fromkeys(str(m.get("source") or m.get("url")) for m in metas
                                  if str(m.get("source") or m.get("url") or "").startswith("http")))
        name = str(source.get("name") or source.get("id") or (metas[0].get("name") if metas else "") or "source")
        if not urls and str(source.get("url") or "").startswith("http"):
            urls = [str(source["url"])]
        titles = {str(m.get("source") or m.get("url")): str(m["title"]) for m in metas if m.get("title")}
        lines += [f"- {link(titles.get(url) or (name if len(urls) == 1 else url), url)}" for url in urls] \
            or [f"- {inline(name, 200)}"]
    return "*Sources:*\n\n" + "\n".join(lines) if lines else ""


def _error(error: Any) -> str:
    if not error:
        return ""
    text = error.get("content") if isinstance(error, dict) else error if isinstance(error, str) else ""
    shown = " ".join(str(text or "").split())
    return note("WARNING", "The model's answer failed" + (f": {inline(shown, 300)}" if shown else "."))


def _intro(chat: Mapping[str, Any], where: str) -> str:
    params = optional(chat, "params", dict, where, {})
    system = params.get("system") if isinstance(params.get("system"), str) else chat.get("system")
    if not isinstance(system, str) or not system.strip():
        return ""
    return "**System prompt of this chat:**\n\n" + code_block(system, "text")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
