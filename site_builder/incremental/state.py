"""The state a build leaves for the next: a record of every post, page and output file, and the inputs read
(``BuildState``), with its small part that a build with nothing to do needs (``Stamp``); where they are kept."""

from __future__ import annotations

import hashlib
import os
import gc
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from site_builder.caches import content_cache, warn_unwritable
from site_builder.incremental.signatures import OutputSignature, Signature, code_key, signature
from site_builder.incremental.store import ViewStore, dumps, write_atomic


@dataclass(frozen=True)
class PostRecord:
    """One post file as the last build saw it."""
    signature: Signature | None
    draft_folder: bool
    key: str | None
    """Its view in the ``ViewStore``; None when the build left it out (a draft)."""
    post_fields: Mapping[str, Any] = field(default_factory=dict)
    view_fields: Mapping[str, Any] = field(default_factory=dict)
    links: tuple = ()
    """Its blocks that quote companions (``render.CompanionLink``)."""
    warnings: tuple[str, ...] = ()
    template_line: int | None = None
    summary_key: str = ""
    """``summary_key`` of the two field sets: what lists show of the post."""
    targets: tuple = ()
    """The sources its links name, each with the ``links.Target`` its page was written with (None: not known
    then): the post is rendered again when one leads elsewhere now."""


@dataclass(frozen=True)
class OutputRecord:
    key: str
    """``page_key`` for a page, the source's signature for a copied file."""
    read: frozenset = frozenset()
    """The entries of ``site`` the page read."""
    file: OutputSignature | None = None
    """(size, mtime_ns, inode) of the file the build left: a file changed since is never kept."""


@dataclass(frozen=True)
class BuildState:
    code: str
    options: tuple
    inputs: Mapping[str, Signature | None]
    """Every file the build read, except the posts (``posts`` has them), and the folders Python imports from."""
    posts: Mapping[str, PostRecord]
    outputs: Mapping[str, OutputRecord]
    build_id: str
    """The id in the output's marker: the output this state describes."""
    search_key: str = ""
    post_count: int = 0
    page_count: int = 0
    warnings: tuple[str, ...] = ()
    search_pending: bool = False
    """The site's search index is older than its pages (a preview build left it for the next one)."""
    pages: Mapping[str, PostRecord] = field(default_factory=dict)
    """Every page file, as ``posts`` holds every post file (a file that is not built has no key)."""
    search_views: Mapping[str, Any] = field(default_factory=dict)
    """Each view's search records summed up (``pagefind_shards.ViewSummary``), by the view's key: the next build
    plans the index's shards from these, and reads only the records of the shards it makes."""

    def __getstate__(self) -> dict[str, Any]:
        """The state as it is pickled: the record of every output file in columns of plain values (paths, keys,
        reads, signatures; each key once). A site's search index is thousands of files, and pickling as many
        records one object at a time took most of the time of saving and loading the state."""
        state = dict(self.__dict__)
        outputs = state.pop("outputs")
        same: dict[str, str] = {}
        state["output_columns"] = (tuple(outputs), tuple(same.setdefault(r.key, r.key) for r in outputs.values()),
                                   tuple(r.read for r in outputs.values()), tuple(r.file for r in outputs.values()))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        paths, keys, reads, files = state.pop("output_columns")  # any other shape raises: a cold build follows
        state["outputs"] = {path: OutputRecord(key, read, file)
                            for path, key, read, file in zip(paths, keys, reads, files, strict=True)}
        for name, value in state.items():
            object.__setattr__(self, name, value)


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything a build reads, as signatures: compared with the last build's to skip unchanged work."""
    options: tuple
    files: dict[str, Signature | None]
    """Config, templates, theme, companions, static files, stored check results, import folders."""
    status_files: dict[str, Signature | None]
    """The part of ``files`` that a block's check status depends on (companions, results, packages)."""
    posts: list[tuple[Path, bool]]
    """(post file, found in the drafts folder) for every post this build reads."""
    post_signatures: dict[str, Signature | None]
    pages: list[Path] = field(default_factory=list)
    """Every page file this build reads (``pages/``; a Jekyll folder's files that may be pages)."""
    page_signatures: dict[str, Signature | None] = field(default_factory=dict)


def describes(previous: BuildState | Stamp, inputs: Inputs, marker_id: str | None) -> bool:
    """The state was written with these options, for the site whose marker holds ``marker_id``."""
    return previous.options == inputs.options and marker_id == previous.build_id


@dataclass(frozen=True)
class Stamp:
    """What a build with nothing to do needs of the state, kept apart so that it loads in milliseconds."""
    code: str
    options: tuple
    inputs: Mapping[str, Signature | None]
    posts: Mapping[str, Signature | None]
    """The signature of every post file read."""
    outputs: Mapping[str, OutputSignature | None]
    """The signature of every file of the site written."""
    build_id: str
    post_count: int
    page_count: int
    warnings: tuple[str, ...]
    search_pending: bool = False
    pages: Mapping[str, Signature | None] = field(default_factory=dict)
    """The signature of every page file read."""


def stamp_of(state: BuildState) -> Stamp:
    return Stamp(state.code, state.options, dict(state.inputs),
                 {path: record.signature for path, record in state.posts.items()},
                 {path: record.file for path, record in state.outputs.items()},
                 state.build_id, state.post_count, state.page_count, state.warnings, state.search_pending,
                 {path: record.signature for path, record in state.pages.items()})


def _folder(content_root: Path) -> Path:
    return content_cache(content_root) / "build"


def compiled_templates(content_root: Path) -> Path:
    return _folder(content_root) / "templates"


def spare_folder(content_root: Path, out: Path) -> Path:
    """Where the staging folder of builds into ``out`` is kept between builds (``write_site``'s ``spare``)."""
    return _folder(content_root) / "spare" / hashlib.sha256(os.fsencode(out.resolve())).hexdigest()[:16]


def view_store(content_root: Path) -> ViewStore:
    return ViewStore(_folder(content_root) / "views")


def legacy_search_store(content_root: Path) -> Path:
    """Where builds before 2026-12-07 kept each view's search records, a file each: they now follow the view in
    its own file (``ViewStore.records``). Removed by the first build that prunes alone."""
    return _folder(content_root) / "search"


def index_shards(content_root: Path) -> Path:
    """The search index's shards as the last build made them (``pagefind.write_shards``): an edit indexes
    again only the shard of the post it changed."""
    return _folder(content_root) / "pagefind-shards"


def load_stamp(content_root: Path) -> Stamp | None:
    stamp = _load(_folder(content_root) / "stamp.pickle")
    return stamp if isinstance(stamp, Stamp) and stamp.code == code_key() else None


def load_state(content_root: Path) -> BuildState | None:
    """The last build's state, or None (none yet, another format, or unreadable: the build is then cold)."""
    state = _load(_folder(content_root) / "state.pickle")
    return state if isinstance(state, BuildState) and state.code == code_key() else None


_MEMORY: dict[Path, tuple[Signature | None, Any]] = {}
"""The state and stamp this process last saved or read, with their file's signature: a process that builds
again (``serve``) keeps the state in memory and reads the file only when another process replaced it."""


def _load(path: Path) -> Any:
    sig = signature(path)
    remembered = _MEMORY.get(path)
    if sig is not None and remembered is not None and remembered[0] == sig:
        return remembered[1]
    collecting = gc.isenabled()
    gc.disable()  # a state is 200,000 objects at 1,000 posts, none garbage: a collection every 5,000 walked them
    try:
        value = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - any damage to a cache only costs a cold build
        return None
    finally:
        if collecting:
            gc.enable()
    _MEMORY[path] = (sig, value)
    return value


def _save(path: Path, value: Any) -> None:
    write_atomic(path, dumps(value))
    _MEMORY[path] = (signature(path), value)


def save_state(content_root: Path, state: BuildState) -> None:
    """The state, then its stamp (a build killed between the two leaves a stamp that names another
    output than the site's marker: the next build then reads the whole state)."""
    folder = _folder(content_root)
    try:
        _save(folder / "state.pickle", state)
        _save(folder / "stamp.pickle", stamp_of(state))
    except OSError as exc:
        warn_unwritable(folder, exc.strerror or str(exc))
