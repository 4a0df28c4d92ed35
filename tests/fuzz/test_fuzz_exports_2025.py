"""Property: today's export shapes (``tests/fixtures/exports-2025``: reasoning, tools, canvas, citations,
attachments, preference records…), broken at random places — a value replaced by null, a number, a string, a
list, an object, a citation marker, a fence or a label — import with nothing but ``SiteError``s, and a
conversation that cannot be read is refused with the place of what is wrong in it, never with a bare
``TypeError``. ``make fuzz``: 3,000 exports; ``make test``: a short run."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from fuzz_support import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.errors import SiteError
from site_builder.importers.driver import Selection, import_export, list_export

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports-2025"
FILES = sorted([("chatgpt", p) for p in [*EXPORTS.glob("chatgpt-*.json"), *(EXPORTS / "chatgpt-split").glob("c*.json")]]
               + [("claude", p) for p in EXPORTS.glob("claude-*.json")]
               + [("sharegpt", p) for p in EXPORTS.glob("*.json*") if not p.name.startswith(("chatgpt", "claude"))])
VALUES = [None, 0, -1, 1.5, True, "", "x", "\ue200cite\ue202turn0search0\ue201", [], {}, [None], [{}], {"a": None},
          "```python\nopen('PWNED', 'w')\n```", "<!--", "User: hi", "\ud800", "9" * 400]


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl" or path.name == "jsonl-named.json":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def _places(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        found += _places(child, prefix + (key,))
    return found


@st.composite
def broken_exports(draw: st.DrawFn) -> tuple[str, str, str]:
    kind, path = draw(st.sampled_from(FILES))
    data = _load(path)
    places = _places(data)
    for place in draw(st.lists(st.sampled_from(places), min_size=1, max_size=4)):
        target = data
        try:
            for key in place[:-1]:
                target = target[key]
            target[place[-1]] = copy.deepcopy(draw(st.sampled_from(VALUES)))
        except (KeyError, IndexError, TypeError):  # an earlier change replaced what held this place
            continue
    lines = path.suffix == ".jsonl" or path.name == "jsonl-named.json"
    text = "\n".join(json.dumps(item) for item in data) if lines else json.dumps(data)
    return kind, path.name, text


def test_broken_2025_exports_raise_nothing_but_site_errors_and_refusals_name_the_place():
    @settings(max_examples=examples(full=3000, short=150))
    @given(export=broken_exports(), listing=...)
    def only_site_errors(export: tuple[str, str, str], listing: bool) -> None:
        kind, name, text = export
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            try:
                if listing:
                    list_export(kind, path)
                    return
                report = import_export(kind, path, Path(tmp) / "posts", Selection(everything=True))
            except SiteError as error:
                assert "\n" not in error.message, error.message
                return
            unforeseen = [s.reason for s in report.skipped if "cannot be imported (" in s.reason]
            assert not unforeseen, unforeseen

    only_site_errors()
