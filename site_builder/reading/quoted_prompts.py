"""Quotes that are the prompts: a page about an AI that labels nobody, each quote answered by the text after it
(``prompts: quoted``, said as a doubt unless the first quote calls the AI by name)."""

from __future__ import annotations

import dataclasses
import re

from site_builder.model import ReadingWarning, Speaker
from site_builder.patterns import lazy
from site_builder.speakers import known_name
from site_builder.reading.lines import AI_WORDS, HEADING_ANY, QUOTE_LINE, Line, assistant_named, quote_starts
from site_builder.reading.bold_prompts import BOLD_TITLE, asks
from site_builder.reading.scan import Conversation, quoted_conversation


def prompts_by_the_page(lines: list[Line], title: str) -> Conversation | None:
    """A page about an AI that labels nobody and opens its conversation with a quote, each quote answered by the
    text after it: the quotes are the prompts (``prompts: quoted``, said as a doubt). None otherwise."""
    starts = quote_starts(lines)
    name = assistant_named(title, lines if len(starts) >= 3 else [])
    if not name or len(starts) < 2 or any(line.label and known_name(line.label) for line in lines):
        return None
    before = [line for line in _outside_style(lines[:starts[0]]) if line.text.strip() and not line.in_code
              and not HEADING_ANY.match(line.text) and not line.text.lstrip().startswith(("<", "|", "[!["))]
    answered = all(_next_text(lines, _quote_end(lines, start)) is not None for start in starts)
    if before and not _set_apart(lines, starts[0], before[-1]):
        return None
    if not answered or lines[starts[0]].text.lstrip().startswith("<") or _cited(lines, starts):
        return None
    user, assistant = Speaker("You", "user"), Speaker(name, "assistant")
    read = quoted_conversation(lines, user, assistant)
    if len(read.turns) < 4:
        return None
    if _calls_the_ai(lines, starts[0]):  # the first quote speaks to the AI: a prompt, no doubt
        return read
    doubt = ReadingWarning(lines[starts[0]].number, f"nobody is labelled: the quotes are read as your prompts and the "
                                                    f"text after each as {name}'s answer; if they are quotations, "
                                                    "declare `speakers: {}`",
                           (("prompts", "quoted"), ("speakers", (("You", "user"), (name, "assistant")))))
    return dataclasses.replace(read, warnings=(doubt,), confidence="unsure")


def _cited(lines: list[Line], starts: list[int]) -> bool:
    """Half the quotes or more open with a bold title that asks nothing (``> **MDN - Promise**``, ``> **ChatGPT's
    answer**``): sources cited in notes, not prompts."""
    titled = sum(1 for start in starts if (title := BOLD_TITLE.match(QUOTE_LINE.match(lines[start].text)["rest"]
                                                                     if QUOTE_LINE.match(lines[start].text) else ""))
                 and not asks(title[0]))
    return titled * 2 >= len(starts)


def _set_apart(lines: list[Line], first: int, last_before: Line) -> bool:
    """The author's introduction ends apart from the first prompt: a rule between them, or the prompt calls the AI
    by its name (``> Hey Bing, let's play…``)."""
    between = [line for line in lines[:first] if line.number > last_before.number]
    return any(line.is_rule for line in between) or _calls_the_ai(lines, first)


_CALLED = lazy(rf"^ {{0,3}}>[ \t]*(?:(?:hey|hi|hello|dear|ok|okay|so)[ \t,]+)?(?:{AI_WORDS.pattern})[ \t]*[,，!:]", re.I)


def _calls_the_ai(lines: list[Line], first: int) -> bool:
    """The quote at ``first`` opens by calling the AI by its name (``> Hey Bing, let's…``, ``> Claude, be…``)."""
    return bool(_CALLED.match(lines[first].text))


def _outside_style(lines: list[Line]) -> list[Line]:
    """``lines`` without those inside ``<style>`` or ``<script>`` blocks (a page's CSS is not its prose)."""
    kept, inside = [], False
    for line in lines:
        text = line.text.strip().lower()
        if text.startswith(("<style", "<script")):
            inside = not text.endswith(("</style>", "</script>"))
            continue
        if inside:
            inside = not text.startswith(("</style", "</script"))
            continue
        kept.append(line)
    return kept


def _quote_end(lines: list[Line], start: int) -> int:
    end = start
    while end + 1 < len(lines) and not lines[end + 1].in_code and QUOTE_LINE.match(lines[end + 1].text):
        end += 1
    return end


def _next_text(lines: list[Line], index: int) -> int | None:
    """The index of the first line after ``index`` that is not blank and not a quote or a heading, or None."""
    for ahead in range(index + 1, len(lines)):
        if lines[ahead].text.strip():
            text = lines[ahead].text
            return None if QUOTE_LINE.match(text) and not lines[ahead].in_code or HEADING_ANY.match(text) else ahead
    return None
