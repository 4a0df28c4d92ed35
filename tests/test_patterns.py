"""``patterns.lazy``: a regular expression compiled on first use, which behaves as the compiled one."""

import re
import subprocess
import sys

from site_builder.patterns import lazy


def test_a_lazy_pattern_compiles_on_first_use_and_answers_as_the_compiled_one():
    pattern = lazy(r"(?P<word>\w+):", re.I)
    assert pattern.pattern == r"(?P<word>\w+):" and "compiled" not in vars(pattern)  # its text, not compiled
    compiled = re.compile(r"(?P<word>\w+):", re.I)
    text = "Me: hi, You: hello"
    assert pattern.match(text)["word"] == "Me"
    assert "compiled" in vars(pattern)
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert pattern.sub("-", text) == compiled.sub("-", text) and pattern.split(text) == compiled.split(text)
    assert pattern.groupindex == compiled.groupindex and pattern.flags == compiled.flags


def test_the_readings_rarer_patterns_are_not_compiled_at_import():
    """A fresh process that imports the reading compiles none of its lazy patterns (an edit of a post without
    labelled headings never compiles ``HEADING_LABEL``), and a use compiles the one used."""
    script = (
        "from site_builder.reading import lines, shapes, doubts\n"
        "from site_builder.patterns import LazyPattern\n"
        "lazy = list({id(m): m for mod in (lines, shapes, doubts) for m in vars(mod).values() if isinstance(m, LazyPattern)}.values())\n"
        "assert len(lazy) > 20, len(lazy)\n"
        "print(sum('compiled' in vars(m) for m in lazy))\n"
        "assert lines.BOLD_LABEL.match('**ChatGPT:** hello')['rest'] == 'hello'\n"
        "print(sum('compiled' in vars(m) for m in lazy))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "1"]
