"""The items of Takeout's HTML page (``MyActivity.html``): its ``outer-cell`` cards, read as they close while the
page is fed in chunks (``Prompted <prompt><br><date><br><answer HTML>``), and the card's date as Takeout writes it
in English.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from pathlib import Path
from typing import Iterator

from site_builder.importers import html_text
from site_builder.importers.archive import sources
from site_builder.importers.common import ShapeError, Skipped, WrongKind
from site_builder.importers.gemini_items import EXTRA_LINE, Item, chat_of, prompt_of, question_markdown
from site_builder.importers.jsonstream import Progress
from site_builder.importers.records import UNFORESEEN
from site_builder.importers.text import inline

_HTML_TIME = re.compile(
    r"^(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4}), (?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"[\s\u202f]*(?P<ampm>[AP]M)[\s\u202f]+(?P<zone>[A-Za-z]+(?:[+-]\d{1,2}(?::?\d{2})?)?)$")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "IST": 5.5, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "WET": 0,
          "WEST": 1, "MSK": 3, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11, "NZST": 12,
          "NZDT": 13, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
          "AKST": -9, "AKDT": -8, "HST": -10}


def html_items(path: Path, member: str | None, progress: Progress | None) -> Iterator[tuple[str, Item | Skipped]]:
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


def _html_cell(cell: html_text.Element, number: int) -> Iterator[tuple[str, Item | Skipped]]:
    where = f"card {number}"
    try:
        yield where, _card(cell, where, first=number == 1)
    except WrongKind:
        if number == 1:
            raise
        yield where, Skipped(where, "", "not a conversation of this kind of export", refused=True)
    except (ShapeError, *UNFORESEEN) as exc:
        yield where, Skipped(where, "", f"{where}: cannot be imported ({str(exc)[:200]})", refused=True)


def _card(cell: html_text.Element, where: str, first: bool) -> Item:
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
    chat = chat_of(links)
    if at is None:
        return Item(where, None, chat, None, activity=texts[0] if texts else "",
                     problems=(f"{where}: no date found in the card",))
    time = _html_time(texts[at])
    head = [t.replace("\xa0", " ") for t in texts[:at] if t]
    lines = [t for t in head if not EXTRA_LINE.match(t)]
    extras = [inline(t) for t in head[1:] if EXTRA_LINE.match(t)]
    answer = html_text.blocks([c for seg in segments[at + 1:] for c in [html_text.Element("br"), *seg]][1:])
    prompt = prompt_of("\n".join(lines), bool(answer.strip()))
    if prompt is None:
        return Item(where, time, chat, None, activity=head[0] if head else "")
    return Item(where, time, chat, question_markdown(prompt, [], extras), (answer,) if answer.strip() else ())


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
