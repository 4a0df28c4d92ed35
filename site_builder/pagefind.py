"""The search index, made by Pagefind (PyPI ``pagefind-bin-extended`` ships the binary) from the records of
``search.py``, in shards, and written into the build's staging folder after the pages, so it is swapped in with the
site it describes, atomically (README "Safety"). The same records make the same bytes: Pagefind is given them in
order and its filter files are put in order (``sorted_filters``), so a build and a rebuild, cold or not, on any
disk, write the same index.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import json
import os
import re
import threading
import zipfile
from html import escape
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator
from urllib.parse import quote, urlencode

from site_builder.errors import SiteError
from site_builder.pagefind_filters import sorted_filters
from site_builder.pagefind_service import NO_SEARCH, PagefindService
from site_builder.pagefind_shards import Entry, Shard, entries_of, plan
from site_builder.search import SearchPage, SearchRecord, search_pages


SHARDS_FILE = "shards.json"
"""The list of the other shards, in the main shard's folder: the search page merges them (``mergeIndex``)."""


def plan_shards(records: list[SearchRecord], language: str) -> list[Shard]:
    """The shards of the index of ``records`` (``pagefind_shards.plan``), each post's records kept together."""
    return plan_entries(entries_of(records), language)


INDEX_FORMAT = "3"
"""How records become what Pagefind indexes (``_page_html``, ``page_address``), in each shard's key: a shard made
another way by an earlier build (1: a record per turn; 2: what a hit shows in metadata, which Pagefind 1.5
searches) is made again, not kept beside shards made this way."""


def plan_entries(entries: list[Entry], language: str) -> list[Shard]:
    """The shards of the index of ``entries`` (one per post or page), made by the Pagefind binary at hand, as
    ``INDEX_FORMAT`` says."""
    return plan(entries, language, f"{_binary_version()}|{INDEX_FORMAT}")


def write_search_index(records: list[SearchRecord], folder: Path, language: str, cache: Path | None = None,
                       jobs: int = 1) -> Path:
    """Index ``records`` into ``folder`` (created), every shard; returns it (``write_shards``; a build writes
    through its staging folder instead, with ``assemble.search_index.IndexWriter``)."""
    plan = plan_shards(records, language)

    def put(relative: str, data: bytes) -> None:
        path = _inside(folder, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    write_shards(plan, plan, {}, language, put, cache, jobs)
    return folder


def write_shards(plan: list[Shard], making: list[Shard], kept_languages: dict[str, list[str]], language: str,
                 put: Callable[[str, bytes], None], cache: Path | None = None, jobs: int = 1,
                 made: ShardsInMaking | None = None) -> None:
    """Write the shards ``making`` of the index ``plan`` with ``put`` (a path in ``pagefind/``, its bytes), and
    ``shards.json``, which lists every shard but the main one with its languages (``kept_languages`` gives those
    of the shards not made: the build keeps their files). ``made``: those shards, already being indexed
    (``ShardsInMaking``); else they are indexed now.

    The main shard is a whole Pagefind bundle (its scripts serve every shard); the others hold what a merge reads
    (``_SHARD_FILE``). A record is indexed in its post's language, else in ``language`` (the site's): Pagefind
    writes an index per language, and the search page searches them all.
    """
    made = made or ShardsInMaking(making, language, cache, jobs)
    made.add([shard for shard in making if shard.folder not in made.folders])
    wanted = {shard.folder for shard in making}
    languages = dict(kept_languages)
    for folder, files in made.completed():  # each shard written once made, while the others are indexed
        if folder not in wanted:
            continue
        for name, data in sorted(files.items()):
            if folder and not _SHARD_FILE.match(name):
                continue  # the scripts and styles of the main shard serve them all
            _inside(Path("pagefind"), name)  # a name Pagefind gave: never outside its folder
            put(folder + name, data)
        languages[folder] = sorted(json.loads(files["pagefind-entry.json"]).get("languages", {}))
    listed = [{"path": shard.folder, "languages": languages.get(shard.folder, [])} for shard in plan if shard.folder]
    put(SHARDS_FILE, (json.dumps(listed, separators=(",", ":")) + "\n").encode())
    _prune(cache, {shard.key for shard in plan})


class ShardsInMaking:
    """The shards ``making``, being indexed from the moment this is made, in the background, ``jobs`` at a time:
    each thread indexes its shards one after another with a ``pagefind --service`` of its own (``_Services``),
    which indexes the records in order and hands the files back, written with their filters in order
    (``sorted_filters``): the same records make the same bytes (README "Speed"). With ``cache`` (a folder), a
    shard made by an earlier build is taken from there instead, and each shard made is kept there. ``add``
    begins more; ``settle`` waits for those begun and ends the threads and services (the build forks its page
    workers only when it runs no other thread); ``completed`` gives each as it is made; ``close`` stops what has
    not begun (a build that failed meanwhile)."""

    def __init__(self, making: list[Shard], language: str, cache: Path | None, jobs: int) -> None:
        self._language, self._cache, self._jobs = language, cache, jobs
        self._services = _Services()
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._made: dict[str, concurrent.futures.Future] = {}
        self.add(making)

    @property
    def folders(self) -> set[str]:
        """The folders of the shards begun."""
        return set(self._made)

    def add(self, making: list[Shard]) -> None:
        """Begin indexing ``making`` too."""
        if making and self._pool is None:  # a thread is started per shard submitted, up to ``jobs``
            self._pool = concurrent.futures.ThreadPoolExecutor(max(1, self._jobs))
        for shard in making:
            self._made[shard.folder] = self._pool.submit(_index_shard, shard, self._language, self._cache,
                                                         self._services)

    def settle(self) -> None:
        """Wait for the shards begun, then end the threads and the Pagefind services (their files are kept; an
        error is raised by ``completed``)."""
        concurrent.futures.wait(self._made.values())
        self.close()

    def completed(self) -> Iterator[tuple[str, dict[str, bytes]]]:
        """Each shard's folder and files, as each is made (the first made first); then the threads end. Writing
        a shard's files while the others are indexed spares a cold build most of the time its thousands of
        small files take to create, which came after the last shard (3,000 files: 0.7-4 s on this machine)."""
        folders = {future: folder for folder, future in self._made.items()}
        try:
            for future in concurrent.futures.as_completed(folders):
                yield folders[future], future.result()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._services.close()


class _Services:
    """The Pagefind services of the indexing threads: a thread takes an idle one (started when there is none) and
    gives it back after its shard; one whose shard failed is not given back. ``close`` stops them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[PagefindService] = []
        self._started: list[PagefindService] = []

    @contextlib.contextmanager
    def lend(self) -> Iterator[PagefindService]:
        with self._lock:
            if not self._idle:
                self._started.append(PagefindService(pagefind_binary()))
                self._idle.append(self._started[-1])
            service = self._idle.pop()
        yield service
        with self._lock:
            self._idle.append(service)

    def close(self) -> None:
        with self._lock:
            started, self._started, self._idle = self._started, [], []
        for service in started:
            service.close()


def _index_shard(shard: Shard, language: str, cache: Path | None, services: _Services) -> dict[str, bytes]:
    files = _cached(cache, shard.key)
    if files is None:
        with services.lend() as service:
            files = sorted_filters(_run_pagefind(list(shard.records), language, service))
        if "pagefind.js" not in files:
            raise SiteError("search index: Pagefind made no index", hint=NO_SEARCH)
        _keep(cache, shard.key, files)
    return files


_SHARD_FILE = re.compile(r"^(?:pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|(?:index|filter|fragment)/[^/]+)$")
"""What a merged shard is read from: ``mergeIndex`` loads its entry, meta and chunks, and searches them with the
main shard's WebAssembly (it loads none of its own)."""


@functools.cache
def _binary_version() -> str:
    try:
        binary = Path(pagefind_binary())
        stat = binary.stat()
        return f"{binary.name}:{stat.st_size}:{stat.st_mtime_ns}"
    except (SiteError, OSError):
        return ""


def _cached(cache: Path | None, key: str) -> dict[str, bytes] | None:
    """A shard's index files kept in ``cache`` under ``key`` (a zip file of them), None when there is none or it
    cannot be read (the shard is then indexed again)."""
    if cache is None:
        return None
    try:
        with zipfile.ZipFile(cache / f"{key}.zip") as kept:
            files = {name: kept.read(name) for name in kept.namelist()}  # read() checks each file's CRC
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError):
        return None
    whole = {"pagefind.js", "pagefind-entry.json"} <= files.keys()
    return files if whole and all(_safe_name(name) for name in files) else None  # damaged or tampered: a miss


def _keep(cache: Path | None, key: str, files: dict[str, bytes]) -> None:
    """Keep a shard's files in ``cache``; a cache that cannot be written only costs the next build the indexing."""
    if cache is None:
        return
    part = cache / f"{key}.{os.getpid()}-{threading.get_ident()}.part"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as kept:
            for name, data in sorted(files.items()):
                kept.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
        os.replace(part, cache / f"{key}.zip")
    except OSError:
        with contextlib.suppress(OSError):
            part.unlink()


def _prune(cache: Path | None, keys: set[str]) -> None:
    """Drop from ``cache`` the shards this index does not have (and any part left by a build that was killed)."""
    if cache is None or not cache.is_dir():
        return
    for path in cache.iterdir():
        if path.suffix in (".zip", ".part") and path.name.split(".", 1)[0] not in keys:
            with contextlib.suppress(OSError):
                path.unlink()


def _safe_name(name: str) -> bool:
    """``name`` is a relative POSIX path that stays inside its folder."""
    relative = PurePosixPath(name)
    return not relative.is_absolute() and bool(relative.parts) and ".." not in relative.parts and "\\" not in name


def _inside(folder: Path, name: str) -> Path:
    """Where the index file ``name`` (a relative POSIX path, as Pagefind gives it) goes in ``folder``."""
    if not _safe_name(name):
        raise SiteError(f"search index: Pagefind named a file outside its folder: {name!r}", hint=NO_SEARCH)
    return folder.joinpath(*PurePosixPath(name).parts)


def _run_pagefind(records: list[SearchRecord], language: str, service: PagefindService) -> dict[str, bytes]:
    """The files of the index of ``records`` (path in ``pagefind/``: bytes): a page per speaker of each post
    (``search.search_pages``), its turns as sub-results, made by ``service``.

    The pages are given in order, so page N of the index is the Nth page. (``pagefind --site`` over a file per
    page numbered the pages in the order the file system listed the files: by name hash on ext4, newest first
    on tmpfs, so the same pages made another index on another disk.)"""
    return service.index(list(_pages(search_pages(records), language)))


def pagefind_binary() -> str:
    """The Pagefind binary: the extended one (``pagefind-bin-extended``, which cuts Chinese and Japanese text
    into words; without it a word inside a sentence of theirs is not found), else ``pagefind-bin``'s."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        try:
            from pagefind_bin import get_executable
        except ImportError as exc:
            raise SiteError(f"search index: no Pagefind binary ({exc})", hint=_REINSTALL) from None
    try:
        return str(get_executable())
    except FileNotFoundError as exc:
        raise SiteError(f"search index: no Pagefind binary ({exc})", hint=_REINSTALL) from None


_REINSTALL = "reinstall site_builder (pip install -e .), or set `search: false` in site.yaml"


def _pages(pages: list[SearchPage], language: str) -> Iterator[tuple[str, str]]:
    """Each page's address in the index and its HTML (``_page_html``): the title only on a post's first page."""
    posts: set[str] = set()
    for number, page in enumerate(pages):
        titled = page.url not in posts  # the post's first page
        posts.add(page.url)
        yield page_address(page, number), _page_html(page, language, titled)


def page_address(page: SearchPage, number: int) -> str:
    """Page ``number``'s address in the index: its post's (a hit's target, with its turn's anchor), with what a hit
    shows of it in the query (``title``, ``speaker``; ``page``, its number, keeps it one of its own). Pagefind 1.5
    searches every metadata field, so a speaker's name in one would find each of their pages, and the post's
    address in one every post; the address is not searched."""
    shown = urlencode({"title": page.title, "speaker": page.speaker, "page": number}, quote_via=quote)
    return f"/{quote(page.url, safe=_PATH_SAFE)}?{shown}"


_PATH_SAFE = "/:@!$&'()*+,;="
"""What a browser leaves as it is in a path: the address a hit links to is the one the post's links give."""


def _page_html(page: SearchPage, language: str, titled: bool) -> str:
    """The HTML Pagefind indexes for ``page``: in its language, else ``language`` (in lower case, as the browser
    reads ``<html lang>``); where ``titled`` (the post's first page), the post's title as metadata, which Pagefind
    searches (a title's words find their post, once); role and tags as filters, in ``<meta>`` elements; then each
    turn's text, after a heading with the turn's anchor: Pagefind's sub-results land on the turn. The heading
    holds a zero-width space, no word: the speaker's name there would be found in every turn of theirs, and
    Pagefind's script makes no sub-result of a heading without text (nor keeps the anchor of one it is told to
    ignore). Everything from a post is escaped. What a hit shows is in the page's address (``page_address``)."""
    meta = [("meta", "title", page.title)] if titled and page.title else []
    filters = [("filter", "tag", tag) for tag in page.tags] + ([("filter", "role", page.role)] if page.role else [])
    filters = [(kind, name, value.replace("&", "&amp;")) for kind, name, value in filters]  # Pagefind 1.5 reads
    # a filter's value as HTML twice (``&amp;amp;`` is ``&``), a meta's once
    head = "".join(f'<meta data-pagefind-{kind}="{name}[content]" content="{escape(value)}">'
                   for kind, name, value in meta + filters)
    body = "".join((f'<h2 id="{escape(anchor)}">&#8203;</h2>' if anchor else "") + f"<p>{escape(text, quote=False)}</p>"
                   for anchor, text in page.turns)
    return f'<!DOCTYPE html><html lang="{escape((page.language or language).lower())}"><head>{head}</head>' \
           f"<body>{body}</body></html>"
