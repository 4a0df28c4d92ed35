"""``prompts: bold``: an interview written as an article. Each prompt is a bold line (``**List 10 ways you can help
me**``, ``<p><strong>…</strong></p>``) or a numbered question (``Q1. …``), and the quote right under it is the
answer; the author's words between an answer and the next prompt are the author's notes, and after the last answer
the author's closing words. Found without the key when an AI is named and at least two prompts are so answered
(said as a doubt)."""

from __future__ import annotations

import dataclasses
import re
from types import MappingProxyType

from site_builder.model import ReadingWarning, Speaker
from site_builder.patterns import lazy
from site_builder.reading.doubts import settled
from site_builder.reading.lines import QUOTE_LINE, SPEAKERS, Line, assistant_named, page_names_an_ai
from site_builder.reading.scan import Conversation, group_exchanges, scan_turns
from site_builder.speakers import known_name

BOLD_TITLE = lazy(r"^ {0,3}(?P<mark>\*\*|__)(?P<text>(?:(?!\*\*|__).)+?)(?P=mark)[ \t]*[.:：?？]?[ \t]*\\?[ \t]*$")
"""A line that is bold from end to end (a hard break's ``\\`` after it allowed)."""
_STRONG_PARAGRAPH = lazy(r"^\s*<p[^>]*>\s*<(?P<tag>strong|b)>(?:(?!</?(?:strong|b)>).)*</(?P=tag)>\s*</p>\s*$",
                               re.I)
_TAG = lazy(r"<[^>\n]*>")
_NUMBERED_QUESTION = lazy(r"^\s*[\"“]?(?:Q|Question|Frage|Pregunta|Pergunta|Вопрос|问题?|問題?|質問|질문)[ \t]?"
                                r"\d{1,3}[ \t]*[.:：)]", re.I)
_PAGE_COMMENT = lazy(r"^\s*<!--\s*/?wp:[^>\n]*-->\s*$")
"""WordPress's block comments (``<!-- wp:paragraph -->``): markup, not text."""
_QUOTE_START = lazy(r"^ {0,3}(?:>|<blockquote[\s>])", re.I)
_HTML_QUOTE_END = lazy(r"</blockquote>", re.I)


def bold_prompts_by_the_page(lines: list[Line], title: str) -> Conversation | None:
    """A page about an AI that labels nobody and asks in bold (or ``Q1.``) lines, each answered by the quote under
    it, twice or more: read as ``prompts: bold``, said as a doubt. None otherwise."""
    pairs = _pairs(lines)
    if len(pairs) < 2:  # called only when no label is read as a speaker's
        return None
    if not page_names_an_ai(title, lines):
        return None
    name = assistant_named(title, lines) or "Assistant"
    user, assistant = Speaker("You", "user"), Speaker(name, "assistant")
    read = _conversation(lines, pairs, user, assistant)
    doubt = ReadingWarning(read.turns[0].line, "nobody is labelled: each bold line (or numbered question) with a quote "
                                               f"under it is read as your prompt and the quote as {name}'s answer, "
                                               "your words between them as your notes; if the quotes are quotations, "
                                               "declare `speakers: {}`",
                           (("prompts", "bold"), SPEAKERS))
    return dataclasses.replace(read, warnings=settled((doubt,), read.turns), confidence="unsure")


def bold_prompted(lines: list[Line], user: Speaker, assistant: Speaker) -> Conversation:
    """``prompts: bold`` declared: every bold line (or numbered question) with a quote under it is a prompt."""
    return _conversation(lines, _pairs(lines), user, assistant)


def _conversation(lines: list[Line], pairs: list[tuple[int, int, int]], user: Speaker,
                  assistant: Speaker) -> Conversation:
    lines = [dataclasses.replace(line, text="") if not line.in_code and _PAGE_COMMENT.match(line.text) else line
             for line in lines]
    end = len(lines)
    speakers = {user.name: user, assistant.name: assistant}
    for number, (prompt, answer, stop) in enumerate(pairs):
        asker = _speaker_of(lines[prompt].text, user)
        speakers.setdefault(asker.name, asker)
        lines[prompt] = _labelled(lines[prompt], asker.name)
        lines[answer] = _labelled(lines[answer], assistant.name)
        for index in range(answer + 1, stop):
            quote = QUOTE_LINE.match(lines[index].text) if not lines[index].in_code else None
            if quote:
                lines[index] = dataclasses.replace(lines[index], text=quote["rest"])
        following = pairs[number + 1][0] if number + 1 < len(pairs) else None
        if following is None:
            end = next((index for index in range(stop, len(lines)) if lines[index].text.strip()), len(lines))
        else:
            _as_note(lines, stop, following)
    intro, turns, breaks_after = scan_turns(lines[:end], speakers)
    outro = lines[end:]
    return Conversation(intro, turns, group_exchanges(turns, breaks_after),
                        MappingProxyType({t.speaker.name: t.speaker for t in turns}),
                        MappingProxyType({name: "answers in the quote under it" if name == assistant.name else
                                          "bold prompt" for name in speakers}),
                        "\n".join(line.text for line in outro).rstrip("\n"), outro[0].number if outro else 0)


def _pairs(lines: list[Line]) -> list[tuple[int, int, int]]:
    """(prompt line, first answer line, the line after the answer) for each prompt answered by a quote: a bold line
    right above a quote, or a quote that opens with a bold line and goes on."""
    pairs = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.in_code or not _QUOTE_START.match(line.text) or index and QUOTE_LINE.match(lines[index - 1].text) \
                and not lines[index - 1].in_code:
            index += 1
            continue
        stop = _answer_end(lines, index)
        inner = QUOTE_LINE.match(line.text)
        above = _above(lines, index)
        if above is not None and asks(lines[above].text):
            pairs.append((above, index, stop))
        elif inner and asks(inner["rest"]) and index + 1 < stop and QUOTE_LINE.match(
                lines[index + 1].text) and QUOTE_LINE.match(lines[index + 1].text)["rest"].strip():
            pairs.append((index, index + 1, stop))
        index = max(stop, index + 1)
    return pairs


def asks(text: str) -> bool:
    """A bold line that asks (a question, or an instruction of six words or more; not a source's title such as
    ``**MDN - Classes**`` or ``**ChatGPT's answer**``), or a numbered question (``Q1. …``)."""
    bold = BOLD_TITLE.match(text)
    plain = bold["text"] if bold else _TAG.sub("", text).strip()
    if not plain or _NUMBERED_QUESTION.match(plain):
        return bool(plain)
    if not bold and not _STRONG_PARAGRAPH.match(text) or known_name(plain.strip(" .:：")):
        return False
    if plain.rstrip().endswith(("?", "？")):
        return True
    if re.search(r"\s[-–—|·]\s", plain):
        return False  # `Node docs - Event loop`: a title and its part
    words = [word for word in plain.split() if any(c.isalnum() for c in word)]
    return len(words) >= 6 or len(words) == 1 and len(plain) >= 12


def _speaker_of(text: str, user: Speaker) -> Speaker:
    """A numbered question is its number's (``Q1``), as a ``Q1:`` label would be; a bold prompt is the user's."""
    numbered = _NUMBERED_QUESTION.match(_TAG.sub("", text).strip().strip("*_"))
    return Speaker(numbered[0].strip(" \t\"“.:：)"), "user") if numbered else user


def _above(lines: list[Line], index: int) -> int | None:
    """The last line above ``index`` with text (WordPress's block comments skipped), None when it is code."""
    above = index - 1
    while above >= 0 and (not lines[above].text.strip() or _PAGE_COMMENT.match(lines[above].text)):
        above -= 1
    return above if above >= 0 and not lines[above].in_code else None


def _answer_end(lines: list[Line], start: int) -> int:
    """The line after the answer that opens at ``start``: its quote, and the quotes that follow it with only blank
    lines (or WordPress's block comments) between."""
    index, last = start, start
    html = not lines[start].text.lstrip(" ").startswith(">")
    while index < len(lines):
        text = lines[index].text
        if html:
            if _HTML_QUOTE_END.search(text):
                return index + 1
        elif QUOTE_LINE.match(text) and not lines[index].in_code:
            last = index
        elif text.strip() and not _PAGE_COMMENT.match(text):
            return last + 1
        index += 1
    return len(lines) if html else last + 1


def _labelled(line: Line, name: str) -> Line:
    quote = QUOTE_LINE.match(line.text)
    rest = quote["rest"] if quote else line.text
    rest = rest.rstrip().removesuffix("\\").rstrip()
    return dataclasses.replace(line, text=rest, label=name, rest=rest, form="")


def _as_note(lines: list[Line], start: int, stop: int) -> None:
    """The author's words between an answer and the next prompt become an author's note (``> [!NOTE]``) in the
    answer's turn, so that they are not read as the AI's."""
    words = [index for index in range(start, stop) if lines[index].text.strip()]
    if not words:
        return
    first = words[0]
    opener = next((k for k in range(first - 1, start - 1, -1) if _may_open(lines, k, start)), None)
    for index in range(first, stop):
        text = lines[index].text
        lines[index] = dataclasses.replace(lines[index], text=f"> {text}" if text.strip() else ">")
    if opener is not None:  # a blank line above the words: `> [!NOTE]` there, every line where it was
        lines[opener] = dataclasses.replace(lines[opener], text="> [!NOTE]", alert="note")
    else:  # words right under the answer: the note opens on their line (the turn's later lines move down one)
        lines[first] = dataclasses.replace(lines[first], text=f"> [!NOTE]\n{lines[first].text}", alert="note")


def _may_open(lines: list[Line], index: int, start: int) -> bool:
    """``lines[index]`` is blank and a note may open there: under a blank line, or right under Markdown text (a
    quote interrupts a paragraph); not right under HTML, whose block would run on into it."""
    if lines[index].text.strip() or index == 0:
        return False
    above = lines[index - 1].text
    return not above.strip() or index == start and not above.lstrip(" ").startswith("<")
