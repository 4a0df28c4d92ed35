"""One record of an export at a time, so one bad record never stops the others (issue 10, point 6).

``read_record`` turns a record into its ``Conversation``, or into a refused ``Skipped`` that says where in
the file it went wrong and why; the import goes on with the next record and the command exits 1. Only a
first record of another kind of export (a Claude file given to ``import chatgpt``) stops the import: the
whole file is then of the wrong kind.

What the page can do without costs a warning, not the conversation: ``lenient_time`` reads a timestamp or
says why it could not (the caller falls back to the file's order, or the export file's date).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Callable

from site_builder.importers.common import Conversation, ShapeError, Skipped, WrongKind, with_repairs

UNFORESEEN = (TypeError, ValueError, KeyError, AttributeError, RecursionError, IndexError, OverflowError)
"""What a reader may raise on a shape nobody foresaw; the record is refused and named, the import goes on."""


def read_record(convert: Callable[[], Conversation | Skipped], raw: Any, where: str, *, first: bool,
                repaired: int = 0) -> Conversation | Skipped:
    """``convert()``'s conversation (with its repairs counted), or why the record at ``where`` is refused."""
    try:
        item = convert()
    except WrongKind:
        if first:
            raise
        return _refused(raw, where, "not a conversation of this kind of export")
    except ShapeError as exc:
        return _refused(raw, where, f"{exc.path}: {exc.message}")
    except UNFORESEEN as exc:
        return _refused(raw, where, f"{where or 'the top level'}: cannot be imported ({type(exc).__name__}: "
                                    f"{str(exc)[:200]})")
    return with_repairs(item, repaired)


def _refused(raw: Any, where: str, reason: str) -> Skipped:
    source_id, title = identify(raw, where)
    return Skipped(source_id, title, reason, refused=True)


def identify(raw: Any, where: str) -> tuple[str, str]:
    """The id and title of a record that could not be read, as far as they can be told (else its place)."""
    if not isinstance(raw, dict):
        return where or "the top level", ""
    ids = (raw.get(key) for key in ("conversation_id", "uuid", "id"))
    source_id = next((str(v) for v in ids if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v)), "")
    titles = (raw.get(key) for key in ("title", "name"))
    title = next((" ".join(v.split())[:80] for v in titles if isinstance(v, str)), "")
    return source_id or where or "the top level", title


def derived_id(title: str, created: Any) -> str:
    """A stable id for a conversation the export gives none (one saved on its own): from its title and time."""
    return "derived-" + hashlib.sha1(f"{title}\n{created}".encode("utf-8", "surrogatepass")).hexdigest()[:12]


def lenient_time(value: Any, where: str) -> tuple[dt.datetime | None, str | None]:
    """A timestamp (seconds since 1970, or ISO 8601) as an aware datetime, and None; or None and a warning
    naming ``where`` when it is there but not a time. Missing (null, "") is None and no warning."""
    if value is None or value == "":
        return None, None
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError
        if isinstance(value, str):
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)), None
        return dt.datetime.fromtimestamp(float(value), dt.timezone.utc), None
    except (ValueError, OverflowError, OSError):
        return None, f"{where}: not a time ({str(value)[:40]!r}), left out"
