"""ChatGPT's ``chat.html`` (the page in the "Export data" zip that shows every conversation offline) ->
``Conversation``s.

The page holds the same conversations as ``conversations.json``, as a JavaScript array in a ``<script>``:
``var jsonData = [{title, mapping, current_node, ...}, ...];`` followed by the page's own functions. The array
is read as JSON from where it starts, one conversation at a time; nothing of the page is run. Each record is
read by ``chatgpt.convert``, so the posts are the ones ``conversations.json`` makes (the same ``source`` and
ids: importing one after the other finds the posts unchanged).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any, Iterator

from site_builder.errors import ImportError_
from site_builder.importers import chatgpt
from site_builder.importers.archive import sources
from site_builder.importers.common import Conversation, Skipped
from site_builder.importers.jsonstream import CHUNK, SURROGATE_ESCAPE, WHITESPACE, Progress, Record, repaired_record
from site_builder.importers.records import read_record

SOURCE = chatgpt.SOURCE
"""The same as ``conversations.json``'s, so that a post is found again whichever of the two it came from."""
KIND = "chatgpt-html"
"""Its name in ``import KIND`` (``SOURCE`` is ChatGPT's)."""
NAME = "ChatGPT export page (chat.html)"
MEMBER = "chat.html"
_START = re.compile(r"\bjsonData\s*=\s*(?=\[)")


def recognises(sample: Any) -> bool:
    """An HTML page that holds ``var jsonData = [`` with ChatGPT conversations (``mapping``) in it."""
    head = sample.text[:1 << 18]
    found = _START.search(head)
    return found is not None and "<html" in head[:found.start()].lower() and '"mapping"' in head[found.end():]


def conversations(path: Path, options: chatgpt.Options | None = None, progress: Progress | None = None,
                  member: str | None = None) -> Iterator[tuple[str, Conversation | Skipped]]:
    options = options if isinstance(options, chatgpt.Options) else chatgpt.Options()
    page, name = _page(path, member, progress)
    for index, record in enumerate(embedded(page, name)):
        yield record.where, read_record(lambda: chatgpt.convert(record.value, record.where, options), record.value,
                                        record.where, first=index == 0, repaired=record.repaired)


def _page(path: Path, member: str | None, progress: Progress | None) -> tuple[str, str]:
    """The page's text and how errors name it (the file, or the zip and its ``chat.html``)."""
    wanted = member or (MEMBER if zipfile.is_zipfile(path) else None)
    for source in sources(path, wanted):
        chunks = []
        while chunk := source.stream.read(CHUNK):
            chunks.append(chunk)
            if progress:
                progress(source.before + sum(map(len, chunks)), source.total)
        try:
            return b"".join(chunks).decode("utf-8-sig"), source.name
        except UnicodeDecodeError as exc:
            raise ImportError_(f"{source.name}: not UTF-8 text ({exc.reason} near byte {exc.start})") from None
    raise ImportError_(f"{path}: no page to read")


def embedded(page: str, name: str) -> Iterator[Record]:
    """The elements of the page's ``jsonData`` array, one at a time, each named by its index (``[3]``)."""
    found = _START.search(page)
    if found is None:
        raise ImportError_(f"{name}: no conversations in this page (no `var jsonData = [...]`)",
                           hint="pass the chat.html of a ChatGPT data export, or its conversations.json")
    decoder = json.JSONDecoder()
    pos = _skip(page, found.end() + 1)
    index = 0
    if page[pos:pos + 1] == "]":
        return
    while True:
        where = f"[{index}]"
        try:
            value, end = decoder.raw_decode(page, pos)
        except json.JSONDecodeError as exc:
            raise ImportError_(f"{name}: jsonData{where}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise ImportError_(f"{name}: jsonData{where}: JSON nested too deeply to read") from None
        yield repaired_record(where, value, SURROGATE_ESCAPE.search(page, pos, end) is not None)
        pos = _skip(page, end)
        following = page[pos:pos + 1]
        if following == "]":
            return
        if following != ",":
            raise ImportError_(f"{name}: jsonData{where}: not valid JSON: expected ',' or ']' after an element")
        pos = _skip(page, pos + 1)
        index += 1


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in WHITESPACE:
        pos += 1
    return pos
