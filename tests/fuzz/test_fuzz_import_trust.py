"""Property: no block of an imported post is ever runnable.

Hypothesis generates exports of the three kinds whose messages are hostile Markdown (export_strategies.py),
imports each through the real driver into a temporary folder and reads every written post back as the
build does. Both layers must hold for every post: it says it is imported (``Post.imported``), and, that
switch ignored, the snippet parser finds no block it would run (each is ``norun`` or not executable) and
rejects none (a build would not fail on it). ``make fuzz``: 10,000 exports; ``make test``: a short run.
The exports in regressions/exports/ (``KIND--what.json``) are replayed every time.
"""

from __future__ import annotations

import resource
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from export_strategies import Export, exports
from fuzz_support import examples
from hypothesis import given, settings

from site_builder.errors import SiteError
from site_builder.importers.driver import Selection, import_export
from site_builder.posts import load_post
from site_builder.snippets.model import NORUN, NOT_EXECUTABLE
from site_builder.snippets.parse import parse_snippet

NOWHERE = Path("/nonexistent/companions")
REGRESSIONS = Path(__file__).parent / "regressions" / "exports"
ASSEMBLED = "only in the assembled post"


@dataclass
class Figures:
    inputs: int = 0
    posts: int = 0
    blocks: Counter = field(default_factory=Counter)
    repaired_posts: int = 0
    """Posts where the whole-post verification had to mark a block the per-message neutraliser missed."""
    slowest: tuple[float, str] = (0.0, "")

    def report(self) -> str:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return (f"\nimport trust: {self.inputs} exports, {self.posts} posts, blocks by kind {dict(self.blocks)}, "
                f"{self.repaired_posts} posts repaired by the whole-post check; slowest {self.slowest[0]:.2f} s "
                f"({self.slowest[1]}); peak RSS {peak:.0f} MB")


def import_and_check(kind: str, export: Path, figures: Figures) -> None:
    out = export.parent / "posts"
    started = time.perf_counter()
    report = import_export(kind, export, out, Selection(everything=True))
    seconds = time.perf_counter() - started
    figures.inputs += 1
    figures.slowest = max(figures.slowest, (seconds, f"{kind}, {export.stat().st_size} bytes"))
    assert seconds < 60, "an import of a few kB must not hang"
    assert not [s for s in report.skipped if s.reason.startswith("refused")]
    for outcome in report.outcomes:
        post = load_post(outcome.path)
        assert post.imported, outcome.path
        for block in post.code_blocks:
            unswitched = parse_snippet(post.path, block, NOWHERE, imported=False)
            assert unswitched.kind in (NORUN, NOT_EXECUTABLE), (block.line, block.info, block.code[:200])
            assert unswitched.kind == NORUN, ("every fence of an import says norun", block.line, block.info)
            parse_snippet(post.path, block, NOWHERE, imported=True)
            figures.blocks[unswitched.kind] += 1
        figures.posts += 1
        figures.repaired_posts += any(ASSEMBLED in problem for problem in outcome.conversation.problems)


def test_no_block_of_an_imported_post_is_runnable():
    figures = Figures()

    @settings(max_examples=examples(full=10_000, short=300))
    @given(export=exports())
    def imported_posts_run_nothing(export: Export) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            import_and_check(export.kind, export.write(Path(tmp)), figures)

    imported_posts_run_nothing()
    print(figures.report())
    assert figures.posts > 0


@pytest.mark.parametrize("export", sorted(REGRESSIONS.glob("*--*")), ids=lambda p: p.name)
def test_regression_exports_import_without_a_runnable_block(tmp_path, export):
    kind = export.name.split("--", 1)[0]
    if kind not in ("chatgpt", "claude", "sharegpt"):
        pytest.skip("not an export of a known kind")
    copy = tmp_path / export.name.split("--", 1)[1]
    copy.write_bytes(export.read_bytes())
    try:
        import_and_check(kind, copy, Figures())
    except SiteError:
        pass  # a malformed regression input: test_fuzz_exports checks its error
