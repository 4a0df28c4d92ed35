"""The pipeline, top to bottom: discover -> check the output -> config -> parse -> render -> search index ->
write (atomic).

Builds are incremental (``incremental/``): a post is parsed and rendered again only when its file, the
snippet results it shows, or our code changed; a page is rendered again only when something it was made
from changed; a file whose bytes did not change is linked from the current site, not written. A build
with nothing changed stops after comparing file signatures. The output is byte for byte the output of a
cold build (``tests/test_incremental.py``).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from site_builder import incremental
from site_builder.caches import content_cache
from site_builder.discover import THEME_DIR, Sources, discover
from site_builder.incremental import Inputs, Stamp, signatures, tree_files
from site_builder.output.guard import check_output
from site_builder.output.marker import built_id
from site_builder.output.remove import tidy
from site_builder.output.scan import OutputScan, kept_warning, scan_output

if TYPE_CHECKING:
    from site_builder.output.ahead import ScanAhead

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildResult:
    out_dir: Path
    posts: int
    pages: int
    seconds: float
    warnings: tuple[str, ...] = ()
    """``file:line: warning: …`` for what was built but may not read as meant: a post whose turns may be
    misread (``Post.warnings``), a formula shown as its source."""
    rendered: int = 0
    """Pages rendered by this build (the others were unchanged); 0 when nothing had changed."""
    written: int = 0
    """Files written by this build (the others were linked from the previous site unchanged)."""
    search_pending: bool = False
    """The search index is behind the pages (a ``preview`` build)."""
    finish: Callable[[], None] | None = None
    """With ``defer_state`` (the preview server), the build's last step, saving its state for the next build: the
    caller runs it once the page is shown, before any other build (until then the next build is a full one)."""


def build_site(content: Path, out_dir: Path, *, drafts: bool = False, base_url: str | None = None,
               theme: Path = THEME_DIR, progress: Progress | None = None, jobs: int | None = None,
               preview: bool = False, defer_state: bool = False, ahead: ScanAhead | None = None) -> BuildResult:
    """Render ``content`` into ``out_dir``. On any error nothing in ``out_dir`` changes.

    ``out_dir`` is checked before any work: only a new, empty or earlier-built output is replaced.
    ``jobs`` is how many processes render posts (default: the cores this process may use). ``preview`` is the
    preview server's build, where what matters is how soon the edited page shows: the pages are swapped in
    with the current search index, however stale (``search_pending`` says so: a build without ``preview``
    then brings the index up to date and renders nothing else), and the previous site is removed in the
    background. ``defer_state`` leaves saving the build's state to the caller (``BuildResult.finish``), to run
    once the page is shown. ``ahead`` is the output being scanned in a child meanwhile (``output/ahead.py``).
    """
    started = time.perf_counter()
    sources = discover(content)
    out = check_output(out_dir, sources, theme)
    stamp = incremental.load_stamp(sources.root)
    inputs = read_inputs(sources, theme, out, drafts=drafts, base_url=base_url)
    scan = ahead.result(out) if ahead is not None else None
    if scan is None and stamp is not None:
        scan = scan_output(out)
    if stamp is not None and scan is not None and up_to_date(stamp, inputs, out, scan) \
            and not (stamp.search_pending and not preview):
        tidy(out)
        return BuildResult(out_dir, stamp.post_count, stamp.page_count, time.perf_counter() - started,
                           stamp.warnings + kept_warning(out, scan))
    first = "site_builder.assemble" not in sys.modules
    from site_builder import assemble  # the rendering stack is imported only when there is work to do
    previous = incremental.load_state(sources.root)  # read with the collector off: 200,000 objects, no garbage
    if first:  # what the imports made lives as long as the process, the last state as long as its first build:
        gc.freeze()  # no collection need walk them again (a state has no cycles: it is freed as ever)
    built = assemble.assemble(sources, out, inputs, previous, drafts=drafts, base_url=base_url, theme=theme,
                              progress=progress, jobs=jobs, preview=preview, defer_state=defer_state, scan=scan)
    return BuildResult(out_dir, built.posts, built.pages, time.perf_counter() - started, built.warnings,
                       built.rendered, built.written, built.search_pending, built.finish)


def read_inputs(sources: Sources, theme: Path, out: Path, *, drafts: bool, base_url: str | None) -> Inputs:
    posts = [(p, False) for p in sources.posts] + ([(p, True) for p in sources.drafts] if drafts else [])
    # a check's key covers its companion and the local modules it imports, which may sit in sub-folders
    companions = sorted({*sources.companions, *tree_files(sources.root / "companions")})
    status_files = {**signatures(companions), **signatures([content_cache(sources.root) / "checks"]),
                    **incremental.environment_signature()}
    files = {**status_files,
             **signatures([sources.config] if sources.config else []),
             **signatures(tree_files(sources.templates)), **signatures(tree_files(theme)),
             **signatures(sources.static),
             **signatures([sources.root / "static", sources.root / "companions", sources.root / "templates"])}
    options = (drafts, base_url, str(theme.resolve()), str(out), os.environ.get("SOURCE_DATE_EPOCH"))
    return Inputs(options, files, status_files, posts, signatures(path for path, _ in posts), list(sources.pages),
                  signatures(sources.pages))


def up_to_date(stamp: Stamp, inputs: Inputs, out: Path, scan: OutputScan) -> bool:
    """Nothing the last build read has changed, and its site is still there as it wrote it (``scan``: what the
    output holds now; the user's files in it are not the site's)."""
    return (incremental.describes(stamp, inputs, built_id(out)) and stamp.inputs == inputs.files
            and stamp.posts == inputs.post_signatures and stamp.pages == inputs.page_signatures
            and scan.files == stamp.outputs)
