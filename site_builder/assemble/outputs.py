"""The output stage's plan and its record: which pages and copies the site will have and what of the current
site can be kept (``plan_output``), then, once written, the state the next build starts from (``new_state``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from site_builder import incremental
from site_builder.assemble.checks import output_collisions, raise_all, url_clashes
from site_builder.assemble.content import Content
from site_builder.assemble.pages import PageRun, same_bytes
from site_builder.assemble.search_index import IndexPlan
from site_builder.config import SiteConfig
from site_builder.discover import Sources
from site_builder.highlight import stylesheet
from site_builder.incremental.plan import unchanged, unchanged_copies, written_outputs
from site_builder.incremental.signatures import OutputSignature, code_key, signature
from site_builder.incremental.state import BuildState, Inputs, OutputRecord
from site_builder.output.marker import built_id
from site_builder.output.placers import Kept
from site_builder.output.scan import OutputScan
from site_builder.render import Page, PageSpec, page_specs


@dataclass(frozen=True, slots=True)
class OutputPlan:
    """What the site's files will be, and what of the current site the last build's state vouches for."""
    specs: list[PageSpec]
    """Every page to render (the stylesheet apart)."""
    css: Page
    """The code blocks' stylesheet."""
    css_entry: Page | Kept
    copies: list[tuple[Path, str]]
    """(source, destination) of every file to copy: theme assets, then static files."""
    to_copy: list[tuple[Path, str]]
    """The copies to make (the others are kept from the current site: ``kept_copies``)."""
    kept_copies: list[str]
    trusted: BuildState | None
    """The last build's state when it describes the current site (else nothing of it is kept)."""
    present: dict[str, OutputSignature]
    """What the current site holds now, when trusted."""
    warnings: tuple[str, ...]
    """A Jekyll file given way to a page of the theme."""


def plan_output(sources: Sources, theme: Path, config: SiteConfig, content: Content, scan: OutputScan,
                previous: BuildState | None, inputs: Inputs, out: Path) -> OutputPlan:
    """The pages and copies of the site, checked so that none is written over another or out of the site."""
    theme_files, static_files = _theme_copies(theme / "assets", "assets"), _static_copies(sources)
    own_robots = "robots.txt" in scan.kept or any(d == "robots.txt" for _, d in static_files)  # the user's wins
    specs = [spec for spec in page_specs(config, content.site, content.companions, content.languages)
             if not (own_robots and spec.path == "robots.txt")]
    if sources.jekyll:  # Jekyll's files copied as they are give way to the pages of the theme (a 404.html, a feed)
        static_files, given_way = _giving_way(static_files, {spec.path for spec in specs})
    else:
        given_way = ()
    trusted = previous if previous is not None and incremental.describes(previous, inputs, built_id(out)) else None
    present = scan.files if trusted else {}
    css = Page("assets/pygments.css", stylesheet(config.highlight_light, config.highlight_dark))
    raise_all(url_clashes(specs, content.page_views, config.search))
    raise_all(output_collisions([Page(spec.path, "") for spec in specs] + [css], theme_files, static_files))
    css_entry = Kept(css.path) if trusted is not None and unchanged(css.path, trusted, present) \
        and same_bytes(out / css.path, css.content) else css
    to_copy, kept_copies = unchanged_copies(theme_files + static_files, trusted, present)
    return OutputPlan(specs, css, css_entry, theme_files + static_files, to_copy, kept_copies, trusted, present,
                      given_way)


def new_state(inputs: Inputs, content: Content, plan: OutputPlan, pages: PageRun, index: IndexPlan, out: Path,
              build_id: str, warnings: tuple[str, ...], search: bool) -> BuildState:
    """The state of the site just written into ``out`` (its marker holds ``build_id``): every file's record with
    the signature it has now, and every post and page file's record."""
    outputs = {plan.css.path: OutputRecord("stylesheet"), **pages.outputs,
               **{destination: OutputRecord(repr(signature(source))) for source, destination in plan.copies}}
    kept = {*pages.kept, *plan.kept_copies, *index.kept, *([plan.css.path] if plan.css_entry is not plan.css else [])}
    files = written_outputs(out, outputs, index.key_of, kept, plan.present,
                            sorted(path for writer in index.writers for path in writer.written))  # made in any order
    return BuildState(code=code_key(), options=inputs.options, inputs=inputs.files,
                      posts={str(path): record for path, record in content.posts.items()},
                      outputs=files, build_id=build_id, search_key=index.key if search and not index.pending else "",
                      post_count=content.post_count, page_count=len(plan.specs) + 1, warnings=warnings,
                      search_pending=index.pending,
                      pages={str(path): record for path, record in content.pages.items()},
                      search_views=index.summaries)


def _theme_copies(folder: Path, destination: str) -> list[tuple[Path, str]]:
    return [(path, f"{destination}/{path.relative_to(folder).as_posix()}")
            for path in sorted(folder.rglob("*")) if path.is_file()]


def _giving_way(copies: list[tuple[Path, str]], pages: set[str]) -> tuple[list[tuple[Path, str]], tuple[str, ...]]:
    """(the copies that no page of the site is written over, a warning for each of the others)."""
    kept = [(source, destination) for source, destination in copies if destination not in pages]
    return kept, tuple(f"{source}: warning: not copied: the theme writes {destination} itself"
                       for source, destination in copies if destination in pages)


def _static_copies(sources: Sources) -> list[tuple[Path, str]]:
    """``static/`` as discovered: links out of the content folder were refused, linked files are copied."""
    if sources.static_root is None:
        return []
    return [(path, path.relative_to(sources.static_root).as_posix()) for path in sources.static]
