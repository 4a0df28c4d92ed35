"""Post body -> speaker turns -> exchanges (DESIGN §2).

The scan is line based, because a turn boundary is a line-level fact (``Zhiwei:`` at the start of a
line, or a ``---`` rule) and Markdown would otherwise read ``Label: text`` followed by ``---`` as a
setext heading. markdown-it tells us which lines sit inside code (fences, indented code) so labels
and rules there are left alone.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Iterable, Mapping

from markdown_it import MarkdownIt
from markdown_it.token import Token

from site_builder.blockquotes import capped_blockquotes
from site_builder.model import Annotation, Exchange, ReadingWarning, Speaker, Turn, settle_value
from site_builder.speakers import (ASSISTANT_EMOJI, PROSE_LABELS, USER_EMOJI, Reading, infer_speakers, known_name,
                                   name_role, unnumbered)

_WITHOUT_MARKS = ((0x3400, 0xA000), (0xAC00, 0xD7A4), (0xD800, 0xF900))
"""Blocks of the BMP whose every code point is a letter, a symbol, a surrogate or private use, by Unicode's
stability policy (CJK ideographs and Yijing symbols, Hangul syllables, surrogates and the Private Use Area):
two thirds of the plane, skipped at every start (``tests/test_parser.py`` compares with the whole scan)."""


def _mark_ranges(skip: tuple[tuple[int, int], ...] = _WITHOUT_MARKS) -> str:
    """The combining marks of the Basic Multilingual Plane as a regex class body: ``\\w`` leaves out the
    vowel signs of Devanagari, Bengali, Thai… (categories Mn/Mc), so ``राम`` would not be a word."""
    ranges, start, bounds = [], 0, [0, *(edge for pair in skip for edge in pair), 0x10000]
    for low, high in zip(bounds[::2], bounds[1::2]):
        start = None
        for code in range(low, high):
            mark = unicodedata.category(chr(code))[0] == "M"
            if mark and start is None:
                start = code
            elif not mark and start is not None:
                ranges.append(f"{chr(start)}-{chr(code - 1)}")
                start = None
        if start is not None:
            ranges.append(f"{chr(start)}-{chr(high - 1)}")
    return "".join(ranges)


_WORD = rf"[\w{_mark_ranges()}.'’\-]"
# `Label:` / `Label :` / `Label：` at the very start of a line. The label starts with a letter, has at
# most four words, and the ASCII colon must be followed by a space, the end of the line or a non-ASCII
# character (`用户:你好`) — so `http://x` and `note:foo` are not labels.
_LABEL = rf"[^\W\d_]{_WORD}*(?: {_WORD}+){{0,3}}"
_ASIDE = r"(?:[ \t]*[(（][^()（）\n]{1,60}[)）])?"
"""A parenthetical after a label, left out of the speaker's name: ``Claude (Opus 4):``, ``Me (later):``."""
LABEL_LINE = re.compile(rf"^(?P<label>{_LABEL}){_ASIDE} ?(?:：|:(?=\s|$|[^\x00-\x7f]))[ \t]*(?P<rest>.*)$")
# How exporters and the chat window's copy write labels: `## User`, `#### You:`, `### 🤖 Assistant`,
# `**You said:**`, `**ChatGPT**: text`; and `ChatGPT said:` (the plain copy) comes through LABEL_LINE.
_SYMBOL = r"(?:[^\w\s#*][\ufe0f\u200d]*[ \t]*){0,2}"
_NAMED = rf"{_SYMBOL}(?P<label>{_LABEL}?){_ASIDE}(?: said)?[ \t]*[:：]?"
HEADING_LABEL = re.compile(rf"^ {{0,3}}#{{1,6}}[ \t]+(?:\*\*|__)?{_NAMED}(?:\*\*|__)?[ \t]*#*[ \t]*$")
BOLD_LABEL = re.compile(rf"^\*\*{_NAMED}\*\*(?:[ \t]*[:：])?[ \t]*(?P<rest>.*)$")

EMOJI_LABEL = re.compile("^(?P<label>" + "|".join(re.escape(e) for e in sorted((*USER_EMOJI, *ASSISTANT_EMOJI),
                                                                          key=len, reverse=True))
                         + ")\ufe0f?(?:[ \t]*[:：])?(?:[ \t]+(?P<rest>.*))?$")
"""A message marked by an emoji instead of a name: ``👤 How do I…``, ``🤖 Use…``, or the emoji alone on its line."""
NAME_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})[ \t]+(?P<label>[^\W\d_][\w.'’-]{0,29})[ \t]*[:：]?[ \t]*#*[ \t]*$")
"""A heading that is one word, a name perhaps (``## dana``): a speaker's label when a known assistant's heading
at its level answers it."""
SECTION_WORDS = frozenset(w.casefold() for w in (
    "Introduction", "Intro", "Conclusion", "Conclusions", "Summary", "Background", "Setup", "Overview",
    "Motivation", "Results", "Discussion", "References", "Prerequisites", "Installation", "Usage", "Appendix",
    "Contents", "Context", "Thoughts", "Takeaways", "Lessons", "Update", "Updates", "Code", "Example", "Examples",
    "Problem", "Solution", "Answer", "Question", "Prompt", "Response", "Output", "Notes", "Resources", "Links",
    "TL;DR", "TLDR", "Epilogue", "Prologue", "Afterword", "Acknowledgements", "FAQ", "Demo", "Outro", "Abstract"))
"""Words that title sections of articles: never read as a person's name in a heading."""

ITALIC_LABEL = re.compile(rf"^([*_])(?![*_])(?P<label>{_LABEL})[ \t]*[:：][ \t]*(?P<rest>.*?)(?:\1)?[ \t]*$")
"""A message in italics, its label inside: ``*CHATGPT: Certo, ecco…*``."""
BRACKET_LABEL = re.compile(rf"^(?:\*\*)?[【\[［][ \t]*(?P<label>{_LABEL})[ \t]*[】\]］](?:\*\*)?[ \t]*[:：]?[ \t]*(?P<rest>.*)$")
"""A label in brackets: ``【问】这两行代码…``, ``**【答】**…``, ``[Q] …``."""
HEADING_ANY = re.compile(r"^ {0,3}#{1,6}[ \t]")
RULE_LINE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
# The author's explicit end of the conversation: what follows is their own closing text (the outro).
END_MARK = re.compile(r"^ {0,3}<!--\s*end(?: of)? (?:the )?conversation\s*-->\s*$", re.IGNORECASE)
# Lines that open a section of an answer rather than an author's closing paragraph.
_SECTION_START = re.compile(r"^ {0,3}(?:#|[-*+] |\d+[.)] |>|\||`{3}|~{3}|\*\*|__)")
_QUOTE = re.compile(r"^ {0,3}> ?(?P<rest>.*)$")
_ALERT = re.compile(r"^ {0,3}>[ \t]?\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]", re.IGNORECASE)

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


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    """1-based line in the source file."""
    text: str
    label: str | None
    rest: str
    is_rule: bool
    alert: str | None
    """The kind of a GitHub alert (``note``…) that opens on this line."""
    in_code: bool
    """Inside a fenced or indented code block (its fences included)."""
    form: str = ""
    """How the label is written: ``""`` for ``Label:``, else ``heading``, ``bold`` or ``said``."""
    quoted: bool = False
    """Taken out of a quote (a conversation quoted in an article): its headings are the answer's, not the article's."""


def parse_conversation(body: str, body_line: int, declared: Mapping[str, Speaker] | None,
                       code: frozenset[int], quoted: tuple[Speaker, Speaker] | None = None, *,
                       closing: str | None = None, label_forms: bool = True, title: str = "") -> Conversation:
    """Split ``body`` (starting at source line ``body_line``) into introduction, turns and exchanges.

    ``declared`` is the front matter's ``speakers`` (None when the key is absent: labels are inferred; an
    empty mapping declares that nobody speaks). ``code`` holds the 0-based body lines inside code (``code_lines``):
    labels and rules there are content. ``closing`` is the front matter's ``closing_words``: ``none`` (the last turn
    runs to the end) or the words the author's closing text starts with. ``label_forms``: declared speakers also
    start turns as ``## Label``, ``**Label:**`` or an emoji (False for an importer's post: it escapes ``Label:``
    lines only).
    """
    lines = _classify(body, body_line, code)
    if quoted is not None:
        return _quoted_conversation(lines, *quoted)
    if declared is None:
        lines = _exported_forms(lines)
    else:
        names = {name.casefold() for name in declared} if label_forms else set()
        lines = [dataclasses.replace(line, label=None, rest="", form="")
                 if line.form and (line.label or "").casefold() not in names else line for line in _title_heading(lines)]
    readings = _resolve_speakers(lines, declared)
    if declared and not readings and label_forms:  # an author's post (an importer's quotes are its messages' own)
        unquoted = _quoted_exchange(lines, title, declared)
        if unquoted is not None:
            lines = unquoted[0]
            readings = _resolve_speakers(lines, declared)
    doubts: list[ReadingWarning] = []
    if declared is None:
        lines, readings, doubts = _second_looks(lines, readings, title)
        prompted = None if readings or doubts else _prompts_by_the_page(lines, title)
        if prompted is not None:
            return prompted
    speakers = {label: r.speaker for label, r in readings.items()}
    end = conversation_end(lines, speakers, closing, shapes=label_forms)
    intro, turns, breaks_after = _scan_turns(lines[:end[0]] if end else lines, speakers)
    outro_lines = lines[end[1]:] if end is not None else []
    while outro_lines and not outro_lines[0].text.strip():
        outro_lines = outro_lines[1:]
    why = {r.speaker.name: r.reason for r in readings.values()}
    found = [] if closing is not None else _end_warnings(lines, readings, turns, end, guesses=label_forms)
    who = _warnings(lines, readings, turns, title) if declared is None else []  # declared: the author said who speaks
    warnings = _settled((*who, *found, *doubts), turns)
    return Conversation(intro, turns, group_exchanges(turns, breaks_after),
                        MappingProxyType({t.speaker.name: t.speaker for t in turns}),
                        MappingProxyType({t.speaker.name: why[t.speaker.name] for t in turns}),
                        "\n".join(line.text for line in outro_lines).rstrip("\n"),
                        outro_lines[0].number if outro_lines else 0, warnings,
                        "declared" if declared is not None else "unsure" if warnings else "certain")


SPEAKERS = ("speakers", None)
"""A warning's ``settle`` entry meaning "the speakers as read": filled in once the turns are known (``_settled``)."""


def _settled(warnings: Iterable[ReadingWarning], turns: tuple[Turn, ...]) -> tuple[ReadingWarning, ...]:
    """The warnings sorted by line, each ``SPEAKERS`` entry replaced by the speakers of ``turns`` and their roles."""
    speakers = tuple(dict.fromkeys((t.speaker.name, t.role) for t in turns))
    return tuple(sorted((dataclasses.replace(w, settle=tuple(("speakers", speakers) if item == SPEAKERS else item
                                                             for item in w.settle)) for w in warnings),
                        key=lambda w: w.line))


@cache
def _block_parser() -> MarkdownIt:
    return capped_blockquotes(MarkdownIt("commonmark").disable("inline"))  # block structure is all the scan needs


def block_tokens(body: str) -> list[Token]:
    """The block-level tokens of a post body (one parse serves turns and code blocks)."""
    return _block_parser().parse(body)


def code_lines(tokens: list[Token]) -> frozenset[int]:
    """0-based body lines that are inside fenced or indented code (labels there are content)."""
    inside: set[int] = set()
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            inside.update(range(token.map[0], token.map[1]))
    return frozenset(inside)


def _classify(body: str, body_line: int, code: frozenset[int]) -> list[_Line]:
    result = []
    for index, text in enumerate(body.split("\n")):
        label, rest, form, rule, alert = None, "", "", False, None
        if index not in code:
            label, rest, form = _label_of(text)
            rule = bool(RULE_LINE.match(text))
            alert_match = _ALERT.match(text)
            alert = alert_match[1].lower() if alert_match else None
        result.append(_Line(body_line + index, text, label, rest, rule, alert, index in code, form))
    return result


_FRAGMENT = re.compile(r"\s(?:is|are|was|were|be|been|the|a|an|of|to|and|or|for|with|as|like|this|that|these|those|"
                       r"following|below|here|there|by|in|on|at|from|into|than|then|so|but|if|when|how|what|which)$",
                       re.I)
"""Last words that make a label a sentence (English): a speaker's name does not end so."""
_SAID_HEADING = re.compile(rf"^ {{0,3}}#{{1,6}}[ \t]+(?:\*\*)?(?P<label>{_LABEL}?) said[ \t]*[:：](?:\*\*)?[ \t]+(?P<rest>\S.*)$")
"""GitHub's Copilot page: the message starts on its heading (``### Copilot said: Great. With…``)."""


def _label_of(text: str) -> tuple[str | None, str, str]:
    """The label a line starts with, the text after it, and how it is written (``_Line.form``)."""
    match = LABEL_LINE.match(text)
    if match and _FRAGMENT.search(match["label"]):
        match = None  # `Zero-shot prompting is:`, `Here is the code:`: a sentence, not a name
    if match:
        label = match["label"]
        if label.endswith(" said") and known_name(label[:-5]):
            return label[:-5], match["rest"], "said"
        return label, match["rest"], ""
    if text.startswith(("#", " #", "  #", "   #")):
        match = HEADING_LABEL.match(text)
        if match and known_name(match["label"]):
            return match["label"], "", "heading"
        said = _SAID_HEADING.match(text)
        if said and known_name(said["label"]):
            return said["label"], said["rest"], "heading"
        named = NAME_HEADING.match(text)
        if named and named["label"].casefold() not in SECTION_WORDS | PROSE_LABELS:
            return named["label"], "", "name heading"
    emoji = EMOJI_LABEL.match(text)
    if emoji:
        return emoji["label"], emoji["rest"] or "", "emoji"
    if text.startswith("**"):
        match = BOLD_LABEL.match(text)
        if match and match["rest"].strip() and not _BOLD_COLON.match(text):
            match = None  # `**Gemini** reviewed the video`: a bold name in a sentence, not a label
        if match and match["label"]:  # an unknown name is kept only where it takes turns with a known one
            return match["label"], match["rest"], "bold" if known_name(match["label"]) else "bold name"
    if text.startswith(("*", "_")):
        match = ITALIC_LABEL.match(text)
        if match and known_name(match["label"]):
            return match["label"], match["rest"], "bold"
    bare = text.strip()
    if bare and len(bare) <= 30 and bare == text.rstrip() and known_name(bare) and not _WORDY.search(bare):
        return bare, "", "bare"  # `Response` alone on its line: kept only where it answers (_exported_forms)
    if text.startswith(("【", "[", "［", "**【", "**[")):
        match = BRACKET_LABEL.match(text)
        if match and known_name(match["label"]):
            rest = match["rest"]
            return match["label"], rest[:-2] if rest.endswith("**") and text.startswith("**") else rest, "bold"
    return None, "", ""


def _exported_forms(lines: list[_Line]) -> list[_Line]:
    """Drop the exporters' label forms (headings, bold, ``said``, emoji) unless they hold a real exchange: a
    user's heading answered right after by an assistant's. ``## ChatGPT`` in an article is a heading. A
    one-word heading (``## dana``) is a label only where a known assistant's heading at its level answers
    it; the page's title (an ``# H1`` opening the body above deeper label headings) is never one."""
    lines = _bold_names(_field_blocks(_names_answered(_title_heading(lines))))
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


def _field_blocks(lines: list[_Line]) -> list[_Line]:
    """Bold labels in a block of bold fields on consecutive lines where some field is no speaker's name
    (``**Date:** …`` / ``**Tool:** Gemini``, ``**AI:** …`` / ``**Me:** …`` / ``**Why:** …``): a note's fields."""
    result = list(lines)
    index = 0
    while index < len(lines):
        if lines[index].in_code or not _BOLD_FIELD.match(lines[index].text):
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


def _bold_names(lines: list[_Line]) -> list[_Line]:
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


def _level(line: _Line) -> int:
    return len(line.text.lstrip(" ")) - len(line.text.lstrip(" ").lstrip("#"))


def _title_heading(lines: list[_Line]) -> list[_Line]:
    """An ``# H1`` label heading that opens the body, above label headings of a deeper level: the page's title."""
    first = next((index for index, line in enumerate(lines) if line.text.strip()), None)
    if first is None or lines[first].form not in ("heading", "name heading") or _level(lines[first]) != 1:
        return lines
    others = [line for line in lines[first + 1:] if line.form in ("heading", "name heading")]
    if not others or any(_level(line) == 1 for line in others):
        return lines
    return [*lines[:first], dataclasses.replace(lines[first], label=None, rest="", form=""), *lines[first + 1:]]


def _names_answered(lines: list[_Line]) -> list[_Line]:
    """One-word headings kept as labels only when a known assistant's heading at their level comes next among
    the headings of that level (``## dana`` … ``## chatgpt``); the others are headings."""
    headings = [line for line in lines if line.form in ("heading", "name heading")
                or not line.in_code and HEADING_ANY.match(line.text)]
    answered = {a.label for a, b in zip(headings, headings[1:])
                if a.form == "name heading" and b.form == "heading" and _level(a) == _level(b)
                and name_role(b.label or "") == "assistant"}
    return [line if line.form != "name heading" else
            dataclasses.replace(line, form="heading") if line.label in answered else
            dataclasses.replace(line, label=None, rest="", form="") for line in lines]


def _second_looks(lines: list[_Line], readings: dict[str, Reading], title: str = ""
                  ) -> tuple[list[_Line], dict[str, Reading], list[ReadingWarning]]:
    """What a reader sees once the labels are known, each said in a warning: a lone ``Q:``/``A:`` pair in an
    article is content; labels that only ever talk among themselves inside one speaker's answers (a dialogue
    the assistant wrote) are that answer's content; quotes before every answer of an assistant that nobody asks
    are the prompts."""
    doubts: list[ReadingWarning] = []
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
        quoted_exchange = _quoted_exchange(lines, title) or _list_exchange(lines)
        if quoted_exchange is not None:
            lines, readings = quoted_exchange
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


_IAL = re.compile(r"^ {0,3}\{:\s*\.(?P<cls>prompt|response|question|answer|user|assistant)\s*\}\s*$", re.I)
"""A kramdown class line under a block: ``{: .prompt }`` marks the block above as a prompt, ``{: .response }`` as
an answer (Jekyll themes such as Chirpy style them)."""
_Q_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?:Q|Question|问)[ \t]*[:：.][ \t]*(?P<rest>.+?)[ \t]*#*[ \t]*$", re.I)
_DETAILS_ANSWER = re.compile(r"^\s*(?:<details[^>]*>\s*)?<summary>\s*(?P<name>[^<]{1,40}?)\s+(?:answer|response|reply)s?"
                             r"\s*</summary>\s*$", re.I)
_DETAILS_OPEN = re.compile(r"^\s*<details[^>]*>\s*$", re.I)
_ZENN_ANSWER = re.compile(r"^ {0,3}:{3,}[ \t]*details[ \t]+(?P<name>[^\s:：]{1,40}?)[ \t]*(?:の回答|の返答|の答え|'s answer|"
                          r"[ \t]+(?:answer|response|reply))[ \t]*$", re.I)
"""Zenn's fold titled for an answer: ``:::details ChatGPTの回答`` … ``:::``."""
_ZENN_END = re.compile(r"^ {0,3}:{3,}[ \t]*$")
_PROMPT_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*(?:prompt|プロンプト|提示词)\b", re.I)
_DETAILS_END = re.compile(r"^ {0,3}</details>\s*$", re.I)
_PROMPT_CLASSES = frozenset(("prompt", "question", "user"))
_PROMPT_HEADING = re.compile(r"^ {0,3}#{2,6}[ \t]+(?P<rest>.+?)[ \t]*#*[ \t]*$")


def _prompt_fence(lines: list[_Line], index: int) -> int | None:
    """The opening line of a fenced block marked ``prompt`` that ends right above line ``index``, or None."""
    above = index - 1
    while above >= 0 and not lines[above].text.strip():
        above -= 1
    if above < 0 or not lines[above].in_code:
        return None
    while above > 0 and lines[above - 1].in_code:
        above -= 1
    return above if _PROMPT_FENCE.match(lines[above].text) else None


def _previous_text(lines: list[_Line], index: int) -> int | None:
    """The index of the last line above ``index`` that is not blank and not code, or None."""
    above = index - 1
    while above >= 0 and not lines[above].text.strip():
        above -= 1
    return above if above >= 0 and not lines[above].in_code else None


def _exporter_markup(lines: list[_Line]) -> tuple[list[_Line], dict[str, Reading], int] | None:
    """Conversations marked by their page's markup instead of labels: kramdown ``{: .prompt }`` / ``{: .response }``
    under each block, or ``### Q: …`` headings each answered in ``<details><summary>ChatGPT Answer</summary>``.
    The markup lines are blanked (line numbers stay); None when the post has neither (both kinds, at least twice)."""
    lines = list(lines)
    found: list[int] = []
    user, names = Speaker("You", "user"), set()
    for index, line in enumerate(lines):
        if line.in_code:
            continue
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
            quote = _QUOTE.match(first.text)
            rest = quote["rest"] if quote else first.text
            prompt = ial["cls"].lower() in _PROMPT_CLASSES
            for inner in range(top, index):
                inner_quote = _QUOTE.match(lines[inner].text)
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
            above = _previous_text(lines, index)
            if above is not None and _DETAILS_OPEN.match(lines[above].text):
                lines[above] = dataclasses.replace(lines[above], text="")
                above = _previous_text(lines, above)
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


_GENERIC_PAIR = (frozenset(w.casefold() for w in ("q", "question", "问", "问题", "問", "pregunta", "pergunta", "frage",
                                                   "domanda", "vraag", "вопрос", "質問", "질문", "soru", "pytanie",
                                                   "câu hỏi", "pertanyaan")),
                 frozenset(w.casefold() for w in ("a", "answer", "答", "回答", "réponse", "respuesta", "resposta",
                                                   "antwort", "risposta", "antwoord", "ответ", "答え", "답변", "답",
                                                   "cevap", "yanıt", "odpowiedź", "trả lời", "jawaban")))
"""Question and answer words, in several languages: the labels of FAQs as much as of conversations."""


def _lone_generic_pair(lines: list[_Line], readings: Mapping[str, Reading]) -> int | None:
    """The line of a ``Q:`` answered once by ``A:`` when those are the only labels and prose follows (an
    article's joke, an FAQ of one entry): None when the post is anything else."""
    labelled = [line for line in lines if line.label in readings]
    if len(labelled) != 2 or set(readings) != {labelled[0].label, labelled[1].label}:
        return None
    asks, answers = (line.label.casefold() for line in labelled)
    if asks not in _GENERIC_PAIR[0] or answers not in _GENERIC_PAIR[1]:
        return None
    after = [line for line in lines if line.number > labelled[1].number and line.text.strip()]
    return labelled[0].number if len(after) >= 3 else None


_AI_WORDS = re.compile(r"(?<![A-Za-z0-9])(?:AI|A\.I\.|LLM|LLMs|chatbot|chat ?bot|GPT[\w.-]*|人工智能|生成AI|" + "|".join(
    re.escape(name) for name in ("ChatGPT", "Claude", "Gemini", "Bard", "Copilot", "Mistral", "Llama", "Grok",
                                 "DeepSeek", "Qwen", "Perplexity", "OpenAI", "Anthropic", "Kimi")) + r")(?![A-Za-z])",
                       re.I)
"""Words that say an AI takes part (in a title or an introduction)."""


_FAQ_WORDS = re.compile(r"\b(?:FAQs?|frequently asked|flash ?cards?|Q ?& ?A)\b|常见问题|よくある質問", re.I)


def _faq(lines: list[_Line], readings: Mapping[str, Reading], title: str) -> int | None:
    """The line of the first label when ``Q:``/``A:`` (``Question:``/``Answer:``…) are the only labels and neither
    the title nor the text before them names an AI: an FAQ or flashcards, not a conversation. None otherwise."""
    generic = _GENERIC_PAIR[0] | _GENERIC_PAIR[1]
    if not readings or any(unnumbered(label) not in generic for label in readings):
        return None
    asked = [line for line in lines if line.label in readings and readings[line.label].speaker.role == "user"]
    if len(asked) < 2:
        return None  # one question and its answer, the whole post: read as the exchange it shows
    first = next(index for index, line in enumerate(lines) if line.label in readings)
    before = " ".join(line.text for line in lines[:first])
    return None if _AI_WORDS.search(title) or _AI_WORDS.search(before) else lines[first].number


def _quoted_exchange(lines: list[_Line], title: str, declared: Mapping[str, Speaker] | None = None
                     ) -> tuple[list[_Line], dict[str, Reading]] | None:
    """A conversation quoted inside an article (``> **Me:** …`` / ``> **Doxa:** …``), in one quote or a quote per
    message: the labels of the quotes, read together as a reader does, start turns; their quote marks go. The
    article resumes after the last of those quotes (an end of the conversation there). None when the
    quotes hold no exchange, or no AI takes part (a known assistant answers, or the title or the text before the
    quotes names one): a quoted talk between people is an anecdote in an article."""
    blocks: list[tuple[int, int, list[_Line]]] = []
    index = 0
    while index < len(lines):
        if lines[index].in_code or lines[index].alert or not _QUOTE.match(lines[index].text):
            index += 1
            continue
        start = index
        while index < len(lines) and not lines[index].in_code and _QUOTE.match(lines[index].text):
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
        lines[stop] = dataclasses.replace(lines[stop], text=_QUOTED_END)  # the article goes on after the quote
    return lines, readings


_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+")


def _list_exchange(lines: list[_Line]) -> tuple[list[_Line], dict[str, Reading]] | None:
    """A conversation written as a list, an item per message (``1. **Yo:** …`` / ``2. **Claude:** …``), with a known
    assistant taking part: the items' labels start turns, their markers go (the items' own lines are dedented), and
    the article resumes after the list. None otherwise."""
    items = []
    for index, line in enumerate(lines):
        marker = None if line.in_code else _ITEM.match(line.text)
        if marker:
            label, rest, form = _label_of(line.text[marker.end():])
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
        lines[after] = dataclasses.replace(lines[after], text=_QUOTED_END)
    return lines, readings


def _quoted_ai(readings: Mapping[str, Reading], lines: list[_Line], blocks: list[tuple[int, int, list[_Line]]],
               title: str) -> bool:
    """The quotes hold an exchange with someone a reader knows, and an AI takes part."""
    roles = {r.speaker.role for r in readings.values()}
    if not {"user", "assistant"} <= roles or not any(known_name(label) for label in readings):
        return False  # someone a reader knows takes part: `> **Me:**`, `> ChatGPT:`
    before = " ".join(line.text for line in lines[:blocks[0][0]])
    return any(name_role(label) == "assistant" for label in readings) or bool(_AI_WORDS.search(f"{title} {before}"))


_QUOTED_END = "<!-- end of conversation -->"


def _unquoted(line: _Line) -> _Line:
    """A line of a blockquote without its ``>``, classified again (a label may start it now)."""
    rest = _QUOTE.match(line.text)["rest"]
    callout = _CALLOUT.match(rest)
    if callout:  # Obsidian's `> [!human] You` / `> [!ai] Gemini`: the callout's title, or its type, names the speaker
        title, kind = callout["title"].strip(), callout["kind"].casefold()
        name = title if title and known_name(title) else _CALLOUT_KINDS.get(kind)
        if name:
            return dataclasses.replace(line, text="", label=name, rest="", form="bold", quoted=True)
    bold = BOLD_LABEL.match(rest) if rest.startswith("**") else None
    label, after, form = (bold["label"], bold["rest"], "bold") if bold and bold["label"] else _label_of(rest)
    return dataclasses.replace(line, text=rest, label=label, rest=after, form=form, quoted=True)


_BOLD_COLON = re.compile(r"^\*\*[^*\n]*?[:：][ \t]*\*\*|^\*\*[^*\n]*?\*\*[ \t]*[:：]")
"""A bold label with its colon inside or right after the bold."""
_WORDY = re.compile(r"^(?:A|I|Q|Me|You|Yo|Io|Ich|Eu|Ja|Ik)$", re.I)
"""Known names that alone on a line are more often a word, a letter or an answer than a speaker."""
_CALLOUT = re.compile(r"^\[!(?P<kind>[\w-]{1,30})\][-+]?[ \t]*(?P<title>[^\n]{0,60})$")
_CALLOUT_KINDS = {"human": "Human", "user": "User", "me": "Me", "question": "Question", "prompt": "Prompt",
                  "ai": "AI", "assistant": "Assistant", "bot": "Bot", "answer": "Answer", "response": "Response",
                  "chatgpt": "ChatGPT", "claude": "Claude", "gemini": "Gemini", "gpt": "GPT"}


def _written_dialogue(lines: list[_Line], readings: Mapping[str, Reading]) -> list[str]:
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


def _quoted_prompts(lines: list[_Line], readings: Mapping[str, Reading]
                    ) -> tuple[list[_Line], dict[str, Reading], int] | None:
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
        while above >= 0 and not lines[above].in_code and not lines[above].alert and _QUOTE.match(lines[above].text):
            block.insert(0, above)
            above -= 1
        if not block:
            return None
        quotes.append(block)
    lines = list(lines)
    for block in quotes:
        for position, index in enumerate(block):
            rest = _QUOTE.match(lines[index].text)["rest"]
            lines[index] = dataclasses.replace(lines[index], text=rest, label="You" if position == 0 else None,
                                               rest=rest if position == 0 else "", form="")
    you = Reading(Speaker("You", "user"), "quoted prompt")
    return lines, {"You": you, **readings}, lines[quotes[0][0]].number


def _resolve_speakers(lines: list[_Line], declared: Mapping[str, Speaker] | None) -> dict[str, Reading]:
    """Which labels start turns: the declared ones, else the ones a reader takes for speakers (``speakers``)."""
    if declared is None:
        return infer_speakers([line.label for line in lines if line.label])
    by_key = {name.casefold(): speaker for name, speaker in declared.items()}
    return {line.label: Reading(by_key[line.label.casefold()], "declared") for line in lines
            if line.label and line.label.casefold() in by_key}


def _prompts_by_the_page(lines: list[_Line], title: str) -> Conversation | None:
    """A page about an AI that labels nobody and opens its conversation with a quote, each quote answered by the
    text after it: the quotes are the prompts (``prompts: quoted``, said as a doubt). None otherwise."""
    starts = _quote_starts(lines)
    named = _AI_WORDS.search(title) or (len(starts) >= 3 and next(
        (found for line in lines if not line.in_code and (found := _AI_WORDS.search(line.text))), None))
    if not named or len(starts) < 2 or any(line.label and known_name(line.label) for line in lines):
        return None
    before = [line for line in _outside_style(lines[:starts[0]]) if line.text.strip() and not line.in_code
              and not HEADING_ANY.match(line.text) and not line.text.lstrip().startswith(("<", "|", "[!["))]
    answered = all(_next_text(lines, _quote_end(lines, start)) is not None for start in starts)
    if before or not answered or lines[starts[0]].text.lstrip().startswith("<"):
        return None
    name = named[0] if name_role(named[0]) == "assistant" else "Assistant"
    user, assistant = Speaker("You", "user"), Speaker(name, "assistant")
    read = _quoted_conversation(lines, user, assistant)
    if len(read.turns) < 4:
        return None
    doubt = ReadingWarning(lines[starts[0]].number, f"nobody is labelled: the quotes are read as your prompts and the "
                                                    f"text after each as {name}'s answer; if they are quotations, "
                                                    "declare `speakers: {}`",
                           (("prompts", "quoted"), ("speakers", (("You", "user"), (name, "assistant")))))
    return dataclasses.replace(read, warnings=(doubt,), confidence="unsure")


def _outside_style(lines: list[_Line]) -> list[_Line]:
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


def _quote_end(lines: list[_Line], start: int) -> int:
    end = start
    while end + 1 < len(lines) and not lines[end + 1].in_code and _QUOTE.match(lines[end + 1].text):
        end += 1
    return end


def _next_text(lines: list[_Line], index: int) -> int | None:
    """The index of the first line after ``index`` that is not blank and not a quote or a heading, or None."""
    for ahead in range(index + 1, len(lines)):
        if lines[ahead].text.strip():
            text = lines[ahead].text
            return None if _QUOTE.match(text) and not lines[ahead].in_code or HEADING_ANY.match(text) else ahead
    return None


def _quoted_conversation(lines: list[_Line], user: Speaker, assistant: Speaker) -> Conversation:
    """``prompts: quoted``: a quote (not an alert) after a blank line is the user's prompt, the text after
    it the assistant's answer, until the next such quote."""
    intro: list[str] = []
    turns: list[Turn] = []
    current: tuple[Speaker, int, list[_Line]] | None = None
    for index, line in enumerate(lines):
        quote = None if line.in_code or line.alert else _QUOTE.match(line.text)
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


def _closed(turns: list[Turn], current: tuple[Speaker, int, list[_Line]] | None) -> list[Turn]:
    return [] if current is None else [_make_turn(len(turns) + 1, *current)]


def conversation_end(lines: list[_Line], speakers: Mapping[str, Speaker], closing: str | None = None,
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
    marked = _end_mark(lines)
    if marked is not None:
        return marked, marked + 1
    if closing is not None:
        return _closing_words(lines, speakers, closing)
    rules = _rules_of_last_turn(lines, speakers)
    if len(rules) == 1 and not lines[rules[0] - 1].in_code and _plain_after(lines, rules[0]):
        return rules[0], rules[0] + 1
    if not shapes:
        return None  # an importer's post: its messages are whole, whatever their shape
    if rules and _framed(lines, speakers) and not lines[rules[0] - 1].in_code \
            and any(line.text.strip() for line in lines[rules[0] + 1:]):
        return rules[0], rules[0] + 1  # opened by a rule under the article's text: the next rule closes it
    return (_after_bare_code(lines, speakers) or _section_end(lines, speakers) or _transcript_end(lines, speakers)
            or _closing_cue(lines, speakers))


_CUE = re.compile(r"^ {0,3}(?:\*\*|__)?(?:Takeaway|My take(?:away)?|My thoughts|My verdict|What I learned|What I took away|"
                  r"Final thoughts|Afterthoughts?|P\.S\.|PS|Update|Edit|感想|所感|我的感想|소감|Mein Fazit|Mon avis|Mi opinión)"
                  r"(?:\*\*|__)?[ \t]*(?:[:：–—]|-[ \t])")
"""Words an author opens their own closing paragraph with (``Takeaway –``, ``My take:``, ``P.S.``)."""


def _closing_cue(lines: list[_Line], speakers: Mapping[str, Speaker]) -> tuple[int, int] | None:
    """A paragraph in the last turn that opens with the author's closing words (``Takeaway –``, ``My take:``)."""
    labelled = [i for i, line in enumerate(lines) if line.label in speakers]
    if not labelled:
        return None
    for index in range(labelled[-1] + 1, len(lines)):
        line = lines[index]
        if not line.in_code and not lines[index - 1].text.strip() and _CUE.match(line.text):
            return index, index
    return None


def _transcript_end(lines: list[_Line], speakers: Mapping[str, Speaker]) -> tuple[int, int] | None:
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
        if after is not None and not lines[after].in_code and not _SECTION_START.match(lines[after].text):
            return after, after
    return None


def _after_bare_code(lines: list[_Line], speakers: Mapping[str, Speaker]) -> tuple[int, int] | None:
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
        (lambda i: bool(_QUOTE.match(lines[i].text)) and not lines[i].alert) if _QUOTE.match(lines[body[0]].text) \
        and not lines[body[0]].alert else None  # the answer is all code, or all quoted
    if held is None:
        return None
    after = next((i for i in body if not held(i)), None)
    if after is None or lines[after].in_code or lines[after].is_rule or _SECTION_START.match(lines[after].text) and \
            not lines[after].text.lstrip().startswith(("**", "__")):
        return None
    return after, after


def _section_end(lines: list[_Line], speakers: Mapping[str, Speaker]) -> tuple[int, int] | None:
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
                and _level(line) <= _level(section):
            above = _previous_text(lines, index)
            if above is not None and above > labelled[-1] and lines[above].is_rule:
                return above, above + 1
            return index, index
    return None


def _framed(lines: list[_Line], speakers: Mapping[str, Speaker]) -> bool:
    """The conversation opens with a rule under the article's own text (``Here's an exchange:`` / ``---`` /
    ``**Me:** …``): an exchange set into an article between two rules."""
    first = next((i for i, line in enumerate(lines) if line.label in speakers), None)
    above = None if first is None else _previous_text(lines, first)
    return above is not None and lines[above].is_rule and _previous_text(lines, above) is not None


def _closing_words(lines: list[_Line], speakers: Mapping[str, Speaker], closing: str) -> tuple[int, int] | None:
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


def _end_mark(lines: list[_Line]) -> int | None:
    return next((i for i, line in enumerate(lines) if not line.in_code and END_MARK.match(line.text)), None)


def _rules_of_last_turn(lines: list[_Line], speakers: Mapping[str, Speaker]) -> list[int]:
    last = max((i for i, line in enumerate(lines) if line.label in speakers), default=None)
    return [] if last is None else [i for i in range(last + 1, len(lines)) if lines[i].is_rule]


def _plain_after(lines: list[_Line], index: int) -> bool:
    """Only plain paragraphs (no heading, list, quote, table, bold title or code) follow line ``index``."""
    after = [line for line in lines[index + 1:] if line.text.strip()]
    return bool(after) and not any(line.in_code or _SECTION_START.match(line.text) for line in after)


def _warnings(lines: list[_Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...],
              title: str = "") -> list[ReadingWarning]:
    """Who speaks, where a reader might doubt it (``site-builder explain``, and the build's output)."""
    found = [*_used_once(readings, turns), *_inside_answers(lines, readings, turns), *_taking_turns(readings, turns),
             *_one_side(lines, readings, turns), *_quotes_outside_questions(lines, turns), *_answer_first(turns),
             *_intro_answers(lines, turns)]
    if not turns and not found:
        found.extend(_article_doubts(lines, title))
    names = list(dict.fromkeys(t.speaker.name for t in turns))
    if len(names) > 4:
        found.append(ReadingWarning(turns[0].line, f"{len(names)} speakers: each label is read as a speaker; declare "
                                                   "`speakers:` without the labels that are content", (SPEAKERS,)))
    return found


def _end_warnings(lines: list[_Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...],
                  end: tuple[int, int] | None, guesses: bool = True) -> list[ReadingWarning]:
    """Where the conversation ends, where a reader might doubt it (``guesses``: the shapes an author's post may
    take; an importer's post has whole messages)."""
    found = [*_after_last_rule(lines, readings, turns, end), *_sections_after_a_rule(lines, readings, turns, end)]
    return found or (_past_its_code(lines, turns, end) if guesses else [])


def _past_its_code(lines: list[_Line], turns: tuple[Turn, ...], end: tuple[int, int] | None) -> list[ReadingWarning]:
    """In a post with an introduction of the author's, the last answer runs to the end and goes on in prose after
    its code: often the author's own words resuming (``Here is what I added:``), sometimes the answer's."""
    if end is not None or not turns or turns[-1].role != "assistant" or _end_mark(lines) is not None:
        return []
    intro = [line for line in lines if line.number < turns[0].line and line.text.strip()
             and not HEADING_ANY.match(line.text)]
    last = [line for line in lines if turns[-1].line < line.number <= turns[-1].end_line and line.text.strip()]
    after = next((b for a, b in zip(last, last[1:]) if a.in_code and not b.in_code
                  and not _SECTION_START.match(b.text)), None)
    if len(intro) < 2 or after is None:
        return []
    return [ReadingWarning(after.number, f"the last turn ({turns[-1].speaker.name}) runs to the end, on past its code "
                                         "with this paragraph: if your own words start here, write `closing_words: "
                                         f"{settle_value(closing_words_of(after.text))}`", (("closing_words", "none"),))]


def _one_side(lines: list[_Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    """Only one side of a conversation is labelled: answers with no asker (what comes between them is read as the
    answer above), or a user's label that recurs with no answer anyone labels (read as an article)."""
    if turns and len(turns) >= 2 and all(t.role == "assistant" for t in turns):
        between = next((line for line in lines if turns[0].line < line.number <= turns[1].line
                        and line.text.strip() and not line.label), None)
        if between is not None:
            return [ReadingWarning(turns[1].line, "nobody asks by name: the text between the answers is read as part "
                                                  "of the answer above it; if your prompts are there, label them "
                                                  "(`Me: …`) or quote them and write `prompts: quoted`", (SPEAKERS,))]
    if not readings:
        asking = [line for line in lines if line.label and name_role(line.label) == "user" and line.form != "heading"]
        names = {line.label.casefold() for line in asking}
        if len(asking) >= 2 and len(names) == 1 and asking[0].label.casefold() not in _GENERIC_PAIR[0]:
            return [ReadingWarning(asking[0].number, f"`{asking[0].label}:` starts {len(asking)} lines but no answer "
                                                     "is labelled: read as an article; to show a conversation, label "
                                                     "the answers (`ChatGPT: …`)", (("speakers", ()),))]
    return []


_NESTED = re.compile(r"^(?:[ \t\u3000]*(?:[-*+][ \t]+|\d{1,3}[.)][ \t]+|>[ \t]?|\[\[[^\]\n]{1,80}\]\][ \t]*))+")
"""What a label may sit behind in a list item or a quote: list markers, quote marks, ``[[wiki/tags]]``."""
_QUOTE_OPEN = re.compile(r"^ {0,3}(?:>|<blockquote[\s>])", re.I)


def _article_doubts(lines: list[_Line], title: str) -> list[ReadingWarning]:
    """A post read as an article that a reader might take for a conversation: speakers' labels inside list items
    or quotes (an outliner's export, a quoted chat), a question answered by a long quote, or quotes in a post about
    an AI that labels nobody (the quotes may be its prompts)."""
    nested, asked = [], []
    for line in lines:
        if line.in_code:
            continue
        marker = _NESTED.match(line.text)
        inner = line.text[marker.end():] if marker else line.text
        bold = BOLD_LABEL.match(inner) if marker and inner.startswith("**") else None
        label, _, form = (bold["label"], "", "bold") if bold and bold["label"] else _label_of(inner)
        if label and (marker or form not in ("heading", "name heading")):  # `## ChatGPT` heads an article's section
            nested.append((line, label))
        elif label and name_role(label) == "user" and HEADING_ANY.match(line.text):
            asked.append(line)  # `### 我的提問`: a section headed by the asker, perhaps a question
    readings = infer_speakers([label for _, label in nested])
    generic = _GENERIC_PAIR[0] | _GENERIC_PAIR[1]
    if {r.speaker.role for r in readings.values()} >= {"user", "assistant"} \
            and not all(unnumbered(label) in generic for label in readings):  # Q:/A: alone: an FAQ (_faq)
        line = next(line for line, label in nested if label in readings)
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
        return [ReadingWarning(agent[0].number, "a coding agent's terminal session (⏺ lines): read as an article; "
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
    quotes = _quote_starts(lines)
    asked = [index for index in quotes if (above := _previous_text(lines, index)) is not None
             and lines[above].text.rstrip().endswith(("?", "？")) and not _QUOTE_OPEN.match(lines[above].text)]
    quoted = sum(1 for line in lines if not line.in_code and _QUOTE.match(line.text))
    texts = sum(1 for line in lines if line.text.strip())
    if asked and (len(asked) >= 2 or quoted * 2 >= texts):
        return [ReadingWarning(lines[asked[0]].number, "a question answered by a quote, with no labels: read as an "
                                                       "article; if the quote is the answer, label the turns (`Me: …` "
                                                       "/ `ChatGPT: …`)", (("speakers", ()),))]
    before = " ".join(line.text for line in lines if not _QUOTE.match(line.text))
    if len(quotes) >= 2 and (_AI_WORDS.search(title) or _AI_WORDS.search(before)):
        return [ReadingWarning(lines[quotes[0]].number, f"{len(quotes)} quotes in a post about an AI that labels "
                                                        "nobody: read as an article; if the quotes are your prompts, "
                                                        "write `prompts: quoted`", (("speakers", ()),))]
    return []


_HTML_USER = re.compile(r"<[^>]{0,200}?\b(?:class|src|href|alt|data-[\w-]+)=[\"'][^\"'>]{0,200}?\b(?:user|human|me|you|question|author|autor|auteur|autore|prompt)\b|"
                        r"[/\"'](?:user|human|me|avatar-user)[\w-]*\.(?:svg|png|jpe?g|webp|gif)\b", re.I)
_HTML_ASSISTANT = re.compile(r"<[^>]{0,200}?\b(?:class|src|href|alt|data-[\w-]+)=[\"'][^\"'>]{0,200}?\b(?:assistant|bot|ai|chatgpt|gpt|"
                             r"claude|gemini|answer|response)\b|[/\"'](?:assistant|bot|ai|chatgpt|gpt|claude|gemini|openai)"
                             r"[\w-]*\.(?:svg|png|jpe?g|webp|gif)\b", re.I)


def _chat_bubbles(lines: list[_Line]) -> int | None:
    """The line of the first of two or more HTML blocks marked as a user's message and two or more marked as an
    assistant's (``class="user"``, ``src=".../chatgpt.svg"``): a chat drawn in HTML. None otherwise."""
    users = [line.number for line in lines if not line.in_code and "<" in line.text and _HTML_USER.search(line.text)]
    bots = [line.number for line in lines if not line.in_code and "<" in line.text and _HTML_ASSISTANT.search(line.text)]
    return min(users[0], bots[0]) if len(users) >= 2 and len(bots) >= 2 else None


_TOLD = re.compile(r"(?<![A-Za-z])(?:I (?:then |also |first |next )?(?:asked|prompted|told|typed|gave)(?: it| him| her| "
                   r"them| the (?:AI|bot|model|chatbot))?|my (?:prompt|question) (?:was|to)|(?:it|ChatGPT|Claude|Gemini|"
                   r"the (?:AI|bot|model)) (?:said|replied|answered|wrote|responded|came back with)|came back:|"
                   r"Wrote this when I)(?![A-Za-z])", re.I)
"""Words that tell of asking an AI in the author's own sentences (English)."""


def _told_in_prose(lines: list[_Line], title: str) -> int | None:
    """The line of the first sentence that tells of asking an AI, in a page about one, twice or more (or once
    followed by a quote or a colon): the prompts and answers are told in prose. None otherwise."""
    named = _AI_WORDS.search(title) or any(_AI_WORDS.search(line.text) for line in lines if not line.in_code)
    if not named:
        return None
    told = [index for index, line in enumerate(lines) if not line.in_code and _TOLD.search(line.text)]
    if len(told) >= 2 or told and lines[told[0]].text.rstrip().endswith((":", "：")):
        return lines[told[0]].number
    return None


def _assistant_heading(text: str) -> bool:
    """A heading whose words are an assistant's name (``## ChatGPT``, ``## Google Bard``, ``### Claude 3 Opus``)."""
    words = text.strip().lstrip("#").strip().strip("*_ ").rstrip("#").strip()
    maker = re.sub(r"^(?:Google|Microsoft|OpenAI|Anthropic|Meta|Mistral AI|xAI)\s+", "", words, flags=re.I)
    return name_role(words) == "assistant" or name_role(maker) == "assistant" or maker.casefold() in ("edge", "bing chat")


def _quote_starts(lines: list[_Line]) -> list[int]:
    """Indices of the lines that open a quote (``>`` after a non-quote line, or ``<blockquote>``), alerts left out."""
    return [index for index, line in enumerate(lines)
            if not line.in_code and not line.alert and _QUOTE_OPEN.match(line.text)
            and (index == 0 or not _QUOTE.match(lines[index - 1].text) or lines[index - 1].in_code)]


def _quotes_outside_questions(lines: list[_Line], turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    """Quotes, two or more, that open inside answers while each user turn is a line or two: the quotes may be the
    prompts and the labels a dialogue the answers hold."""
    if not turns or any(t.role == "user" and t.end_line - t.line > 2 for t in turns) or any(l.quoted for l in lines):
        return []  # (a conversation quoted in the article: its quotes were its messages)
    starts = [t.line for t in turns]
    outside = [lines[index] for index in _quote_starts(lines)
               if (turn := bisect.bisect_right(starts, lines[index].number) - 1) >= 0 and turns[turn].role != "user"
               and lines[index].number <= turns[turn].end_line]
    if len(outside) < 2:
        return []
    return [ReadingWarning(outside[0].number, f"{len(outside)} quotes open inside the answers: if they are your "
                                              "prompts, the labels are a dialogue inside the answers; declare "
                                              "`speakers:` to say who speaks", (SPEAKERS,))]


_OFFER = re.compile(r"\b(?:If it helps, I can|Would you like me to|Let me know if you(?:'d| would)? like|Want me to|"
                    r"Shall I|Do you want me to|Hope this helps|I hope this helps|Happy to help|Feel free to ask)\b", re.I)
"""How an assistant's answer ends (English): an offer to go on."""


def _intro_answers(lines: list[_Line], turns: tuple[Turn, ...]) -> list[ReadingWarning]:
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


def _answer_first(turns: tuple[Turn, ...]) -> list[ReadingWarning]:
    """The conversation opens with an assistant's turn although someone asks later: the text above may be the first
    question, unlabelled, or the labels may be a log's fields (``**AI:**`` did, ``**Me:**`` decided)."""
    if len(turns) < 2 or turns[0].role != "assistant" or not any(t.role == "user" for t in turns):
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


def _sections_after_a_rule(lines: list[_Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...],
                           end: tuple[int, int] | None) -> list[ReadingWarning]:
    """The last turn runs to the end through a rule and then headings: often the author's own sections after the
    conversation (``**Claude:** 4.`` / ``---`` / ``My takeaway.`` / ``## Setup``), sometimes the answer's own."""
    if end is not None or not turns or not readings:
        return []
    last = turns[-1]
    inside = [line for line in lines if last.line < line.number <= last.end_line and not line.in_code]
    rule = next((line for line in inside if line.is_rule), None)
    after = [line for line in inside if rule is not None and line.number > rule.number and line.text.strip()]
    if not after or _SECTION_START.match(after[0].text) or not any(HEADING_ANY.match(line.text) for line in after):
        return []  # an answer's own sections open with their heading right after the rule
    return [ReadingWarning(rule.number, f"the last turn ({last.speaker.name}) runs on past this rule and through "
                                        "headings to the end: if the conversation ends here, put "
                                        "`<!-- end of conversation -->` on this line, or write "
                                        f"`closing_words: {settle_value(closing_words_of(after[0].text))}`",
                           (("closing_words", "none"),))]


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


def _inside_answers(lines: list[_Line], readings: Mapping[str, Reading],
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


def _after_last_rule(lines: list[_Line], readings: Mapping[str, Reading], turns: tuple[Turn, ...],
                     end: tuple[int, int] | None) -> list[ReadingWarning]:
    if not turns or _end_mark(lines) is not None:
        return []
    speaker = turns[-1].speaker.name
    if end is not None:
        closing = next(line.text for line in lines[end[1]:] if line.text.strip())
        if lines[end[0]].is_rule and (HEADING_ANY.match(closing) or _framed(lines, {l: r.speaker for l, r in
                                                                                    readings.items()})):
            return []  # a rule and then the author's next section, or the rule that closes a framed exchange
        where = ("text after the last rule" if lines[end[0]].is_rule else
                 "this heading and what follows (your text's next section)" if HEADING_ANY.match(lines[end[0]].text)
                 else "this paragraph, which opens like your own closing words" if _CUE.match(lines[end[0]].text)
                 else "text after the last answer's code" if lines[end[0] - 1].in_code or
                 any(lines[k].in_code for k in range(max(0, end[0] - 3), end[0]))
                 else "this paragraph after the transcript's last line")
        return [ReadingWarning(lines[end[0]].number, f"{where} is read as your closing words, not "
                               f"{speaker}'s; if it is {speaker}'s, write `closing_words: none`",
                               (("closing_words", closing_words_of(closing)),))]
    rules = _rules_of_last_turn(lines, {label: r.speaker for label, r in readings.items()})
    if rules and _plain_after(lines, rules[-1]):
        closing = next(line.text for line in lines[rules[-1] + 1:] if line.text.strip())
        return [ReadingWarning(lines[rules[-1]].number, f"text after the last rule is read as {speaker}'s turn; if "
                               "it is your closing words, write `<!-- end of conversation -->` instead of the rule or "
                               f"`closing_words: {settle_value(closing_words_of(closing))}`",
                               (("closing_words", "none"),))]
    return []


def _scan_turns(lines: list[_Line], speakers: Mapping[str, Speaker]) -> tuple[str, tuple[Turn, ...], frozenset[int]]:
    """Cut the lines into turns. Returns intro, turns, and the turn numbers followed by a separator rule.

    A rule ends the turn when the next non-blank line starts a turn (or the post ends); any other rule is
    part of the turn's text (a horizontal line inside an answer).
    """
    intro: list[str] = []
    turns: list[Turn] = []
    breaks_after: set[int] = set()
    current: tuple[Speaker, int, list[_Line]] | None = None  # speaker, label line, the lines kept so far

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


def _under_text(line: _Line, kept: list[_Line]) -> _Line:
    """A ``---`` rule right under text would make the text a setext heading; ``***`` is the same rule
    without that reading, and keeps every later line where it is in the source."""
    if line.is_rule and "-" in line.text and kept and kept[-1].text.strip() and not kept[-1].in_code:
        return dataclasses.replace(line, text="***")
    return line


def _next_starts_turn(lines: list[_Line], index: int, speakers: Mapping[str, Speaker]) -> bool:
    for ahead in range(index + 1, len(lines)):  # indices, not a slice: a copy per rule made 50,000 rules slow
        if lines[ahead].text.strip():
            return lines[ahead].label in speakers
    return True


def _make_turn(number: int, speaker: Speaker, label_line: int, kept: list[_Line]) -> Turn:
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
