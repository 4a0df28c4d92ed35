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
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from site_builder.importers import html_text
from site_builder.importers.archive import sources
from site_builder.importers.common import (
    Conversation, Message, Node, Sample, ShapeError, Skipped, WrongKind, expect, optional,
)
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.layout import thread
from site_builder.importers.records import UNFORESEEN, lenient_time, read_record
from site_builder.importers.text import code_span, inline, link, note

SOURCE = "gemini"
NAME = "Gemini Apps activity (Google Takeout My Activity)"
ASSISTANT = "Gemini"
_FILES = ("MyActivity.json", "My Activity.json", "MyActivity.html", "My Activity.html")
_VERBS = ("Prompted ", "Branched ", "Answered ")
"""Titles of items that are a prompt (the rest of the title is the prompt)."""
_CHAT = re.compile(r"^https?://gemini\.google\.com/(?:u/\d+/)?(?:app|gem/[\w-]+)/(?P<id>[0-9a-zA-Z_-]+)")
_HTML_HEADER = re.compile(r'class="mdl-typography--title">\s*(?:Gemini|Bard)[^<]*<br', re.IGNORECASE)
_EXTRA_LINE = re.compile(r"^(?:\d+ generated (?:image|video)s?\.|Attached \d+ files?\.)$")
_HTML_TIME = re.compile(
    r"^(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4}), (?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"[\s\u202f]*(?P<ampm>[AP]M)[\s\u202f]+(?P<zone>[A-Za-z]+(?:[+-]\d{1,2}(?::?\d{2})?)?)$")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "IST": 5.5, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "WET": 0,
          "WEST": 1, "MSK": 3, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11, "NZST": 12,
          "NZDT": 13, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
          "AKST": -9, "AKDT": -8, "HST": -10}


def recognises(sample: Sample) -> bool:
    """An activity item whose header (or product) is Gemini's, or a My Activity page with Gemini's cards."""
    record = sample.record
    if isinstance(record, dict):
        names = [record.get("header"), *(record.get("products") or [] if isinstance(record.get("products"), list) else [])]
        return isinstance(record.get("title"), str) and "time" in record and any(
            isinstance(n, str) and n.startswith(("Gemini", "Bard")) for n in names)
    return record is None and "outer-cell" in sample.text and bool(_HTML_HEADER.search(sample.text))


@dataclass(frozen=True, slots=True)
class _Item:
    """One activity item, read."""

    where: str
    time: dt.datetime | None
    chat: str | None
    """The chat it names (``gemini.google.com/app/<id>``), if exactly one."""
    prompt: str | None
    """The question's Markdown; None for activity that is not a prompt."""
    answers: tuple[str, ...] = ()
    """Markdown of each draft of the answer (empty ones included, to be counted)."""
    activity: str = ""
    """The item's title, for activity that is not a prompt."""
    problems: tuple[str, ...] = ()


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    """One post per chat named by the items, then one per day for the items that name none."""
    member = member or _takeout_member(path)
    html = (member or path.name).lower().endswith((".html", ".htm"))
    items: list[_Item] = []
    for where, item in (_html_items(path, member, progress) if html else _json_items(path, member, progress)):
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


# --- reading the JSON log ------------------------------------------------------------------------------------


def _json_items(path: Path, member: str | None, progress: Progress | None) -> Iterator[tuple[str, _Item | Skipped]]:
    for index, record in enumerate(iter_json(path, member, progress)):
        yield record.where, read_record(lambda: _json_item(record.value, record.where), record.value, record.where,
                                        first=index == 0, repaired=record.repaired)


def _json_item(raw: Any, where: str) -> _Item:
    item = expect(raw, dict, where or "the top level")
    header = optional(item, "header", str, where, "")
    products = [p for p in optional(item, "products", list, where, []) if isinstance(p, str)]
    if not any(n.startswith(("Gemini", "Bard")) for n in [header, *products]):
        raise WrongKind(where or "the top level", "not Gemini Apps activity (its `header` is "
                        f"{header!r}); pass `My Activity/Gemini Apps/MyActivity.json`")
    title = expect(item.get("title"), str, f"{where}.title")
    time, warning = lenient_time(item.get("time"), f"{where}.time")
    problems = (warning,) if warning else ()
    links = [item.get("titleUrl")] + [d.get("url") for d in optional(item, "details", list, where, [])
                                      if isinstance(d, dict)]
    chat = _chat(links)
    htmls = [expect(expect(h, dict, f"{where}.safeHtmlItem[{i}]").get("html", ""), str,
                    f"{where}.safeHtmlItem[{i}].html") for i, h in enumerate(optional(item, "safeHtmlItem", list, where, []))]
    prompt = _prompt_of(title, bool(htmls))
    if prompt is None:
        return _Item(where, time, chat, None, activity=title, problems=problems)
    if not title.startswith(_VERBS):
        problems += (f"{where}.title does not start with `Prompted`: the whole title is shown as the question",)
    files = _files(item, where)
    question = _question(prompt, files, _subtitles(item, where, files))
    return _Item(where, time, chat, question, tuple(html_text.markdown(h) for h in htmls), problems=problems)


def _prompt_of(title: str, answered: bool) -> str | None:
    """The prompt of an item's title; None for activity that is not a prompt (an item with an answer always is)."""
    for verb in _VERBS:
        if title.startswith(verb) or title == verb.strip():
            return title[len(verb):]
    return title if answered else None


def _chat(urls: Iterable[Any]) -> str | None:
    ids = {m["id"] for u in urls if isinstance(u, str) and (m := _CHAT.match(u.strip()))}
    return ids.pop() if len(ids) == 1 else None


def _files(item: dict, where: str) -> list[str]:
    """Names of the files sent with the prompt (``imageFile``, ``attachedFiles``: names or ``{name}``)."""
    names: list[str] = []
    for key in ("imageFile", "attachedFiles"):
        value = item.get(key)
        for entry in (value if isinstance(value, list) else [value] if value is not None else []):
            name = entry.get("name") or entry.get("url") if isinstance(entry, dict) else entry
            if isinstance(name, str) and name.strip() and name not in names:
                names.append(name)
    return names


def _subtitles(item: dict, where: str, files: list[str]) -> list[str]:
    """Each subtitle line (the Gem used, a link) as Markdown; the lines that name the ``files`` already shown
    ("Attached 1 file.", then each file's name) are left out."""
    lines = []
    for index, sub in enumerate(optional(item, "subtitles", list, where, [])):
        sub = expect(sub, dict, f"{where}.subtitles[{index}]")
        name = str(sub.get("name") or "").strip().lstrip("- ").strip()
        url = str(sub.get("url") or "")
        if not name and not url or url in files or (files and _EXTRA_LINE.match(name)):
            continue
        lines.append(link(name or url, url) if url.startswith(("http://", "https://")) else inline(name or url))
    return lines


def _question(prompt: str, files: list[str], extras: list[str]) -> str:
    text = prompt.strip("\n") or "*(The export keeps no text for this prompt.)*"
    lines = [f"*Attached: {code_span(name, 200)}*" for name in files] + [f"*{line}*" for line in extras]
    return "\n\n".join([text, "\n".join(lines)]) if lines else text


# --- reading the HTML page -------------------------------------------------------------------------------------


def _html_items(path: Path, member: str | None, progress: Progress | None) -> Iterator[tuple[str, _Item | Skipped]]:
    """The cards of the page, read as they close (the page is fed in chunks)."""
    cells: list[html_text.Element] = []

    def take(element: html_text.Element) -> bool:
        if element.tag == "div" and "outer-cell" in element.classes():
            cells.append(element)
            return True
        return False

    tree = html_text.Tree(take)
    number = 0
    for source in sources(path, member):
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while chunk := source.stream.read(1 << 20):
            if progress:
                progress(source.before + source.stream.done, source.total or source.size)
            tree.feed(decoder.decode(chunk))
            for cell in cells:
                number += 1
                yield from _html_cell(cell, number)
            cells.clear()
        tree.feed(decoder.decode(b"", final=True))
    tree.finish()
    for cell in cells:
        number += 1
        yield from _html_cell(cell, number)


def _html_cell(cell: html_text.Element, number: int) -> Iterator[tuple[str, _Item | Skipped]]:
    where = f"card {number}"
    try:
        yield where, _card(cell, where, first=number == 1)
    except WrongKind:
        if number == 1:
            raise
        yield where, Skipped(where, "", "not a conversation of this kind of export", refused=True)
    except (ShapeError, *UNFORESEEN) as exc:
        yield where, Skipped(where, "", f"{where}: cannot be imported ({str(exc)[:200]})", refused=True)


def _card(cell: html_text.Element, where: str, first: bool) -> _Item:
    parts = {name: found for name in ("header-cell", "content-cell", "mdl-typography--caption")
             if (found := _find(cell, name))}
    header = " ".join(parts["header-cell"].text().split()) if "header-cell" in parts else ""
    if not header.startswith(("Gemini", "Bard")):
        raise WrongKind(where, f"not a Gemini Apps card (its header is {header!r})")
    if "content-cell" not in parts:
        raise ShapeError(where, "a card without its content")
    segments = _segments(parts["content-cell"].children)
    texts = [" ".join(html_text.Element("span", {}, seg).text().split()) for seg in segments]
    at = next((i for i, t in enumerate(texts) if i and _html_time(t) is not None), None)
    caption = parts.get("mdl-typography--caption")
    links = [a.attrs.get("href") for a in _all(caption, "a")] if caption else []
    chat = _chat(links)
    if at is None:
        return _Item(where, None, chat, None, activity=texts[0] if texts else "",
                     problems=(f"{where}: no date found in the card",))
    time = _html_time(texts[at])
    head = [t.replace("\xa0", " ") for t in texts[:at] if t]
    lines = [t for t in head if not _EXTRA_LINE.match(t)]
    extras = [inline(t) for t in head[1:] if _EXTRA_LINE.match(t)]
    answer = html_text.blocks([c for seg in segments[at + 1:] for c in [html_text.Element("br"), *seg]][1:])
    prompt = _prompt_of("\n".join(lines), bool(answer.strip()))
    if prompt is None:
        return _Item(where, time, chat, None, activity=head[0] if head else "")
    return _Item(where, time, chat, _question(prompt, [], extras), (answer,) if answer.strip() else ())


def _segments(children: list) -> list[list]:
    """Children split at the ``br`` elements between them."""
    segments: list[list] = [[]]
    for child in children:
        if isinstance(child, html_text.Element) and child.tag == "br":
            segments.append([])
        else:
            segments[-1].append(child)
    return segments


def _find(element: html_text.Element, css: str) -> html_text.Element | None:
    for child in element.children:
        if isinstance(child, html_text.Element):
            if css in child.classes():
                return child
            found = _find(child, css)
            if found:
                return found
    return None


def _all(element: html_text.Element, tag: str) -> list[html_text.Element]:
    found = []
    for child in element.children:
        if isinstance(child, html_text.Element):
            found += ([child] if child.tag == tag else []) + _all(child, tag)
    return found


def _html_time(text: str) -> dt.datetime | None:
    """A card's date as Takeout writes it in English (``Sep 2, 2026, 1:26:27 PM PDT``, ``… GMT+05:30``)."""
    match = _HTML_TIME.match(text.replace("\u202f", " ").strip())
    if not match or match["month"] not in _MONTHS:
        return None
    offset = _offset(match["zone"])
    if offset is None:
        return None
    hour = int(match["h"]) % 12 + (12 if match["ampm"] == "PM" else 0)
    try:
        local = dt.datetime(int(match["year"]), _MONTHS[match["month"]], int(match["day"]), hour, int(match["m"]),
                            int(match["s"]), tzinfo=dt.timezone(offset))
    except ValueError:
        return None
    return local.astimezone(dt.timezone.utc)


def _offset(zone: str) -> dt.timedelta | None:
    named = re.match(r"^(?P<name>[A-Za-z]+)(?:(?P<sign>[+-])(?P<h>\d{1,2}):?(?P<m>\d{2})?)?$", zone)
    if not named:
        return None
    if named["sign"]:
        if named["name"].upper() not in ("GMT", "UTC"):
            return None
        minutes = int(named["h"]) * 60 + int(named["m"] or 0)
        return dt.timedelta(minutes=minutes if named["sign"] == "+" else -minutes)
    hours = _ZONES.get(named["name"].upper())
    return None if hours is None else dt.timedelta(hours=hours)


# --- items -> posts ----------------------------------------------------------------------------------------------


def _groups(items: list[_Item]) -> list[tuple[str, list[_Item]]]:
    """(key, items in time order) for each chat, then each day; a group's key is its post's id."""
    keyed: dict[str, list[tuple[int, _Item]]] = {}
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


def _first_time(group: list[_Item]) -> float:
    return min((i.time.timestamp() for i in group if i.time), default=0.0)


def _conversation(key: str, group: list[_Item]) -> Conversation | Skipped:
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


def _title(prompts: list[_Item], key: str) -> str:
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
