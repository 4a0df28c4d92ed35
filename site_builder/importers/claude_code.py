"""Claude Code sessions -> ``Conversation``s: one post per session.

A session is a JSON lines file, ``~/.claude/projects/<project folder>/<session id>.jsonl``: one object a line,
``type`` ``user`` / ``assistant`` (with ``uuid``, ``parentUuid``, ``sessionId``, ``timestamp``, ``cwd``,
``gitBranch``, ``isSidechain`` and the API ``message``: ``role`` and ``content``, a string or blocks ``text``,
``thinking``, ``tool_use``, ``tool_result``), ``summary`` (the session's title), ``system`` and bookkeeping
lines (``file-history-snapshot``, ``queue-operation``, ``progress``…), which are counted, not shown. A Claude
Code on the web session, fetched as JSON, is ``{"loglines": [the same objects]}``.

The messages hang on their ``parentUuid`` (``logicalParentUuid`` across a compaction), so a rewound and edited
prompt reads as a branch, as in the other importers (``layout.thread``). Tool results come back in ``user``
lines: they are not the person's, they go in the fold of their call (``agent_session``). A sub-agent's run
(``isSidechain`` lines, or ``agent-<id>.jsonl`` beside the session) is nested in the fold of the ``Task`` call
that started it. A folder is read as its sessions, one post each (the ``agent-*`` files with their parents).

``claude_code_reader`` reads a session file; ``claude_code_content`` says what each line's content shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from site_builder.errors import ImportError_
from site_builder.importers.claude_code_content import tool_call
from site_builder.importers.claude_code_reader import AGENT, SOURCE, Reader, is_line
from site_builder.importers.common import Conversation, Sample, Skipped
from site_builder.importers.jsonstream import Progress
from site_builder.importers.records import read_record

__all__ = ["AGENT", "NAME", "SOURCE", "conversations", "read_with_another", "recognises", "session_files",
           "tool_call"]

NAME = "Claude Code session"


def recognises(sample: Sample) -> bool:
    """A line of a Claude Code session (``sessionId`` with ``uuid``/``parentUuid``, a ``summary`` with its
    ``leafUuid``, a ``file-history-snapshot``), or a web session's ``loglines``."""
    record = sample.record
    if not isinstance(record, dict):
        return False
    if isinstance(record.get("loglines"), list):
        return True
    return is_line(record)


def conversations(path: Path, options: object = None, progress: Progress | None = None, member: str | None = None,
                  ) -> Iterator[tuple[str, Conversation | Skipped]]:
    """One conversation per session: ``path`` itself, or each session of a project folder."""
    alone = not path.is_dir()
    for file in session_files(path):
        yield str(file), _session(file, member, progress, alone)


def session_files(path: Path) -> list[Path]:
    """The sessions of ``path``: the file itself, or the ``.jsonl`` files under a folder (but the sub-agents'
    ``agent-*.jsonl``, which are read with the session that started them)."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*.jsonl") if not p.name.startswith("agent-"))


def read_with_another(path: Path) -> bool:
    """Whether ``path`` is a sub-agent's run that the session beside it (or above its ``subagents`` folder)
    shows nested in its Task call, rather than a session of its own."""
    if not path.name.startswith("agent-"):
        return False
    if path.parent.name == "subagents":
        return True
    return any(not p.name.startswith("agent-") for p in path.parent.glob("*.jsonl"))


def _session(file: Path, member: str | None, progress: Progress | None, alone: bool) -> Conversation | Skipped:
    """The session of ``file``; one that cannot be read is refused and named (a file given ``alone``, not in a
    folder, that is of another kind or not JSON lines stops the import, as in the other importers)."""
    reader = Reader(file)
    try:
        return read_record(lambda: reader.read(member, progress), None, str(file), first=alone)
    except ImportError_ as exc:  # a line that is not JSON: this session is refused, a folder's others go on
        if alone:
            raise
        return Skipped(reader.session_id or file.stem, reader.title or "", str(exc), refused=True)
