"""A post body's lines, classified: which start a turn's label (``Label:``, ``## User``, ``**Me:**``, ``👤``…) and in which
form, which are rules, quotes, alerts or code. The line model every later stage of the reading works on."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from site_builder.markdown.blockquotes import capped_blockquotes
from site_builder.patterns import lazy
from site_builder.speakers import ASSISTANT_EMOJI, PRODUCT_ASSISTANTS, PROSE_LABELS, USER_EMOJI, known_name, name_role


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


LABEL_LINE = lazy(rf"^(?P<label>{_LABEL}){_ASIDE} ?(?:：|:(?=\s|$|[^\x00-\x7f]))[ \t]*(?P<rest>.*)$")


# How exporters and the chat window's copy write labels: `## User`, `#### You:`, `### 🤖 Assistant`,
# `**You said:**`, `**ChatGPT**: text`; and `ChatGPT said:` (the plain copy) comes through LABEL_LINE.
_SYMBOL = r"(?:[^\w\s#*][\ufe0f\u200d]*[ \t]*){0,2}"


_NAMED = rf"{_SYMBOL}(?P<label>{_LABEL}?){_ASIDE}(?: said)?[ \t]*[:：]?"


HEADING_LABEL = lazy(rf"^ {{0,3}}#{{1,6}}[ \t]+(?:\*\*|__)?{_NAMED}(?:\*\*|__)?[ \t]*#*[ \t]*$")


BOLD_LABEL = lazy(rf"^\*\*{_NAMED}\*\*(?:[ \t]*[:：])?[ \t]*(?P<rest>.*)$")


EMOJI_LABEL = lazy("^(?P<label>" + "|".join(re.escape(e) for e in sorted((*USER_EMOJI, *ASSISTANT_EMOJI),
                                                                          key=len, reverse=True))
                         + ")\ufe0f?(?:[ \t]*[:：])?(?:[ \t]+(?P<rest>.*))?$")
"""A message marked by an emoji instead of a name: ``👤 How do I…``, ``🤖 Use…``, or the emoji alone on its line."""


NAME_HEADING = lazy(r"^ {0,3}(?P<hashes>#{1,6})[ \t]+(?P<label>[^\W\d_][\w.'’-]{0,29})[ \t]*[:：]?[ \t]*#*[ \t]*$")
"""A heading that is one word, a name perhaps (``## dana``): a speaker's label when a known assistant's heading
at its level answers it."""


SECTION_WORDS = frozenset(w.casefold() for w in (
    "Introduction", "Intro", "Conclusion", "Conclusions", "Summary", "Background", "Setup", "Overview",
    "Motivation", "Results", "Discussion", "References", "Prerequisites", "Installation", "Usage", "Appendix",
    "Contents", "Context", "Thoughts", "Takeaways", "Lessons", "Update", "Updates", "Code", "Example", "Examples",
    "Problem", "Solution", "Answer", "Question", "Prompt", "Response", "Output", "Notes", "Resources", "Links",
    "TL;DR", "TLDR", "Epilogue", "Prologue", "Afterword", "Acknowledgements", "FAQ", "Demo", "Outro", "Abstract"))
"""Words that title sections of articles: never read as a person's name in a heading."""


ITALIC_LABEL = lazy(rf"^([*_])(?![*_])(?P<label>{_LABEL})[ \t]*[:：][ \t]*(?P<rest>.*?)(?:\1)?[ \t]*$")
"""A message in italics, its label inside: ``*CHATGPT: Certo, ecco…*``."""


BRACKET_LABEL = lazy(rf"^(?:\*\*)?[【\[［][ \t]*(?P<label>{_LABEL})[ \t]*[】\]］](?:\*\*)?[ \t]*[:：]?[ \t]*(?P<rest>.*)$")
"""A label in brackets: ``【问】这两行代码…``, ``**【答】**…``, ``[Q] …``."""


HEADING_ANY = lazy(r"^ {0,3}#{1,6}[ \t]")


RULE_LINE = lazy(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")


# The author's explicit end of the conversation: what follows is their own closing text (the outro).
END_MARK = lazy(r"^ {0,3}<!--\s*end(?: of)? (?:the )?conversation\s*-->\s*$", re.IGNORECASE)


# Lines that open a section of an answer rather than an author's closing paragraph.
SECTION_START = lazy(r"^ {0,3}(?:#|[-*+] |\d+[.)] |>|\||`{3}|~{3}|\*\*|__)")


QUOTE_LINE = lazy(r"^ {0,3}> ?(?P<rest>.*)$")


_ALERT = lazy(r"^ {0,3}>[ \t]?\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Line:
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


SPEAKERS = ("speakers", None)
"""A warning's ``settle`` entry meaning "the speakers as read": filled in once the turns are known (``settled``)."""


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


def classify(body: str, body_line: int, code: frozenset[int]) -> list[Line]:
    result = []
    for index, text in enumerate(body.split("\n")):
        label, rest, form, rule, alert = None, "", "", False, None
        if index not in code:
            label, rest, form = label_of(text)
            head = text.lstrip(" ")[:1]
            rule = head in ("-", "*", "_") and bool(RULE_LINE.match(text))
            alert_match = _ALERT.match(text) if head == ">" else None
            alert = alert_match[1].lower() if alert_match else None
        result.append(Line(body_line + index, text, label, rest, rule, alert, index in code, form))
    return result


_FRAGMENT = lazy(r"\s(?:is|are|was|were|be|been|the|a|an|of|to|and|or|for|with|as|like|this|that|these|those|"
                       r"following|below|here|there|by|in|on|at|from|into|than|then|so|but|if|when|how|what|which)$",
                       re.I)
"""Last words that make a label a sentence (English): a speaker's name does not end so."""


_SAID_HEADING = lazy(rf"^ {{0,3}}#{{1,6}}[ \t]+(?:\*\*)?(?P<label>{_LABEL}?) said[ \t]*[:：](?:\*\*)?[ \t]+(?P<rest>\S.*)$")
"""GitHub's Copilot page: the message starts on its heading (``### Copilot said: Great. With…``)."""


_TOOL_HEADING = lazy(r"^ {0,3}#{1,6}[ \t]+(?:✅|❌|⏺|🔧|🛠)\ufe0f?[ \t]+`(?P<label>[\w.:-]{1,40})`[ \t]*$")
"""A coding agent's tool call under its own heading: ``### ✅ `view` ``."""


_NEVER_FIRST = frozenset("\\>-|<`$!({=+~0123456789.,;:'\"/&%@^)}]?")
"""Characters no label starts with (a label starts with a letter, ``#``, ``*``, ``_``, a bracket or an emoji)."""


def label_of(text: str) -> tuple[str | None, str, str]:
    """The label a line starts with, the text after it, and how it is written (``Line.form``)."""
    first = text[:1]
    if not first or first in _NEVER_FIRST or first in " \t" and not text.lstrip(" ").startswith("#"):
        return None, "", ""  # most lines of a long post: a quote, a list, code, math, a table, an indented line
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
        tool = _TOOL_HEADING.match(text)
        if tool:
            return tool["label"], "", "tool heading"
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
        return bare, "", "bare"  # `Response` alone on its line: kept only where it answers (exported_forms)
    if text.startswith(("【", "[", "［", "**【", "**[")):
        match = BRACKET_LABEL.match(text)
        if match and known_name(match["label"]):
            rest = match["rest"]
            return match["label"], rest[:-2] if rest.endswith("**") and text.startswith("**") else rest, "bold"
    return None, "", ""


def heading_level(line: Line) -> int:
    return len(line.text.lstrip(" ")) - len(line.text.lstrip(" ").lstrip("#"))


def previous_text(lines: list[Line], index: int) -> int | None:
    """The index of the last line above ``index`` that is not blank and not code, or None."""
    above = index - 1
    while above >= 0 and not lines[above].text.strip():
        above -= 1
    return above if above >= 0 and not lines[above].in_code else None


GENERIC_PAIR = (frozenset(w.casefold() for w in ("q", "question", "问", "问题", "問", "pregunta", "pergunta", "frage",
                                                   "domanda", "vraag", "вопрос", "質問", "질문", "soru", "pytanie",
                                                   "câu hỏi", "pertanyaan")),
                 frozenset(w.casefold() for w in ("a", "answer", "答", "回答", "réponse", "respuesta", "resposta",
                                                   "antwort", "risposta", "antwoord", "ответ", "答え", "답변", "답",
                                                   "cevap", "yanıt", "odpowiedź", "trả lời", "jawaban")))
"""Question and answer words, in several languages: the labels of FAQs as much as of conversations."""


_ORDINARY_WORDS = frozenset(("o1", "o3", "phi", "poe", "devin", "cursor", "cline", "aider", "gemma", "glm", "元宝", "文心",
                             "le chat"))
"""Products whose names are ordinary words or names in prose (the cursor, Edgar Allan Poe): no sign of an AI there."""
AI_WORDS = lazy(r"(?<![A-Za-z0-9])(?:AI|A\.I\.|LLM|LLMs|MCP|language models?|chatbot|chat ?bot|GPT[\w.-]*|人工智能|"
                      r"生成AI|OpenAI|Anthropic|" + "|".join(re.escape(name) for name in sorted(
                          PRODUCT_ASSISTANTS - _ORDINARY_WORDS, key=len, reverse=True)) + r")(?![A-Za-z])", re.I)
"""Words that say an AI takes part (in a title or an introduction)."""
_NAMED_TOOL = lazy(r"(?<=[\w,;:] )(?:Cursor|Cline|Aider|Devin|Windsurf)(?![\w-])")
"""The coding agents whose names are English words, named as a product: capitalised inside a sentence."""


def names_an_ai(text: str) -> bool:
    """``text`` says an AI takes part (``AI_WORDS``, or a coding agent by its capitalised name: ``из Cursor``)."""
    return bool(AI_WORDS.search(text) or _NAMED_TOOL.search(text))


def page_names_an_ai(title: str, lines: list[Line]) -> bool:
    """The title or a line of text (not code) names an AI (``names_an_ai``)."""
    return names_an_ai(title) or any(names_an_ai(line.text) for line in lines if not line.in_code)


def assistant_named(title: str, lines: list[Line]) -> str | None:
    """The assistant a page names first (the title first, then its text outside code), by the word it uses when
    that is an assistant's name (``ChatGPT``, ``AI``), else ``Assistant``; None when it names none."""
    named = AI_WORDS.search(title) or next((found for line in lines if not line.in_code
                                           and (found := AI_WORDS.search(line.text))), None)
    if named is None:
        return None
    return named[0] if name_role(named[0]) == "assistant" else "Assistant"


QUOTED_END = "<!-- end of conversation -->"


_BOLD_COLON = lazy(r"^\*\*[^*\n]*?[:：][ \t]*\*\*|^\*\*[^*\n]*?\*\*[ \t]*[:：]")
"""A bold label with its colon inside or right after the bold."""


_WORDY = lazy(r"^(?:A|I|Q|Me|You|Yo|Io|Ich|Eu|Ja|Ik)$", re.I)
"""Known names that alone on a line are more often a word, a letter or an answer than a speaker."""


NESTED = lazy(r"^(?:[ \t\u3000]*(?:[-*+][ \t]+|\d{1,3}[.)][ \t]+|>[ \t]?|\[\[[^\]\n]{1,80}\]\][ \t]*))+")
"""What a label may sit behind in a list item or a quote: list markers, quote marks, ``[[wiki/tags]]``."""


QUOTE_OPEN = lazy(r"^ {0,3}(?:>|<blockquote[\s>])", re.I)


def quote_starts(lines: list[Line]) -> list[int]:
    """Indices of the lines that open a quote (``>`` after a non-quote line, or ``<blockquote>``), alerts left out."""
    return [index for index, line in enumerate(lines)
            if line.text.lstrip(" ")[:1] in ("<", ">") and not line.in_code and not line.alert
            and QUOTE_OPEN.match(line.text)
            and (index == 0 or not QUOTE_LINE.match(lines[index - 1].text) or lines[index - 1].in_code)]

