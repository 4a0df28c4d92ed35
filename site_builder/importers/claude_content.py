"""The content of one Claude message -> runs of Markdown, each the sender's or a tool's.

A message's ``content`` is a list of blocks: ``text``, ``thinking`` (the model's reasoning), ``voice_note`` (its
transcript), ``tool_use`` (a call: the ``artifacts`` tool's code as a titled code block of its language, any
other call as its tool's name and arguments) and ``tool_result`` (what came back, as text). Results are the
tool's, not the sender's, whichever side sent them: consecutive blocks of one kind make a ``Run``, so a message
``[text, tool_use, tool_result, text]`` reads as the assistant, the tool, the assistant again. Older exports
have only ``text`` with ``<antThinking>`` / ``<antArtifact>`` markup (``markup``). Attachments: the text the
export holds of them (pasted text, a file's text), then the names of the rest (``attachments``).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from site_builder.importers.common import expect, optional
from site_builder.importers.text import as_blocks, code_block, code_span, inline, link, reasoning

# Linear on any text: a failed tag stops at the next `<`; a name starts where a word starts; a value may be
# left unclosed (each failed attempt would otherwise scan to the end of the message, quadratic in the tags).
_ARTIFACT = re.compile(r"<antArtifact\b(?P<attrs>[^<>]*)>(?P<body>.*?)(?:</antArtifact>|\Z)", re.DOTALL)
_THINKING = re.compile(r"<antThinking>(?P<body>.*?)(?:</antThinking>|\Z)", re.DOTALL)
_ATTR = re.compile(r'(?<![\w-])([\w-]+)\s*=\s*"([^"]*)"?')
ARTIFACT_LANGS = {"text/html": "html", "application/vnd.ant.react": "jsx", "image/svg+xml": "xml",
                  "text/markdown": "markdown", "application/vnd.ant.mermaid": "mermaid"}
ARTIFACT_CONFIRMATION = "the artifacts tool's confirmation (OK)"


@dataclass(frozen=True, slots=True)
class Run:
    tool: bool
    """Tool results (the tool speaks), else the sender's own blocks."""
    text: str


@dataclass(frozen=True, slots=True)
class Blocks:
    runs: tuple[Run, ...]
    dropped: tuple[str, ...] = ()
    """Why blocks were left out (each counted in the report)."""


_SEARCH_RESULTS = ("knowledge", "web_search_result")
"""Items of a search's results, shown as links (their page text is not kept by the app)."""


SEARCH_EXCERPT = "search result page excerpt (its link is shown)"


def _search_excerpts(content: Any) -> int:
    """How many search results carry the text of their page (shown as links only; counted in the report)."""
    if not isinstance(content, list):
        return 0
    return sum(1 for i in content if isinstance(i, dict) and i.get("type") in _SEARCH_RESULTS
               and (str(i.get("text") or "").strip() or i.get("encrypted_content")))


def tool_names(messages: list[Mapping[str, Any]]) -> dict[str, str]:
    """tool_use id -> tool name, over the whole conversation (a result names its call by id only)."""
    names = {}
    for message in messages:
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_use" and isinstance(block.get("id"), str):
                names[block["id"]] = str(block.get("name") or "")
    return names


def blocks(items: list[Any], where: str, tools: Mapping[str, str]) -> Blocks:
    runs: list[Run] = []
    dropped: list[str] = []
    for index, raw in enumerate(items):
        block = expect(raw, dict, f"{where}[{index}]")
        at = f"{where}[{index}]"
        if block.get("type") in ("tool_result", "web_search_tool_result"):
            name = str(block.get("name") or tools.get(str(block.get("tool_use_id")), ""))
            if name == "artifacts" and _result_text(block.get("content")).strip() == "OK":
                dropped.append(ARTIFACT_CONFIRMATION)
                continue
            runs.append(Run(True, tool_result(block, name, at)))
            dropped += [SEARCH_EXCERPT] * _search_excerpts(block.get("content"))
        else:
            runs.append(Run(False, _block(block, at)))
    return Blocks(_merged(runs), tuple(dropped))


def _merged(runs: list[Run]) -> tuple[Run, ...]:
    """Consecutive blocks of one side as one run."""
    merged: list[Run] = []
    for run in runs:
        if not run.text.strip():
            continue
        if merged and merged[-1].tool == run.tool:
            merged[-1] = Run(run.tool, f"{merged[-1].text}\n\n{run.text}")
        else:
            merged.append(run)
    return tuple(merged)


def _block(block: Mapping[str, Any], where: str) -> str:
    kind = block.get("type")
    if kind == "text":
        return _cited(optional(block, "text", str, where, ""), block.get("citations"))
    if kind == "thinking":
        return _thinking(block, where)
    if kind == "voice_note":
        return _voice_note(block, where)
    if kind in ("tool_use", "server_tool_use"):
        return tool_use(block, where)
    return f"*(content of type {code_span(str(kind), 40) or '(none)'} not shown)*"


def _cited(text: str, citations: Any) -> str:
    """``text`` with the sources its ``citations`` name listed under it (a link each, or the quoted words of a
    source that has no address): none of them is lost."""
    if not isinstance(citations, list) or not citations:
        return text
    sources: dict[str, None] = {}
    for item in citations:
        if not isinstance(item, dict):
            continue
        details = item.get("details") if isinstance(item.get("details"), dict) else {}
        url = str(item.get("url") or details.get("url") or "")
        title = str(item.get("title") or details.get("title") or item.get("document_title") or "")
        quoted = str(item.get("cited_text") or "")
        shown = link(title or url, url) if url else inline(title or quoted, 160)
        if shown:
            sources[f"- {shown}"] = None
    return f"{text}\n\n*Sources:*\n\n" + "\n".join(sources) if sources else text


def _thinking(block: Mapping[str, Any], where: str) -> str:
    """Extended thinking: a reasoning block titled with its last summary, Markdown intact."""
    summaries = [s.get("summary") for s in optional(block, "summaries", list, where, []) if isinstance(s, dict)]
    title = next((s for s in reversed(summaries) if isinstance(s, str) and s.strip()), "")
    text = optional(block, "thinking", str, where, "")
    return reasoning(text, title) if text.strip() or title else ""


def _voice_note(block: Mapping[str, Any], where: str) -> str:
    """A message spoken in the app: its transcript (the audio is not in the export)."""
    transcript = optional(block, "transcript", str, where, "") or optional(block, "text", str, where, "")
    title = optional(block, "title", str, where, "").strip()
    heading = f"*Voice note ({inline(title, 80)}):*" if title and title != "Voice note" else "*Voice note:*"
    return f"{heading}\n\n{transcript.strip()}" if transcript.strip() else "*(Voice note without a transcript)*"


def tool_use(block: Mapping[str, Any], where: str) -> str:
    name = str(block.get("name") or "")
    arguments = block.get("input")
    if name == "artifacts" and isinstance(arguments, dict):
        return _artifact_call(arguments, f"{where}.input")
    shown = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False, indent=2)
    return f"*Tool call {code_span(name, 60) or '(unnamed)'}:*\n\n{code_block(shown, 'json')}"


def _artifact_call(arguments: Mapping[str, Any], where: str) -> str:
    """The ``artifacts`` tool: the artifact's code under its title (create, rewrite), or the part replaced and
    what replaces it (update)."""
    title = str(arguments.get("title") or arguments.get("id") or "Artifact")
    lang = str(arguments.get("language") or ARTIFACT_LANGS.get(str(arguments.get("type") or ""), ""))
    content = optional(arguments, "content", str, where, "")
    if arguments.get("command") == "update" or (not content and "new_str" in arguments):
        old = optional(arguments, "old_str", str, where, "")
        new = optional(arguments, "new_str", str, where, "")
        return (f"**Artifact: {inline(title, 120)}** (updated)\n\n*This part:*\n\n{code_block(old, lang)}\n\n"
                f"*becomes:*\n\n{code_block(new, lang)}")
    return f"**Artifact: {inline(title, 120)}**\n\n{code_block(content.strip(chr(10)), lang)}"


def tool_result(block: Mapping[str, Any], name: str, where: str) -> str:
    """What a tool gave back, as text (search results as links), headed with the tool's name."""
    content = block.get("content")
    links = [f"- {link(str(i.get('title') or ''), str(i.get('url') or ''))}" for i in content or []
             if isinstance(i, dict) and i.get("type") in _SEARCH_RESULTS] if isinstance(content, list) else []
    text = _result_text(content)
    error = block.get("is_error") is True
    heading = (f"*Result of {code_span(name, 60)}" if name else "*Tool result") + (" (an error)" if error else "") + ":*"
    body = "\n".join(links) if links else code_block(text, "text") if text.strip() else "*(empty)*"
    return f"{heading}\n\n{body}"


def _result_text(content: Any) -> str:
    """The text of a result: a string, or the ``text`` of its items (anything else as JSON)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return "" if content is None else json.dumps(content, ensure_ascii=False, indent=2)
    pieces = []
    for item in content:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            pieces.append(item["text"])
        elif item is not None:
            pieces.append(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, indent=2))
    return "\n\n".join(pieces)


def markup(text: str) -> str:
    """``<antThinking>`` -> a reasoning block; ``<antArtifact>`` -> a titled code block."""
    text = as_blocks(text, _THINKING, lambda m: reasoning(m["body"]))
    return as_blocks(text, _ARTIFACT, _artifact_tag).strip()


def _artifact_tag(match: re.Match[str]) -> str:
    attrs = dict(_ATTR.findall(match["attrs"]))
    title = html.unescape(attrs.get("title", "") or attrs.get("identifier", "") or "Artifact")
    lang = attrs.get("language") or ARTIFACT_LANGS.get(attrs.get("type", ""), "")
    return f"**Artifact: {inline(title, 120)}**\n\n{code_block(match['body'].strip(chr(10)), lang)}"


def attachments(message: Mapping[str, Any], where: str) -> str:
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
