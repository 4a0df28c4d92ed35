"""What every importer produces: a ``Conversation`` of exchanges, ready to be written as a post, and the
helpers that check an export's shape (``expect``, ``optional``: a ``ShapeError`` names the place).

Every reader (one module per format: ``chatgpt``, ``claude``, ``sharegpt``…) has ``SOURCE`` (its kind, as in
``import KIND``), ``NAME`` (the format as people call it), ``recognises(sample: Sample) -> bool`` (whether the
start of a file is of its format; ``detect`` asks each in turn) and ``conversations(path, options, progress,
member=None)``, which yields ``(place, Conversation | Skipped)`` for every record: one reader per format, one
writer (``writer.py``).

An export is read into ``Node``s (one message each, with its parent); ``layout.thread`` turns that tree
into exchanges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Mapping


class ShapeError(Exception):
    """The export does not have the shape of its kind at ``path`` (``[3].mapping.abc.message``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class WrongKind(ShapeError):
    """The record is a conversation of another kind of export (a Claude file given to ``import chatgpt``)."""


@dataclass(frozen=True, slots=True)
class Sample:
    """What format detection (``detect.py``) shows each reader's ``recognises(sample)``: the start of one file."""

    name: str
    """The file's name (a zip member's name inside its zip), as given: ``conversations.json``, ``rollout-….jsonl``."""
    record: Any = None
    """The first JSON record: the first element of a top-level array, the one top-level object, or the first
    line of a JSON lines file; None when the file is not JSON."""
    text: str = ""
    """The first 256 KiB of the file as text (for formats that are not JSON: HTML pages)."""


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    """``user``, ``assistant``, ``system`` or ``tool``."""
    speaker: str
    """The label of its turn in the post (``User``, ``ChatGPT``, ``Browser``)."""
    text: str
    """Markdown from the export, not yet made safe (``text.neutralise`` does that when writing)."""
    model: str | None = None
    interrupted: bool = False
    """The answer stopped before it was finished (ChatGPT ``status: in_progress``)."""


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    parent: str | None
    message: Message | None
    """None for a node that is not shown (empty root, hidden message); its children hang on its parent."""
    time: float | None = None
    order: int = 0
    """Position in the export, to order siblings that have no time."""


@dataclass(frozen=True, slots=True)
class DraftExchange:
    question: Message | None
    answers: tuple[tuple[Message, ...], ...]
    """One tuple of messages per answer variant; the first is the main line's."""
    note: str | None = None
    """Why this exchange is here, when it is a branch (shown as a note on its first turn)."""


@dataclass(frozen=True, slots=True)
class Conversation:
    source: str
    """``chatgpt``, ``claude`` or ``sharegpt``."""
    source_id: str
    title: str
    created: dt.datetime | None
    exchanges: tuple[DraftExchange, ...]
    intro: str = ""
    """Markdown before the first turn (custom instructions, tool definitions)."""
    dropped: tuple[tuple[str, str], ...] = ()
    """(message id, reason) for every message left out on purpose."""
    problems: tuple[str, ...] = ()
    """What was wrong in the export and how it was handled (dangling ids, missing current node)."""
    branches: int = 0
    """How many alternative branches the export had (regenerated answers, edited questions)."""


@dataclass(frozen=True, slots=True)
class Thread:
    exchanges: tuple[DraftExchange, ...]
    problems: tuple[str, ...]
    branches: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """A conversation of the export that could not be imported at all, and why."""

    source_id: str
    title: str
    reason: str
    refused: bool = False
    """It could not be read or made safe (the import exits 1), rather than having nothing to show."""


def with_repairs(item: Conversation | Skipped, repaired: int) -> Conversation | Skipped:
    """``item`` with a problem line counting the lone surrogates the reader replaced (``Record.repaired``)."""
    if not repaired or isinstance(item, Skipped):
        return item
    plural = "s" if repaired != 1 else ""
    return replace(item, problems=item.problems + (
        f"{repaired} lone surrogate{plural} (half of a character, cut in two) replaced with U+FFFD",))


def expect(value: Any, kinds: type | tuple[type, ...], path: str) -> Any:
    """``value`` if it has one of ``kinds``, else a ``ShapeError`` naming ``path``."""
    if isinstance(value, kinds):
        return value
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
             bool: "true or false"}
    wanted = " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in (kinds if isinstance(kinds, tuple) else (kinds,))))
    return _raise(path, f"expected {wanted}, found {_describe(value)}")


def optional(obj: Mapping[str, Any], key: str, kinds: type | tuple[type, ...], path: str, default: Any = None) -> Any:
    """``obj[key]`` checked against ``kinds``; ``default`` when missing or null."""
    value = obj.get(key)
    return default if value is None else expect(value, kinds, f"{path}.{key}")


def _raise(path: str, message: str) -> Any:
    raise ShapeError(path, message)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(type(value), "a number")
