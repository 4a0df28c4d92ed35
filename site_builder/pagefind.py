"""The search index, made by Pagefind (PyPI ``pagefind-bin-extended`` ships the binary) from the records of
``search.py``, in shards, and written into the build's staging folder after the pages, so it is swapped in with the
site it describes, atomically (README "Safety"). The same records make the same bytes: Pagefind is given them in
order and its filter files are put in order (``sorted_filters``), so a build and a rebuild, cold or not, on any
disk, write the same index.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import functools
import io
import json
import os
import re
import subprocess
import tempfile
import threading
import zipfile
from html import escape
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Iterable, Iterator
from urllib.parse import quote, urlencode

from site_builder.errors import SiteError
from site_builder.pagefind_filters import sorted_filters
from site_builder.processes import child_setup
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
    files_of = (made or ShardsInMaking(making, language, cache, jobs)).files()
    languages = dict(kept_languages)
    for shard in making:
        files = files_of[shard.folder]
        for name, data in sorted(files.items()):
            if shard.folder and not _SHARD_FILE.match(name):
                continue  # the scripts and styles of the main shard serve them all
            _inside(Path("pagefind"), name)  # a name Pagefind gave: never outside its folder
            put(shard.folder + name, data)
        languages[shard.folder] = sorted(json.loads(files["pagefind-entry.json"]).get("languages", {}))
    listed = [{"path": shard.folder, "languages": languages.get(shard.folder, [])} for shard in plan if shard.folder]
    put(SHARDS_FILE, (json.dumps(listed, separators=(",", ":")) + "\n").encode())
    _prune(cache, {shard.key for shard in plan})


class ShardsInMaking:
    """The shards ``making``, being indexed from the moment this is made, in the background: each by one
    ``pagefind --service`` process (``jobs`` at a time), which indexes its records as custom records, in order,
    and hands the files back, written with their filters in order (``sorted_filters``): the same records make
    the same bytes (README "Speed"). With ``cache`` (a folder), a shard made by an earlier build is taken from
    there instead, and each shard made is kept there. ``files`` waits for them all; ``close`` stops what has not
    begun (a build that failed meanwhile)."""

    def __init__(self, making: list[Shard], language: str, cache: Path | None, jobs: int) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max(1, min(jobs, len(making)))) if making else None
        self._made = {shard.folder: self._pool.submit(_index_shard, shard, language, cache)
                      for shard in making} if self._pool else {}

    def files(self) -> dict[str, dict[str, bytes]]:
        """Each shard's files, by its folder."""
        try:
            return {folder: future.result() for folder, future in self._made.items()}
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _index_shard(shard: Shard, language: str, cache: Path | None) -> dict[str, bytes]:
    files = _cached(cache, shard.key)
    if files is None:
        files = sorted_filters(_run_pagefind(list(shard.records), language))
        if "pagefind.js" not in files:
            raise SiteError("search index: Pagefind made no index", hint=_NO_SEARCH)
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


_NO_SEARCH = "set `search: false` in site.yaml to build without search"


def _safe_name(name: str) -> bool:
    """``name`` is a relative POSIX path that stays inside its folder."""
    relative = PurePosixPath(name)
    return not relative.is_absolute() and bool(relative.parts) and ".." not in relative.parts and "\\" not in name


def _inside(folder: Path, name: str) -> Path:
    """Where the index file ``name`` (a relative POSIX path, as Pagefind gives it) goes in ``folder``."""
    if not _safe_name(name):
        raise SiteError(f"search index: Pagefind named a file outside its folder: {name!r}", hint=_NO_SEARCH)
    return folder.joinpath(*PurePosixPath(name).parts)


# Pagefind's service: base64 JSON messages, each followed by a comma, on its stdin and stdout.

def _run_pagefind(records: list[SearchRecord], language: str) -> dict[str, bytes]:
    """The files of the index of ``records`` (path in ``pagefind/``: bytes), from one ``pagefind --service``: a
    page per speaker of each post (``search.search_pages``), its turns as sub-results.

    Its requests are handled one at a time, in order, so page N of the index is the Nth page. (``pagefind --site``
    over a file per page numbered the pages in the order the file system listed the files: by name hash
    on ext4, newest first on tmpfs, so the same pages made another index on another disk.) The files are
    asked for (``GetFiles``), not written by Pagefind: 1.5 answers ``WriteFiles`` before its writes end.
    """
    binary = pagefind_binary()
    with tempfile.TemporaryFile() as errors:
        service = subprocess.Popen([binary, "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=errors, preexec_fn=child_setup())
        pages = search_pages(records)
        sender = threading.Thread(target=_send, args=(_requests(pages, language), service.stdin), daemon=True)
        sender.start()
        try:
            files = _reply(len(pages) + 1, service.stdout)
        finally:
            _stop(service, sender)
        if files is None:
            errors.seek(0)
            raise SiteError(f"search index: Pagefind stopped (exit {service.returncode}): "
                            f"{errors.read().decode(errors='replace').strip()[-500:]}", hint=_NO_SEARCH)
    return {file["path"]: base64.b64decode(file["content"]) for file in files["files"]}


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


def _requests(pages: list[SearchPage], language: str) -> Iterator[dict]:
    """A new index (the service's first: number 0), each page as an HTML file (``_page_html``), then the index's
    files."""
    yield {"type": "NewIndex", "config": {}}
    posts: set[str] = set()
    for number, page in enumerate(pages):
        titled = page.url not in posts  # the post's first page
        posts.add(page.url)
        yield {"type": "AddFile", "index_id": 0, "url": page_address(page, number),
               "file_contents": _page_html(page, language, titled)}
    yield {"type": "GetFiles", "index_id": 0}


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


def _send(requests: Iterable[dict], stream: IO[bytes]) -> None:
    """Write ``requests``, numbered from 0, and leave the stream open: at its end the service exits at once,
    dropping the requests it has not handled yet."""
    try:
        for number, payload in enumerate(requests):
            stream.write(base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode()) + b",")
        stream.flush()
    except (OSError, ValueError):  # the service stopped (the reply says why) or was stopped
        pass


def _reply(number: int, stream: io.BufferedReader) -> dict | None:
    """The payload of the service's reply to request ``number``; None if it stopped before. An error replied
    to any request fails the build."""
    for message in _messages(stream):
        try:
            reply = json.loads(base64.b64decode(message, validate=True))
            payload = reply["payload"]
        except (ValueError, KeyError, TypeError):
            raise SiteError(f"search index: Pagefind's reply is not understood: {message[:200]!r}",
                            hint=_NO_SEARCH) from None
        if payload.get("type") == "Error":
            raise SiteError(f"search index: Pagefind failed: {str(payload.get('message'))[-500:]}", hint=_NO_SEARCH)
        if reply.get("message_id") == number:
            return payload
    return None


def _messages(stream: io.BufferedReader) -> Iterator[bytes]:
    """The messages read from ``stream``, each without its comma (the files' reply spans many reads)."""
    parts: list[bytes] = []
    while chunk := stream.read1(1 << 20):
        *ends, rest = chunk.split(b",")
        for end in ends:
            yield b"".join([*parts, end])
            parts = []
        parts.append(rest)


def _stop(service: subprocess.Popen, sender: threading.Thread) -> None:
    """End the service (it keeps nothing: the files are in its reply) and the thread that writes to it."""
    service.kill()
    service.wait()
    sender.join()
    for stream in (service.stdin, service.stdout):
        with contextlib.suppress(OSError):
            stream.close()
