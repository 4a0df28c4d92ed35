"""Front matter read by libyaml (the fast path, ``frontmatter._plain``) is what the Python reader makes of it.

``load_yaml`` hands plain front matter to PyYAML's C reader with our constructors, and everything else (and
anything the C reader refuses) to the Python reader with our limits. The property draws the fuzz's front
matter (hostile scalars, flow collections, speakers, odd keys) and compares the two readers: the same values,
or the same error; the real posts we hold are compared too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings

from fuzz_support import examples
from post_strategies import front_matter
from site_builder import frontmatter
from site_builder.errors import SiteError

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")


class Refused(SiteError):
    pass


def fail(line: int, message: str, hint: str) -> Refused:
    return Refused(f"{line}: {message}")


def outcome(read: Any) -> tuple[str, Any]:
    try:
        return "value", read()
    except Refused as exc:
        return "error", str(exc)


def python_reader(source: str) -> Any:
    """``load_yaml`` with the fast path off: the Python reader alone."""
    return outcome(lambda: _without_fast_path(source))


def _without_fast_path(source: str) -> Any:
    plain = frontmatter._plain
    frontmatter._plain = lambda source: False
    try:
        return frontmatter.load_yaml(source, fail)
    finally:
        frontmatter._plain = plain


def assert_same(source: str) -> None:
    ours = outcome(lambda: frontmatter.load_yaml(source, fail))
    theirs = python_reader(source)
    assert repr(ours) == repr(theirs), source


@settings(max_examples=examples(full=20_000, short=800), deadline=None)
@given(front_matter())
def test_both_readers_read_generated_front_matter_alike(source: str) -> None:
    assert_same(source)


def test_both_readers_read_real_front_matter_alike() -> None:
    paths = [path for folder in (ROOT / "content", ROOT / "tests" / "fixtures", ROOT.parent / "shared")
             for pattern in ("*.md", "*.markdown") for path in folder.rglob(pattern)]
    sources = []
    for path in paths:
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        if lines[0].rstrip() == "---" and "---" in lines[1:]:
            sources.append("\n".join(lines[1:lines.index("---", 1)]))
    assert len(sources) > 20
    assert sum(frontmatter._plain(source) for source in sources) > len(sources) // 2, "the fast path is taken"
    for source in sources:
        assert_same(source)


@pytest.mark.parametrize("source", [
    "title: x\n" + "  " * 30 + "deep: 1\n",
    "tags: " + "[" * 60 + "]" * 60,  # libyaml recurses without a limit: the Python reader says no
    "n: " + "9" * 200,
    "date: 2024-02-30",
    "title: \"\\ud83d\\ude00\"",
    "a: &x 1\nb: *x",
    "title: [unclosed",
    "title: a\n\ttab: b",
    "speakers: {User: user, ChatGPT: {role: assistant, model: gpt-4}}",
])
def test_edges_read_alike(source: str) -> None:
    assert_same(source)


def test_deep_nesting_never_reaches_libyaml() -> None:
    assert not frontmatter._plain("x: " + "[" * 49 + "]" * 49)
    assert not frontmatter._plain("- " * 60 + "x")
