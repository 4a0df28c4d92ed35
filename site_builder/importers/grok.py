"""Grok data export (grok.com / accounts.x.ai → "Download your data": a zip holding
``ttl/30d/export_data/<user id>/prod-grok-backend.json``, alone or in its zip) -> ``Conversation``s.

The file is one JSON object: ``{"conversations": [...], "projects": [...], "tasks": [...], "media_posts": [...]}``.
Each conversation is ``{"conversation": {id, title, create_time, modify_time, leaf_response_id, …}, "responses":
[{"response": {...}, "share_link": …}]}``; conversation times are ISO 8601, response times MongoDB's
``{"$date": {"$numberLong": "<ms>"}}``. A response is ``{_id, parent_response_id, sender, message, model,
create_time, partial, …}``: ``sender`` is ``human`` for the user and ``assistant`` / ``ASSISTANT`` (or a model
name) for Grok. ``parent_response_id`` makes a tree like ChatGPT's (regenerated answers, edited questions); the main
line ends at ``leaf_response_id`` when it is given, else at the latest message.

What a response holds besides its ``message`` (Markdown) is shown: ``thinking_trace`` and ``agent_thinking_traces``
as reasoning (the ``<xai:tool_usage_card>`` tool calls in them as one line each), ``cited_web_search_results`` and
``web_search_results`` (``{url, title, preview, site_name, citation_id, …}``) as links, ``xpost_ids`` as links to
the posts on X, ``card_attachments_json`` (cards as JSON strings) as links, ``generated_image_urls``,
``file_attachments`` / ``image_attachments`` (asset ids: the files themselves are in ``prod-mc-asset-server/``)
and ``webpage_urls`` by name, an image prompt (``query``) and an ``error`` in words. The ``<grok:render>`` tags in a
message (inline citations, searched images) become ``[n]`` (a link when the search result it names is in the
export) or a short note. The tool ``steps`` of an answer are counted as left out. ``projects``, ``tasks`` and
``media_posts`` are not conversations: each is named, with its count, as not imported.

The export is one object, so ``jsonstream`` reads it whole (up to its record limit) and the conversations are
read one by one from it; a conversation that cannot be read is refused and named, the others are imported.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Iterator, Mapping

from site_builder.importers.common import (
    Conversation, Message, Node, Sample, Skipped, WrongKind, expect, optional,
)
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.layout import latest_leaf, thread
from site_builder.importers.records import derived_id, lenient_time, read_record
from site_builder.importers.text import as_blocks, code_span, inline, link, reasoning

SOURCE = "grok"
NAME = "Grok data export (prod-grok-backend.json)"
ASSISTANT = "Grok"
FILE_NAME = "prod-grok-backend.json"
_OTHER_PARTS = {"projects": "project(s) (custom instructions and files)", "tasks": "scheduled task(s)",
                "media_posts": "generated image(s) and video(s) (`media_posts`)"}
_HEAD = re.compile(r'^\ufeff?\s*\{\s*"conversations"\s*:\s*\[\s*\{\s*"(?:conversation|responses)"\s*:')
_RENDER = re.compile(r"<grok:render\b(?P<attrs>[^>]*)>(?P<body>.*?)</grok:render>", re.DOTALL)
_ATTR = re.compile(r'(?P<name>[\w:-]+)="(?P<value>[^"]*)"')
_ARGUMENT = re.compile(r'<argument name="(?P<name>[^"]*)">(?P<value>.*?)</argument>', re.DOTALL)
_TOOL_CARD = re.compile(r"<xai:tool_usage_card>(?P<body>.*?)</xai:tool_usage_card>", re.DOTALL)
_CARD_FIELD = r"<xai:{0}>\s*(?:<!\[CDATA\[)?(?P<value>.*?)(?:\]\]>)?\s*</xai:{0}>"


def recognises(sample: Sample) -> bool:
    """Grok's export object: ``conversations`` whose items are ``{conversation, responses}`` wrappers (or, for a
    file too large to sample as JSON, a start that reads so)."""
    record = sample.record
    if isinstance(record, dict):
        items = record.get("conversations")
        return isinstance(items, list) and bool(items) and isinstance(items[0], dict) and \
            isinstance(items[0].get("conversation"), dict) and "responses" in items[0]
    return record is None and bool(_HEAD.match(sample.text[:4096]))


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    """Every conversation of the export object, then what else it holds, named as not imported."""
    for index, record in enumerate(iter_json(path, member or FILE_NAME, progress)):
        top = record.value
        at = record.where or "the top level"
        if not isinstance(top, dict) or not isinstance(top.get("conversations"), list):
            if index == 0:
                raise WrongKind(at, "not a Grok export (no `conversations` list of `{conversation, responses}`); "
                                    f"pass {FILE_NAME}")
            yield at, Skipped(at, "", "not a Grok export object", refused=True)
            continue
        for number, raw in enumerate(top["conversations"]):
            where = _join(record.where, f"conversations[{number}]")
            named = raw.get("conversation") if isinstance(raw, dict) else raw
            yield where, read_record(lambda: convert(raw, where), named, where, first=False,
                                     repaired=record.repaired if number == 0 else 0)
        for key, what in _OTHER_PARTS.items():
            items = top.get(key)
            if isinstance(items, list) and items:
                yield key, Skipped(_join(record.where, key), "", f"{len(items)} {what}: not conversations, "
                                                                   "not imported")


def convert(raw: Any, where: str) -> Conversation | Skipped:
    wrapper = expect(raw, dict, where)
    conv = expect(wrapper.get("conversation"), dict, f"{where}.conversation")
    responses = optional(wrapper, "responses", list, where, [])
    title = " ".join(str(optional(conv, "title", str, f"{where}.conversation", "")).split()) or "Untitled conversation"
    created, warning = lenient_time(conv.get("create_time"), f"{where}.conversation.create_time")
    source_id = str(optional(conv, "id", (str, int), f"{where}.conversation", "")
                    or derived_id(title, conv.get("create_time")))
    problems = [warning + "; the post takes the export file's date"] if warning else []
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    previous: str | None = None
    for order, item in enumerate(responses):
        at = f"{where}.responses[{order}]"
        response = expect(expect(item, dict, at).get("response"), dict, f"{at}.response")
        at = f"{at}.response"
        nid = str(optional(response, "_id", (str, int), at, "") or f"responses[{order}]")
        parent = optional(response, "parent_response_id", (str, int), at)
        time, time_warning = _time(response.get("create_time"), f"{at}.create_time")
        if time_warning:
            problems.append(time_warning + "; ordered by its place in the file")
        message, lost = _message(response, at, time)
        dropped += [(nid, reason) for reason in lost]
        if message is None:
            dropped.append((nid, "empty message"))
        nodes[nid] = Node(nid, str(parent) if parent is not None else previous, message,
                          time.timestamp() if time else None, order)
        previous = nid
    if not any(node.message for node in nodes.values()):
        return Skipped(source_id, title, "no messages")
    leaf = optional(conv, "leaf_response_id", (str, int), f"{where}.conversation")
    laid_out = thread(nodes, str(leaf) if leaf is not None and str(leaf) in nodes else latest_leaf(nodes))
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, "", tuple(dropped),
                        tuple(problems) + laid_out.problems, laid_out.branches)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _time(value: Any, where: str) -> tuple[dt.datetime | None, str | None]:
    """A response time: MongoDB's ``{"$date": {"$numberLong": "<ms>"}}`` (or ``{"$date": ISO}``), or ISO 8601."""
    if isinstance(value, dict) and "$date" in value:
        inner = value["$date"]
        if isinstance(inner, dict):
            inner = inner.get("$numberLong")
        if isinstance(inner, (str, int)) and not isinstance(inner, bool) and str(inner).lstrip("-").isdigit():
            return lenient_time(int(inner) / 1000, where)
        value = inner
    return lenient_time(value, where)


# --- one response -> one message --------------------------------------------------------------------------------


def _message(response: Mapping[str, Any], at: str, time: dt.datetime | None) -> tuple[Message | None, list[str]]:
    """The message a response makes, and what of it was left out."""
    user = str(response.get("sender") or "").casefold() == "human"
    results = _results(response, at)
    lost: list[str] = []
    parts = [*_reasoning(response, at, time),
             _query(response, at),
             _cards(optional(response, "message", str, at, ""), results),
             _names(response, "file_attachments", "Attached file", at),
             _names(response, "image_attachments", "Attached image", at),
             _names(response, "generated_image_urls", "Generated image", at),
             _pages(response, at),
             _sources(results),
             _posts(response, at),
             _card_links(response, at, lost),
             _error(response, at)]
    lost += ["a tool step of the answer (`steps`: a search or tool it ran), not shown"] * \
        len(optional(response, "steps", list, at, []))
    text = "\n\n".join(part for part in parts if part.strip())
    if not text:
        return None, lost
    if user:
        return Message("user", "User", text), lost
    model = optional(response, "model", str, at) or None
    return Message("assistant", ASSISTANT, text, model=model, interrupted=response.get("partial") is True), lost


def _strings(response: Mapping[str, Any], key: str, at: str) -> list[str]:
    """``response[key]`` as a list of strings (one string, a list of them, or nothing)."""
    value = response.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [expect(item, str, f"{at}.{key}[{i}]") for i, item in enumerate(expect(value, list, f"{at}.{key}"))]


def _reasoning(response: Mapping[str, Any], at: str, time: dt.datetime | None) -> list[str]:
    """The thinking trace (titled with how long it took), then each agent's."""
    blocks = []
    trace = optional(response, "thinking_trace", str, at, "")
    if trace.strip():
        blocks.append(reasoning(_tool_cards(trace), _thought_for(response, at)))
    for index, agent in enumerate(optional(response, "agent_thinking_traces", list, at, [])):
        place = f"{at}.agent_thinking_traces[{index}]"
        if isinstance(agent, str):
            agent = {"thinking_trace": agent}
        agent = expect(agent, dict, place)
        text = optional(agent, "thinking_trace", str, place, "")
        if text.strip():
            name = agent.get("agent_id") or agent.get("rollout_id") or f"agent {index + 1}"
            blocks.append(reasoning(_tool_cards(text), f"{name}'s thinking"))
    return blocks


def _thought_for(response: Mapping[str, Any], at: str) -> str:
    start, _ = _time(response.get("thinking_start_time"), f"{at}.thinking_start_time")
    end, _ = _time(response.get("thinking_end_time"), f"{at}.thinking_end_time")
    if start is None or end is None or end < start:
        return ""
    return f"Thought for {round((end - start).total_seconds()):d} seconds"


def _tool_cards(text: str) -> str:
    """``text`` with each ``<xai:tool_usage_card>`` written as one line: the tool and its arguments."""
    def line(match: re.Match[str]) -> str:
        body = match["body"]
        name = re.search(_CARD_FIELD.format("tool_name"), body, re.DOTALL)
        args = re.search(_CARD_FIELD.format("tool_args"), body, re.DOTALL)
        shown = code_span(name["value"].strip(), 80) if name else "a tool"
        return f"*Used {shown}*" + (f" {code_span(args['value'].strip(), 300)}" if args and args["value"].strip()
                                    else "")
    return as_blocks(text, _TOOL_CARD, line)


def _query(response: Mapping[str, Any], at: str) -> str:
    query = optional(response, "query", str, at, "")
    if not query.strip():
        return ""
    kind = optional(response, "query_type", str, at, "")
    return f"*{'Image prompt' if kind == 'imagine' else 'Query'}: {inline(query, 1000)}*"


def _results(response: Mapping[str, Any], at: str) -> list[tuple[bool, dict]]:
    """(cited, result) for each web search result: the cited ones first, then the others found (each URL once)."""
    found: list[tuple[bool, dict]] = []
    seen: set[str] = set()
    for key, cited in (("cited_web_search_results", True), ("web_search_results", False)):
        for index, raw in enumerate(optional(response, key, list, at, [])):
            result = expect(raw, dict, f"{at}.{key}[{index}]")
            url = str(result.get("url") or result.get("URL") or "")
            if url and url in seen:
                continue
            seen.add(url)
            found.append((cited, result))
    return found


def _cards(text: str, results: list[tuple[bool, dict]]) -> str:
    """The message with its ``<grok:render>`` cards written as Markdown (and tool cards as lines)."""
    by_citation = {str(r.get("citation_id")): r for _, r in results if r.get("citation_id") not in (None, "")}

    def card(match: re.Match[str]) -> str:
        attrs = {m["name"]: m["value"] for m in _ATTR.finditer(match["attrs"])}
        args = {m["name"]: m["value"].strip().strip('"') for m in _ARGUMENT.finditer(match["body"])}
        kind = attrs.get("type", "") or attrs.get("card_type", "")
        if "citation_id" in args:
            number = args["citation_id"]
            found = by_citation.get(number)
            url = str(found.get("url") or "") if found else ""
            return link(f"[{number}]", url) if url else inline(f"[{number}]")
        if "image_id" in args:
            return f"*(image {inline(args['image_id'], 20)} from the web search)*"
        return f"*({inline(kind or 'a card', 60)})*"

    return _tool_cards(_RENDER.sub(card, text))


def _names(response: Mapping[str, Any], key: str, label: str, at: str) -> str:
    names = [name for name in _strings(response, key, at) if name.strip()]
    return "\n".join(f"*{label}: {code_span(name, 300)}*" for name in names)


def _pages(response: Mapping[str, Any], at: str) -> str:
    urls = [u for u in _strings(response, "webpage_urls", at) if u.strip()]
    return "\n".join(f"*Page given: {link(u, u)}*" for u in urls)


def _sources(results: list[tuple[bool, dict]]) -> str:
    """The web pages the answer cites, then the others its search found."""
    blocks = []
    for cited, heading in ((True, "**Sources:**"), (False, "**Also found by its web search:**")):
        lines = [_result_line(r) for c, r in results if c == cited]
        if lines:
            blocks.append(heading + "\n\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def _result_line(result: Mapping[str, Any]) -> str:
    url = str(result.get("url") or result.get("URL") or "")
    title = str(result.get("title") or result.get("metadata_title") or url or "a page")
    number = result.get("citation_id")
    line = "- " + (inline(f"[{number}]") + " " if number not in (None, "") else "") + link(title, url)
    site = result.get("site_name")
    if isinstance(site, str) and site.strip():
        line += f" ({inline(site, 80)})"
    snippet = result.get("preview") or result.get("description") or result.get("search_engine_text")
    if isinstance(snippet, str) and snippet.strip():
        line += f": {inline(snippet, 300)}"
    return line


def _posts(response: Mapping[str, Any], at: str) -> str:
    ids = [str(i) for i in optional(response, "xpost_ids", list, at, []) if isinstance(i, (str, int))]
    lines = [f"- {link(f'Post {i}', f'https://x.com/i/status/{i}')}" for i in ids if str(i).isdigit()]
    lines += [f"- Post {code_span(i, 80)}" for i in ids if not str(i).isdigit()]
    return ("**Posts on X:**\n\n" + "\n".join(lines)) if lines else ""


def _card_links(response: Mapping[str, Any], at: str, lost: list[str]) -> str:
    """Each card of ``card_attachments_json`` (a JSON string) that names a URL, as a link; the others counted."""
    lines = []
    for index, raw in enumerate(_strings(response, "card_attachments_json", at)):
        try:
            card = json.loads(raw)
        except ValueError:
            card = None
        url = card.get("url") if isinstance(card, dict) else None
        if isinstance(url, str) and url.strip():
            title = card.get("title") or card.get("cardType") or url
            lines.append(f"- {link(str(title), url)}")
        else:
            lost.append("a card (`card_attachments_json`) that names no page, not shown")
    return ("**Cards:**\n\n" + "\n".join(lines)) if lines else ""


def _error(response: Mapping[str, Any], at: str) -> str:
    error = response.get("error")
    if not isinstance(error, str) or not error.strip():
        return ""
    return f"*(Grok's answer ended with an error: {inline(error, 300)})*"
