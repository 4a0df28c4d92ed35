"""Fence info strings → Snippet values, and every way a directive can be wrong (file:line errors)."""

from __future__ import annotations

from pathlib import Path

import pytest
from snippet_helpers import snippets_of

from site_builder.errors import SnippetError
from site_builder.model import CodeBlock
from site_builder.snippets.model import ADAPTED, DOCTEST, EXCERPT, NORUN, NOT_EXECUTABLE, OUTPUT, PROGRAM, SHELL
from site_builder.snippets.parse import parse_snippet

POST = Path("content/posts/2024-01-01-x.md")


def parse(content: Path, info: str, code: str = "x = 1\n", line: int = 7):
    lang = info.split()[0].lower() if info.split() else ""
    return parse_snippet(POST, CodeBlock(lang, info, code, line), content / "companions")


@pytest.mark.parametrize("info, code, kind", [
    ("python", "print(1)\n", PROGRAM),
    ("py", "print(1)\n", PROGRAM),
    ("pycon", ">>> 1\n1\n", DOCTEST),
    ("python", ">>> 1 + 1\n2\n", DOCTEST),
    ("", ">>> 1 + 1\n2\n", DOCTEST),
    ("shell run", "echo hi\n", SHELL),
    ("shell", "echo hi\n", NOT_EXECUTABLE),
    ("text", "anything\n", NOT_EXECUTABLE),
    ("", "plain\n", NOT_EXECUTABLE),
    ("python companion=toy.py::mean", "total = 0\n", EXCERPT),
    ("python companion=toy.py::Stats.spread adapted", "low = 1\n", ADAPTED),
    ("text output-of=toy.py::greet", "hello\n", OUTPUT),
    ('python norun reason="needs a GPU"', "import cuda\n", NORUN),
])
def test_kind_of_each_directive(content, info, code, kind):
    assert parse(content, info, code).kind == kind


def test_values_carried_by_the_snippet(content):
    excerpt = parse(content, "python companion=toy.py::Stats.spread")
    assert (excerpt.companion.file, excerpt.companion.qualname, excerpt.companion.module) == \
        ("toy.py", "Stats.spread", "toy")
    assert excerpt.companion.path == (content / "companions" / "toy.py").resolve()
    assert excerpt.item_name == "L7[python companion=toy.py::Stats.spread]"
    session = parse(content, "python session=demo raises=KeyError")
    assert (session.session, session.raises) == ("demo", "KeyError")
    norun = parse(content, "python norun reason='no NCCL here'")
    assert (norun.reason, norun.kind) == ("no NCCL here", NORUN)


@pytest.mark.parametrize("info, message", [
    ("python frobnicate", "unknown option `frobnicate`"),
    ("python companion", "option `companion` is malformed"),
    ("python adapted=yes", "option `adapted=yes` is malformed"),
    ('python norun reason="unclosed', "malformed quoting"),
    ("python session=a session=b", "option `session` given twice"),
    ("python companion=toy.py", "must be FILE::NAME"),
    ("python companion=toy.py::not-a-name", "is not a dotted python name"),
    ("python companion=missing.py::f", "companion file `missing.py` not found"),
    ("python companion=toy.py::nowhere", "`nowhere` is not defined in toy.py"),
    ("python companion=toy.py::Stats.absent", "`Stats.absent` is not defined in toy.py"),
    ("python companion=../posts/evil.py::f", "is outside the companions folder"),
    ("python companion=/etc/passwd::f", "is outside the companions folder"),
    ("python companion=helper.py::scale", "has no top-level smoke()"),
    ("python adapted", "`adapted` qualifies `companion=FILE::QUALNAME`"),
    ("python norun", "`norun` needs a reason"),
    ('python reason="x"', "`norun` needs a reason"),
    ('python norun reason="x" session=s', "`norun` cannot be combined with `session`"),
    ("python companion=toy.py::mean output-of=toy.py::greet", "not both"),
    ("python companion=toy.py::mean session=s", "cannot be combined with `session`"),
    ("shell companion=toy.py::mean", "quotes python source"),
    ("python run", "`run` applies to shell blocks"),
    ("text output-of=toy.py::Stats", "which is not a function"),
    ("text session=s", "apply to python and pycon blocks"),
    ("pycon raises=ValueError", "`raises=` is for python programs"),
])
def test_bad_directive_is_an_error_at_the_fence_line(content, info, message):
    with pytest.raises(SnippetError) as caught:
        parse(content, info, ">>> 1\n1\n" if info.startswith("pycon") else "x = 1\n")
    error = caught.value
    assert message in error.message
    assert (error.path, error.line) == (POST, 7)
    assert str(error).startswith(f"{POST}:7: code block `{info}`")


def test_companion_that_does_not_parse_is_reported_at_its_own_line(content):
    (content / "companions" / "broken.py").write_text("def smoke():\n    pass\n\ndef f(:\n")
    with pytest.raises(SnippetError) as caught:
        parse(content, "python companion=broken.py::f")
    assert caught.value.path.name == "broken.py" and caught.value.line == 4


def test_every_block_of_a_post_becomes_a_snippet_at_its_fence_line(content):
    path = content / "posts" / "2024-01-01-fixture.md"
    snippets = snippets_of(content, path)
    lines = path.read_text().splitlines()
    assert [lines[s.line - 1] for s in snippets] == ["```" + s.info for s in snippets]
    assert [s.kind for s in snippets] == [EXCERPT, ADAPTED, EXCERPT, OUTPUT, PROGRAM, DOCTEST, PROGRAM, PROGRAM,
                                          PROGRAM, NORUN, NOT_EXECUTABLE]
    assert [s.session for s in snippets].count("s") == 2
