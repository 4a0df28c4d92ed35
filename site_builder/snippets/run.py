"""Running the snippet checks (DESIGN §3): drift, execution, coverage, output; results cached.

``Checker.check(snippet)`` returns a ``CheckResult`` whose ``status`` is one of ``STATUSES``.
Every run happens in a fresh subprocess (``child.py``, or bash for a shell block) with cwd = a
temporary folder and the companions folder on ``sys.path``, contained by ``contain.py``: a timeout
that stops every process it started, bounded output, resource limits, a temporary ``HOME``.
A ``Checker`` lives for one run (one ``check``
command, one pytest session) and shares the runs several blocks need: one ``smoke()`` per
companion, one subprocess per session.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from site_builder.snippets import cache as snippet_cache
from site_builder.snippets.contain import Limits, Process, cut_note, exit_description, run_contained
from site_builder.snippets.cache import result_key
from site_builder.snippets.excerpts import adapted_diff, closest_diff, definition_ran, locate, never_executed
from site_builder.snippets.hints import with_hint
from site_builder.snippets.model import (ADAPTED, DEFAULT_TIMEOUT, DOCTEST, DRIFTED, EXCERPT, FAILED, OUTPUT, PROGRAM,
                                         SHELL, SKIPPED, VERIFIED, CheckResult, Snippet, session_members,
                                         static_result)
from site_builder.snippets.parse import definition_span, find_definition, read_module

TRACEBACK_HEADER = "Traceback (most recent call last):"
CHILD = Path(__file__).with_name("child.py")
"""Run as a script (``python -P child.py``), so the child never imports this package or its seam."""


class Checker:
    """Checks snippets for one run, sharing smoke() and session subprocesses between blocks."""

    def __init__(self, content_dir: Path, *, use_cache: bool = True, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.content_dir = content_dir.resolve()
        self.companions = self.content_dir / "companions"
        self.cache = snippet_cache.cache_dir(self.content_dir)
        self.use_cache = use_cache
        self.timeout = timeout
        self._smoke_runs: dict[Path, dict[str, Any]] = {}
        self._session_runs: dict[str, tuple[CheckResult, ...]] = {}
        self.used: set[str] = set()
        """The cache keys of the blocks checked in this run (``prune_results`` keeps them)."""

    def check(self, snippet: Snippet, post_snippets: Sequence[Snippet] = ()) -> CheckResult:
        """The snippet's result: from the cache when its key is there, else run (and stored)."""
        fixed = static_result(snippet)
        if fixed is not None:
            return fixed
        key = result_key(snippet, post_snippets, self.companions)
        self.used.add(key)
        if self.use_cache:
            entry = snippet_cache.load(self.cache, key)
            if entry is not None:
                return CheckResult.from_json(entry["result"])
        started = time.perf_counter()
        result = with_hint(self._run(snippet, post_snippets), snippet.kind, self.companions)
        result = dataclasses.replace(result, seconds=round(time.perf_counter() - started, 3))
        if not result.transient:
            snippet_cache.save(self.cache, key, {"post": str(snippet.post), "line": snippet.line,
                                                  "info": snippet.info, "result": result.to_json()})
        return result

    def _run(self, snippet: Snippet, post_snippets: Sequence[Snippet]) -> CheckResult:
        if snippet.session is not None:
            return self._session(snippet, post_snippets)
        if snippet.kind in (PROGRAM, DOCTEST):
            return run_steps([snippet], self.companions, self.timeout)[0]
        if snippet.kind in (EXCERPT, ADAPTED):
            return check_excerpt(snippet, lambda: self._smoke(snippet))
        if snippet.kind == OUTPUT:
            return check_output(snippet, self.companions, self.timeout)
        if snippet.kind == SHELL:
            return run_shell(snippet, self.companions, self.timeout)
        raise AssertionError(f"no check for kind {snippet.kind!r}")

    def _smoke(self, snippet: Snippet) -> dict[str, Any]:
        path = snippet.companion.path
        if path not in self._smoke_runs:
            self._smoke_runs[path] = run_job({"mode": "smoke", "module": snippet.companion.module,
                                              "trace": str(path)}, self.companions, self.timeout)
        return self._smoke_runs[path]

    def _session(self, snippet: Snippet, post_snippets: Sequence[Snippet]) -> CheckResult:
        members = session_members(snippet, post_snippets)
        name = f"{snippet.post}::{snippet.session}"
        if name not in self._session_runs:
            self._session_runs[name] = tuple(run_steps(members, self.companions, self.timeout))
        return self._session_runs[name][members.index(snippet)]


def shared_run(snippet: Snippet) -> str | None:
    """What a block shares a run with, named: its session (one subprocess) or its companion's ``smoke()``.

    A ``Checker`` runs these once and hands the result to every block that needs it, so the blocks
    of one name must be checked by one worker, in order (``site-builder check -j``, pytest-xdist
    groups); None for a block that runs alone. Names are short (a post's file name, a companion's
    file): two content folders may give the same one, which only keeps their blocks together too.
    """
    if snippet.session is not None:
        return f"{snippet.post.name} session={snippet.session}"
    if snippet.kind in (EXCERPT, ADAPTED):
        return f"{snippet.companion.file} smoke()"
    return None


# --- subprocesses ---------------------------------------------------------------------------------

def run_process(argv: list[str], companions: Path, timeout: float, cwd: Path) -> Process:
    """Run contained (``contain.py``): the whole tree stopped, output and resources bounded."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(companions), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return run_contained(argv, cwd=cwd, env=env, limits=Limits(timeout))


def run_job(job: dict[str, Any], companions: Path, timeout: float) -> dict[str, Any]:
    """Run ``child.py`` on ``job``; its JSON result plus ``output`` (and ``error`` if none came)."""
    with tempfile.TemporaryDirectory(prefix="snippet-check-") as tmp:
        job_file, result_file = Path(tmp, "job.json"), Path(tmp, "result.json")
        job_file.write_text(json.dumps({**job, "companions": str(companions), "result": str(result_file)}))
        work = Path(tmp, "work")
        work.mkdir()
        proc = run_process([sys.executable, "-P", str(CHILD), str(job_file)],
                           companions, timeout, work)
        if proc.returncode is None:
            return {"error": f"timed out after {timeout:g} s", "timeout": True, "output": proc.output}
        if not result_file.is_file():
            return {"error": f"the check process {exit_description(proc.returncode)} before reporting",
                    "output": proc.output}
        return {**json.loads(result_file.read_text()), "output": proc.output}


def job_failure(run: dict[str, Any], what: str) -> CheckResult | None:
    """A failed/skipped result when the subprocess timed out, died, or its target raised."""
    if "error" in run:
        return CheckResult(FAILED, f"{what}: {run['error']}", tail(run["output"]), transient=bool(run.get("timeout")))
    exception = run.get("exception")
    if exception and exception["skip"] is not None:
        return CheckResult(SKIPPED, f"{what} cannot run here: {exception['skip']}")
    if exception:
        return CheckResult(FAILED, f"{what} raised {exception['line']}", exception["traceback"])
    return None


def tail(text: str, lines: int = 40) -> str:
    """The last lines of an output, after the line saying how much of it was cut, if some was."""
    kept = text.rstrip().splitlines()[-lines:]
    note = cut_note(text)
    return "\n".join([note, *kept] if note and note not in kept else kept)


# --- programs, doctests, sessions, shell ----------------------------------------------------------

def run_steps(snippets: Sequence[Snippet], companions: Path, timeout: float) -> list[CheckResult]:
    """Run blocks in order in one namespace; one result per block."""
    steps = [{"code": s.code, "filename": str(s.post), "line": s.line, "doctest": s.kind == DOCTEST,
              "raises": s.raises} for s in snippets]
    run = run_job({"mode": "steps", "steps": steps}, companions, timeout)
    what = "the session" if len(snippets) > 1 else "the program"
    failure = job_failure(run, what)
    if failure is not None:
        return [failure] * len(snippets)
    results: list[CheckResult] = []
    for snippet, outcome in zip(snippets, run["steps"]):
        results.append(step_result(snippet, outcome))
        if results[-1].failed:
            break
    if len(results) < len(snippets):  # the runner stops at a block that failed or could not run here
        skipped = results[-1].status == SKIPPED
        rest = CheckResult(SKIPPED if skipped else FAILED, f"not run: an earlier block of session "
                           f"`{snippets[0].session}` {'could not run here' if skipped else 'failed'}")
        results += [rest] * (len(snippets) - len(results))
    return results


def step_result(snippet: Snippet, outcome: dict[str, Any]) -> CheckResult:
    exception = outcome["exception"]
    if outcome["failures"]:
        return CheckResult(FAILED, "doctest output differs", outcome["failures"])
    if exception and exception["skip"] is not None:
        return CheckResult(SKIPPED, f"cannot run here: {exception['skip']}")
    if snippet.raises is None:
        if exception:
            return CheckResult(FAILED, f"raised {exception['line']}", exception["traceback"])
        return CheckResult(VERIFIED, "doctest passed" if snippet.kind == DOCTEST else "ran without error")
    if exception is None:
        return CheckResult(FAILED, f"expected {snippet.raises} to be raised; the program finished without error")
    if snippet.raises in exception["types"]:
        return CheckResult(VERIFIED, f"raised {exception['line']}")
    return CheckResult(FAILED, f"expected {snippet.raises}, got {exception['line']}", exception["traceback"])


def run_shell(snippet: Snippet, companions: Path, timeout: float) -> CheckResult:
    with tempfile.TemporaryDirectory(prefix="snippet-check-") as tmp:
        script = Path(tmp, "block.sh")
        script.write_text(snippet.code)
        proc = run_process(["bash", "-e", str(script)], companions, timeout, Path(tmp))
    if proc.returncode is None:
        return CheckResult(FAILED, f"timed out after {timeout:g} s", tail(proc.output), transient=True)
    if proc.returncode:
        return CheckResult(FAILED, exit_description(proc.returncode), tail(proc.output))
    return CheckResult(VERIFIED, "ran without error (exit 0)")


# --- excerpts -------------------------------------------------------------------------------------

def check_excerpt(snippet: Snippet, smoke) -> CheckResult:
    """Verbatim (or, for ``adapted``, diffed) against the definition, then executed by ``smoke()``."""
    ref = snippet.companion
    source = ref.path.read_text(encoding="utf-8")
    tree = read_module(ref.path)
    node = find_definition(tree, ref.qualname)
    first, last = definition_span(node)
    where = dict(companion=ref.file)
    definition = source.splitlines()[first - 1:last]
    if snippet.kind == ADAPTED:
        last_covered, diff = adapted_diff(snippet.code, definition, ref, first)
        where.update(first_line=first, last_line=last_covered)
        failure = job_failure(smoke(), f"{ref.file}::smoke()")
        if failure is not None:
            return dataclasses.replace(failure, **where, diff=diff)
        if not definition_ran(node, set(smoke()["executed"])):
            return CheckResult(FAILED, f"{ref.file}::{ref.qualname} never ran during smoke()", **where, diff=diff)
        return CheckResult(VERIFIED, f"adapted: {ref.file}::{ref.qualname} ran during smoke()", **where, diff=diff)
    span = locate(snippet.code, definition)
    if span is None:
        return CheckResult(DRIFTED, f"excerpt differs from {ref.file}::{ref.qualname}",
                           closest_diff(snippet.code, definition, ref, first), **where)
    start, end = first + span[0], first + span[1]
    failure = job_failure(smoke(), f"{ref.file}::smoke()")
    if failure is not None:
        return dataclasses.replace(failure, **where, first_line=start, last_line=end)
    never = never_executed(tree, source.splitlines(), range(start, end + 1), set(smoke()["executed"]))
    if never:
        listing = "\n".join(f"{ref.file}:{n}: {source.splitlines()[n - 1].strip()}" for n in never)
        return CheckResult(FAILED, f"excerpt lines never executed by smoke(): {', '.join(map(str, never))}",
                           listing, **where, first_line=start, last_line=end)
    return CheckResult(VERIFIED, f"matches {ref.file}::{ref.qualname} lines {start}-{end}, all executed by smoke()",
                       **where, first_line=start, last_line=end)


# --- output-of ------------------------------------------------------------------------------------

def check_output(snippet: Snippet, companions: Path, timeout: float) -> CheckResult:
    """``FUNC`` produces the block; the result links to FUNC's lines in the companion."""
    ref = snippet.companion
    first, last = definition_span(find_definition(read_module(ref.path), ref.qualname))
    result = compare_output(snippet, companions, timeout)
    return dataclasses.replace(result, companion=ref.file, first_line=first, last_line=last)


def compare_output(snippet: Snippet, companions: Path, timeout: float) -> CheckResult:
    """Run ``FUNC``: it must produce its traceback's exception, or every non-blank line in order."""
    ref = snippet.companion
    what = f"{ref.file}::{ref.qualname}()"
    run = run_job({"mode": "call", "module": ref.module, "function": ref.qualname}, companions, timeout)
    expected = traceback_exceptions(snippet.code)
    exception = run.get("exception")
    if expected:
        if "error" in run or (exception and exception["skip"] is not None):
            return job_failure(run, what)
        if exception is None:
            return CheckResult(FAILED, f"{what} returned normally; the block shows {expected[-1]}", tail(run["output"]))
        if any(same_exception(line, exception["line"]) for line in expected):
            return CheckResult(VERIFIED, f"{what} raised {exception['line']}")
        return CheckResult(FAILED, f"{what} raised {exception['line']}; the block's traceback shows "
                           + " / ".join(expected), exception["traceback"])
    failure = job_failure(run, what)
    if failure is not None:
        return failure
    missing = missing_output(snippet.code, run["output"])
    if missing:
        return CheckResult(FAILED, f"{what} did not print: {missing}", tail(run["output"]))
    return CheckResult(VERIFIED, f"{what} printed every line of the block, in order")


def traceback_exceptions(text: str) -> list[str]:
    """The ``ExcType: message`` line ending each traceback of a log, in order.

    A log may hold several (torchrun prints the child's traceback, then its own); the produced
    exception must be one of them.
    """
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        if line.strip() != TRACEBACK_HEADER:
            continue
        for after in lines[index + 1:]:
            if after.strip() and not after[0].isspace():
                if re.match(r"^[A-Za-z_][\w.]*(:.*)?$", after):
                    found.append(after.strip())
                break
    return found


def same_exception(shown: str, produced: str) -> bool:
    """Equal lines, where ``mod.Error`` and ``Error`` name the same type and ``...`` matches anything."""
    shown_type, _, shown_message = shown.partition(":")
    produced_type, _, produced_message = produced.partition(":")
    short = (shown_type.rsplit(".", 1)[-1], produced_type.rsplit(".", 1)[-1])
    return short[0] == short[1] and line_matches(shown_message.strip(), produced_message.strip())


def line_matches(pattern: str, line: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("..."))
    return re.fullmatch(regex, line, re.DOTALL) is not None


def missing_output(block: str, output: str) -> str | None:
    """The first block line not found (in order) in the output; ``...`` lines match anything."""
    produced = [line.strip() for line in output.splitlines()]
    position = 0
    for wanted in (line.strip() for line in block.splitlines()):
        if not wanted or wanted == "...":
            continue
        while position < len(produced) and not line_matches(wanted, produced[position]):
            position += 1
        if position == len(produced):
            return wanted
        position += 1
    return None
