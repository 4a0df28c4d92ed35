"""DeepSeek data export (``conversations.json``, alone or in its zip, beside ``user.json``) -> ``Conversation``s.

A conversation is ``{id, title, inserted_at, updated_at, mapping}``; ``mapping`` is a tree like ChatGPT's
(``{node id: {id, parent, children, message}}``, a ``root`` node without a message), but a message is
``{files, model, inserted_at, fragments}`` and what it says is in its fragments: ``REQUEST`` (the question),
``THINK`` (reasoning, with ``elapsed_secs``), ``SEARCH`` (web results ``{url, title, snippet, site_name,
cite_index, published_at}``) and ``RESPONSE`` (the answer). Files sent with a question are ``{id, file_name,
content}`` (the text DeepSeek read from them). The export names no current message: the main line ends at the
latest message, the other branches (regenerated answers, edited questions) follow it.

How it differs from a ChatGPT export, whose records also have ``mapping``: DeepSeek's have ``inserted_at`` /
``updated_at`` (ISO strings) and no ``create_time`` / ``current_node``, and its messages carry ``fragments``
instead of ``author`` / ``content``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.common import (
    Conversation, Message, Node, Sample, Skipped, WrongKind, expect, optional,
)
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.layout import latest_leaf, thread
from site_builder.importers.records import derived_id, lenient_time, read_record
from site_builder.importers.text import code_block, code_span, inline, link, reasoning

SOURCE = "deepseek"
NAME = "DeepSeek data export"
ASSISTANT = "DeepSeek"
_LANGS = {"py": "python", "js": "javascript", "ts": "typescript", "sh": "bash", "md": "markdown", "yml": "yaml",
          "txt": "text", "pdf": "text", "docx": "text", "log": "text"}


def recognises(sample: Sample) -> bool:
    """A conversation with a ``mapping`` and DeepSeek's ``inserted_at`` (or messages made of ``fragments``), and
    none of ChatGPT's own keys."""
    record = sample.record
    if not isinstance(record, dict) or not isinstance(record.get("mapping"), dict):
        return False
    if "create_time" in record or "current_node" in record:
        return False
    nodes = [n for n in record["mapping"].values() if isinstance(n, dict) and isinstance(n.get("message"), dict)]
    return "inserted_at" in record or any("fragments" in n["message"] for n in nodes)


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    for index, record in enumerate(iter_json(path, member or "conversations.json", progress)):
        yield record.where, read_record(lambda: convert(record.value, record.where), record.value, record.where,
                                        first=index == 0, repaired=record.repaired)


def convert(raw: Any, where: str) -> Conversation | Skipped:
    conv = expect(raw, dict, where or "the top level")
    at = where or "the top level"
    mapping = conv.get("mapping")
    if not isinstance(mapping, dict) or "create_time" in conv or "current_node" in conv:
        raise WrongKind(at, "not a DeepSeek conversation (no `mapping` with `inserted_at`)"
                        + ("; this looks like a ChatGPT export" if "current_node" in conv or "create_time" in conv else ""))
    title = " ".join(str(optional(conv, "title", str, where, "")).split()) or "Untitled conversation"
    created, warning = lenient_time(conv.get("inserted_at"), _join(where, "inserted_at"))
    source_id = str(optional(conv, "id", str, where, "") or derived_id(title, conv.get("inserted_at")))
    problems = [warning + "; the post takes the export file's date"] if warning else []
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    for order, (key, raw_node) in enumerate(mapping.items()):
        place = f"{_join(where, 'mapping')}.{key}"
        node = expect(raw_node, dict, place)
        nid = str(optional(node, "id", (str, int), place, key))
        parent = optional(node, "parent", (str, int), place)
        message = optional(node, "message", dict, place)
        if message is None:
            nodes[nid] = Node(nid, None if parent is None else str(parent), None, None, order)
            continue
        time, time_warning = lenient_time(message.get("inserted_at"), f"{place}.message.inserted_at")
        if time_warning:
            problems.append(time_warning + "; ordered by its place in the file")
        shown, lost = _message(message, f"{place}.message")
        dropped += [(nid, reason) for reason in lost]
        if shown is None:
            dropped.append((nid, "empty message (no fragments with content)"))
        nodes[nid] = Node(nid, None if parent is None else str(parent), shown, time.timestamp() if time else None,
                          order)
    if not any(node.message for node in nodes.values()):
        return Skipped(source_id, title, "no messages")
    laid_out = thread(nodes, latest_leaf(nodes))
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, "", tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _message(message: Mapping[str, Any], where: str) -> tuple[Message | None, list[str]]:
    """The message its fragments make (a question when it has a ``REQUEST``), and what was left out of it."""
    fragments = optional(message, "fragments", list, where, [])
    parts: list[str] = []
    lost: list[str] = []
    asks = False
    for index, raw in enumerate(fragments):
        at = f"{where}.fragments[{index}]"
        fragment = expect(raw, dict, at)
        kind = str(optional(fragment, "type", str, at, "")).upper()
        asks = asks or kind == "REQUEST"
        text = _fragment(kind, fragment, at)
        if text.strip():
            parts.append(text)
        else:
            lost.append(f"empty `{kind or 'untyped'}` fragment")
    files = _files(optional(message, "files", list, where, []), f"{where}.files")
    if files:
        parts.append(files)
    if not parts:
        return None, []
    model = optional(message, "model", str, where)
    if asks:
        return Message("user", "User", "\n\n".join(parts)), lost
    return Message("assistant", ASSISTANT, "\n\n".join(parts), model=model or None), lost


def _fragment(kind: str, fragment: Mapping[str, Any], at: str) -> str:
    content = optional(fragment, "content", str, at, "")
    if kind in ("REQUEST", "RESPONSE", "TEMPLATE_RESPONSE"):
        return content
    if kind == "THINK":
        seconds = fragment.get("elapsed_secs")
        title = f"Thought for {seconds:g} seconds" if isinstance(seconds, (int, float)) and \
            not isinstance(seconds, bool) else ""
        return reasoning(content, title) if content.strip() else ""
    if kind == "SEARCH":
        return _search(optional(fragment, "results", list, at, []), f"{at}.results")
    if not content.strip():
        return ""
    return f"*{inline(kind.title() or 'Untyped')} part:*\n\n{content}"


def _search(results: list[Any], where: str) -> str:
    """The web pages a search found, in the order the answer cites them."""
    items = [expect(r, dict, f"{where}[{i}]") for i, r in enumerate(results)]
    items.sort(key=lambda r: r.get("cite_index") if isinstance(r.get("cite_index"), int) else 1 << 30)
    lines = []
    for item in items:
        url = str(item.get("url") or "")
        line = f"- {link(str(item.get('title') or url), url)}"
        site = item.get("site_name")
        if isinstance(site, str) and site.strip():
            line += f" ({inline(site, 80)})"
        snippet = item.get("snippet")
        if isinstance(snippet, str) and snippet.strip():
            line += f": {inline(snippet, 300)}"
        lines.append(line)
    return ("**Searched the web:**\n\n" + "\n".join(lines)) if lines else ""


def _files(files: list[Any], where: str) -> str:
    """Each file sent with the message: its name, then the text DeepSeek read from it."""
    shown = []
    for index, raw in enumerate(files):
        item = expect(raw, dict, f"{where}[{index}]")
        name = str(item.get("file_name") or item.get("name") or item.get("id") or "a file")
        text = f"*Attached: {code_span(name, 200)}*"
        content = item.get("content")
        if isinstance(content, str) and content.strip():
            suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            text += "\n\n" + code_block(content, _LANGS.get(suffix, suffix if suffix.isalnum() else ""))
        shown.append(text)
    return "\n\n".join(shown)
