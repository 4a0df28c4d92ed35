"""Incremental builds: what the last build read and wrote, so that the next one redoes only what changed.

The state of a content folder's last successful build is one pickle in its cache folder
(``<cache>/<content>/build/state.pickle``, see ``caches.py``):

- the signature (size, mtime, ctime, inode) of every file the build read, a key for our own code and the
  libraries that shape the output (Pygments, markdown-it, Jinja2…), the build options, and the id of the
  output it wrote (the ``.site-builder`` marker holds the same id);
- for every post file: its signature, the key of its rendered view, and what lists show of it (title,
  date, tags…); the whole rendered view is in ``views/<key>.pickle``, read back only when a page shows it;
- for every output file: the key of what it was made from (``page_key``) and the hash of its bytes.

A stale page is a bug, a slow one is not: every key covers all its page was made from, and whatever the
state cannot vouch for (no state, another output folder, a marker that is not the state's) is rebuilt.
Deleting the cache is always safe: the next build is a cold one.
"""

from __future__ import annotations

import copyreg
import dataclasses
import fcntl
import functools
import hashlib
import io
import os
import pickle
import sys
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from site_builder.caches import content_cache, warn_unwritable

STATE_FORMAT = 1

Signature = tuple[int, int, int, int]
"""(size, mtime_ns, ctime_ns, inode): any write, replace or ``touch`` of a file changes it."""
OutputSignature = tuple[int, int, int]
"""(size, mtime_ns, inode) of a file of the built site, the link itself for a symbolic link. No ctime: a build
links each unchanged file into the next site (``write.py``), which changes the file's ctime, not the file."""


def signature(path: Path) -> Signature | None:
    """The signature of a file the build reads (links followed), None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def output_signature(path: str | Path) -> OutputSignature | None:
    """The signature of a file of the built site (links not followed), None when there is none."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def signatures(paths: Iterable[Path]) -> dict[str, Signature | None]:
    return {str(path): signature(path) for path in paths}


def tree_files(folder: Path | None) -> list[Path]:
    """Every file under ``folder`` (templates, theme assets), sorted; none if it does not exist."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*") if path.is_file())


def code_key() -> str:
    """Our own source (every module of the package) and version, the Python version, Pygments' version, and
    the installed packages (as the signatures of the folders they are installed into: installing, upgrading
    or removing any of them changes one): a change to any of them makes every cached render stale."""
    import pygments  # light (its package module only); its version names how code is highlighted

    import site_builder
    return hashlib.sha256(f"{_sources_key()} {site_builder.__version__} {pygments.__version__}".encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _sources_key() -> str:
    digest = hashlib.sha256(f"{STATE_FORMAT} {sys.version}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(sorted(environment_signature().items())).encode())
    return digest.hexdigest()


def environment_signature() -> dict[str, Signature | None]:
    """The folders packages are installed into (``site-packages``): installing or removing a package changes
    one, and with it the snippet checks' keys (a check result belongs to the package versions it ran with).
    The script's own folder, which depends on how the build was started, is not one of them."""
    folders = [entry for entry in sys.path if os.path.basename(entry) in ("site-packages", "dist-packages")]
    return signatures(Path(entry) for entry in folders if os.path.isdir(entry))


# ---- the rendered views of posts, stored one file each ------------------------------------------------------


def _frozen_mapping(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


class _Pickler(pickle.Pickler):
    """Pickles the content model: its mappings are read-only views (``MappingProxyType``), and its frozen
    dataclasses are stored as their class and field values (pickle's own way for slotted classes looks
    up the fields for every object, which made saving a thousand posts' state take a second)."""
    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[MappingProxyType] = lambda mapping: (_frozen_mapping, (dict(mapping),))

    def reducer_override(self, obj: Any) -> Any:
        names = _init_fields(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple(getattr(obj, name) for name in names)


@functools.lru_cache(maxsize=None)
def _init_fields(kind: type) -> tuple[str, ...] | None:
    """The fields of a slotted dataclass, in ``__init__`` order, when ``__init__`` takes them all."""
    if not dataclasses.is_dataclass(kind) or "__slots__" not in kind.__dict__:
        return None
    fields = dataclasses.fields(kind)
    return tuple(f.name for f in fields) if all(f.init for f in fields) else None


def dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ViewStore:
    """Rendered post views (``views/<key>.pickle``), read back when a page shows one; the last few read
    are kept in memory, so that memory stays flat however many posts the site has."""

    LOCK = ".builds.lock"
    """Held shared by each build that reads the views (from ``touch`` to ``prune``): a build that can take it
    alone knows no other build reads views it would remove."""

    def __init__(self, folder: Path, keep: int = 8) -> None:
        self.folder = folder
        self.keep = keep
        self._recent: OrderedDict[str, Any] = OrderedDict()
        self._pinned: dict[str, Any] = {}
        self._lock: Any = None

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def stored(self, key: str) -> Any:
        """The stored view, or None when there is none or it cannot be read (then it is rendered again)."""
        try:
            return self.get(key)
        except Exception:  # noqa: BLE001 - a damaged cache entry only costs a render
            return None

    def put(self, key: str, view: Any) -> bool:
        """Store ``view``; False when the cache cannot be written (the caller then keeps it: ``pin``)."""
        try:
            write_atomic(self.path(key), dumps(view))
        except OSError as exc:
            warn_unwritable(self.folder, exc.strerror or str(exc))
            return False
        return True

    def pin(self, key: str, view: Any) -> None:
        """Keep ``view`` in memory for this build: the cache folder cannot hold it."""
        self._pinned[key] = view

    def get(self, key: str) -> Any:
        if key in self._pinned:
            return self._pinned[key]
        if key in self._recent:
            self._recent.move_to_end(key)
            return self._recent[key]
        view = pickle.loads(self.path(key).read_bytes())
        self._recent[key] = view
        if len(self._recent) > self.keep:
            self._recent.popitem(last=False)
        return view

    def touch(self, keys: Iterable[str]) -> None:
        """Mark views as in use by a running build (``prune`` in another build leaves them alone), and hold the
        builds' lock shared until ``prune``."""
        if self._lock is None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._lock = open(self.folder / self.LOCK, "ab")  # held until prune
                fcntl.flock(self._lock, fcntl.LOCK_SH)
            except OSError:
                self._lock = None  # an unwritable cache: prune then keeps what may be another build's
        for key in keys:
            try:
                os.utime(self.path(key))
            except OSError:
                pass  # not stored (an unwritable cache keeps views in memory)

    def prune(self, keep: set[str], age: float = 600.0) -> None:
        """Remove the views no post uses any more, so that the folder holds what the current site needs. When
        another build is running on the same content (it holds the builds' lock too) and may be reading views
        of its own (other options, other drafts), only those none has touched for ``age`` seconds go."""
        alone = self._alone()
        now = time.time()
        try:
            for path in self.folder.glob("*.pickle"):
                if path.stem not in keep and (alone or now - path.stat().st_mtime > age):
                    path.unlink(missing_ok=True)
        except OSError:
            pass  # a cache we cannot tidy only costs disk space
        finally:
            if self._lock is not None:
                self._lock.close()
                self._lock = None
        self._store_pinned(keep)

    def _store_pinned(self, keep: set[str]) -> None:
        """Store the views kept in memory because the folder could not hold them (a full disk): what the
        pruning freed may hold them now, so that the next build finds the views its state names."""
        for key, view in self._pinned.items():
            if key in keep:
                try:
                    write_atomic(self.path(key), dumps(view))
                except OSError:
                    return  # still full: the next build renders them again

    def _alone(self) -> bool:
        """Whether this build is the only one holding the builds' lock (it then holds it alone)."""
        if self._lock is None:
            return False
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


class Lazy:
    """What lists show of an object, at hand (plain attributes); anything else is read from the whole object,
    loaded on first use (``load``). Templates cannot tell it from the object itself."""

    def __init__(self, fields: Mapping[str, Any], load: Callable[[], Any]) -> None:
        self.__dict__.update(fields)
        self.__dict__["_load"] = load

    def __getattr__(self, name: str) -> Any:  # only for what the fields do not hold
        if name.startswith("__") or name == "_load":
            raise AttributeError(name)
        return getattr(self.__dict__["_load"](), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"Lazy({ {k: v for k, v in self.__dict__.items() if k != '_load'}!r})"


POST_SUMMARY = ("path", "slug", "title", "date", "tags", "draft", "summary", "lang", "speakers", "meta",
                "is_conversation", "question_count", "direction", "imported", "url", "redirects")
"""The post's fields lists show (index, archive, tags, feed): kept in the state, so that listing a thousand
posts reads none of their rendered views."""
VIEW_SUMMARY = ("url", "description", "outline", "warnings")


def summary_of(view: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(post fields, view fields) of a rendered view, as ``lazy_view`` takes them."""
    return ({name: getattr(view.post, name) for name in POST_SUMMARY},
            {name: getattr(view, name) for name in VIEW_SUMMARY})


DEEP_READS: set[str] = set()
"""The posts (their paths) whose whole view the page being rendered has read: beyond the summary lists use
(``render_page`` empties it before each page). A page depends on a post's whole view only if it is here."""


def lazy_view(key: str, summary_key: str, post_fields: Mapping[str, Any], view_fields: Mapping[str, Any],
              store: ViewStore) -> Lazy:
    """A post's view for the templates: its summary at hand (``summary_key`` hashes it), the rest read from
    ``store`` when a page uses it, which is noted in ``DEEP_READS``."""
    path = str(post_fields["path"])

    def load() -> Any:
        DEEP_READS.add(path)
        return store.get(key)

    post = Lazy(post_fields, lambda: load().post)
    return Lazy({**view_fields, "post": post, "cache_key": key, "summary_key": summary_key}, load)


def summary_key(post_fields: Mapping[str, Any], view_fields: Mapping[str, Any]) -> str:
    return digest(repr(sorted(post_fields.items())), repr(sorted(view_fields.items())))


# ---- what a page was made from ------------------------------------------------------------------------------


def fingerprint(value: Any) -> str:
    """A short, stable text for what a page was given: a post view stands for the key of its summary (what a
    list shows of it; a page that reads more of it depends on its whole view through ``DEEP_READS``),
    anything else for its ``repr`` (the content model is frozen dataclasses, tuples and dates)."""
    if isinstance(value, Lazy):
        return "view:" + value.summary_key
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(fingerprint(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k!r}:{fingerprint(v)}" for k, v in value.items()) + "}"
    return repr(value)


def digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "big") + data)
    return hasher.hexdigest()


class SiteKeys:
    """The fingerprint of each entry of ``site`` (and of each tag's folder), computed once per build."""

    def __init__(self, site: Mapping[str, Any], views: Mapping[str, str],
                 templates: Callable[[str], str] = lambda name: "absent") -> None:
        self.site = site
        self.views = views
        """Post path -> the key of its whole view, for ``("view", path)`` entries (``DEEP_READS``)."""
        self.templates = templates
        """Template name -> what it stands for now (its file and text), for ``("template", name)`` entries."""
        self._keys: dict[Any, str] = {}

    def __getitem__(self, entry: Any) -> str:
        if entry not in self._keys:
            self._keys[entry] = self._compute(entry)
        return self._keys[entry]

    def _compute(self, entry: Any) -> str:
        if entry == "*":
            return digest(*(f"{name}={self[name]}" for name in sorted(dict.keys(self.site))))
        if isinstance(entry, tuple) and entry[:1] == ("view",):
            return self.views.get(entry[1], "absent")
        if isinstance(entry, tuple) and entry[:1] == ("template",):
            return self.templates(entry[1])
        if isinstance(entry, tuple) and entry[:1] == ("tag_slug",):
            return repr(dict.__getitem__(self.site, "tag_slugs").get(entry[1]))
        if isinstance(entry, str) and dict.__contains__(self.site, entry):
            return digest(fingerprint(dict.__getitem__(self.site, entry)))
        return "absent"


def page_key(common: str, spec: Any, read: Iterable[Any], keys: SiteKeys) -> str:
    """What a page was made from: config and code (``common``), its own inputs, every entry of ``site`` it read
    when it was rendered, and every template it used (``("template", name)``: the file the name stands for)."""
    entries = sorted((repr(entry), keys[entry]) for entry in read)
    return digest(common, spec.path, spec.template, fingerprint(dict(spec.extra)), repr(entries))


# ---- the state -----------------------------------------------------------------------------------------------


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


def search_store(content_root: Path) -> ViewStore:
    """Each view's search records (``search.view_records``), under the view's key: text extracted once per
    rendered post, so that an edit extracts one post's, not every post's."""
    return ViewStore(_folder(content_root) / "search")


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
    try:
        value = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - any damage to a cache only costs a cold build
        return None
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
