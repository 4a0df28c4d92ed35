"""Property: a malformed export gives a ``SiteError`` (one clear line) or imports; never another exception,
and nothing is written when it fails.

Hypothesis generates exports of the three kinds (export_strategies.py), then breaks them: wrong types at
every level, missing keys, nulls, huge and odd numbers, bad dates, parent ids that point at each other,
JSON nested 100,000 deep, truncated or flipped bytes, invalid UTF-8, and zips with odd member names,
methods, flags and damage. Each is imported (and listed) by the real driver. ``make fuzz``: 10,000 exports;
``make test``: a short run. The exports in regressions/exports/ (``KIND--what.ext``) are replayed every time.
"""

from __future__ import annotations

import re
import resource
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from export_strategies import RawExport, malformed_exports
from fuzz_support import examples
from hypothesis import given, settings

from site_builder.errors import SiteError
from site_builder.importers.driver import Selection, import_export, list_export

REGRESSIONS = Path(__file__).parent / "regressions" / "exports"


@dataclass
class Figures:
    inputs: int = 0
    outcomes: Counter = field(default_factory=Counter)
    """``imported`` or the error's class and the gist of its message."""
    slowest: tuple[float, str] = (0.0, "")

    def report(self) -> str:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        kinds = Counter()
        for outcome, n in self.outcomes.items():
            kinds[outcome.split(":", 1)[0]] += n
        common = "\n".join(f"  {n:6d}  {what}" for what, n in self.outcomes.most_common(12))
        return (f"\nmalformed exports: {self.inputs} inputs; by outcome {dict(kinds)}; slowest "
                f"{self.slowest[0]:.2f} s ({self.slowest[1]}); peak RSS {peak:.0f} MB\n{common}")


def _gist(error: SiteError) -> str:
    """The error's message without paths, places and numbers, to count errors of one kind together."""
    message = str(error).split("\n", 1)[0]
    message = re.sub(r"\S*/\S*", "PATH", message)
    message = re.sub(r"\[\d+\]|line \d+|column \d+|\d+", "N", message)
    return f"{type(error).__name__}: {message[:110]}"


def import_malformed(kind: str, export: Path, figures: Figures, listing: bool = False) -> None:
    out = export.parent / "posts"
    started = time.perf_counter()
    try:
        if listing:
            list_export(kind, export)
        else:
            import_export(kind, export, out, Selection(everything=True))
        figures.outcomes["imported" if not listing else "listed"] += 1
    except SiteError as error:  # anything else fails the property
        assert "\n" not in error.message, error.message
        assert not out.exists() or not any(out.iterdir()), "a failed import wrote posts"
        figures.outcomes[_gist(error)] += 1
    seconds = time.perf_counter() - started
    figures.inputs += 1
    figures.slowest = max(figures.slowest, (seconds, f"{kind} {export.name}, {export.stat().st_size} bytes"))
    assert seconds < 60, "a malformed export of a few kB must not hang the import"


def test_malformed_exports_raise_nothing_but_site_errors():
    figures = Figures()

    @settings(max_examples=examples(full=10_000, short=300))
    @given(export=malformed_exports(), listing=...)
    def only_site_errors(export: RawExport, listing: bool) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            import_malformed(export.kind, export.write(Path(tmp)), figures, listing)

    only_site_errors()
    print(figures.report())


@pytest.mark.parametrize("export", sorted(REGRESSIONS.glob("*--*")), ids=lambda p: p.name)
def test_regression_exports_raise_nothing_but_site_errors(tmp_path, export):
    kind = export.name.split("--", 1)[0]
    copy = tmp_path / export.name.split("--", 1)[1]
    copy.write_bytes(export.read_bytes())
    for listing in (False, True):
        import_malformed(kind, copy, Figures(), listing)
