"""Pagefind's filter files put in order: Pagefind 1.5 writes each filter's values, and the filters of each
language, in the order of a hash map seeded anew on each run; decoded (gzip, ``pagefind_dcd``, CBOR), sorted and
encoded again as Pagefind encodes them, the same records make the same bytes."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from typing import Any


def sorted_filters(files: dict[str, bytes]) -> dict[str, bytes]:
    """``files`` (an index, path: bytes) with each filter's values sorted, and the filters in each language's
    ``.pf_meta`` sorted by name: Pagefind 1.5 writes both in the order of a hash map seeded anew on each run.
    The rewritten files are named, as Pagefind names them, by the first hex digits of the SHA-1 of their CBOR,
    and so is the meta file that lists them (``pagefind-entry.json``, which names it, follows). Nothing else changes: pages, words
    and fragments are Pagefind's. An index in a format this does not read is left as it is (it works; only
    its bytes vary from run to run, which the tests of ``tests/test_search_index.py`` would show).
    """
    try:
        return _with_sorted_filters(dict(files))
    except (KeyError, IndexError, TypeError, ValueError, EOFError, OSError, zlib.error):
        return files


_SIGNATURE = b"pagefind_dcd"
"""What Pagefind's index files start with, once gunzipped; CBOR follows."""


def _with_sorted_filters(files: dict[str, bytes]) -> dict[str, bytes]:
    entry = json.loads(files["pagefind-entry.json"])
    for code, listing in sorted(entry["languages"].items()):
        meta = _unpack(files.pop(f"pagefind.{listing['hash']}.pf_meta"))
        filters = [(name, _unpack(files.pop(f"filter/{hashed}.pf_filter"))) for name, hashed in meta[3]]
        meta[3] = [[name, _pack(files, "filter/{}.pf_filter", code, 7, [inner, sorted(values)])]
                   for name, (inner, values) in sorted(filters)]
        listing["hash"] = _pack(files, "pagefind.{}.pf_meta", code, len(code) + 8, meta)
    entry["languages"] = dict(sorted(entry["languages"].items()))
    files["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    return files


def _unpack(data: bytes) -> Any:
    body = gzip.decompress(data)
    if not body.startswith(_SIGNATURE):
        raise ValueError("not a Pagefind index file")
    value, end = _cbor_item(body, len(_SIGNATURE))
    if end != len(body):
        raise ValueError("bytes after the CBOR item")
    return value


def _pack(files: dict[str, bytes], pattern: str, language: str, digits: int, value: Any) -> str:
    """Add ``value`` to ``files`` as Pagefind writes it, named ``pattern`` with ``{language}_{hash}``, where
    hash is the first ``digits`` of the hex SHA-1 of its CBOR (more, while the name is taken); returns that."""
    body = bytearray()
    _cbor_write(value, body)
    digest = hashlib.sha1(body).hexdigest()
    while pattern.format(f"{language}_{digest[:digits]}") in files and digits < len(digest):
        digits += 1
    files[pattern.format(f"{language}_{digest[:digits]}")] = gzip.compress(_SIGNATURE + body, 9, mtime=0)
    return f"{language}_{digest[:digits]}"


def _cbor_item(data: bytes, at: int) -> tuple[Any, int]:
    """The CBOR item that starts at ``data[at]``, and where it ends. Only what the filter and meta files hold:
    integers, text and arrays, of definite lengths."""
    major, low = data[at] >> 5, data[at] & 0x1F
    at += 1
    if low < 24:
        argument = low
    elif low <= 27:
        width = 1 << (low - 24)
        if at + width > len(data):
            raise ValueError("truncated CBOR")
        argument, at = int.from_bytes(data[at:at + width], "big"), at + width
    else:
        raise ValueError(f"CBOR additional information {low} is not read here")
    if major == 0:
        return argument, at
    if major == 1:
        return -1 - argument, at
    if major == 3:
        if at + argument > len(data):
            raise ValueError("truncated CBOR")
        return data[at:at + argument].decode("utf-8"), at + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, at = _cbor_item(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"CBOR major type {major} is not read here")


def _cbor_write(value: Any, out: bytearray) -> None:
    """Append ``value`` (an int, a str or a list of them) as CBOR with the shortest heads, as Pagefind's
    encoder writes it."""
    if isinstance(value, str):
        raw = value.encode("utf-8")
        out += _cbor_head(3, len(raw)) + raw
    elif isinstance(value, list):
        out += _cbor_head(4, len(value))
        for item in value:
            _cbor_write(item, out)
    else:
        out += _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)


def _cbor_head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    width = next(width for width in (1, 2, 4, 8) if argument < 1 << 8 * width)
    return bytes([major << 5 | 24 + width.bit_length() - 1]) + argument.to_bytes(width, "big")
