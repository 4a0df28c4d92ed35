"""Where the conversation ends and the author's closing words begin: the end mark, ``closing_words:``, a last rule
under plain paragraphs, two rules framing an exchange, the next section of the article, a last answer that is only
code or a quote, a transcript's last line, a closing cue."""

from __future__ import annotations

import re
from typing import Mapping

from site_builder.model import Speaker
from site_builder.reading.lines import END_MARK, HEADING_ANY, Line, QUOTE_LINE, SECTION_START, heading_level, previous_text


def conversation_end(lines: list[Line], speakers: Mapping[str, Speaker], closing: str | None = None,
                     shapes: bool = True) -> tuple[int, int] | None:
    """Where the conversation ends: (the index its lines stop at, the index the author's closing text resumes
    at), or None when the last turn runs to the end.

    An ``<!-- end of conversation -->`` line always ends it; so does the front matter's ``closing_words``
    (``none``: nothing ends it; else the first line after the last turn's label that starts with those words, or
    failing that after the first turn's, and a rule right above that line goes with neither). A last answer that
    is only code, in a post with an introduction, ends after its code. Otherwise the last turn's rule ends it when it is that turn's only
    rule, sits under text rather than code, and only plain paragraphs follow it: an answer's own rules divide
    sections that open with a heading, a list, a bold title or code, and an answer that uses rules mostly uses
    several.
    """
    marked = end_mark(lines)
    if marked is not None:
        return marked, marked + 1
    if closing is not None:
        return _closing_words(lines, speakers, closing)
    rules = rules_of_last_turn(lines, speakers)
    if len(rules) == 1 and not lines[rules[0] - 1].in_code and plain_after(lines, rules[0]):
        return rules[0], rules[0] + 1
    if not shapes:
        return None  # an importer's post: its messages are whole, whatever their shape
    if rules and framed(lines, speakers) and not lines[rules[0] - 1].in_code \
            and any(line.text.strip() for line in lines[rules[0] + 1:]):
        return rules[0], rules[0] + 1  # opened by a rule under the article's text: the next rule closes it
    return (_after_bare_code(lines, speakers) or _section_end(lines, speakers) or _transcript_end(lines, speakers)
            or _closing_cue(lines, speakers))


CLOSING_CUE = re.compile(r"^ {0,3}(?:\*\*|__)?(?:Takeaway|My take(?:away)?|My thoughts|My verdict|What I learned|What I took away|"
                  r"Final thoughts|Afterthoughts?|P\.S\.|PS|Update|Edit|感想|所感|我的感想|소감|Mein Fazit|Mon avis|Mi opinión)"
                  r"(?:\*\*|__)?[ \t]*(?:[:：–—]|-[ \t])")
"""Words an author opens their own closing paragraph with (``Takeaway –``, ``My take:``, ``P.S.``)."""


def _closing_cue(lines: list[Line], speakers: Mapping[str, Speaker]) -> tuple[int, int] | None:
    """A paragraph in the last turn that opens with the author's closing words (``Takeaway –``, ``My take:``)."""
    labelled = [i for i, line in enumerate(lines) if line.label in speakers]
    if not labelled:
        return None
    for index in range(labelled[-1] + 1, len(lines)):
        line = lines[index]
        if not line.in_code and not lines[index - 1].text.strip() and CLOSING_CUE.match(line.text):
            return index, index
    return None


def _transcript_end(lines: list[Line], speakers: Mapping[str, Speaker]) -> tuple[int, int] | None:
    """A transcript of one-line turns (``Marta: …`` / ``ChatGPT: …``), four or more: a paragraph after a blank
    line under its last line is the author's, not the last speaker's."""
    labelled = [i for i, line in enumerate(lines) if line.label in speakers]
    if len(labelled) < 4 or any(not lines[i].rest.strip() for i in labelled):
        return None
    for i, j in zip(labelled, labelled[1:]):
        if any(lines[k].text.strip() for k in range(i + 1, j)):
            return None  # a turn goes on past its line
    last = labelled[-1]
    if last + 2 < len(lines) and not lines[last + 1].text.strip():
        after = next((k for k in range(last + 1, len(lines)) if lines[k].text.strip()), None)
        if after is not None and not lines[after].in_code and not SECTION_START.match(lines[after].text):
            return after, after
    return None


def _after_bare_code(lines: list[Line], speakers: Mapping[str, Speaker]) -> tuple[int, int] | None:
    """In a post with an introduction of the author's, a last answer that is nothing but a code block or a quote
    (the label, then the code or the quote) is followed by the author's words: the conversation ends after it."""
    labelled = [i for i, line in enumerate(lines) if line.label in speakers]
    if not labelled or speakers[lines[labelled[-1]].label].role != "assistant" or lines[labelled[-1]].rest.strip():
        return None
    intro = [line for line in lines[:labelled[0]] if line.text.strip() and not HEADING_ANY.match(line.text)]
    body = [i for i in range(labelled[-1] + 1, len(lines)) if lines[i].text.strip()]
    if len(intro) < 2 or not body:
        return None
    held = (lambda i: lines[i].in_code) if lines[body[0]].in_code else \
        (lambda i: bool(QUOTE_LINE.match(lines[i].text)) and not lines[i].alert) if QUOTE_LINE.match(lines[body[0]].text) \
        and not lines[body[0]].alert else None  # the answer is all code, or all quoted
    if held is None:
        return None
    after = next((i for i in body if not held(i)), None)
    if after is None or lines[after].in_code or lines[after].is_rule or SECTION_START.match(lines[after].text) and \
            not lines[after].text.lstrip().startswith(("**", "__")):
        return None
    return after, after


def _section_end(lines: list[Line], speakers: Mapping[str, Speaker]) -> tuple[int, int] | None:
    """The conversation sits in a section of the article (under ``## Conversation``, ``### Step 1``): a heading
    after the last label at that section's level or above starts the author's next section, and a rule right above
    that heading goes with neither."""
    labelled = [i for i, line in enumerate(lines) if line.label in speakers]
    if not labelled:
        return None
    section = next((lines[i] for i in range(labelled[0] - 1, -1, -1) if not lines[i].in_code and not lines[i].label
                    and HEADING_ANY.match(lines[i].text)), None)
    if section is None:
        return None
    for index in range(labelled[-1] + 1, len(lines)):
        line = lines[index]
        if not line.in_code and not line.label and not line.quoted and HEADING_ANY.match(line.text) \
                and heading_level(line) <= heading_level(section):
            above = previous_text(lines, index)
            if above is not None and above > labelled[-1] and lines[above].is_rule:
                return above, above + 1
            return index, index
    return None


def framed(lines: list[Line], speakers: Mapping[str, Speaker]) -> bool:
    """The conversation opens with a rule under the article's own text (``Here's an exchange:`` / ``---`` /
    ``**Me:** …``): an exchange set into an article between two rules."""
    first = next((i for i, line in enumerate(lines) if line.label in speakers), None)
    above = None if first is None else previous_text(lines, first)
    return above is not None and lines[above].is_rule and previous_text(lines, above) is not None


def _closing_words(lines: list[Line], speakers: Mapping[str, Speaker], closing: str) -> tuple[int, int] | None:
    labelled = [i for i, line in enumerate(lines) if line.label in speakers]
    if closing == "none" or not labelled:
        return None
    words = " ".join(closing.split())
    found = [i for i in range(labelled[0] + 1, len(lines)) if not lines[i].in_code
             and " ".join(lines[i].text.split()).startswith(words)]  # after the last turn's label first
    start = next((i for i in found if i > labelled[-1]), found[0] if found else None)
    first = labelled[0]
    if start is None:
        return None
    above = start - 1
    while above > first and not lines[above].text.strip():
        above -= 1
    return (above, start) if lines[above].is_rule else (start, start)


def closing_words_of(text: str) -> str:
    """The words that name a closing paragraph in ``closing_words``: its first line, cut to about eight words."""
    words = text.split()
    return " ".join(words[:8])


def end_mark(lines: list[Line]) -> int | None:
    return next((i for i, line in enumerate(lines) if "<!--" in line.text and not line.in_code
                 and END_MARK.match(line.text)), None)


def rules_of_last_turn(lines: list[Line], speakers: Mapping[str, Speaker]) -> list[int]:
    last = max((i for i, line in enumerate(lines) if line.label in speakers), default=None)
    return [] if last is None else [i for i in range(last + 1, len(lines)) if lines[i].is_rule]


def plain_after(lines: list[Line], index: int) -> bool:
    """Only plain paragraphs (no heading, list, quote, table, bold title or code) follow line ``index``."""
    after = [line for line in lines[index + 1:] if line.text.strip()]
    return bool(after) and not any(line.in_code or SECTION_START.match(line.text) for line in after)
