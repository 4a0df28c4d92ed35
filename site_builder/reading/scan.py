"""Lines, once the speakers are known -> turns and exchanges: the scan that cuts the body into turns, the
``prompts: quoted`` reading, and the grouping of turns into exchanges with their regenerated answers."""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping

from site_builder.model import Annotation, Exchange, ReadingWarning, Speaker, Turn
from site_builder.speakers import Reading, infer_speakers
from site_builder.reading.lines import Line, QUOTE_LINE


@dataclass(frozen=True, slots=True)
class Conversation:
    intro: str
    turns: tuple[Turn, ...]
    exchanges: tuple[Exchange, ...]
    speakers: Mapping[str, Speaker]
    """Every speaker that has at least one turn, declared or inferred."""
    reasons: Mapping[str, str]
    """Why each label of ``speakers`` was read as a speaker (``Reading.reason``)."""
    outro: str = ""
    """The author's text after the conversation ended (``conversation_end``)."""
    outro_line: int = 0
    """Source line where ``outro`` starts (0 when there is none)."""
    warnings: tuple[ReadingWarning, ...] = ()
    confidence: str = "certain"
    """``declared`` (the front matter says who speaks), ``certain`` (no doubt found) or ``unsure`` (each doubt is
    a warning that names what settles it)."""


def resolve_speakers(lines: list[Line], declared: Mapping[str, Speaker] | None) -> dict[str, Reading]:
    """Which labels start turns: the declared ones, else the ones a reader takes for speakers (``speakers``)."""
    if declared is None:
        return infer_speakers([line.label for line in lines if line.label])
    by_key = {name.casefold(): speaker for name, speaker in declared.items()}
    return {line.label: Reading(by_key[line.label.casefold()], "declared") for line in lines
            if line.label and line.label.casefold() in by_key}


def quoted_conversation(lines: list[Line], user: Speaker, assistant: Speaker) -> Conversation:
    """``prompts: quoted``: a quote (not an alert) after a blank line is the user's prompt, the text after
    it the assistant's answer, until the next such quote."""
    intro: list[str] = []
    turns: list[Turn] = []
    current: tuple[Speaker, int, list[Line]] | None = None
    for index, line in enumerate(lines):
        quote = None if line.in_code or line.alert else QUOTE_LINE.match(line.text)
        prompting = current is not None and current[0] is user
        if quote and (index == 0 or not lines[index - 1].text.strip() or prompting):
            if not prompting:
                turns += _closed(turns, current)
                current = (user, line.number, [])
            current[2].append(dataclasses.replace(line, text=quote["rest"]))
        elif prompting and not line.text.strip():
            continue
        elif prompting and line.in_code and current[2] and (current[2][-1].in_code
                                                            or current[2][-1].text.rstrip().endswith((":", "："))):
            current[2].append(line)  # `> Fix the spelling of this text:` and the text, in a code block: the prompt's
        elif prompting:
            turns += _closed(turns, current)
            named = line.label is not None and line.label.casefold() == assistant.name.casefold()
            first = [dataclasses.replace(line, text=line.rest)] if named and line.rest else [] if named else [line]
            current = (assistant, line.number, first)  # `ChatGPT: …` under the prompt: the label is not the text
        elif current is None:
            intro.append(line.text)
        else:
            current[2].append(line)
    turns += _closed(turns, current)
    return Conversation("\n".join(intro).strip("\n"), tuple(turns), group_exchanges(turns),
                        MappingProxyType({t.speaker.name: t.speaker for t in turns}),
                        MappingProxyType({user.name: "quoted prompt", assistant.name: "answers a quoted prompt"}))


def _closed(turns: list[Turn], current: tuple[Speaker, int, list[Line]] | None) -> list[Turn]:
    return [] if current is None else [_make_turn(len(turns) + 1, *current)]


def scan_turns(lines: list[Line], speakers: Mapping[str, Speaker]) -> tuple[str, tuple[Turn, ...], frozenset[int]]:
    """Cut the lines into turns. Returns intro, turns, and the turn numbers followed by a separator rule.

    A rule ends the turn when the next non-blank line starts a turn (or the post ends); any other rule is
    part of the turn's text (a horizontal line inside an answer).
    """
    intro: list[str] = []
    turns: list[Turn] = []
    breaks_after: set[int] = set()
    current: tuple[Speaker, int, list[Line]] | None = None  # speaker, label line, the lines kept so far

    def close() -> None:
        if current is not None:
            turns.append(_make_turn(len(turns) + 1, *current))

    for index, line in enumerate(lines):
        if line.label in speakers:
            close()
            first = [dataclasses.replace(line, text=line.rest)] if line.rest else []
            current = (speakers[line.label], line.number, first)
            continue
        if current is None:
            intro.append(line.text)
            continue
        kept = current[2]
        if line.is_rule and _next_starts_turn(lines, index, speakers):
            close()
            breaks_after.add(len(turns))
            current = None
        elif kept or line.text.strip():  # blank lines right after a label alone on its line are skipped
            kept.append(_under_text(line, kept))
    close()
    return "\n".join(intro).strip("\n"), tuple(turns), frozenset(breaks_after)


def _under_text(line: Line, kept: list[Line]) -> Line:
    """A ``---`` rule right under text would make the text a setext heading; ``***`` is the same rule
    without that reading, and keeps every later line where it is in the source."""
    if line.is_rule and "-" in line.text and kept and kept[-1].text.strip() and not kept[-1].in_code:
        return dataclasses.replace(line, text="***")
    return line


def _next_starts_turn(lines: list[Line], index: int, speakers: Mapping[str, Speaker]) -> bool:
    for ahead in range(index + 1, len(lines)):  # indices, not a slice: a copy per rule made 50,000 rules slow
        if lines[ahead].text.strip():
            return lines[ahead].label in speakers
    return True


def _make_turn(number: int, speaker: Speaker, label_line: int, kept: list[Line]) -> Turn:
    while kept and not kept[-1].text.strip():
        kept.pop()
    text_line = kept[0].number if kept else label_line + 1
    annotations = tuple(Annotation(line.alert, line.number) for line in kept if line.alert)
    end_line = kept[-1].number if kept else label_line
    return Turn(number, speaker, label_line, end_line, "\n".join(line.text for line in kept), text_line, annotations)


def group_exchanges(turns: Iterable[Turn], breaks_after: frozenset[int] = frozenset()) -> tuple[Exchange, ...]:
    """A user turn opens an exchange; answers follow; a separator rule closes it. Then merge repeats."""
    groups: list[tuple[Turn | None, list[Turn]]] = []
    open_group = False
    for turn in turns:
        if turn.role == "user" or not open_group:
            groups.append((turn if turn.role == "user" else None, [] if turn.role == "user" else [turn]))
        else:
            groups[-1][1].append(turn)
        open_group = turn.number not in breaks_after
    return _merge_variants(groups)


def _merge_variants(groups: list[tuple[Turn | None, list[Turn]]]) -> tuple[Exchange, ...]:
    merged: list[Exchange] = []
    for question, answer in groups:
        variant = (tuple(answer),) if answer else ()
        previous = merged[-1] if merged else None
        if (previous and question and previous.question
                and question_key(previous.question.text) == question_key(question.text)):
            merged[-1] = Exchange(previous.number, previous.question, previous.answers + variant,
                                  previous.repeats + (question,))
        else:
            merged.append(Exchange(len(merged) + 1, question, variant))
    return tuple(merged)


def question_key(text: str) -> str:
    """Questions are the same when they differ only in case, whitespace and Unicode width."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
