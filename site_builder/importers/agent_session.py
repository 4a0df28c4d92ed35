"""What a coding agent's session shows, whichever agent wrote it (``claude_code``, ``codex``).

A session is the person's prompts and the agent's answers; between them the agent calls tools (runs commands,
reads and edits files, starts sub-agents). Each call is folded (``> [!TOOL] one-line summary``, rendered
collapsed by ``markdown.reasoning.reasoning_plugin``) under its tool's name and the file or command it touched; inside
the fold: the command, the edit as a ``diff`` block, and what came back. Output is shown in part on purpose:
its first and last lines (``trimmed``), and the fold's title says how much was left out.

A call's result arrives after the call (a later line of the file), so a reader keeps ``Piece``s (text, or a
call's id) and ``resolve``s them into Markdown once the whole session has been read. ``outline`` is the
post's intro: the prompts and the git commits the session made.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from site_builder.importers.common import Conversation, Message, Node, Skipped
from site_builder.importers.layout import thread
from site_builder.importers.text import code_block, code_span, inline

HEAD, TAIL = 20, 20
"""Lines of a tool's output shown: the first and the last (the rest is counted, not shown)."""
DIFF_HEAD, DIFF_TAIL = 150, 50
"""Lines of an edit's diff shown."""
LINE_CHARS = 400
"""Characters of one line shown (minified files, base64)."""
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_COMMIT = re.compile(r"\bgit\b(?:\s+-[Cc]\s+\S+)*\s+commit\b(?P<rest>.*)", re.DOTALL)
_MESSAGE = re.compile(
    r"""(?:\s-[a-zA-Z]*m|\s--message)(?:=|\s*)(?:"\$\(cat\s+<<-?\s*['"]?(?P<tag>\w+)['"]?\s*\n(?P<heredoc>.*?)\n\s*(?P=tag)"""
    r"""|"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>[^']*)')""", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Trimmed:
    text: str
    lines: int
    """Lines of the whole text."""
    shown: int
    """Lines of it shown (``lines`` when nothing was left out)."""


@dataclass(frozen=True, slots=True)
class Call:
    """One tool call, as read from the agent's message (its result comes later)."""

    name: str
    subject: str
    """The file, command or query it is about: one line of plain text, for the fold's title."""
    body: str
    """Markdown shown first in the fold: the command, the diff, the arguments."""
    commit: str | None = None
    """The first line of the git commit message the call commits with, if it runs ``git commit -m``."""
    prompt: str | None = None
    """A sub-agent call's prompt (Claude Code's ``Task``): the sub-agent's run is nested under the call."""
    note: str = ""
    """Said in the fold's title: ``diff: 900 lines, 200 shown``."""


@dataclass(frozen=True, slots=True)
class Result:
    """What came back from a call (trimmed when it is output)."""

    body: str
    """Markdown shown after the call's own body."""
    note: str = ""
    """Said in the fold's title: ``output: 340 lines, 40 shown``, ``error``."""
    error: bool = False
    answer: str = ""
    """A sub-agent's answer (Markdown, in ``body``): left out of the fold when its run, nested above, ends
    with it."""


@dataclass(frozen=True, slots=True)
class CallRef:
    """A place in a message where a call's fold goes."""

    id: str


Piece = "str | CallRef"


@dataclass(frozen=True, slots=True)
class Session:
    """Everything ``resolve`` needs, read from the whole file."""

    calls: Mapping[str, Call]
    results: Mapping[str, Result]
    nested: Mapping[str, str]
    """call id -> Markdown of the sub-agent's run it started."""


def clean(text: str) -> str:
    """``text`` without terminal colour codes and with ``\\n`` line ends."""
    return _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def trimmed(text: str, head: int = HEAD, tail: int = TAIL) -> Trimmed:
    """The first ``head`` and last ``tail`` lines of ``text`` with a line saying how many are left out between
    them; each line cut at ``LINE_CHARS``."""
    lines = [_cut(line) for line in clean(text).rstrip("\n").split("\n")] if text.strip() else []
    if len(lines) <= head + tail + 1:
        return Trimmed("\n".join(lines), len(lines), len(lines))
    left = len(lines) - head - tail
    return Trimmed("\n".join([*lines[:head], f"… {left} lines left out …", *lines[-tail:]]), len(lines), head + tail)


def _cut(line: str) -> str:
    return line if len(line) <= LINE_CHARS else f"{line[:LINE_CHARS]}… ({len(line)} characters in all)"


def output(text: str, error: bool = False, label: str = "output") -> Result:
    """A tool's output as a trimmed text block; the title says how much of it is shown."""
    shown = trimmed(text)
    notes = ["error"] if error else []
    if shown.shown < shown.lines:
        notes.append(f"{label}: {shown.lines} lines, {shown.shown} shown")
    elif not shown.lines:
        notes.append(f"no {label}")
    body = code_block(shown.text, "text") if shown.lines else ""
    return Result(body, ", ".join(notes), error)


def diff_block(path: str, old: str, new: str) -> tuple[str, str]:
    """A ``diff`` block of ``old`` -> ``new`` (a new file when ``old`` is empty), trimmed, and a note for the
    fold's title when lines were left out."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "/dev/null" if not old else f"a/{path}",
                                      f"b/{path}", n=3, lineterm=""))
    shown = trimmed("\n".join(lines), DIFF_HEAD, DIFF_TAIL)
    note = f"diff: {shown.lines} lines, {shown.shown} shown" if shown.shown < shown.lines else ""
    return code_block(shown.text or "(no change)", "diff"), note


def patch_block(patch: str) -> tuple[str, str]:
    """A patch the agent wrote itself (Codex's ``apply_patch`` format, a unified diff) as a trimmed ``diff``
    block, and a note for the title when lines were left out."""
    shown = trimmed(patch, DIFF_HEAD, DIFF_TAIL)
    note = f"patch: {shown.lines} lines, {shown.shown} shown" if shown.shown < shown.lines else ""
    return code_block(shown.text, "diff"), note


def commit_message(command: str) -> str | None:
    """The first line of the message of a ``git commit -m …`` in a shell command, if there is one."""
    found = _COMMIT.search(command)
    message = _MESSAGE.search(found["rest"]) if found else None
    if not message:
        return None
    text = message["heredoc"] if message["heredoc"] is not None else message["dq"] if message["dq"] is not None \
        else message["sq"]
    if message["dq"] is not None:
        text = re.sub(r'\\(["\\$`])', r"\1", text)
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return first or None


def first_line(text: str, limit: int = 100) -> str:
    """The first line of ``text`` that holds something, as one line of plain text."""
    line = next((line for line in clean(text).split("\n") if line.strip()), "")
    flat = " ".join(line.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def fold(title: str, body: str) -> str:
    """A ``> [!TOOL]`` block: ``title`` on its first line (plain text, one line), ``body`` inside."""
    head = f"> [!TOOL] {' '.join(title.split())[:200]}".rstrip()
    lines = body.strip("\n").split("\n") if body.strip() else []
    return "\n".join([head, *([">"] if lines else []), *(f"> {line}" if line.strip() else ">" for line in lines)])


def resolve(pieces: Iterable["str | CallRef"], session: Session) -> str:
    """The Markdown of a message: its text, and each call folded with its result (and sub-agent run)."""
    return "\n\n".join(p for p in (piece if isinstance(piece, str) else call_fold(piece.id, session)
                                   for piece in pieces) if p.strip())


def call_fold(call_id: str, session: Session) -> str:
    call = session.calls.get(call_id)
    result = session.results.get(call_id)
    if call is None:
        return ""
    notes = [n for n in (call.note, result.note if result else "no result in the session") if n]
    title = f"{call.name}: {call.subject}" if call.subject else call.name
    if notes:
        title += f" ({'; '.join(notes)})"
    nested = session.nested.get(call_id, "")
    repeated = result is not None and bool(result.answer.strip()) and result.answer.strip() in nested
    parts = [call.body, nested, result.body if result and not repeated else ""]
    return fold(title, "\n\n".join(p for p in parts if p.strip()))


def outline(prompts: Sequence[str], commits: Sequence[str], facts: Sequence[str] = ()) -> str:
    """The post's intro: facts about the session, a numbered list of the prompts (their first lines) and the
    git commits it made."""
    blocks = [" · ".join(facts)] if facts else []
    if prompts:
        blocks.append("**Prompts**\n\n" + "\n".join(f"{n}. {inline(first_line(p), 100) or '*(empty)*'}"
                                                    for n, p in enumerate(prompts, 1)))
    if commits:
        blocks.append("**Commits**\n\n" + "\n".join(f"- {inline(c, 100)}" for c in commits))
    return "\n\n".join(blocks)


def fact(label: str, value: object) -> str:
    """``label: `value``` for the intro's first line (nothing when the value is missing)."""
    return f"{label}: {code_span(str(value), 120)}" if isinstance(value, str) and value.strip() else ""


@dataclass(slots=True)
class Line:
    """One shown place of a session (a line of its file), resolved once every result is known."""

    id: str
    parent: str | None
    role: str | None = None
    """``user`` or ``assistant``; None: not shown (its children hang on its parent)."""
    pieces: list = field(default_factory=list)
    model: str | None = None
    time: float | None = None


@dataclass(frozen=True, slots=True)
class Finished:
    """What ``finish`` needs besides the lines: the session's own facts and what was left out."""

    source: str
    source_id: str
    title: str
    """The session's title when it has one (a Claude Code ``summary``); else its first prompt is."""
    created: dt.datetime | None
    agent: str
    """The agent's speaker label (``Claude Code``, ``Codex``)."""
    facts: tuple[str, ...] = ()
    dropped: tuple[tuple[str, str], ...] = ()
    problems: tuple[str, ...] = ()


def finish(lines: Sequence[Line], session: Session, current: str | None, about: Finished) -> Conversation | Skipped:
    """The session as a conversation: its lines laid out as exchanges (``layout.thread``), the intro outlining
    its prompts and commits; ``Skipped`` when it holds no message."""
    nodes: dict[str, Node] = {}
    for order, line in enumerate(lines):
        text = resolve(line.pieces, session) if line.role else ""
        message = Message(line.role, "User" if line.role == "user" else about.agent, text, line.model) \
            if line.role and text.strip() else None
        nodes.setdefault(line.id, Node(line.id, line.parent, message, line.time, order))
    laid_out = thread(nodes, current)
    prompts = [e.question.text for e in laid_out.exchanges if e.question is not None]
    title = about.title or (first_line(prompts[0], 80) if prompts else "") or f"{about.agent} session"
    if not laid_out.exchanges:
        return Skipped(about.source_id, title, "no messages")
    commits = [c.commit for cid, c in session.calls.items()
               if c.commit and cid in session.results and not session.results[cid].error]
    return Conversation(about.source, about.source_id, title, about.created, laid_out.exchanges,
                        outline(prompts, commits, [f for f in about.facts if f]), about.dropped,
                        about.problems + laid_out.problems, laid_out.branches)
