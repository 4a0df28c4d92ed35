"""The snippet checks' content model (DESIGN §3): what a block is and what a check concluded.

Frozen values and the words for them, nothing else: ``Snippet`` (a fence read as a check, of one
``kind``), ``CompanionRef`` (the companion definition it quotes), ``CheckResult`` (one of
``STATUSES``). Every other module of the package imports this one; it imports none of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

# What a check does with a block (Snippet.kind).
PROGRAM = "program"      # a standalone python program: it runs without error (or raises= that exception)
DOCTEST = "doctest"      # pycon / >>> block
EXCERPT = "excerpt"      # companion=FILE::QUALNAME: verbatim, and every line executed by smoke()
ADAPTED = "adapted"      # companion=… adapted: the definition executed; the page shows the diff
OUTPUT = "output"        # output-of=FILE::FUNC: FUNC produces this log / traceback
SHELL = "shell"          # a shell block with `run`
NORUN = "norun"          # norun reason="…": skipped with that reason
NOT_EXECUTABLE = "not-executable"  # text, json, a shell log without options…

DEFAULT_TIMEOUT = 120.0
"""Seconds a check subprocess may run."""

# What a check concluded (CheckResult.status); a page shows it on the block.
VERIFIED, DRIFTED, FAILED, SKIPPED, NOT_CHECKED = "verified", "drifted", "failed", "skipped", "not-checked"
STATUSES = (VERIFIED, DRIFTED, FAILED, SKIPPED, NOT_CHECKED)


@dataclass(frozen=True, slots=True)
class CheckResult:
    status: str
    """One of ``STATUSES``. Only a check that ran (now, or for the same key before) is verified."""
    reason: str
    """One line for a table or a badge: why it passed, failed or was skipped."""
    detail: str = ""
    """The evidence of a failure: a unified diff, the lines that never ran, a traceback, output."""
    seconds: float = 0.0
    """Time the check took when it ran."""
    cached: bool = False
    """True when this result was read from the cache instead of run now."""
    companion: str | None = None
    """For excerpts: the companion file (``sgd.py``) the block links to."""
    first_line: int | None = None
    """First line of the excerpt (or, for ``adapted``, the definition) in the companion."""
    last_line: int | None = None
    diff: str = ""
    """For ``adapted``: the unified diff from the quote to the companion's definition."""
    transient: bool = False
    """A timeout: not stored, so the next run tries again."""
    kind: str = ""
    """What the block is to the checks (``Snippet.kind``), set by ``block_statuses`` for the page's words
    (an adapted block is never called verified); not stored."""

    @property
    def failed(self) -> bool:
        return self.status in (FAILED, DRIFTED)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["cached"], data["transient"], data["kind"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CheckResult":
        names = {f.name for f in dataclasses.fields(cls)} - {"cached", "transient", "kind"}
        return cls(**{name: data[name] for name in names if name in data}, cached=True)


BlockStatus = CheckResult
"""What the renderer shows for a block: the cached ``CheckResult``."""


@dataclass(frozen=True, slots=True)
class CompanionRef:
    file: str
    """The file as written after ``companion=`` / ``output-of=`` (``sgd.py``), relative to companions/."""
    qualname: str
    """Dotted name of the definition or function inside it (``Network.update_mini_batch``)."""
    path: Path
    """The resolved companion file."""

    @property
    def module(self) -> str:
        """The import name of the companion (``sgd``; ``pkg.mod`` for ``pkg/mod.py``)."""
        return ".".join(Path(self.file).with_suffix("").parts)


@dataclass(frozen=True, slots=True)
class Snippet:
    post: Path
    """The post file the block is in."""
    line: int
    """1-based line of the opening fence in the post file."""
    lang: str
    info: str
    code: str
    kind: str
    """One of PROGRAM, DOCTEST, EXCERPT, ADAPTED, OUTPUT, SHELL, NORUN, NOT_EXECUTABLE."""
    companion: CompanionRef | None = None
    """For EXCERPT, ADAPTED and OUTPUT: the definition quoted or the function whose output this is."""
    session: str | None = None
    """Blocks with the same session name in one post share one namespace, in source order."""
    raises: str | None = None
    """The exception a PROGRAM (or a session block) is expected to raise."""
    reason: str | None = None
    """Why a NORUN block is not run."""

    @property
    def label(self) -> str:
        """``python companion=sgd.py::Network.SGD``: the info string, or the lang for a bare block."""
        return " ".join(self.info.split()) or self.lang or "code"

    @property
    def item_name(self) -> str:
        """The pytest item name: ``L42[python companion=sgd.py::Network.update_mini_batch]``."""
        return f"L{self.line}[{self.label}]"

def static_result(snippet: Snippet) -> CheckResult | None:
    """Results that need no run: not executable, or ``norun``."""
    if snippet.kind == NOT_EXECUTABLE:
        return CheckResult(NOT_CHECKED, f"not checked: not executable ({snippet.lang or 'no language'})")
    if snippet.kind == NORUN:
        return CheckResult(SKIPPED, f"norun: {snippet.reason}")
    return None



def session_members(snippet: Snippet, post_snippets: Sequence[Snippet]) -> list[Snippet]:
    members = [s for s in post_snippets if s.session == snippet.session and s.post == snippet.post]
    return members if snippet in members else [*members, snippet]
