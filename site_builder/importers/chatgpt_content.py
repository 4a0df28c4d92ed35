"""The ``content`` of one ChatGPT message -> Markdown, by ``content_type``.

``text`` and ``multimodal_text`` (strings and typed parts: images, voice transcriptions, audio), ``code`` and
``execution_output`` (the body in ``text`` or, in some exports, ``parts``), browsing (``tether_browsing_display``:
its result, or the search results listed in the message's metadata; ``tether_quote``), ``system_error``, and
the model's reasoning (``thoughts``, ``reasoning_recap``).

Citations become footnotes: the ``【3:0†source】`` markers of older exports (``metadata.citations``), and the
markers of 2025 exports, private-use characters around a kind and its arguments (``\ue200cite\ue202turn0search0
\ue201``), which ``metadata.content_references`` resolves (its ``matched_text`` is the marker, its ``items`` the
pages). A marker with no page to show (``filecite``: the file is not in the export; a reference ChatGPT hides)
is left out and counted; ``entity`` markers keep their name, ``url`` markers become links. Links to the code
interpreter's files (``sandbox:/mnt/data/…``) lead nowhere outside ChatGPT: the file's name is shown as text.
"""

from __future__ import annotations

import re
import json
from dataclasses import dataclass
from typing import Any, Mapping

from site_builder.importers.common import expect, optional
from site_builder.importers.text import code_block, code_span, inline, link, reasoning

_CITATION = re.compile(r"^【[^】\n]{1,200}】$")
_MARKER = re.compile("\ue200([A-Za-z_]{1,40})\ue202([^\ue200\ue201\n]{0,2000})\ue201")
_PRIVATE = re.compile("[\ue200-\ue206]")
"""What is left of markers after those read (``\ue203``…``\ue204`` wrap a passage ChatGPT highlights)."""
_SANDBOX = re.compile(r"(!?)\[([^\]\n]{0,500})\]\(sandbox:([^)\s]{1,500})\)")
MAX_SOURCES = 50
"""Search results listed for one browsing message at most."""


@dataclass(frozen=True, slots=True)
class Shown:
    text: str | None
    """The message's Markdown; "" when it shows nothing; None for a content type not known here."""
    left_out: tuple[str, ...] = ()
    """The kind of each citation marker left out (``filecite``…), to be counted in the report."""


def content_text(kind: str, content: Mapping[str, Any], where: str, metadata: Mapping[str, Any],
                 prefix: str) -> Shown:
    """What the message shows. ``prefix`` makes its footnote labels unique in the post."""
    if kind in ("text", "multimodal_text"):
        parts = optional(content, "parts", list, where, [])
        pieces = (_part(p, f"{where}.parts[{i}]") for i, p in enumerate(parts))
        text = "\n".join(pieces) if kind == "text" else "\n\n".join(p for p in pieces if p.strip())
        return _marked(_citations(text, metadata.get("citations"), prefix), metadata, prefix)
    return Shown(_other_content(kind, content, where, metadata))


def _other_content(kind: str, content: Mapping[str, Any], where: str, metadata: Mapping[str, Any]) -> str | None:
    if kind == "code":
        language = str(optional(content, "language", str, where, ""))
        body = _body(content, where)
        return code_block(body, "" if language == "unknown" else language) if body.strip() else ""
    if kind == "execution_output":
        body = _body(content, where)
        return "*Output:*\n\n" + code_block(body, "text") if body.strip() else ""
    if kind == "tether_browsing_display":
        return _browsing(content, where, metadata)
    if kind == "tether_quote":
        return _quote(content, where)
    if kind == "system_error":
        return f"*Error ({inline(optional(content, 'name', str, where, 'error'), 60)}):* " + \
            inline(optional(content, "text", str, where, ""))
    if kind == "thoughts":
        thoughts = _thoughts(optional(content, "thoughts", list, where, []), f"{where}.thoughts")
        written = _parts_text(content, where)
        return thoughts or (reasoning(written) if written.strip() else "")
    if kind == "reasoning_recap":
        recap = optional(content, "content", str, where, "") or _parts_text(content, where)
        return reasoning("", recap) if recap.strip() else ""
    if isinstance(content.get("parts"), list):
        return _parts_text(content, where)
    if isinstance(content.get("text"), str):
        return content["text"]
    return None


def _marked(text: str, metadata: Mapping[str, Any], prefix: str) -> Shown:
    """2025 markers as footnotes, names or links (or left out and counted); sandbox links as file names."""
    if "sandbox:" in text:
        text = _SANDBOX.sub(_sandbox_link, text)
    if not _PRIVATE.search(text):
        return Shown(text)
    references = {r["matched_text"]: r for r in _list(metadata.get("content_references"))
                  if isinstance(r, dict) and isinstance(r.get("matched_text"), str)}
    numbers: dict[tuple[str, str], int] = {}
    left_out: list[str] = []

    def replace(match: re.Match[str]) -> str:
        kind, payload = match[1], match[2]
        if kind == "entity" and (name := _entity_name(payload)):
            return inline(name)
        if kind == "url" and "\ue202" in payload:
            label, _, url = payload.rpartition("\ue202")
            return link(label, url)
        sources = _pages(references.get(match[0]))
        if not sources:
            left_out.append(kind)
            return ""
        return "".join(f"[^{prefix}w-{numbers.setdefault(s, len(numbers) + 1)}]" for s in sources)

    text = _PRIVATE.sub("", _MARKER.sub(replace, text))
    if numbers:
        text += "\n\n" + "\n".join(f"[^{prefix}w-{n}]: {link(title, url)}" for (title, url), n in numbers.items())
    return Shown(text, tuple(left_out))


def _pages(reference: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The pages a reference names: its ``items`` (title, url), else its ``safe_urls``; each http(s) page once."""
    if not isinstance(reference, Mapping):
        return []
    found = [(str(i.get("title") or i.get("attribution") or ""), i["url"]) for i in _list(reference.get("items"))
             if isinstance(i, dict) and isinstance(i.get("url"), str)]
    if not found:
        found = [("", u) for u in _list(reference.get("safe_urls")) if isinstance(u, str)]
    pages = {url: title for title, url in reversed(found) if re.match(r"^https?://", url)}
    return [(title or url, url) for url, title in reversed(pages.items())]


def _list(value: Any) -> list[Any]:
    """``value`` when it is a list; else nothing (metadata the page can do without is not checked further)."""
    return value if isinstance(value, list) else []


def _entity_name(payload: str) -> str:
    """``["city","Paris",…]`` -> Paris; a plain name as it is."""
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):
        return payload.strip()
    if isinstance(value, list) and len(value) > 1 and isinstance(value[1], str):
        return value[1]
    return value if isinstance(value, str) else ""


def _sandbox_link(match: re.Match[str]) -> str:
    name = match[3].rstrip("/").rsplit("/", 1)[-1] or match[3]
    label = match[2].strip()
    kind = "image" if match[1] else "file"
    return (f"{label} " if label and label != name else "") + f"*({kind} {code_span(name, 120)}, not in the export)*"


def canvas(function: str, content: Mapping[str, Any], where: str) -> str | None:
    """A call to ChatGPT's canvas (``canmore.create_textdoc`` / ``update_textdoc`` / ``comment_textdoc``, its
    arguments a JSON string): the document under its name (code as a code block of its language), the
    replacements of an update, the comments; None when the arguments cannot be read (shown as they are)."""
    try:
        arguments = json.loads(_body(content, where))
    except (ValueError, RecursionError):
        return None
    if not isinstance(arguments, dict):
        return None
    if function.endswith("create_textdoc") and isinstance(arguments.get("content"), str):
        name = inline(str(arguments.get("name") or "Canvas"), 120)
        kind = str(arguments.get("type") or "document")
        if kind.startswith("code/"):
            return f"**Canvas: {name}**\n\n{code_block(arguments['content'], kind.removeprefix('code/'))}"
        return f"**Canvas: {name}**\n\n{arguments['content']}"
    if function.endswith("update_textdoc") and isinstance(arguments.get("updates"), list):
        updates = [u for u in arguments["updates"] if isinstance(u, dict) and isinstance(u.get("replacement"), str)]
        return "\n\n".join([f"**Canvas updated** ({len(updates)} change{'s' if len(updates) != 1 else ''}):"]
                            + [code_block(u["replacement"], "text") for u in updates])
    if function.endswith("comment_textdoc") and isinstance(arguments.get("comments"), list):
        comments = [c for c in arguments["comments"] if isinstance(c, dict) and isinstance(c.get("comment"), str)]
        return "*Comments on the canvas:*\n\n" + "\n".join(
            f"- on {code_span(str(c.get('pattern') or ''), 60) or 'the document'}: {inline(c['comment'])}" for c in comments)
    return None


def _body(content: Mapping[str, Any], where: str) -> str:
    """The text of code, output or a quote: ``text``, else its ``parts`` (strings) one after the other."""
    text = optional(content, "text", str, where, "")
    if text:
        return text
    parts = optional(content, "parts", list, where, [])
    return "\n".join(_part(p, f"{where}.parts[{i}]") for i, p in enumerate(parts))


def _browsing(content: Mapping[str, Any], where: str, metadata: Mapping[str, Any]) -> str:
    """What the browser saw: its summary and result, else the search results its metadata lists."""
    summary = optional(content, "summary", str, where, "")
    result = _body({"text": optional(content, "result", str, where, ""), "parts": content.get("parts")}, where)
    shown = [inline(summary) if summary.strip() else "", code_block(result, "text") if result.strip() else ""]
    if not result.strip():
        shown.append(_search_results(metadata))
    return "\n\n".join(x for x in shown if x)


def _search_results(metadata: Mapping[str, Any]) -> str:
    """``metadata.search_result_groups[].entries[]`` and ``metadata._cite_metadata.metadata_list[]`` as a list of
    links (each page once)."""
    entries: list[Any] = []
    for group in _list(metadata.get("search_result_groups")):
        if isinstance(group, dict) and isinstance(group.get("entries"), list):
            entries += group["entries"]
    cite = metadata.get("_cite_metadata")
    if isinstance(cite, dict) and isinstance(cite.get("metadata_list"), list):
        entries += cite["metadata_list"]
    seen: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("url"), str) and entry["url"] not in seen:
            seen[entry["url"]] = str(entry.get("title") or "")
    if not seen:
        return ""
    items = [f"- {link(title, url)}" for url, title in list(seen.items())[:MAX_SOURCES]]
    more = f"\n- … and {len(seen) - MAX_SOURCES} more" if len(seen) > MAX_SOURCES else ""
    return "*Search results:*\n\n" + "\n".join(items) + more


def _quote(content: Mapping[str, Any], where: str) -> str:
    title = optional(content, "title", str, where, "")
    url = optional(content, "url", str, where, "")
    domain = optional(content, "domain", str, where, "")
    body = _body(content, where)
    if not body.strip():
        return ""
    source = link(title or domain or url, url) if (title or domain or url) else ""
    return (f"*Quote from {source}:*" if source else "*Quote:*") + "\n\n" + code_block(body, "text")


def _parts_text(content: Mapping[str, Any], where: str) -> str:
    """The text of a content's ``parts``, one after the other ("" when it has none)."""
    parts = content.get("parts")
    if not isinstance(parts, list):
        return ""
    return "\n".join(_part(p, f"{where}.parts[{i}]") for i, p in enumerate(parts))


def _thoughts(thoughts: list[Any], where: str) -> str:
    """The model's thoughts (o1, o3, GPT-5 thinking): one reasoning block, each thought's summary in bold over
    its content, Markdown intact."""
    entries = []
    for index, raw in enumerate(thoughts):
        thought = expect(raw, dict, f"{where}[{index}]")
        summary = optional(thought, "summary", str, f"{where}[{index}]", "").strip()
        body = (optional(thought, "content", str, f"{where}[{index}]", "")
                or "".join(c for c in optional(thought, "chunks", list, f"{where}[{index}]", []) if isinstance(c, str)))
        body = body.strip("\n")
        entries.append("\n\n".join(x for x in (summary and f"**{inline(summary)}**", body) if x.strip()))
    return reasoning("\n\n".join(e for e in entries if e)) if any(entries) else ""


def _part(part: Any, where: str) -> str:
    if isinstance(part, str):
        return part
    if part is None:
        return ""
    item = expect(part, dict, where)
    kind = str(item.get("content_type") or "attachment")
    if kind == "audio_transcription":
        return str(item.get("text") or "")
    pointer = str(item.get("asset_pointer") or item.get("name") or "")
    asset = pointer.split("://", 1)[-1] or "unnamed"
    label = {"image_asset_pointer": "Image"}.get(kind, "Audio" if "audio" in kind else "Attachment")
    size = ""
    if isinstance(item.get("width"), int) and isinstance(item.get("height"), int):
        size = f", {item['width']}×{item['height']}"
    return f"*({label}: {inline(asset, 80)}{size}; the file is not in the export's JSON)*"


def _citations(text: str, raw: Any, prefix: str) -> str:
    """Turn the ``【3:0†source】`` markers that ``metadata.citations`` resolves into footnotes."""
    if not isinstance(raw, list):
        return text
    marks = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        start, end, meta = item.get("start_ix"), item.get("end_ix"), item.get("metadata")
        if (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
                and _CITATION.match(text[start:end]) and isinstance(meta, dict)):
            marks.append((start, end, str(meta.get("title") or ""), str(meta.get("url") or "")))
    numbers: dict[tuple[str, str], int] = {}
    out, last = [], 0
    for start, end, title, url in sorted(marks):
        if start < last:
            continue
        number = numbers.setdefault((title, url), len(numbers) + 1)
        out += [text[last:start], f"[^{prefix}-{number}]"]
        last = end
    if not numbers:
        return text
    definitions = "\n".join(f"[^{prefix}-{n}]: {link(title, url)}" for (title, url), n in numbers.items())
    return "".join(out) + text[last:] + "\n\n" + definitions
