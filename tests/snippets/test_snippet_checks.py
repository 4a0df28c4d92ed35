"""The checks themselves: each kind of block passes when it should and fails with its evidence."""

from __future__ import annotations

import os

import pytest
from snippet_helpers import check_all, write_post

from site_builder.snippets.cache import cache_dir
from site_builder.snippets.run import missing_output, same_exception, traceback_exceptions
from site_builder.snippets.excerpts import never_executed
from site_builder.snippets.model import DRIFTED, FAILED, NOT_CHECKED, SKIPPED, VERIFIED


def one(content, fence: str, code: str, **options):
    """Check a post holding one block; the result."""
    path = write_post(content, f"```{fence}\n{code}```\n")
    (result,) = check_all(content, path, **options).values()
    return result


def test_the_fixture_post_passes_or_skips_honestly(content):
    results = check_all(content, content / "posts" / "2024-01-01-fixture.md")
    statuses = [r.status for r in results.values()]
    assert statuses == [VERIFIED] * 9 + [SKIPPED, NOT_CHECKED]
    reasons = [r.reason for r in results.values()]
    assert reasons[-2:] == ["norun: needs a GPU", "not checked: not executable (json)"]


def test_excerpt_verified_with_its_lines_in_the_companion(content):
    result = one(content, "python companion=toy.py::mean", "total = 0\nfor value in values:\n    total += value\n")
    source = (content / "companions" / "toy.py").read_text().splitlines()
    assert result.status == VERIFIED
    assert result.companion == "toy.py"
    assert source[result.first_line - 1].strip() == "total = 0"
    assert source[result.last_line - 1].strip() == "total += value"


def test_drifted_excerpt_fails_with_a_unified_diff(content):
    result = one(content, "python companion=toy.py::mean", "total = 1\nfor value in values:\n    total += value\n")
    assert result.status == DRIFTED and result.failed
    assert "excerpt differs from toy.py::mean" in result.reason
    assert "--- quoted in the post" in result.detail
    assert "-total = 1" in result.detail and "+total = 0" in result.detail


def test_indentation_of_the_quote_does_not_matter_but_the_relative_one_does(content):
    assert one(content, "python companion=toy.py::mean",
               "        for value in values:\n            total += value\n").status == VERIFIED
    assert one(content, "python companion=toy.py::mean",
               "for value in values:\ntotal += value\n").status == DRIFTED


def test_excerpt_never_executed_fails_naming_the_lines(content):
    result = one(content, "python companion=toy.py::Stats.spread", "if high == low:\n    return 0.0\n")
    source = (content / "companions" / "toy.py").read_text().splitlines()
    never = source.index("            return 0.0") + 1
    assert result.status == FAILED
    assert result.reason == f"excerpt lines never executed by smoke(): {never}"
    assert f"toy.py:{never}: return 0.0" in result.detail


def test_adapted_definition_must_run_and_carries_the_diff(content):
    ran = one(content, "python companion=toy.py::Stats.spread adapted", "def spread(self, v):\n    return 1\n")
    assert ran.status == VERIFIED
    assert "+    low = min(values)" in ran.diff and "-    return 1" in ran.diff
    assert (ran.first_line, ran.last_line) == (16, 21)
    never = one(content, "python companion=toy.py::Stats.ratio adapted", "def ratio(self, v):\n    return 1\n")
    assert never.status == FAILED and "toy.py::Stats.ratio never ran during smoke()" in never.reason


def test_smoke_that_skips_makes_the_excerpt_skip(content):
    (content / "companions" / "gpu.py").write_text(
        "import unittest\n\ndef kernel():\n    return 1\n\ndef smoke():\n    raise unittest.SkipTest('no CUDA')\n")
    result = one(content, "python companion=gpu.py::kernel", "return 1\n")
    assert (result.status, result.reason) == (SKIPPED, "gpu.py::smoke() cannot run here: no CUDA")


def test_output_of_a_traceback(content):
    right = "Traceback (most recent call last):\n  File \"x.py\", line 1\nRuntimeError: Distributed package " \
            "doesn't have NCCL built in\n"
    verified = one(content, "shell output-of=toy.py::fail_loudly", right)
    assert (verified.status, verified.companion, verified.first_line, verified.last_line) == \
        (VERIFIED, "toy.py", 34, 35)
    wrong = one(content, "shell output-of=toy.py::fail_loudly", right.replace("NCCL", "MPI"))
    assert wrong.status == FAILED
    assert "raised RuntimeError: Distributed package doesn't have NCCL built in" in wrong.reason
    assert "the block's traceback shows RuntimeError: Distributed package doesn't have MPI built in" in wrong.reason
    returned = one(content, "shell output-of=toy.py::greet", right)
    assert returned.status == FAILED and "returned normally" in returned.reason


def test_output_of_plain_output_in_order_with_ellipsis(content):
    assert one(content, "text output-of=toy.py::greet", "hello ... toy\n\ndone\n").status == VERIFIED
    out_of_order = one(content, "text output-of=toy.py::greet", "done\nhello from toy\n")
    assert out_of_order.status == FAILED and out_of_order.reason.endswith("did not print: hello from toy")


def test_output_that_cannot_be_reproduced_here_is_skipped(content):
    result = one(content, "text output-of=toy.py::cannot_here", "Traceback (most recent call last):\nX: y\n")
    assert (result.status, result.reason) == (SKIPPED, "toy.py::cannot_here() cannot run here: needs a GPU, "
                                                       "this machine has none")


def test_programs_and_raises(content):
    failing = one(content, "python", "x = 1\nraise KeyError('k')\n")
    assert failing.status == FAILED and failing.reason == "raised KeyError: 'k'"
    assert "2024-02-02-case.md\", line 7" in failing.detail  # the raise, in the post: fence at 5
    assert one(content, "python raises=LookupError", "{}['k']\n").status == VERIFIED
    wrong = one(content, "python raises=ValueError", "{}['k']\n")
    assert wrong.status == FAILED and wrong.reason == "expected ValueError, got KeyError: 'k'"
    assert one(content, "python raises=ValueError", "pass\n").status == FAILED
    assert one(content, "python", "import sys\nsys.exit(0)\n").status == VERIFIED
    assert one(content, "python", "import sys\nsys.exit(3)\n").status == FAILED


def test_program_is_compiled_without_the_checkers_future_imports(content):
    # The runner module uses `from __future__ import annotations`; a block must not inherit it, or an
    # annotation naming an undefined type (the post's `Optional[int]` without an import) would pass.
    code = "def build(size: Optional[int] = None):\n    return size\n"
    result = one(content, "python", code)
    assert result.status == FAILED and result.reason == "raised NameError: name 'Optional' is not defined"


def test_program_sees_companions_and_runs_in_a_temporary_folder(content):
    code = "import os, toy\nassert toy.mean([2, 4]) == 3.0\nassert not os.path.exists('posts')\n"
    assert one(content, "python", code).status == VERIFIED


def test_doctest(content):
    assert one(content, "pycon", ">>> print('a b c')\na ... c\n").status == VERIFIED
    failed = one(content, "pycon", ">>> 1 + 1\n3\n")
    assert failed.status == FAILED and "Expected:\n    3\nGot:\n    2" in failed.detail


def test_session_blocks_share_a_namespace_in_order(content):
    path = write_post(content, "```python session=a\nx = 1\n```\n\n```python session=b\nx = 2\n```\n\n"
                               "```pycon session=a\n>>> x\n1\n```\n")
    assert [r.status for r in check_all(content, path).values()] == [VERIFIED] * 3
    broken = write_post(content, "```python session=a\nx = 1 / 0\n```\n\n```python session=a\nprint(x)\n```\n",
                        name="2024-02-03-broken.md")
    first, second = check_all(content, broken).values()
    assert first.status == FAILED and "ZeroDivisionError" in first.reason
    assert second.status == FAILED and second.reason == "not run: an earlier block of session `a` failed"
    cannot = write_post(content, "```python session=g\nimport unittest\nraise unittest.SkipTest('no GPU')\n```\n\n"
                                 "```python session=g\nprint(1)\n```\n", name="2024-02-04-gpu.md")
    first, second = check_all(content, cannot).values()
    assert (first.status, first.reason) == (SKIPPED, "cannot run here: no GPU")
    assert (second.status, second.reason) == (SKIPPED, "not run: an earlier block of session `g` could not run here")


def test_shell_blocks_run_only_with_run(content):
    assert one(content, "sh run", "test \"$(echo hi)\" = hi\n").status == VERIFIED
    failed = one(content, "sh run", "echo out\nexit 3\n")
    assert failed.status == FAILED and failed.reason == "exited with code 3" and "out" in failed.detail
    assert one(content, "sh", "exit 3\n").status == NOT_CHECKED


def test_timeout_fails_and_is_not_cached(content):
    path = write_post(content, "```python\nimport time\ntime.sleep(30)\n```\n")
    (result,) = check_all(content, path, timeout=1).values()
    assert result.status == FAILED and result.reason == "the program: timed out after 1 s"
    assert cache_dir(content).parent.is_relative_to(os.environ["SITE_BUILDER_CACHE"])
    assert not list(cache_dir(content).glob("*.json"))


@pytest.mark.parametrize("block, produced, expected", [
    ("RuntimeError: boom", "RuntimeError: boom", True),
    ("torch.distributed.DistBackendError: x", "DistBackendError: x", True),
    ("RuntimeError: boom ...", "RuntimeError: boom at line 3", True),
    ("RuntimeError: boom", "ValueError: boom", False),
    ("RuntimeError: boom", "RuntimeError: bang", False),
])
def test_same_exception(block, produced, expected):
    assert same_exception(block, produced) is expected


def test_traceback_exceptions_of_a_log_with_two_tracebacks():
    log = ("Traceback (most recent call last):\n  File \"a\", line 1\n    x()\nRuntimeError: first\n"
           "ERROR: noise\n\nTraceback (most recent call last):\n  File \"b\"\npkg.Failed:\n====\n")
    assert traceback_exceptions(log) == ["RuntimeError: first", "pkg.Failed:"]
    assert traceback_exceptions("no traceback here\n") == []


def test_missing_output():
    assert missing_output("a\n...\nc\n", "a\nb\nc\n") is None
    assert missing_output("a\nc\n", "c\na\n") == "c"


def test_never_executed_maps_continuation_lines_to_their_statement():
    import ast

    source = "def f():\n    y = [1,\n         2]\n    # comment\n    return y\n"
    tree = ast.parse(source)
    assert never_executed(tree, source.splitlines(), range(2, 6), {2, 5}) == []
    assert never_executed(tree, source.splitlines(), range(2, 6), {5}) == [2, 3]


def test_adapted_quote_is_aligned_past_its_class_line_and_up_to_its_last_line():
    from site_builder.snippets.excerpts import align_adapted

    quote = ["class Llama:", "    @staticmethod", "    def build(x):", "        a = 1", "        b = 2"]
    definition = ["    @staticmethod", "    def build(x):", "        a = 10", "        b = 2", "        c = 3"]
    quoted, covered = align_adapted(quote, definition)
    assert quoted == ["@staticmethod", "def build(x):", "    a = 1", "    b = 2"]
    assert covered == ["@staticmethod", "def build(x):", "    a = 10", "    b = 2"]
