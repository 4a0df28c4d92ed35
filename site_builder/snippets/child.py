"""The child side of a snippet check: ``python -P …/site_builder/snippets/child.py JOB.json``.

Runs in a fresh interpreter (cwd = a temporary folder, companions on ``sys.path``) and writes what
happened to the job's ``result`` file as JSON; the parent (``run.py``) judges it. Standard library
and coverage.py only, so it starts fast and never imports the site builder's own modules.

Jobs (``mode``):

- ``steps``: run python programs / doctests in order in one ``__main__`` namespace (a session is
  several steps); stop at the first step that fails or raises.
- ``smoke``: import the companion and call its ``smoke()`` under coverage.py; report executed lines.
- ``call``: import the companion and call one function (for ``output-of=``); output goes to the
  process's stdout/stderr, which the parent captures.

A companion that cannot reproduce something on this machine raises ``unittest.SkipTest("why")``;
it is reported as ``skip`` (never as a pass).
"""

from __future__ import annotations

import doctest
import importlib
import json
import os
import sys
import traceback
import unittest


def main(job_path: str) -> int:
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    # -P keeps this file's folder off sys.path; the companions come first, then the working folder
    sys.path[:0] = [job["companions"], os.getcwd()]
    result = {"steps": run_steps, "smoke": run_smoke, "call": run_call}[job["mode"]](job)
    with open(job["result"], "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


def run_steps(job: dict) -> dict:
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    outcomes = []
    for step in job["steps"]:
        outcome = run_doctest(step, namespace) if step["doctest"] else run_program(step, namespace)
        outcomes.append(outcome)
        if outcome["failures"] or (outcome["exception"] and not step.get("raises")):
            break
    return {"steps": outcomes}


def run_program(step: dict, namespace: dict) -> dict:
    """Exec the block with line numbers of the post, so a traceback points into the post file."""
    padded = "\n" * step["line"] + step["code"]  # the block's first line is the line after its fence
    try:
        code = compile(padded, step["filename"], "exec", dont_inherit=True)  # no __future__ flags of ours
    except SyntaxError as exc:
        return {"exception": describe(exc.with_traceback(None)), "failures": ""}
    try:
        exec(code, namespace)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            return {"exception": describe(exc), "failures": ""}
    except BaseException as exc:  # noqa: BLE001 - the block's own error is the result being reported
        return {"exception": describe(exc), "failures": ""}
    return {"exception": None, "failures": ""}


def run_doctest(step: dict, namespace: dict) -> dict:
    report: list[str] = []
    test = doctest.DocTestParser().get_doctest(step["code"], namespace, step["filename"],
                                               step["filename"], step["line"])
    runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS)
    runner.run(test, out=report.append, clear_globs=False)
    return {"exception": None, "failures": "".join(report)}


def run_smoke(job: dict) -> dict:
    import coverage

    cov = coverage.Coverage(data_file=None, include=[job["trace"]], config_file=False)
    cov.start()
    try:
        exception = call(job["module"], "smoke")
    finally:
        cov.stop()
    data = cov.get_data()
    executed = sorted({line for name in data.measured_files() for line in (data.lines(name) or ())})
    return {"exception": exception, "executed": executed}


def run_call(job: dict) -> dict:
    return {"exception": call(job["module"], job["function"])}


def call(module_name: str, qualname: str) -> dict | None:
    """Import and call ``module.qualname()``; the exception it raises, described, or None."""
    try:
        target = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
        target()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides pass / skip / fail
        return describe(exc)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return None


def describe(exc: BaseException) -> dict:
    """The exception as the parent needs it: its final line, type names (MRO), traceback text.

    The first frame (this module's exec / call) is left out of the traceback.
    """
    tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
    kind = type(exc)
    return {
        "line": exception_line(exc),
        "types": [qualified(cls) for cls in kind.__mro__] + [cls.__name__ for cls in kind.__mro__],
        "skip": str(exc) if isinstance(exc, unittest.SkipTest) else None,
        "traceback": "".join(traceback.format_exception(kind, exc, tb)),
    }


def exception_line(exc: BaseException) -> str:
    """``RuntimeError: message`` as a traceback's last line prints it (module-qualified if not builtin)."""
    message = str(exc)
    return f"{qualified(type(exc))}: {message}" if message else qualified(type(exc))


def qualified(cls: type) -> str:
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", "__main__") else f"{module}.{cls.__qualname__}"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
