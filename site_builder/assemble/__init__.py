"""Assembling the site when something changed, as named stages that take and return values:

1. **content** (``content.py``): every post and page file read into a record, rendered in worker processes
   (``records.py``, ``workers.py``) unless the last build's record still holds; the ``site`` templates see;
   every error of the content raised at once (``checks.py``);
2. **output plan** (``outputs.py``): the pages and copies of the site, checked, and what of the current site
   the last build's state vouches for (``incremental.plan``);
3. **pages** (``pages.py``): each page kept or rendered (many: by forked workers, started first), taken one at
   a time by the writer;
4. **search index** (``search_index.py``): kept, or made again shard by shard, in the background beside the pages
   (an edit's shard begun as soon as the content is read);
5. **write** (``output``/``write``): everything swapped in at once;
6. **state** (``outputs.new_state``): what the next build starts from, saved last.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from site_builder import incremental
from site_builder.assemble.checks import base_url_warning
from site_builder.assemble.content import Content, Stores, read_content
from site_builder.assemble.outputs import new_state, plan_output
from site_builder.assemble.pages import PageRun, PageWork
from site_builder.assemble.search_index import begin_new_shards, plan_index
from site_builder.assemble.workers import Progress, available_cores
from site_builder.config import load_config
from site_builder.discover import Sources
from site_builder.incremental.state import BuildState, Inputs
from site_builder.output.scan import OutputScan, kept_warning, scan_output
from site_builder.output.write import write_site
from site_builder.render import make_environment


@dataclass(frozen=True, slots=True)
class Assembled:
    posts: int
    pages: int
    warnings: tuple[str, ...]
    rendered: int
    """Pages rendered (the others were unchanged)."""
    written: int
    """Files written (the others were linked from the current site)."""
    search_pending: bool = False
    """The search index kept is older than the pages (a ``preview`` build)."""
    finish: Callable[[], None] | None = None
    """What a build with ``defer_state`` leaves to do after the page is shown: saving the build's state."""


def assemble(sources: Sources, out: Path, inputs: Inputs, previous: BuildState | None, *, drafts: bool,
             base_url: str | None, theme: Path, progress: Progress | None, jobs: int | None,
             preview: bool = False, defer_state: bool = False, scan: OutputScan | None = None) -> Assembled:
    """Build the site of ``sources`` into ``out`` (already checked), reusing what ``previous`` vouches for.
    ``scan`` is what ``build`` found in the output, if it looked (used when sorted by the same ``keep:``)."""
    jobs = jobs or available_cores()
    config = load_config(sources.config, jekyll=sources.jekyll, hugo=sources.hugo, base_url=base_url)
    env = make_environment(theme, sources.templates, incremental.compiled_templates(sources.root))
    stores = Stores.of(sources.root, config.search)
    content = read_content(sources, inputs, previous, config, env, stores, drafts=drafts, progress=progress,
                           jobs=jobs)
    lang_of = content.languages.of if content.languages.multilingual else None
    shards = incremental.index_shards(sources.root)
    with begin_new_shards(config, content.site, stores, None if preview else previous, lang_of, shards,
                          jobs) as early:  # an edit's post's shard
        scan = scan if scan is not None and scan.keep == config.keep else scan_output(out, config.keep)
        plan = plan_output(sources, theme, config, content, scan, previous, inputs, out)
        work = PageWork(env, config, content.site, content.log,
                        {str(path): record.key for path, record in content.built.items()})
        build_id = uuid.uuid4().hex
        with PageRun(work, plan.specs, plan.trusted, plan.present, out, jobs, early.settle) as pages, \
                plan_index(config, content.site, stores, plan.trusted, plan.present, preview, lang_of, shards, jobs,
                           out, previous.search_views if previous is not None else None, early) as index:
            # the page workers are forked first (the shards begun early end first); then each shard to make is
            # indexed beside the pages
            carried = write_site(itertools.chain(pages, [plan.css_entry]), plan.to_copy, out,
                                 generated=index.writers, kept=[*plan.kept_copies, *index.kept], build_id=build_id,
                                 remove_previous="background" if preview else "now",
                                 in_place=plan.present if preview and plan.trusted is not None else None,
                                 spare=incremental.spare_folder(sources.root, out), scan=scan, keep=config.keep)
    warnings = build_warnings(sources, config, content, plan.warnings)
    state = new_state(inputs, content, plan, pages, index, out, build_id, warnings, config.search)

    def finish() -> None:
        stores.prune({record.key for record in (*content.posts.values(), *content.pages.values()) if record.key})
        incremental.save_state(sources.root, state)  # after pruning: on a full disk, that may free what it needs
    done = Assembled(content.post_count, len(plan.specs) + 1, warnings + kept_warning(out, carried), pages.rendered,
                     pages.written + (plan.css_entry is plan.css) + len(plan.to_copy), index.pending)
    if defer_state:  # the preview shows the page first (a state not saved only costs the next build a full one)
        return replace(done, finish=finish)
    finish()
    return done


def build_warnings(sources: Sources, config, content: Content, given_way: tuple[str, ...]) -> tuple[str, ...]:
    """What the build says and its state keeps (the user's files it kept are said apart, by each build): each
    file's warnings, the nav's, files given way or skipped, a base URL that is not an address."""
    return (tuple(w for record in (*content.posts.values(), *content.pages.values()) for w in record.warnings)
            + content.warnings + given_way + base_url_warning(config, sources)
            + tuple(f"{path}: warning: {reason}" for path, reason in sources.skipped))
