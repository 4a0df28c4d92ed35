"""Where a careful reader would doubt the reading: each doubt is a ``ReadingWarning`` at its line, saying what was
decided, the alternative, and (``settle``) the front matter that makes the decision explicit."""

from __future__ import annotations

import bisect
import dataclasses
import re
from typing import Iterable, Mapping

from site_builder.model import ReadingWarning, Turn
from site_builder.patterns import lazy
from site_builder.speakers import AI_VOICE, AVATAR, Reading, infer_speakers, known_name, name_role, unnumbered
from site_builder.reading.avatars import avatar_turns
from site_builder.reading.lines import (BOLD_LABEL, HEADING_ANY, SPEAKERS, AI_WORDS, GENERIC_PAIR, Line, NESTED,
                                        QUOTE_LINE, QUOTE_OPEN, label_of, page_names_an_ai, previous_text,
                                        quote_starts)


def settled(warnings: Iterable[ReadingWarning], turns: tuple[Turn, ...]) -> tuple[ReadingWarning, ...]:
    """The warnings sorted by line, each ``SPEAKERS`` entry replaced by the speakers of ``turns`` and their roles."""
    speakers = tuple(dict.fromkeys((t.speaker.name, t.role) for t in turns))
    return tuple(sorted((dataclasses.replace(w, settle=tuple(("speakers", speakers) if item == SPEAKERS else item
                                                             for item in w.settle)) for w in warnings),
                        key=lambda w: w.line))


def who_speaks_doubts(lines: list[Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...],
              title: str = "") -> list[ReadingWarning]:
    """Who speaks, where a reader might doubt it (``site-builder explain``, and the build's output)."""
    found = [*_used_once(readings, turns), *_inside_answers(lines, readings, turns), *_taking_turns(readings, turns),
             *_one_side(lines, readings, turns), *_quotes_outside_questions(lines, turns), *_answer_first(readings, turns),
             *_intro_answers(lines, turns), *_in_the_ais_voice(lines, readings, turns)]
    if not turns and not found:
        found.extend(_article_doubts(lines, title))
    names = list(dict.fromkeys(t.speaker.name for t in turns))
    if len(names) > 4:
        found.append(ReadingWarning(turns[0].line, f"{len(names)} speakers: each label is read as a speaker; declare "
                                                   "`speakers:` without the labels that are content", (SPEAKERS,)))
    return found


def _in_the_ais_voice(lines: list[Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...]
                      ) -> list[ReadingWarning]:
    """"You" and "I" take turns and nobody else speaks: read as the AI ("I") answering its reader ("you"); certain
    where the text above says who "I" is (``我（Claude）``, ``I (Claude)``)."""
    me = next((t for t in turns if readings.get(t.speaker.name) and readings[t.speaker.name].reason == AI_VOICE), None)
    if me is None:
        return []
    said = re.compile(rf"(?<![A-Za-z]){re.escape(me.speaker.name)}[ \t]*[(（][ \t]*(?:{AI_WORDS.pattern})[ \t]*[)）]", re.I)
    if any(said.search(line.text) for line in lines if line.number < turns[0].line and not line.in_code):
        return []
    you = next(t.speaker.name for t in turns if t.role == "user")
    return [ReadingWarning(me.line, f"`{me.speaker.name}` (I) is read as the AI answering `{you}` (you), the person who "
                                    f"asks: the text speaks in the AI's voice; if `{me.speaker.name}` is you, declare "
                                    f"`speakers: {{{me.speaker.name}: user, {you}: assistant}}`", (SPEAKERS,))]


def _one_side(lines: list[Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    """Only one side of a conversation is labelled: answers with no asker (what comes between them is read as the
    answer above), or a user's label that recurs with no answer anyone labels (read as an article)."""
    if turns and len(turns) >= 2 and all(t.role == "assistant" for t in turns):
        between = next((line for line in lines if turns[0].line < line.number <= turns[1].line
                        and line.text.strip() and not line.label), None)
        above = previous_text(lines, next(i for i, line in enumerate(lines) if line.number == turns[0].line))
        if between is not None:  # pointed at the text above the first answer: where a first prompt would be
            where = lines[above].number if above is not None else turns[1].line
            return [ReadingWarning(where, "nobody asks by name: the text between the answers is read as part "
                                                  "of the answer above it; if your prompts are there, label them "
                                                  "(`Me: …`) or quote them and write `prompts: quoted`", (SPEAKERS,))]
    if not readings:
        asking = [line for line in lines if line.label and name_role(line.label) == "user" and line.form != "heading"]
        names = {line.label.casefold() for line in asking}
        if len(asking) >= 2 and len(names) == 1 and asking[0].label.casefold() not in GENERIC_PAIR[0]:
            return [ReadingWarning(asking[0].number, f"`{asking[0].label}:` starts {len(asking)} lines but no answer "
                                                     "is labelled: read as an article; to show a conversation, label "
                                                     "the answers (`ChatGPT: …`)", (("speakers", ()),))]
    return []


_NOT_NESTED = frozenset("\\|`$!({=~.,;:'\"/&%@^)}]?")
"""First characters of lines that hold no label, not even behind a list marker or a quote mark."""


def _avatars(lines: list[Line], title: str) -> ReadingWarning | None:
    """Two images alone on their lines taking turns (``avatar_turns``) in a page that names an AI, where nothing
    says whose each is: read as an article, a doubt (two photos taking turns in a page about a kitchen are not)."""
    shown = avatar_turns(lines)
    if shown is None or not page_names_an_ai(title, lines):
        return None
    return ReadingWarning(shown[0][0].number, "two images alone on their lines take turns, like two speakers' avatars: "
                                              "read as an article; to show a conversation, label each message under "
                                              "its image (`Me: …` / `ChatGPT: …`)", (("speakers", ()),))


def _article_doubts(lines: list[Line], title: str) -> list[ReadingWarning]:
    """A post read as an article that a reader might take for a conversation: speakers' labels inside list items
    or quotes (an outliner's export, a quoted chat), a question answered by a long quote, or quotes in a post about
    an AI that labels nobody (the quotes may be its prompts)."""
    avatars = _avatars(lines, title)
    if avatars is not None:
        return [avatars]
    nested, asked = [], []
    for line in lines:
        if line.in_code or line.text[:1] in _NOT_NESTED:
            continue  # (a line that can open neither a label nor a list item or quote holding one)
        marker = NESTED.match(line.text)
        inner = line.text[marker.end():] if marker else line.text
        bold = BOLD_LABEL.match(inner) if marker and inner.startswith("**") else None
        label, _, form = (bold["label"], "", "bold") if bold and bold["label"] else label_of(inner)
        if label and (marker or form not in ("heading", "name heading")):  # `## ChatGPT` heads an article's section
            nested.append((line, label))
        elif label and name_role(label) == "user" and HEADING_ANY.match(line.text):
            asked.append(line)  # `### 我的提問`: a section headed by the asker, perhaps a question
    readings = infer_speakers([label for _, label in nested])
    generic = GENERIC_PAIR[0] | GENERIC_PAIR[1]
    if {r.speaker.role for r in readings.values()} >= {"user", "assistant"} \
            and not all(unnumbered(label) in generic for label in readings):  # Q:/A: alone: an FAQ (_faq)
        spoken = [line for line, label in nested if label in readings]
        asker = next((line for line, label in nested if label in readings and readings[label].speaker.role == "user"),
                     spoken[0])  # where a first question would be, or an answer right above it
        line = next(line for line in spoken if line.number >= asker.number - 3)
        names = " and ".join(f"`{label}:`" for label in list(readings)[:2])
        return [ReadingWarning(line.number, f"{names} look like speakers' labels (in list items, quotes, or a form "
                                            "not answered in kind): read as an article; to show a conversation, "
                                            "start each turn with `Label:` at the beginning of a line",
                                (("speakers", ()),))]
    told = _told_in_prose(lines, title)
    if told is not None:
        return [ReadingWarning(told, "your text tells of asking an AI and quotes what it answered: read as an article; "
                                     "to show the exchange as a conversation, label it (`Me: …` / `ChatGPT: …`)",
                               (("speakers", ()),))]
    sections = [line for line in lines if not line.in_code and HEADING_ANY.match(line.text)
                and _assistant_heading(line.text)]
    if len(sections) >= 2:
        return [ReadingWarning(sections[0].number, "sections headed by assistants' names: read as an article's sections; "
                                                   "if each holds that assistant's answer, label them "
                                                   "(`ChatGPT: …`)", (("speakers", ()),))]
    agent = [line for line in lines if not line.in_code and line.text.startswith("⏺")]
    if len(agent) >= 2:
        top = max((line.number for line in lines if line.number < agent[0].number and HEADING_ANY.match(line.text)),
                  default=0)  # the session starts under its heading, with the prompt
        start = next(line for line in lines if line.number > top and line.text.strip())
        return [ReadingWarning(start.number, "a coding agent's terminal session (⏺ lines): read as an article; "
                                                "to show it as a conversation, import the session or label its turns",
                               (("speakers", ()),))]
    if len(asked) >= 2:
        return [ReadingWarning(asked[0].number, f"sections headed `{asked[0].text.strip()}` look like questions: read as "
                                                "an article; to show a conversation, label the answers too "
                                                "(`## ChatGPT`)", (("speakers", ()),))]
    bubbles = _chat_bubbles(lines)
    if bubbles is not None:
        return [ReadingWarning(bubbles, "chat bubbles in HTML (a user's and an assistant's): read as an article; to "
                                        "show a conversation, write each message as `Label: …`", (("speakers", ()),))]
    quotes = quote_starts(lines)
    asked = [index for index in quotes if (above := previous_text(lines, index)) is not None
             and lines[above].text.rstrip().endswith(("?", "？")) and not QUOTE_OPEN.match(lines[above].text)]
    quoted = sum(1 for line in lines if not line.in_code and QUOTE_LINE.match(line.text))
    texts = sum(1 for line in lines if line.text.strip())
    if asked and (len(asked) >= 2 or quoted * 2 >= texts):
        return [ReadingWarning(lines[asked[0]].number, "a question answered by a quote, with no labels: read as an "
                                                       "article; if the quote is the answer, label the turns (`Me: …` "
                                                       "/ `ChatGPT: …`)", (("speakers", ()),))]
    before = " ".join(line.text for line in lines if not QUOTE_LINE.match(line.text))
    if len(quotes) >= 2 and (AI_WORDS.search(title) or AI_WORDS.search(before)):
        above = previous_text(lines, quotes[0])  # the question a first quote may answer, right above it
        where = lines[above] if above is not None and above >= quotes[0] - 4 else lines[quotes[0]]
        return [ReadingWarning(where.number, f"{len(quotes)} quotes in a post about an AI that labels "
                                                        "nobody: read as an article; if the quotes are your prompts, "
                                                        "write `prompts: quoted`", (("speakers", ()),))]
    return []


_HTML_USER = lazy(r"<[^>]{0,200}?\b(?:class|src|href|alt|data-[\w-]+)=[\"'][^\"'>]{0,200}?\b(?:user|human|me|you|question|author|autor|auteur|autore|prompt)\b|"
                        r"[/\"'](?:user|human|me|avatar-user)[\w-]*\.(?:svg|png|jpe?g|webp|gif)\b", re.I)


_HTML_ASSISTANT = lazy(r"<[^>]{0,200}?\b(?:class|src|href|alt|data-[\w-]+)=[\"'][^\"'>]{0,200}?\b(?:assistant|bot|ai|chatgpt|gpt|"
                             r"claude|gemini|answer|response)\b|[/\"'](?:assistant|bot|ai|chatgpt|gpt|claude|gemini|openai)"
                             r"[\w-]*\.(?:svg|png|jpe?g|webp|gif)\b", re.I)


def _chat_bubbles(lines: list[Line]) -> int | None:
    """The line of the first of two or more HTML blocks marked as a user's message and two or more marked as an
    assistant's (``class="user"``, ``src=".../chatgpt.svg"``): a chat drawn in HTML. None otherwise."""
    users = [line.number for line in lines if not line.in_code and "<" in line.text and _HTML_USER.search(line.text)]
    bots = [line.number for line in lines if not line.in_code and "<" in line.text and _HTML_ASSISTANT.search(line.text)]
    return min(users[0], bots[0]) if len(users) >= 2 and len(bots) >= 2 else None


_TOLD = lazy(r"(?<![A-Za-z])(?:I (?:then |also |first |next )?(?:asked|prompted|told|typed|gave)(?: it| him| her| "
                   r"them| the (?:AI|bot|model|chatbot))?|my (?:prompt|question) (?:was|to)|(?:it|ChatGPT|Claude|Gemini|"
                   r"the (?:AI|bot|model)) (?:said|replied|answered|wrote|responded|came back with)|came back:|"
                   r"Wrote this when I)(?![A-Za-z])", re.I)
"""Words that tell of asking an AI in the author's own sentences (English)."""


def _told_in_prose(lines: list[Line], title: str) -> int | None:
    """The line of the first sentence that tells of asking an AI, in a page about one, twice or more (or once
    followed by a quote or a colon): the prompts and answers are told in prose. None otherwise."""
    prose = "\n".join("" if line.in_code else line.text for line in lines)  # one search, not one per line
    if not AI_WORDS.search(title) and not AI_WORDS.search(prose):
        return None
    first = _TOLD.search(prose)
    if first is None:
        return None
    told = [index for index, line in enumerate(lines[prose.count("\n", 0, first.start()):],
                                              start=prose.count("\n", 0, first.start()))
            if not line.in_code and _TOLD.search(line.text)][:2]
    if len(told) >= 2 or told and lines[told[0]].text.rstrip().endswith((":", "：")):
        return lines[told[0]].number
    return None


def _assistant_heading(text: str) -> bool:
    """A heading whose words are an assistant's name (``## ChatGPT``, ``## Google Bard``, ``### Claude 3 Opus``)."""
    words = text.strip().lstrip("#").strip().strip("*_ ").rstrip("#").strip()
    maker = re.sub(r"^(?:Google|Microsoft|OpenAI|Anthropic|Meta|Mistral AI|xAI)\s+", "", words, flags=re.I)
    return name_role(words) == "assistant" or name_role(maker) == "assistant" or maker.casefold() in ("edge", "bing chat")


def _quotes_outside_questions(lines: list[Line], turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    """Quotes, two or more, that open inside answers while each user turn is a line or two: the quotes may be the
    prompts and the labels a dialogue the answers hold."""
    if not turns or any(t.role == "user" and t.end_line - t.line > 2 for t in turns) or any(line.quoted for line in lines):
        return []  # (a conversation quoted in the article: its quotes were its messages)
    starts = [t.line for t in turns]
    outside = [lines[index] for index in quote_starts(lines)
               if (turn := bisect.bisect_right(starts, lines[index].number) - 1) >= 0 and turns[turn].role != "user"
               and lines[index].number <= turns[turn].end_line]
    if len(outside) < 2:
        return []
    first = next(lines[index] for index in quote_starts(lines)
                 if (turn := bisect.bisect_right(starts, lines[index].number) - 1) < 0 or turns[turn].role != "user")
    return [ReadingWarning(first.number, f"{len(outside)} quotes open inside the answers (and this "
                                              "one before them): if they are your prompts, the labels are a dialogue "
                                              "inside the answers; declare "
                                              "`speakers:` to say who speaks", (SPEAKERS,))]


_OFFER = lazy(r"\b(?:If it helps, I can|Would you like me to|Let me know if you(?:'d| would)? like|Want me to|"
                    r"Shall I|Do you want me to|Hope this helps|I hope this helps|Happy to help|Feel free to ask)\b", re.I)
"""How an assistant's answer ends (English): an offer to go on."""


def _intro_answers(lines: list[Line], turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    """The text above the first question ends like an assistant's answer (``If it helps, I can…``): the paste may
    start in the middle of an answer, which is then read as the introduction."""
    if not turns or turns[0].role != "user":
        return []
    intro = [line for line in lines if line.number < turns[0].line and line.text.strip() and not line.in_code]
    if not intro or not _OFFER.search(intro[-1].text):
        return []
    start = next((line for line in intro if not HEADING_ANY.match(line.text)), intro[0])
    return [ReadingWarning(start.number, "the text above the first question ends like an answer (an offer to go "
                                             "on): read as your introduction; if the paste starts in the middle of "
                                             "an answer, label it (`Copilot: …`)", (SPEAKERS,))]


def _answer_first(readings: Mapping[str, Reading], turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    """The conversation opens with an assistant's turn although someone asks later: the text above may be the first
    question, unlabelled, or the labels may be a log's fields (``**AI:**`` did, ``**Me:**`` decided). Not where
    avatars mark every message (the app greets first; the text above, without a face, is the author's)."""
    if len(turns) < 2 or turns[0].role != "assistant" or not any(t.role == "user" for t in turns):
        return []
    if all(r.reason.startswith(AVATAR) for r in readings.values()):
        return []
    return [ReadingWarning(turns[0].line, f"the conversation opens with {turns[0].speaker.name}'s turn, before anyone "
                                          "asks: if the text above is the first question, label it (`Me: …`); if "
                                          "these labels are fields of your notes, declare `speakers: {}`", (SPEAKERS,))]


def _taking_turns(readings: Mapping[str, Reading], turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    """Two or more unknown labels that take turns with no assistant anyone knows: who asks is a guess."""
    taking = [label for label, r in readings.items() if r.reason == "repeated"]
    if not taking or not turns:
        return []
    roles = ", ".join(f"`{label}:` as {'a user' if readings[label].speaker.role == 'user' else 'an assistant'}"
                      for label in taking)
    return [ReadingWarning(turns[0].line, f"no known assistant: the labels that take turns are read by their order, "
                                          f"{roles} (the first to speak asks); declare `speakers:` if the roles are "
                                          "the other way", (SPEAKERS,))]


def _used_once(readings: Mapping[str, Reading], turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    first: dict[str, Turn] = {}
    counts: dict[str, int] = {}
    for turn in turns:
        first.setdefault(turn.speaker.name, turn)
        counts[turn.speaker.name] = counts.get(turn.speaker.name, 0) + 1
    result = []
    for label, reading in readings.items():
        twin = any(other != label and counts.get(other) and r.speaker.role == reading.speaker.role
                   for other, r in readings.items())  # another label plays its part: a typo, or a label in the text
        if reading.reason in ("asks", "answers", "repeated") and not known_name(label) and counts.get(label) == 1 \
                and twin:
            role = reading.speaker.role
            result.append(ReadingWarning(first[label].line, f"`{label}:` starts one turn only, read as "
                                         f"{'an' if role == 'assistant' else 'a'} {role} ({reading.reason}); "
                                         "declare `speakers:` without it if it is part of the text", (SPEAKERS,)))
    return result


def _inside_answers(lines: list[Line], readings: Mapping[str, Reading],
                    turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    """Names of speakers (``GPT:``, ``User:``) that repeat but only ever inside assistant turns: read as content
    (a dialogue or a transcript the answer holds), which may be wrong. Other labels there (``French:``, ``Test
    cases:``) are the answer's own words: a reader has no doubt about them."""
    seen: dict[str, list[int]] = {}
    for line in lines:
        if line.label and line.label not in readings and known_name(line.label):
            seen.setdefault(line.label, []).append(line.number)
    starts = [t.line for t in turns]
    return [ReadingWarning(numbers[0], f"`{label}:` appears {len(numbers)} times, only inside answers: read as "
                                       "part of the answer; declare `speakers:` with it if it speaks", (SPEAKERS,))
            for label, numbers in seen.items()
            if len(numbers) >= 2 and all(_in_answer(turns, starts, n) for n in numbers)]


def _in_answer(turns: tuple[Turn, ...], starts: list[int], number: int) -> bool:
    index = bisect.bisect_left(starts, number) - 1  # the last turn that starts before the line
    return index >= 0 and turns[index].role == "assistant" and number <= turns[index].end_line

