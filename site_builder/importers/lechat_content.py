"""One Le Chat message -> its Markdown (``message_text``): what the user quoted, the chunks in order (text with
its citations, tool calls, reasoning, generated images and files), the canvases, the pages cited (``Sources``)
and the files sent with it. What is not shown is named in ``lost``. The shapes read are described in ``lechat``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from site_builder.importers.common import expect, optional
from site_builder.importers.text import code_block, code_span, inline, link, reasoning


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


def message_text(raw: Mapping[str, Any], at: str, lost: list[str]) -> str:
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
