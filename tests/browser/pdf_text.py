"""What a PDF printed by Chromium says: its page count and its text, for the print tests.

pypdf reads any PDF, when it is installed; otherwise this reads the PDFs that Chromium (Skia) writes: objects
in the clear, Flate-compressed streams, Type0 fonts with a ``/ToUnicode`` map, text shown by ``Tj``/``TJ``
with hex strings, each page's fonts named ``/F<object number>``.
"""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_SHOW = re.compile(rb"/F(\d+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|\[(.*?)\]\s*TJ", re.S)


def page_count(pdf: bytes) -> int:
    """The number of pages (``/Type /Page`` objects, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


def pdf_text(pdf: bytes) -> str:
    """The text of every page, in page order (runs of text joined by spaces, pages by a form feed)."""
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        return _skia_text(pdf)
    return "\f".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _skia_text(pdf: bytes) -> str:
    objects = {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(pdf)}
    maps = {number: _cmap(_stream(objects, int(ref.group(1))))
            for number, body in objects.items() if (ref := re.search(rb"/ToUnicode (\d+) 0 R", body))}
    pages = []
    for body in objects.values():
        if re.match(rb"<<\s*/Type\s*/Page(?![a-z])", body) and (contents := re.search(rb"/Contents (\d+) 0 R", body)):
            pages.append(_page_text(_stream(objects, int(contents.group(1))), maps))
    return "\f".join(pages)


def _stream(objects: dict[int, bytes], number: int) -> bytes:
    body = objects.get(number, b"")
    found = _STREAM.search(body)
    if found is None:
        return b""
    return zlib.decompress(found.group(1)) if b"/FlateDecode" in body[:found.start()] else found.group(1)


def _cmap(data: bytes) -> dict[int, str]:
    """Glyph code -> text, from a ToUnicode CMap's ``bfchar`` and ``bfrange`` sections."""
    mapping: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            start = int(text, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def _page_text(content: bytes, maps: dict[int, dict[int, str]]) -> str:
    runs, font = [], {}
    for match in _SHOW.finditer(content):
        if match.group(1):
            font = maps.get(int(match.group(1)), {})
            continue
        strings = [match.group(2)] if match.group(2) is not None else re.findall(rb"<([0-9A-Fa-f]*)>", match.group(3))
        runs.append("".join(font.get(int(s[i:i + 4], 16), "") for s in strings for i in range(0, len(s), 4)))
    return " ".join(runs)
