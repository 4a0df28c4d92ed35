"""Where the conversation ends, where a reader might doubt it: the author's closing words read after a rule, a
heading or a paragraph that opens like them, a last turn that runs on past its code, a quote that closes the
last turn (each a ``ReadingWarning`` naming the ``closing_words:`` that settles it)."""

from __future__ import annotations

import bisect
from typing import Mapping

from site_builder.model import ReadingWarning, Turn, settle_value
from site_builder.speakers import Reading
from site_builder.reading.ends import CLOSING_CUE, end_mark, framed, plain_after, rules_of_last_turn, closing_words_of
from site_builder.reading.lines import (HEADING_ANY, Line, QUOTE_LINE, SECTION_START, heading_level, previous_text)


def end_doubts(lines: list[Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...],
                  end: tuple[int, int] | None, guesses: bool = True) -> list[ReadingWarning]:
    """Where the conversation ends, where a reader might doubt it (``guesses``: the shapes an author's post may
    take; an importer's post has whole messages)."""
    found = [*_after_last_rule(lines, readings, turns, end), *_sections_after_a_rule(lines, readings, turns, end),
             *_quote_closing_the_turn(lines, turns, end)]
    return found or (_past_its_code(lines, turns, end) if guesses else [])


def _sibling_sections(lines: list[Line], heading: int, turns: tuple[Turn, ...]) -> int:
    """How many sections at the level of the heading ``lines[heading]`` (or above) hold a turn's label line."""
    level = heading_level(lines[heading])
    starts = [line.number for line in lines[:heading] if not line.in_code and not line.label and "#" in line.text[:4]
              and HEADING_ANY.match(line.text) and heading_level(line) <= level]
    return len({bisect.bisect_right(starts, turn.line) for turn in turns} - {0})


def _quote_closing_the_turn(lines: list[Line], turns: tuple[Turn, ...], end: tuple[int, int] | None
                            ) -> list[ReadingWarning]:
    """The last turn closes with a quote after its own text, right before the author's closing words: often the
    author's note on the exchange (``> Note this last point: …``), sometimes the answer's."""
    if end is None or not turns:
        return []
    last = end[0] - 1
    while last >= 0 and (not lines[last].text.strip() or lines[last].is_rule):
        last -= 1
    if last < 0 or lines[last].in_code or not QUOTE_LINE.match(lines[last].text):
        return []
    start = last
    while start > 0 and not lines[start - 1].in_code and QUOTE_LINE.match(lines[start - 1].text):
        start -= 1
    above = previous_text(lines, start)
    if lines[start].alert or above is None or lines[above].number < turns[-1].line \
            or lines[above].number == turns[-1].line and not lines[above].rest.strip():
        return []  # the quote is the whole turn
    closing = next(line.text for line in lines[end[1]:] if line.text.strip())
    speaker = turns[-1].speaker.name
    return [ReadingWarning(lines[start].number, f"this quote closes {speaker}'s turn, right before your closing words: "
                                                f"read as {speaker}'s; if it is your own note, start your closing words "
                                                "with it (`closing_words:` its first words)",
                           (("closing_words", closing_words_of(closing)),))]


def _past_its_code(lines: list[Line], turns: tuple[Turn, ...], end: tuple[int, int] | None) -> list[ReadingWarning]:
    """In a post with an introduction of the author's, the last answer runs to the end and goes on in prose after
    its code: often the author's own words resuming (``Here is what I added:``), sometimes the answer's."""
    if end is not None or not turns or turns[-1].role != "assistant" or end_mark(lines) is not None:
        return []
    intro = [line for line in lines if line.number < turns[0].line and line.text.strip()
             and not HEADING_ANY.match(line.text)]
    last = [line for line in lines if turns[-1].line < line.number <= turns[-1].end_line and line.text.strip()]
    after = next((b for a, b in zip(last, last[1:]) if a.in_code and not b.in_code
                  and not SECTION_START.match(b.text)), None)
    if len(intro) < 2 or after is None:
        return []
    return [ReadingWarning(after.number, f"the last turn ({turns[-1].speaker.name}) runs to the end, on past its code "
                                         "with this paragraph: if your own words start here, write `closing_words: "
                                         f"{settle_value(closing_words_of(after.text))}`", (("closing_words", "none"),))]


def _sections_after_a_rule(lines: list[Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...],
                           end: tuple[int, int] | None) -> list[ReadingWarning]:
    """The last turn runs to the end through a rule and then headings: often the author's own sections after the
    conversation (``**Claude:** 4.`` / ``---`` / ``My takeaway.`` / ``## Setup``), sometimes the answer's own."""
    if end is not None or not turns or not readings:
        return []
    last = turns[-1]
    inside = [line for line in lines if last.line < line.number <= last.end_line and not line.in_code]
    rule = next((line for line in inside if line.is_rule), None)
    after = [line for line in inside if rule is not None and line.number > rule.number and line.text.strip()]
    if not after or SECTION_START.match(after[0].text) or not any(HEADING_ANY.match(line.text) for line in after):
        return []  # an answer's own sections open with their heading right after the rule
    return [ReadingWarning(rule.number, f"the last turn ({last.speaker.name}) runs on past this rule and through "
                                        "headings to the end: if the conversation ends here, put "
                                        "`<!-- end of conversation -->` on this line, or write "
                                        f"`closing_words: {settle_value(closing_words_of(after[0].text))}`",
                           (("closing_words", "none"),))]


def _after_last_rule(lines: list[Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...],
                     end: tuple[int, int] | None) -> list[ReadingWarning]:
    if not turns or end_mark(lines) is not None:
        return []
    speaker = turns[-1].speaker.name
    if end is not None:
        closing = next(line.text for line in lines[end[1]:] if line.text.strip())
        if lines[end[0]].is_rule and (HEADING_ANY.match(closing) or framed(lines, {n: r.speaker for n, r in
                                                                                    readings.items()})):
            return []  # a rule and then the author's next section, or the rule that closes a framed exchange
        if HEADING_ANY.match(lines[end[0]].text) and _sibling_sections(lines, end[0], turns) >= 2:
            return []  # `## 5. Testing` … `## Conclusion`: the exchanges sit in sections, this one holds none
        where = ("text after the last rule" if lines[end[0]].is_rule else
                 "this heading and what follows (your text's next section)" if HEADING_ANY.match(lines[end[0]].text)
                 else "this paragraph, which opens like your own closing words" if CLOSING_CUE.match(lines[end[0]].text)
                 else "text after the last answer's code" if lines[end[0] - 1].in_code or
                 any(lines[k].in_code for k in range(max(0, end[0] - 3), end[0]))
                 else "this paragraph after the transcript's last line")
        return [ReadingWarning(lines[end[0]].number, f"{where} is read as your closing words, not "
                               f"{speaker}'s; if it is {speaker}'s, write `closing_words: none`",
                               (("closing_words", closing_words_of(closing)),))]
    rules = rules_of_last_turn(lines, {label: r.speaker for label, r in readings.items()})
    if rules and plain_after(lines, rules[-1]):
        closing = next(line.text for line in lines[rules[-1] + 1:] if line.text.strip())
        return [ReadingWarning(lines[rules[-1]].number, f"text after the last rule is read as {speaker}'s turn; if "
                               "it is your closing words, write `<!-- end of conversation -->` instead of the rule or "
                               f"`closing_words: {settle_value(closing_words_of(closing))}`",
                               (("closing_words", "none"),))]
    return []
