"""``Conversation`` -> post text (DESIGN §2), and the safe placing of that text in the posts folder.

The front matter records where the post came from (``source``, ``source_id``; ``imported``, which makes
the snippet checks run none of its blocks until the author marks one ``trusted``) and a hash of the
post as written (``content_hash``), so a re-import recognises its own post, says "unchanged" when
nothing changed, and never overwrites a post the user edited unless told to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import yaml

from site_builder.conversation import question_key
from site_builder.importers.common import Conversation, DraftExchange, Message
from site_builder.importers.merge import hashes_line
from site_builder.importers.text import neutralise, note
from site_builder.importers.trust import SecuredPost, secure_post
from site_builder import secrets
from site_builder.errors import SiteError
from site_builder.posts import parse_post, slugify as slug_words

HASH_KEY = "content_hash"
_HASH_LINE = re.compile(rf"^{HASH_KEY}: *(?P<hash>[0-9a-f]*) *\n", re.MULTILINE)
ASKED_AGAIN = "Asked again: a new question, not another answer to the previous one."
INTERRUPTED = "Interrupted: this answer stopped before it was finished."


@dataclass(frozen=True, slots=True)
class WrittenTurn:
    speaker: str
    text: str
    """The turn's text as the parser should read it back (label removed)."""


@dataclass(frozen=True, slots=True)
class RenderedPost:
    text: str
    date: dt.date
    """The post's date (the conversation's, else the fallback), as written in the front matter."""
    turns: tuple[WrittenTurn, ...]
    shape: tuple[int, ...]
    """Answer variants per exchange, in order, as the parser should group them."""
    speakers: tuple[tuple[str, str, str | None], ...]
    """(label, role, model) of every speaker declared in the front matter."""
    problems: tuple[str, ...] = ()
    """What the writer had to repair in the assembled post (for the report)."""
    refusal: str | None = None
    """Why this post must not be written (``trust.secure_post``); None when it may."""

    @property
    def variants(self) -> int:
        """Answers beyond the first of each exchange (regenerated answers)."""
        return sum(max(n - 1, 0) for n in self.shape)


def render_post(conv: Conversation, fallback_date: dt.date, *, keep_secrets: bool = False) -> RenderedPost:
    """The post of ``conv``; the secrets in its text (API keys, tokens, private keys, passwords in URLs) are
    replaced with ``[redacted: KIND]`` unless ``keep_secrets``, and listed in ``RenderedPost.secrets``."""
    if not keep_secrets:
        conv = redacted_title(conv)
    speakers = _speakers(conv)
    labels = [label for label, _, _ in speakers]
    turns: list[WrittenTurn] = []
    blocks: list[str] = []
    shape: list[int] = []
    if conv.intro.strip():
        blocks.append(neutralise(conv.intro, labels))
    previous_question: str | None = None
    for index, exchange in enumerate(conv.exchanges):
        question = _question_text(exchange, labels, previous_question)
        previous_question = question
        shape.append(len(exchange.answers))
        for number, answer in enumerate(exchange.answers or ((),)):
            if number > 0 or (index > 0 and exchange.question is None):
                blocks.append("---")
            written = [WrittenTurn(exchange.question.speaker, question)] if exchange.question is not None else []
            for position, (speaker, text) in enumerate(_answer_turns(answer, labels)):
                if exchange.question is None and position == 0 and exchange.note:
                    text = f"{note('IMPORTED', exchange.note)}\n\n{text}"
                written.append(WrittenTurn(speaker, text))
            turns.extend(written)
            blocks.extend(_turn_block(t) for t in written)
    body = "\n\n".join(blocks) + "\n"
    found: tuple[secrets.Finding, ...] = ()
    if not keep_secrets:
        body, found = secrets.redact(body)
    date = conv.created.date() if conv.created else fallback_date
    front = _front_matter(conv, speakers, date)
    secured = secure_post(front + body)
    recorded = _turns_as_read(secured.text) if secured.fixed or found else [(t.speaker, t.text) for t in turns]
    head, sep, rest = secured.text.partition("\n---\n")
    text = f"{head}\n{hashes_line(recorded)}{sep}{rest}"
    lines_before = front.count("\n") + 2  # the front matter, and the hash lines added to it
    redacted = tuple(f"line {f.line + lines_before}: redacted a{'n' if f.kind[0] in 'AEIOU' else ''} {f.kind} "
                     "(it was in the export; if it is real, revoke it)" for f in found)
    return RenderedPost(_with_hash(text), date, tuple(turns), tuple(shape), speakers,
                        _repairs(secured) + redacted, secured.refusal)


def _turns_as_read(text: str) -> list[tuple[str, str]]:
    """The turns of the post as the parser reads them (after ``secure_post`` changed a block of them)."""
    try:
        return [(t.speaker.name, t.text) for t in parse_post(Path("imported.md"), text).turns]
    except SiteError:
        return []


def redacted_title(conv: Conversation) -> Conversation:
    """``conv`` with the secrets of its title redacted (the title names the post's file too), and a problem line
    saying so."""
    title, found = secrets.redact(conv.title)
    if not found:
        return conv
    return replace(conv, title=title, problems=conv.problems + (
        f"the title: redacted {', '.join(f.kind for f in found)} (if it is real, revoke it)",))


def _repairs(secured: SecuredPost) -> tuple[str, ...]:
    if not secured.fixed or secured.refusal:
        return ()
    lines = ", ".join(str(n) for n in secured.fixed[:5]) + (", …" if len(secured.fixed) > 5 else "")
    return (f"{len(secured.fixed)} code block(s) that formed only in the assembled post (line {lines}) "
            "marked norun",)


def _question_text(exchange: DraftExchange, labels: list[str], previous: str | None) -> str | None:
    if exchange.question is None:
        return None
    text = neutralise(exchange.question.text, labels) or "*(empty)*"
    if exchange.note:
        text = f"{note('IMPORTED', exchange.note)}\n\n{text}"
    elif previous is not None and question_key(previous) == question_key(text):
        text = f"{note('IMPORTED', ASKED_AGAIN)}\n\n{text}"
    return text


def _answer_turns(answer: tuple[Message, ...], labels: list[str]) -> list[tuple[str, str]]:
    """Consecutive messages of one speaker make one turn."""
    turns: list[tuple[str, list[str]]] = []
    for message in answer:
        text = neutralise(message.text, labels) or "*(empty)*"
        if message.interrupted:
            text = f"{text}\n\n{note('IMPORTED', INTERRUPTED)}"
        if turns and turns[-1][0] == message.speaker:
            turns[-1][1].append(text)
        else:
            turns.append((message.speaker, [text]))
    return [(speaker, "\n\n".join(parts)) for speaker, parts in turns]


def _turn_block(turn: WrittenTurn) -> str:
    first = turn.text.split("\n", 1)[0]
    if re.match(r"[^\W\d_]", first):
        return f"{turn.speaker}: {turn.text}"
    return f"{turn.speaker}:\n\n{turn.text}"


def _messages(conv: Conversation) -> Iterable[Message]:
    for exchange in conv.exchanges:
        if exchange.question is not None:
            yield exchange.question
        for answer in exchange.answers:
            yield from answer


def _speakers(conv: Conversation) -> tuple[tuple[str, str, str | None], ...]:
    found: dict[str, tuple[str, str | None]] = {}
    for message in _messages(conv):
        role, model = found.get(message.speaker, (message.role, None))
        found[message.speaker] = (role, model or message.model)
    return tuple((label, role, model) for label, (role, model) in found.items())


def _front_matter(conv: Conversation, speakers: Iterable[tuple[str, str, str | None]], date: dt.date) -> str:
    meta = {
        "title": conv.title,
        "date": date,
        "speakers": {label: ({"role": role, "model": model} if model else {"role": role})
                     for label, role, model in speakers},
        "source": conv.source,
        "source_id": conv.source_id,
        "imported": conv.source,  # Post.imported: no block of this post runs unless the author marks it trusted
    }
    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1000)
    return f"---\n{dumped}---\n\n"


def _with_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    head, sep, rest = text.partition("\n---\n")
    return f"{head}\n{HASH_KEY}: {digest}{sep}{rest}"


def recorded_and_actual_hash(text: str) -> tuple[str | None, str]:
    """The hash written in the front matter (None if absent) and the hash of the text as it is now."""
    head_end = text.find("\n---\n", 4)
    head = text[: head_end + 1] if head_end > 0 else ""
    match = _HASH_LINE.search(head)
    if not match:
        return None, hashlib.sha256(text.encode("utf-8")).hexdigest()
    without = text[: match.start()] + text[match.end():]
    return match["hash"], hashlib.sha256(without.encode("utf-8")).hexdigest()


def slugify(title: str, source: str, source_id: str) -> str:
    """ASCII words of the title (accents folded); a title in another script falls back to the source id."""
    words = slug_words(title)
    if len(words) > 60:
        words = words[:60].rsplit("-", 1)[0]
    if len(re.sub(r"[^a-z]", "", words)) >= 2:
        return words
    return f"{source}-{short_id(source_id)}"


def short_id(source_id: str) -> str:
    """Eight hex digits that stand for the source id (stable, ASCII)."""
    return hashlib.sha1(source_id.encode("utf-8")).hexdigest()[:8]
