"""Exporters' label forms, kept only where they hold a real exchange: headings (``## User`` / ``## ChatGPT``), bold
labels (``**Me:**``), the chat page's ``You said:``, emoji marks, a known name alone on its line; the page's title is
never a label, a one-word heading (``## dana``) is one only where an assistant's heading answers it, a bold name nobody
knows only where it takes turns with a known one, and a block of bold fields (``**Date:**`` / ``**Tool:**``) is a
note's."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Mapping

from site_builder.model import Speaker
from site_builder.speakers import PROSE_LABELS, Reading, known_name, name_role, pronoun_pair
from site_builder.reading.lines import HEADING_ANY, Line, heading_level, page_names_an_ai


def exported_forms(lines: list[Line], title: str = "") -> list[Line]:
    """Drop the exporters' label forms (headings, bold, ``said``, emoji) unless they hold a real exchange: a
    user's heading answered right after by an assistant's. ``## ChatGPT`` in an article is a heading. A
    one-word heading (``## dana``) is a label only where a known assistant's heading at its level answers
    it; the page's title (an ``# H1`` opening the body above deeper label headings) is never one."""
    lines = _field_blocks(_names_answered(title_heading(lines)))
    pair = ai_voice(lines, title)
    if pair:  # `**你：**` / `**我：**` taking turns: those are the labels, any other form is text
        return [line if not line.form or line.label in pair else dataclasses.replace(line, label=None, rest="", form="")
                for line in lines]
    lines = _bold_names(lines)
    forms = [line for line in lines if line.form]
    answered = any(a.label and b.label and name_role(a.label) in ("user", None) and name_role(b.label) == "assistant"
                   for a, b in zip(forms, forms[1:]))
    if answered or not forms:
        return lines
    labelled = [line for line in lines if line.label and line.label.casefold() not in PROSE_LABELS]
    asking = Counter(a.label for a, b in zip(labelled, labelled[1:]) if not a.form and b.form
                     and name_role(a.label) in ("user", None) and name_role(b.label or "") == "assistant")
    if asking and max(asking.values()) >= 2:  # `I asked: …` / `ChatGPT said: …`, twice or more
        return lines
    return [dataclasses.replace(line, label=None, rest="", form="") if line.form else line for line in lines]


_BOLD_FIELD = re.compile(r"^\*\*[^*\n]{1,40}?[ \t]*[:：][ \t]*\*\*|^\*\*[^*\n]{1,40}?\*\*[ \t]*[:：]")


def _field_blocks(lines: list[Line]) -> list[Line]:
    """Bold labels in a block of bold fields on consecutive lines where some field is no speaker's name
    (``**Date:** …`` / ``**Tool:** Gemini``, ``**AI:** …`` / ``**Me:** …`` / ``**Why:** …``): a note's fields."""
    result = list(lines)
    index = 0
    while index < len(lines):
        if lines[index].in_code or not lines[index].text.startswith("**") or not _BOLD_FIELD.match(lines[index].text):
            index += 1
            continue
        start = index
        while index < len(lines) and not lines[index].in_code and _BOLD_FIELD.match(lines[index].text):
            index += 1
        block = lines[start:index]
        if len(block) >= 2 and any(not (line.label and known_name(line.label)) for line in block):
            result[start:index] = [dataclasses.replace(line, label=None, rest="", form="") if line.form else line
                                   for line in block]
    return result


def ai_voice(lines: list[Line], title: str) -> tuple[str, str] | None:
    """The "you" and "I" labels (``speakers.pronoun_pair``) of a post that speaks in an AI's voice: an AI is named in
    the title or before the first of them, and one of them is written in a form (``**我：**``); None otherwise (a
    presenter's ``**Tú:**`` / ``**Yo:**`` in a podcast script)."""
    pair = pronoun_pair([line.label for line in lines if line.label])
    if pair is None or not any(line.form and line.label in pair for line in lines):
        return None
    first = next(index for index, line in enumerate(lines) if line.label in pair)
    return pair if page_names_an_ai(title, lines[:first]) else None


def _bold_names(lines: list[Line]) -> list[Line]:
    """Bold labels of names nobody knows (``**kenta:**``, ``**教练：**``) kept where they take turns with known ones:
    right before a known assistant's bold label, or right after a known user's, twice or more. The others
    (``**结论：**``, a note's field) are the text they start."""
    bold = [line for line in lines if line.form in ("bold", "bold name")]
    turns = Counter()
    for a, b in zip(bold, bold[1:]):
        if a.form == "bold name" and b.form == "bold" and name_role(b.label or "") == "assistant":
            turns[a.label] += 1
        if b.form == "bold name" and a.form == "bold" and name_role(a.label or "") == "user":
            turns[b.label] += 1
    return [line if line.form != "bold name" else dataclasses.replace(line, form="bold") if turns[line.label] >= 2
            else dataclasses.replace(line, label=None, rest="", form="") for line in lines]


def title_heading(lines: list[Line]) -> list[Line]:
    """An ``# H1`` label heading that opens the body, above label headings of a deeper level: the page's title."""
    first = next((index for index, line in enumerate(lines) if line.text.strip()), None)
    if first is None or lines[first].form not in ("heading", "name heading") or heading_level(lines[first]) != 1:
        return lines
    others = [line for line in lines[first + 1:] if line.form in ("heading", "name heading")]
    if not others or any(heading_level(line) == 1 for line in others):
        return lines
    return [*lines[:first], dataclasses.replace(lines[first], label=None, rest="", form=""), *lines[first + 1:]]


def _names_answered(lines: list[Line]) -> list[Line]:
    """One-word headings kept as labels only when a known assistant's heading at their level comes next among
    the headings of that level (``## dana`` … ``## chatgpt``); the others are headings."""
    headings = [line for line in lines if line.form in ("heading", "name heading")
                or not line.in_code and "#" in line.text[:4] and HEADING_ANY.match(line.text)]
    answered = {a.label for a, b in zip(headings, headings[1:])
                if a.form == "name heading" and b.form == "heading" and heading_level(a) == heading_level(b)
                and name_role(b.label or "") == "assistant"}
    return [line if line.form != "name heading" else
            dataclasses.replace(line, form="heading") if line.label in answered else
            dataclasses.replace(line, label=None, rest="", form="") for line in lines]


def tool_calls(lines: list[Line], readings: Mapping[str, Reading]) -> dict[str, Reading]:
    """A coding agent's tool calls under their own headings (``### ✅ `view` ``, as Copilot's CLI writes its
    sessions), read as tool turns where an assistant speaks."""
    if not any(r.speaker.role == "assistant" for r in readings.values()):
        return {}
    return {line.label: Reading(Speaker(line.label, "tool"), "tool call") for line in lines
            if line.form == "tool heading"}  # the heading says what it is, whatever its place
