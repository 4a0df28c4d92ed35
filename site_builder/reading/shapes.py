"""The shapes a reader sees before the labels alone decide (DESIGN §2): markup that says who speaks (kramdown classes, ``<details>`` answers, Zenn folds), conversations quoted or listed
inside an article, a dialogue the assistant wrote, quotes that are the prompts, an FAQ."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Mapping

from site_builder.model import ReadingWarning, Speaker
from site_builder.patterns import lazy
from site_builder.speakers import ADDRESSED, AI_VOICE, Reading, infer_speakers, known_name, name_role, unnumbered
from site_builder.reading.lines import (AI_WORDS, BOLD_LABEL, GENERIC_PAIR, QUOTE_LINE, QUOTED_END, SPEAKERS,
                                        Line, label_of, previous_text)
from site_builder.reading.avatars import avatar_exchange
from site_builder.reading.forms import ai_voice


def second_looks(lines: list[Line], readings: dict[str, Reading], title: str = ""
                  ) -> tuple[list[Line], dict[str, Reading], list[ReadingWarning]]:
    """What a reader sees once the labels are known, each said in a warning: a lone ``Q:``/``A:`` pair in an
    article is content; labels that only ever talk among themselves inside one speaker's answers (a dialogue
    the assistant wrote) are that answer's content; quotes before every answer of an assistant that nobody asks
    are the prompts."""
    doubts: list[ReadingWarning] = []
    voice = ai_voice(lines, title)
    if voice is not None:  # `**你：**` / `**我：**` in a guide about an AI: the AI speaks as I (a doubt: _in_the_ais_voice)
        return lines, {voice[0]: Reading(Speaker(voice[0], "user"), ADDRESSED),
                       voice[1]: Reading(Speaker(voice[1], "assistant"), AI_VOICE)}, doubts
    lone = _lone_generic_pair(lines, readings)
    if lone is not None:
        doubts.append(ReadingWarning(lone, "one `Q:`/`A:` pair in an article: read as part of the text, not a "
                                           "conversation; declare `speakers: {Q: user, A: assistant}` if it is one",
                                     (("speakers", ()),)))
        return lines, {}, doubts
    faq = _faq(lines, readings, title)
    if faq is not None and _FAQ_WORDS.search(title + " " + " ".join(line.text for line in lines if line.number < faq)):
        return lines, {}, doubts  # the page says it is an FAQ: no doubt
    if faq is not None:
        doubts.append(ReadingWarning(faq, "only `Q:`/`A:` labels and no AI named in the title or before them: read as "
                                          "an FAQ in an article, not a conversation; declare `speakers: {Q: user, A: "
                                          "assistant}` if it is one", (("speakers", ()),)))
        return lines, {}, doubts
    if not readings:
        faces = avatar_exchange(lines)
        if faces is not None:  # one avatar is an AI's by its address or its alt text: no doubt
            return faces[0], faces[1], doubts
        inside = quoted_exchange(lines, title) or _list_exchange(lines)
        if inside is not None:
            lines, readings = inside
    written = _written_dialogue(lines, readings)
    if written:  # _inside_answers says so, label by label
        readings = {label: r for label, r in readings.items() if label not in written}
    marked = _exporter_markup(lines) if not readings else None
    if marked is not None:  # the page's own markup says who speaks: no doubt to say
        lines, readings, _ = marked
    quoted = _quoted_prompts(lines, readings)
    if quoted is not None:
        lines, readings, line = quoted
        doubts.append(ReadingWarning(line, "the quotes before each answer are read as the prompts (nobody else "
                                           "asks); if they are quotations in the answers, declare `speakers:` "
                                           "without `You`", (("prompts", "quoted"), SPEAKERS)))
    return lines, readings, doubts


_IAL = lazy(r"^ {0,3}\{:\s*\.(?P<cls>prompt|response|question|answer|user|assistant)\s*\}\s*$", re.I)
"""A kramdown class line under a block: ``{: .prompt }`` marks the block above as a prompt, ``{: .response }`` as
an answer (Jekyll themes such as Chirpy style them)."""


_Q_HEADING = lazy(r"^ {0,3}#{1,6}[ \t]+(?:Q|Question|问)[ \t]*[:：.][ \t]*(?P<rest>.+?)[ \t]*#*[ \t]*$", re.I)


_DETAILS_ANSWER = lazy(r"^\s*(?:<details[^>]*>\s*)?<summary>\s*(?P<name>[^<]{1,40}?)\s+(?:answer|response|reply)s?"
                             r"\s*</summary>\s*$", re.I)


_DETAILS_OPEN = lazy(r"^\s*<details[^>]*>\s*$", re.I)


_ZENN_ANSWER = lazy(r"^ {0,3}:{3,}[ \t]*details[ \t]+(?P<name>[^\s:：]{1,40}?)[ \t]*(?:の回答|の返答|の答え|'s answer|"
                          r"[ \t]+(?:answer|response|reply))[ \t]*$", re.I)
"""Zenn's fold titled for an answer: ``:::details ChatGPTの回答`` … ``:::``."""


_ZENN_END = lazy(r"^ {0,3}:{3,}[ \t]*$")


_PROMPT_FENCE = lazy(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*(?:prompt|プロンプト|提示词)\b", re.I)


_DETAILS_END = lazy(r"^ {0,3}</details>\s*$", re.I)


_PROMPT_CLASSES = frozenset(("prompt", "question", "user"))


_PROMPT_HEADING = lazy(r"^ {0,3}#{2,6}[ \t]+(?P<rest>.+?)[ \t]*#*[ \t]*$")


def _prompt_fence(lines: list[Line], index: int) -> int | None:
    """The opening line of a fenced block marked ``prompt`` that ends right above line ``index``, or None."""
    above = index - 1
    while above >= 0 and not lines[above].text.strip():
        above -= 1
    if above < 0 or not lines[above].in_code:
        return None
    while above > 0 and lines[above - 1].in_code:
        above -= 1
    return above if _PROMPT_FENCE.match(lines[above].text) else None


def _exporter_markup(lines: list[Line]) -> tuple[list[Line], dict[str, Reading], int] | None:
    """Conversations marked by their page's markup instead of labels: kramdown ``{: .prompt }`` / ``{: .response }``
    under each block, or ``### Q: …`` headings each answered in ``<details><summary>ChatGPT Answer</summary>``.
    The markup lines are blanked (line numbers stay); None when the post has neither (both kinds, at least twice)."""
    lines = list(lines)
    found: list[int] = []
    user, names = Speaker("You", "user"), set()
    for index, line in enumerate(lines):
        if line.in_code or not line.text.lstrip(" \t").startswith(("{", "#", "<", ":")):
            continue  # the markup this reads opens with one of these
        ial = _IAL.match(line.text)
        question = _Q_HEADING.match(line.text)
        details = _DETAILS_ANSWER.match(line.text) or _ZENN_ANSWER.match(line.text)
        if ial:
            top = index
            while top > 0 and lines[top - 1].text.strip() and not lines[top - 1].in_code:
                top -= 1
            if top == index:
                continue
            first = lines[top]
            quote = QUOTE_LINE.match(first.text)
            rest = quote["rest"] if quote else first.text
            prompt = ial["cls"].lower() in _PROMPT_CLASSES
            for inner in range(top, index):
                inner_quote = QUOTE_LINE.match(lines[inner].text)
                if inner_quote:
                    lines[inner] = dataclasses.replace(lines[inner], text=inner_quote["rest"])
            lines[top] = dataclasses.replace(lines[top], text=rest, label="You" if prompt else "Assistant",
                                             rest=rest, form="")
            lines[index] = dataclasses.replace(line, text="")
            found.append(top)
        elif question:
            lines[index] = dataclasses.replace(line, label="You", rest=question["rest"], form="")
            found.append(index)
        elif details:
            names.add(details["name"])
            lines[index] = dataclasses.replace(line, text="", label=details["name"], rest="", form="")
            found.append(index)
            above = previous_text(lines, index)
            if above is not None and _DETAILS_OPEN.match(lines[above].text):
                lines[above] = dataclasses.replace(lines[above], text="")
                above = previous_text(lines, above)
            heading = None if above is None or lines[above].label else _PROMPT_HEADING.match(lines[above].text)
            fence = _prompt_fence(lines, index) if above is None else None
            if heading:  # `## Help me plan a SaaS` above the answer: the prompt
                lines[above] = dataclasses.replace(lines[above], label="You", rest=heading["rest"], form="")
                found.append(above)
            elif fence is not None:  # a ```prompt block above the answer: the prompt, fence and all
                lines[fence] = dataclasses.replace(lines[fence], label="You", rest=lines[fence].text, form="")
                found.append(fence)
        elif (_DETAILS_END.match(line.text) or _ZENN_END.match(line.text)) and names:
            lines[index] = dataclasses.replace(line, text="")
    labels = {lines[i].label for i in found}
    if len(found) < (2 if names else 4) or "You" not in labels or len(labels) < 2:
        return None
    found.sort()
    answerer = {name: Reading(Speaker(name, "assistant"), "exporter markup") for name in labels - {"You"}}
    return lines, {"You": Reading(user, "exporter markup"), **answerer}, lines[found[0]].number


def _lone_generic_pair(lines: list[Line], readings: Mapping[str, Reading]) -> int | None:
    """The line of a ``Q:`` answered once by ``A:`` when those are the only labels and prose follows (an
    article's joke, an FAQ of one entry): None when the post is anything else."""
    labelled = [line for line in lines if line.label in readings]
    if len(labelled) != 2 or set(readings) != {labelled[0].label, labelled[1].label}:
        return None
    asks, answers = (line.label.casefold() for line in labelled)
    if asks not in GENERIC_PAIR[0] or answers not in GENERIC_PAIR[1]:
        return None
    after = [line for line in lines if line.number > labelled[1].number and line.text.strip()]
    return labelled[0].number if len(after) >= 3 else None


_FAQ_WORDS = lazy(r"\b(?:FAQs?|frequently asked|flash ?cards?|Q ?& ?A)\b|常见问题|よくある質問", re.I)


def _faq(lines: list[Line], readings: Mapping[str, Reading], title: str) -> int | None:
    """The line of the first label when ``Q:``/``A:`` (``Question:``/``Answer:``…) are the only labels and neither
    the title nor the text before them names an AI: an FAQ or flashcards, not a conversation. None otherwise."""
    generic = GENERIC_PAIR[0] | GENERIC_PAIR[1]
    if not readings or any(unnumbered(label) not in generic for label in readings):
        return None
    asked = [line for line in lines if line.label in readings and readings[line.label].speaker.role == "user"]
    if len(asked) < 2:
        return None  # one question and its answer, the whole post: read as the exchange it shows
    first = next(index for index, line in enumerate(lines) if line.label in readings)
    before = " ".join(line.text for line in lines[:first])
    return None if AI_WORDS.search(title) or AI_WORDS.search(before) else lines[first].number


def quoted_exchange(lines: list[Line], title: str, declared: Mapping[str, Speaker] | None = None
                     ) -> tuple[list[Line], dict[str, Reading]] | None:
    """A conversation quoted inside an article (``> **Me:** …`` / ``> **Doxa:** …``), in one quote or a quote per
    message: the labels of the quotes, read together as a reader does, start turns; their quote marks go. The
    article resumes after the last of those quotes (an end of the conversation there). None when the
    quotes hold no exchange, or no AI takes part (a known assistant answers, or the title or the text before the
    quotes names one): a quoted talk between people is an anecdote in an article."""
    blocks: list[tuple[int, int, list[Line]]] = []
    index = 0
    while index < len(lines):
        if ">" not in lines[index].text[:4] or lines[index].in_code or lines[index].alert \
                or not QUOTE_LINE.match(lines[index].text):
            index += 1
            continue
        start = index
        while index < len(lines) and not lines[index].in_code and QUOTE_LINE.match(lines[index].text):
            index += 1
        inner = [_unquoted(line) for line in lines[start:index]]
        if any(line.label for line in inner):
            blocks.append((start, index, inner))
    labels = [line.label for _, _, inner in blocks for line in inner if line.label]
    if declared is not None:  # the front matter says who speaks: the quotes holding its labels are the conversation
        names = {name.casefold() for name in declared}
        blocks = [block for block in blocks if any((line.label or "").casefold() in names for line in block[2])]
        if not blocks:
            return None
        labels, readings = [], {}
    else:
        readings = infer_speakers(labels)
    if declared is None and not _quoted_ai(readings, lines, blocks, title):
        return None
    lines = list(lines)
    for start, stop, inner in blocks:
        lines[start:stop] = inner
    stop = blocks[-1][1]
    if stop < len(lines) and not lines[stop].text.strip() and any(line.text.strip() for line in lines[stop:]):
        lines[stop] = dataclasses.replace(lines[stop], text=QUOTED_END)  # the article goes on after the quote
    return lines, readings


_ITEM_FIRST = frozenset("-*+0123456789")
_ITEM = lazy(r"^ {0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+")


def _list_exchange(lines: list[Line]) -> tuple[list[Line], dict[str, Reading]] | None:
    """A conversation written as a list, an item per message (``1. **Yo:** …`` / ``2. **Claude:** …``), with a known
    assistant taking part: the items' labels start turns, their markers go (the items' own lines are dedented), and
    the article resumes after the list. None otherwise."""
    items = []
    for index, line in enumerate(lines):
        marker = None if line.in_code or line.text.lstrip(" ")[:1] not in _ITEM_FIRST else _ITEM.match(line.text)
        if marker:
            label, rest, form = label_of(line.text[marker.end():])
            if label and form in ("", "bold"):
                items.append((index, marker.end(), label, rest))
    readings = infer_speakers([label for _, _, label, _ in items])
    if len(items) < 2 or not {r.speaker.role for r in readings.values()} >= {"user", "assistant"} \
            or not any(name_role(label) == "assistant" for label in readings):
        return None
    lines = list(lines)
    for index, width, label, rest in items:
        if label in readings:
            lines[index] = dataclasses.replace(lines[index], text=rest, label=label, rest=rest, form="", quoted=True)
            below = index + 1
            while below < len(lines) and lines[below].text.startswith(" " * width) and not lines[below].in_code:
                lines[below] = dataclasses.replace(lines[below], text=lines[below].text[width:], quoted=True)
                below += 1
    last = max(index for index, _, label, _ in items if label in readings)
    after = next((k for k in range(last + 1, len(lines)) if not lines[k].quoted), None)
    if after is not None and not lines[after].text.strip() and any(line.text.strip() for line in lines[after:]):
        lines[after] = dataclasses.replace(lines[after], text=QUOTED_END)
    return lines, readings


def _quoted_ai(readings: Mapping[str, Reading], lines: list[Line], blocks: list[tuple[int, int, list[Line]]],
               title: str) -> bool:
    """The quotes hold an exchange with someone a reader knows, and an AI takes part."""
    roles = {r.speaker.role for r in readings.values()}
    if not {"user", "assistant"} <= roles or not any(known_name(label) for label in readings):
        return False  # someone a reader knows takes part: `> **Me:**`, `> ChatGPT:`
    before = " ".join(line.text for line in lines[:blocks[0][0]])
    return any(name_role(label) == "assistant" for label in readings) or bool(AI_WORDS.search(f"{title} {before}"))


def _unquoted(line: Line) -> Line:
    """A line of a blockquote without its ``>``, classified again (a label may start it now)."""
    rest = QUOTE_LINE.match(line.text)["rest"]
    callout = _CALLOUT.match(rest)
    if callout:  # Obsidian's `> [!human] You` / `> [!ai] Gemini`: the callout's title, or its type, names the speaker
        title, kind = callout["title"].strip(), callout["kind"].casefold()
        name = title if title and known_name(title) else _CALLOUT_KINDS.get(kind)
        if name:
            return dataclasses.replace(line, text="", label=name, rest="", form="bold", quoted=True)
    bold = BOLD_LABEL.match(rest) if rest.startswith("**") else None
    label, after, form = (bold["label"], bold["rest"], "bold") if bold and bold["label"] else label_of(rest)
    return dataclasses.replace(line, text=rest, label=label, rest=after, form=form, quoted=True)


_CALLOUT = lazy(r"^\[!(?P<kind>[\w-]{1,30})\][-+]?[ \t]*(?P<title>[^\n]{0,60})$")


_CALLOUT_KINDS = {"human": "Human", "user": "User", "me": "Me", "question": "Question", "prompt": "Prompt",
                  "ai": "AI", "assistant": "Assistant", "bot": "Bot", "answer": "Answer", "response": "Response",
                  "chatgpt": "ChatGPT", "claude": "Claude", "gemini": "Gemini", "gpt": "GPT"}


def _written_dialogue(lines: list[Line], readings: Mapping[str, Reading]) -> list[str]:
    """Labels whose every line is inside the answer of the post's first assistant, after it and before its
    user speaks again, at least twice within one such answer: characters of a dialogue the assistant wrote."""
    order = [line for line in lines if line.label in readings]
    user = next((line.label for line in order if readings[line.label].speaker.role == "user"), None)
    answerer = next((line.label for line in order if user and line.label != user
                     and readings[line.label].speaker.role == "assistant"), None)
    if user is None or answerer is None:
        return []
    region, inside, outside = 0, {}, set()
    current = None
    for line in order:
        if line.label == user:
            current = None
        elif line.label == answerer:
            region += 1
            current = region
        elif current is None:
            outside.add(line.label)
        else:
            inside.setdefault(line.label, []).append(current)
    written = [label for label, regions in inside.items() if label not in outside
               and max(Counter(regions).values()) >= 2]
    return written if len(written) >= 2 or written and all(len(inside[w]) >= 2 for w in written) else []


def _quoted_prompts(lines: list[Line], readings: Mapping[str, Reading]
                    ) -> tuple[list[Line], dict[str, Reading], int] | None:
    """When nobody asks and a quote precedes every assistant label, each quote is a prompt: its first line is given
    the label ``You`` (a user) and the quote marks are dropped. None when the post is not so."""
    if not readings or any(r.speaker.role != "assistant" for r in readings.values()):
        return None
    starts = [index for index, line in enumerate(lines) if line.label in readings]
    quotes: list[list[int]] = []
    for start in starts:
        above = start - 1
        while above >= 0 and not lines[above].text.strip():
            above -= 1
        block = []
        while above >= 0 and not lines[above].in_code and not lines[above].alert and QUOTE_LINE.match(lines[above].text):
            block.insert(0, above)
            above -= 1
        if not block:
            return None
        quotes.append(block)
    lines = list(lines)
    for block in quotes:
        for position, index in enumerate(block):
            rest = QUOTE_LINE.match(lines[index].text)["rest"]
            lines[index] = dataclasses.replace(lines[index], text=rest, label="You" if position == 0 else None,
                                               rest=rest if position == 0 else "", form="")
    you = Reading(Speaker("You", "user"), "quoted prompt")
    return lines, {"You": you, **readings}, lines[quotes[0][0]].number

