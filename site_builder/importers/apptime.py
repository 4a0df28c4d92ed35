"""The times local chat apps write, read leniently: seconds or milliseconds since 1970 (Open WebUI's chat
``timestamp``, LM Studio's ``createdAt``), ISO 8601 (LibreChat), and SillyTavern's own
``"December 17, 2023 9:22pm"`` (older chats; newer ones write ISO 8601 or milliseconds)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from site_builder.importers.records import lenient_time

MILLISECONDS_FROM = 1e11
"""A number of seconds this large is past the year 5000: it is milliseconds."""
_HUMAN = re.compile(r"^(?P<month>[A-Z][a-z]+) (?P<day>\d{1,2}), (?P<year>\d{4}) (?P<hour>\d{1,2}):(?P<minute>\d{2})"
                    r"(?::(?P<second>\d{2}))? ?(?P<half>[ap]m)$", re.IGNORECASE)
_HUMAN_SHORT = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2}) ?@(?P<hour>\d{1,2})h ?"
                          r"(?P<minute>\d{1,2})m ?(?P<second>\d{1,2})s(?: ?(?P<ms>\d{1,3})ms)?$")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")


def app_time(value: Any, where: str) -> tuple[dt.datetime | None, str | None]:
    """``value`` as an aware datetime (UTC when it names no zone), and None; or None and a warning naming
    ``where`` when it is there but not a time. Missing (null, "") is None and no warning."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= MILLISECONDS_FROM:
        value = value / 1000
    if isinstance(value, str) and (found := _human(value.strip())) is not None:
        return found, None
    if isinstance(value, str) and re.fullmatch(r"\d{9,14}(\.\d+)?", value.strip()):
        return app_time(float(value), where)
    return lenient_time(value, where)


def seconds(value: Any, where: str) -> tuple[float | None, str | None]:
    """``app_time`` in seconds since 1970, for ordering messages."""
    time, warning = app_time(value, where)
    return (time.timestamp() if time else None), warning


def _human(text: str) -> dt.datetime | None:
    """SillyTavern's ``humanizedDateTime`` forms: ``December 17, 2023 9:22pm`` and ``2023-12-17 @21h 22m 05s``."""
    try:
        if match := _HUMAN.match(text):
            hour = int(match["hour"]) % 12 + (12 if match["half"].lower() == "pm" else 0)
            month = _MONTHS.index(match["month"].lower()) + 1
            return dt.datetime(int(match["year"]), month, int(match["day"]), hour, int(match["minute"]),
                               int(match["second"] or 0), tzinfo=dt.timezone.utc)
        if match := _HUMAN_SHORT.match(text):
            return dt.datetime(int(match["year"]), int(match["month"]), int(match["day"]), int(match["hour"]),
                               int(match["minute"]), int(match["second"]), int(match["ms"] or 0) * 1000,
                               tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    return None
