"""An answer left unlabelled: ``**Me:** How do I simulate a key press?`` and, after a blank line, the answer in plain
text with no ``ChatGPT:`` above it, in a post whose every other question is answered under a label. A reader takes
the text under the question for the answer; so does the parser, said as a doubt where the labels are inferred."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Mapping

from site_builder.model import ReadingWarning, Speaker
from site_builder.reading.lines import HEADING_ANY, QUOTE_LINE, SPEAKERS, Line

_ASKS = ("?", "？", "؟")


def unlabelled_answers(lines: list[Line], speakers: Mapping[str, Speaker]) -> tuple[list[Line], list[int]]:
    """``lines`` with each unlabelled answer's first line labelled with the assistant's name, and the source lines
    where that was done. An answer is unlabelled when a user's turn is one question on its label's line, a blank
    line and a paragraph follow, no assistant's label comes before the next user's label (or the end), and the post
    answers two other questions or more under an assistant's label; the assistant is the one that answers most."""
    labelled = [(index, line) for index, line in enumerate(lines) if line.label in speakers]
    roles = [speakers[line.label].role for _, line in labelled]
    users = {speakers[line.label].name for _, line in labelled if speakers[line.label].role == "user"}
    answered = Counter(speakers[b.label].name for (_, a), (_, b), ra, rb in
                       zip(labelled, labelled[1:], roles, roles[1:]) if ra == "user" and rb == "assistant")
    if len(users) != 1 or sum(answered.values()) < 2:
        return lines, []
    assistant = answered.most_common(1)[0][0]
    label = next(line.label for _, line in labelled if speakers[line.label].name == assistant)
    lines, found = list(lines), []
    for position, (index, line) in enumerate(labelled):
        following = roles[position + 1] if position + 1 < len(labelled) else None
        if roles[position] != "user" or following == "assistant" or not line.rest.strip().endswith(_ASKS):
            continue
        start = _paragraph_under(lines, index, labelled[position + 1][0] if following else len(lines))
        if start is not None:
            lines[start] = dataclasses.replace(lines[start], label=label, rest=lines[start].text, form="")
            found.append(lines[start].number)
    return lines, found


def _paragraph_under(lines: list[Line], index: int, stop: int) -> int | None:
    """The first line of the plain paragraph that follows the question on ``lines[index]`` after a blank line, None
    when the question goes on (no blank line), or what follows is a heading, a quote, a rule or nothing."""
    if index + 1 >= stop or lines[index + 1].text.strip():
        return None
    ahead = index + 1
    while ahead < stop and not lines[ahead].text.strip():
        ahead += 1
    if ahead >= stop:
        return None
    line = lines[ahead]
    if line.in_code or line.label or line.is_rule or HEADING_ANY.match(line.text) or QUOTE_LINE.match(line.text) \
            or "<!--" in line.text:
        return None
    return ahead


def unlabelled_doubts(found: list[int], speakers: Mapping[str, Speaker]) -> list[ReadingWarning]:
    """One doubt, at the first unlabelled answer."""
    if not found:
        return []
    names = {speaker.role: speaker.name for speaker in speakers.values()}
    return [ReadingWarning(found[0], f"no label here: the text under {names.get('user', 'the')}'s question is read as "
                                     f"{names.get('assistant', 'the assistant')}'s answer, as every other question is "
                                     "answered under a label; if it is part of your question, remove the blank line "
                                     "above it", (SPEAKERS,))]
