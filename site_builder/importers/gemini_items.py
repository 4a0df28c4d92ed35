"""One Gemini activity item, read (``Item``: its time, the chat it names, the prompt and the drafts of its answer,
or the activity that is not a prompt), and the items of the JSON log (``MyActivity.json``). ``gemini_html`` reads
the HTML page's cards into the same items.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from site_builder.importers import html_text
from site_builder.importers.common import Skipped, WrongKind, expect, optional
from site_builder.importers.jsonstream import Progress, iter_json
from site_builder.importers.records import lenient_time, read_record
from site_builder.importers.text import code_span, inline, link

_VERBS = ("Prompted ", "Branched ", "Answered ")
"""Titles of items that are a prompt (the rest of the title is the prompt)."""
_CHAT = re.compile(r"^https?://gemini\.google\.com/(?:u/\d+/)?(?:app|gem/[\w-]+)/(?P<id>[0-9a-zA-Z_-]+)")
EXTRA_LINE = re.compile(r"^(?:\d+ generated (?:image|video)s?\.|Attached \d+ files?\.)$")
"""A line that counts what came with a prompt (``Attached 1 file.``, ``2 generated images.``), not its text."""


@dataclass(frozen=True, slots=True)
class Item:
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


def json_items(path: Path, member: str | None, progress: Progress | None) -> Iterator[tuple[str, Item | Skipped]]:
    for index, record in enumerate(iter_json(path, member, progress)):
        yield record.where, read_record(lambda: _json_item(record.value, record.where), record.value, record.where,
                                        first=index == 0, repaired=record.repaired)


def _json_item(raw: Any, where: str) -> Item:
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
    chat = chat_of(links)
    htmls = [expect(expect(h, dict, f"{where}.safeHtmlItem[{i}]").get("html", ""), str,
                    f"{where}.safeHtmlItem[{i}].html") for i, h in enumerate(optional(item, "safeHtmlItem", list, where, []))]
    prompt = prompt_of(title, bool(htmls))
    if prompt is None:
        return Item(where, time, chat, None, activity=title, problems=problems)
    if not title.startswith(_VERBS):
        problems += (f"{where}.title does not start with `Prompted`: the whole title is shown as the question",)
    files = _files(item, where)
    question = question_markdown(prompt, files, _subtitles(item, where, files))
    return Item(where, time, chat, question, tuple(html_text.markdown(h) for h in htmls), problems=problems)


def prompt_of(title: str, answered: bool) -> str | None:
    """The prompt of an item's title; None for activity that is not a prompt (an item with an answer always is)."""
    for verb in _VERBS:
        if title.startswith(verb) or title == verb.strip():
            return title[len(verb):]
    return title if answered else None


def chat_of(urls: Iterable[Any]) -> str | None:
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
        if not name and not url or url in files or (files and EXTRA_LINE.match(name)):
            continue
        lines.append(link(name or url, url) if url.startswith(("http://", "https://")) else inline(name or url))
    return lines


def question_markdown(prompt: str, files: list[str], extras: list[str]) -> str:
    text = prompt.strip("\n") or "*(The export keeps no text for this prompt.)*"
    lines = [f"*Attached: {code_span(name, 200)}*" for name in files] + [f"*{line}*" for line in extras]
    return "\n\n".join([text, "\n".join(lines)]) if lines else text
