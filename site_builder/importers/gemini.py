"""Gemini Apps activity from Google Takeout (``My Activity/Gemini Apps/MyActivity.json`` or ``MyActivity.html``,
alone or in the Takeout zip) -> ``Conversation``s.

Takeout keeps Gemini as an activity log, newest first: one item per prompt, ``title`` ``"Prompted <the prompt>"``,
``time``, the answer as HTML in ``safeHtmlItem[].html`` (several items: regenerated drafts, shown as answer
variants), files in ``imageFile`` / ``attachedFiles`` / ``subtitles``. Other activity (``Gave feedback``,
``Selected preferred draft``, ``Created`` a canvas…) is not a message: it is counted, never shown. The HTML page
holds the same items as ``outer-cell`` cards: ``Prompted <prompt><br><date><br><answer HTML>``.

How items become posts: newer exports name the chat an item belongs to (``details[].url`` or ``titleUrl``
``https://gemini.google.com/app/<id>``; in the HTML page a link under "Details"); those items make one post per
chat, in time order. Items that name no chat (older exports) cannot be put back together (there is no
conversation id, no parent, no session mark), so they make one post per day (UTC): a day is a stable key (a
later export updates the same post) and keeps the prompts of a sitting together; the post says so. Answers are
read from HTML with ``html_text`` (no markup passes through).

An item is read by ``gemini_items`` (the JSON log) or ``gemini_html`` (the HTML page); this module groups the
items into posts.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterator

from site_builder.importers.common import Conversation, Message, Node, Sample, Skipped
from site_builder.importers.gemini_html import html_items
from site_builder.importers.gemini_items import Item, json_items
from site_builder.importers.jsonstream import Progress
from site_builder.importers.layout import thread
from site_builder.importers.text import code_span, note

SOURCE = "gemini"
NAME = "Gemini Apps activity (Google Takeout My Activity)"
ASSISTANT = "Gemini"
_FILES = ("MyActivity.json", "My Activity.json", "MyActivity.html", "My Activity.html")
_HTML_HEADER = re.compile(r'class="mdl-typography--title">\s*(?:Gemini|Bard)[^<]*<br', re.IGNORECASE)


def recognises(sample: Sample) -> bool:
    """An activity item whose header (or product) is Gemini's, or a My Activity page with Gemini's cards."""
    record = sample.record
    if isinstance(record, dict):
        names = [record.get("header"), *(record.get("products") or [] if isinstance(record.get("products"), list) else [])]
        return isinstance(record.get("title"), str) and "time" in record and any(
            isinstance(n, str) and n.startswith(("Gemini", "Bard")) for n in names)
    return record is None and "outer-cell" in sample.text and bool(_HTML_HEADER.search(sample.text))


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    """One post per chat named by the items, then one per day for the items that name none."""
    member = member or _takeout_member(path)
    html = (member or path.name).lower().endswith((".html", ".htm"))
    items: list[Item] = []
    for where, item in (html_items(path, member, progress) if html else json_items(path, member, progress)):
        if isinstance(item, Skipped):
            yield where, item
        else:
            items.append(item)
    for key, group in _groups(items):
        yield group[0].where, _conversation(key, group)


def _takeout_member(path: Path) -> str | None:
    """In a Takeout zip: the activity file in a folder named for Gemini (JSON before HTML)."""
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return None  # ``sources`` says what is wrong with it
    found = [n for n in names if n.rsplit("/", 1)[-1] in _FILES
             and any(w in n.rsplit("/", 1)[0].casefold() for w in ("gemini", "bard"))]
    return min(found, key=lambda n: (n.lower().endswith(".html"), len(n))) if found else None


# --- items -> posts ----------------------------------------------------------------------------------------------


def _groups(items: list[Item]) -> list[tuple[str, list[Item]]]:
    """(key, items in time order) for each chat, then each day; a group's key is its post's id."""
    keyed: dict[str, list[tuple[int, Item]]] = {}
    for position, item in enumerate(items):
        key = f"app/{item.chat}" if item.chat else \
            f"day/{item.time.date().isoformat()}" if item.time else "undated"
        keyed.setdefault(key, []).append((position, item))
    ordered = []
    for key, members in keyed.items():
        # Takeout lists the newest first: the file's order, reversed, breaks ties of time
        members.sort(key=lambda pi: (pi[1].time.timestamp() if pi[1].time else 0, -pi[0]))
        ordered.append((key, [item for _, item in members]))
    ordered.sort(key=lambda kg: (kg[0].startswith(("day/", "undated")), _first_time(kg[1]), kg[0]))
    return ordered


def _first_time(group: list[Item]) -> float:
    return min((i.time.timestamp() for i in group if i.time), default=0.0)


def _conversation(key: str, group: list[Item]) -> Conversation | Skipped:
    nodes: dict[str, Node] = {}
    dropped: list[tuple[str, str]] = []
    problems = [p for item in group for p in item.problems]
    parent: str | None = None
    order = 0
    prompts = [item for item in group if item.prompt is not None]
    for item in group:
        if item.prompt is None:
            dropped.append((item.where, f"activity that is not a message ({_verb(item.activity)})"))
            continue
        stamp = item.time.timestamp() if item.time else None
        nodes[item.where] = Node(item.where, parent, Message("user", "User", item.prompt), stamp, order)
        order += 1
        main = item.where
        shown = 0
        for number, answer in enumerate(item.answers):
            nid = f"{item.where}.safeHtmlItem[{number}]"
            if not answer.strip():
                dropped.append((nid, "empty answer"))
                continue
            nodes[nid] = Node(nid, item.where, Message("assistant", ASSISTANT, answer), stamp, order)
            order += 1
            main = nid if not shown else main
            shown += 1
        if not item.answers:
            dropped.append((item.where, "a prompt without its answer (the export keeps none)"))
        parent = main
    title = _title(prompts, key)
    source_id = key.split("/", 1)[1] if key.startswith("app/") else key.replace("/", "-")
    created = next((i.time for i in group if i.time), None)
    if not nodes:
        return Skipped(source_id, title, "no messages: " + "; ".join(sorted({r for _, r in dropped})))
    laid_out = thread(nodes, parent)
    return Conversation(SOURCE, source_id, title, created, laid_out.exchanges, _intro(key, len(prompts)),
                        tuple(dropped), tuple(problems) + laid_out.problems, laid_out.branches)


def _verb(title: str) -> str:
    return code_span(title, 60) or "an item without a title"


def _title(prompts: list[Item], key: str) -> str:
    for item in prompts:
        words = " ".join((item.prompt or "").split("\n\n")[0].split())
        if words and not words.startswith("*("):
            words = re.sub(r"\\(.)", r"\1", words)
            return words if len(words) <= 70 else words[:69].rstrip() + "…"
    return f"Gemini, {key.split('/', 1)[-1]}"


def _intro(key: str, prompts: int) -> str:
    if key.startswith("app/"):
        return ""
    day = key.split("/", 1)[1] if "/" in key else "no readable date"
    return note("NOTE", f"Google Takeout does not say which of these prompts were asked in one chat: this post holds "
                        f"the {prompts} prompt(s) of {day} (UTC) that name no chat, in time order.")
