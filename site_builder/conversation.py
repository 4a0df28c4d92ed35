"""Post body -> speaker turns -> exchanges (DESIGN §2), through the stages of ``site_builder/reading/``.

The scan is line based, because a turn boundary is a line-level fact (``Zhiwei:`` at the start of a
line, or a ``---`` rule) and Markdown would otherwise read ``Label: text`` followed by ``---`` as a
setext heading. markdown-it tells us which lines sit inside code (fences, indented code) so labels
and rules there are left alone.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Mapping

from site_builder.model import ReadingWarning, Speaker
from site_builder.reading.doubts import settled, who_speaks_doubts
from site_builder.reading.end_doubts import end_doubts
from site_builder.reading.bold_prompts import bold_prompted, bold_prompts_by_the_page
from site_builder.reading.ends import conversation_end
from site_builder.reading.lines import classify
from site_builder.reading.scan import quoted_conversation, resolve_speakers, scan_turns
from site_builder.reading.forms import exported_forms, title_heading, tool_calls
from site_builder.reading.unlabelled import unlabelled_answers, unlabelled_doubts
from site_builder.reading.quoted_prompts import prompts_by_the_page
from site_builder.reading.shapes import avatar_exchange, quoted_exchange, second_looks
__all__ = ["LABEL_LINE", "RULE_LINE", "Conversation", "block_tokens", "code_lines", "group_exchanges", "parse_conversation",
           "question_key"]
# The stage's API, for the posts stage, the importers and the tests:
from site_builder.reading.lines import LABEL_LINE, RULE_LINE, block_tokens, code_lines
from site_builder.reading.scan import Conversation, group_exchanges, question_key


def parse_conversation(body: str, body_line: int, declared: Mapping[str, Speaker] | None,
                       code: frozenset[int], quoted: tuple[Speaker, Speaker] | None = None, *,
                       closing: str | None = None, label_forms: bool = True, title: str = "",
                       prompt_form: str = "quoted") -> Conversation:
    """Split ``body`` (starting at source line ``body_line``) into introduction, turns and exchanges.

    ``declared`` is the front matter's ``speakers`` (None when the key is absent: labels are inferred; an
    empty mapping declares that nobody speaks). ``code`` holds the 0-based body lines inside code (``code_lines``):
    labels and rules there are content. ``closing`` is the front matter's ``closing_words``: ``none`` (the last turn
    runs to the end) or the words the author's closing text starts with. ``label_forms``: declared speakers also
    start turns as ``## Label``, ``**Label:**`` or an emoji (False for an importer's post: it escapes ``Label:``
    lines only). ``quoted`` (user, assistant) and ``prompt_form``: the front matter's ``prompts:``, ``quoted`` (each
    ``> quote`` a prompt, the text under it the answer) or ``bold`` (each bold line a prompt, the quote under it the
    answer).
    """
    lines = classify(body, body_line, code)
    if quoted is not None:
        return bold_prompted(lines, *quoted) if prompt_form == "bold" else quoted_conversation(lines, *quoted)
    if declared is None:
        lines = exported_forms(lines, title)
    else:
        names = {name.casefold() for name in declared} if label_forms else set()
        lines = [dataclasses.replace(line, label=None, rest="", form="")
                 if line.form and (line.label or "").casefold() not in names else line for line in title_heading(lines)]
    readings = resolve_speakers(lines, declared)
    if declared and not readings and label_forms:  # an author's post (an importer's quotes are its messages' own)
        unquoted = quoted_exchange(lines, title, declared) or avatar_exchange(lines, declared)
        if unquoted is not None:
            lines = unquoted[0]
            readings = resolve_speakers(lines, declared)
    doubts: list[ReadingWarning] = []
    if declared is None:
        lines, readings, doubts = second_looks(lines, readings, title)
        prompted = None if readings or doubts else (bold_prompts_by_the_page(lines, title)
                                                    or prompts_by_the_page(lines, title))
        if prompted is not None:
            return prompted
        readings = readings | tool_calls(lines, readings)
    speakers = {label: r.speaker for label, r in readings.items()}
    lines, unlabelled = unlabelled_answers(lines, speakers) if label_forms else (lines, [])
    end = conversation_end(lines, speakers, closing, shapes=label_forms)
    intro, turns, breaks_after = scan_turns(lines[:end[0]] if end else lines, speakers)
    outro_lines = lines[end[1]:] if end is not None else []
    while outro_lines and not outro_lines[0].text.strip():
        outro_lines = outro_lines[1:]
    why = {r.speaker.name: r.reason for r in readings.values()}
    found = [] if closing is not None else end_doubts(lines, readings, turns, end, guesses=label_forms)
    who = [*who_speaks_doubts(lines, readings, turns, title), *unlabelled_doubts(unlabelled, speakers)] \
        if declared is None else []  # declared: the author said who speaks
    warnings = settled((*who, *found, *doubts), turns)
    return Conversation(intro, turns, group_exchanges(turns, breaks_after),
                        MappingProxyType({t.speaker.name: t.speaker for t in turns}),
                        MappingProxyType({t.speaker.name: why[t.speaker.name] for t in turns}),
                        "\n".join(line.text for line in outro_lines).rstrip("\n"),
                        outro_lines[0].number if outro_lines else 0, warnings,
                        "declared" if declared is not None else "unsure" if warnings else "certain")
