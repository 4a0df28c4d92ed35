"""The rendered views of posts, stored one file each (``views/<key>.pickle``) with their search records after
them where the site has search, and how the content model is pickled (``dumps``) and written
(``write_atomic``)."""

from __future__ import annotations

import copyreg
import dataclasses
import fcntl
import functools
import io
import os
import pickle
import struct
import tempfile
import time
from collections import OrderedDict
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable

from site_builder.caches import warn_unwritable


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


_LENGTH = struct.Struct("<Q")
"""What a view's file begins with: the length of the view's pickle, which its search records follow."""


def _packed(view: Any, records: Any) -> bytes:
    """A view's file: the length of its pickle, the pickle, then its records' pickle when there are any."""
    body = dumps(view)
    return _LENGTH.pack(len(body)) + body + (dumps(records) if records is not None else b"")


def write_atomic(path: Path, data: bytes) -> None:
    try:
        handle, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    except FileNotFoundError:  # the folder's first file (asking first cost a system call a file)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # pruned by another build


class ViewStore:
    """Rendered post views (``views/<key>.pickle``), read back when a page shows one; the last few read
    are kept in memory, so that memory stays flat however many posts the site has.

    A view's file may hold its search records (``search.view_records``) too, pickled after it: a page reads the
    view alone (unpickling stops at its end), the search index the records (``records``: the file begins with
    the view's pickled length, so they are read without unpickling the view, 52 of the 82 ms for 1,000 posts).
    One file a post, not two: on the benchmark's disk a new file costs 0.1-0.7 ms of the kernel's time, and a
    cold build of 1,000 posts made 1,000 fewer."""

    LOCK = ".builds.lock"
    """Held shared by each build that reads the views (from ``touch`` to ``prune``): a build that can take it
    alone knows no other build reads views it would remove."""

    def __init__(self, folder: Path, keep: int = 8) -> None:
        self.folder = folder
        self.keep = keep
        self._recent: OrderedDict[str, Any] = OrderedDict()
        self._pinned: dict[str, Any] = {}
        self._pinned_records: dict[str, Any] = {}
        self._lock: Any = None

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def stored(self, key: str) -> Any:
        """The stored view, or None when there is none or it cannot be read (then it is rendered again)."""
        try:
            return self.get(key)
        except Exception:  # noqa: BLE001 - a damaged cache entry only costs a render
            return None

    def put(self, key: str, view: Any, records: Any = None) -> bool:
        """Store ``view``, and its search ``records`` after it when given; False when the cache cannot be written
        (the caller then keeps them: ``pin``)."""
        try:
            write_atomic(self.path(key), _packed(view, records))
        except OSError as exc:
            warn_unwritable(self.folder, exc.strerror or str(exc))
            return False
        return True

    def pin(self, key: str, view: Any) -> None:
        """Keep ``view`` in memory for this build: the cache folder cannot hold it."""
        self._pinned[key] = view

    def records(self, key: str) -> Any:
        """The search records stored after the view, or None when there are none (a view stored by a build
        without search) or they cannot be read (they are then extracted again)."""
        if key in self._pinned_records:
            return self._pinned_records[key]
        try:
            with open(self.path(key), "rb") as file:
                (length,) = _LENGTH.unpack(file.read(_LENGTH.size))
                file.seek(length, os.SEEK_CUR)  # past the view
                found = pickle.load(file)
        except Exception:  # noqa: BLE001 - none stored (EOFError), or a damaged entry: extracted again
            return None
        return found if isinstance(found, tuple) else None

    def add_records(self, key: str, view: Any, records: Any) -> None:
        """Store ``records`` after the stored ``view`` (its file written again), or keep them in memory when the
        cache cannot be written."""
        if not self.put(key, view, records):
            self._pinned_records[key] = records

    def get(self, key: str) -> Any:
        if key in self._pinned:
            return self._pinned[key]
        if key in self._recent:
            self._recent.move_to_end(key)
            return self._recent[key]
        view = pickle.loads(memoryview(self.path(key).read_bytes())[_LENGTH.size:])  # stops at the view's end
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
        folder = os.fspath(self.folder)  # names, not Paths: an edit's build touches every post's view
        for key in keys:
            try:
                os.utime(f"{folder}/{key}.pickle")
            except OSError:
                pass  # not stored (an unwritable cache keeps views in memory)

    def prune(self, keep: set[str], age: float = 600.0) -> bool:
        """Remove the views no post uses any more, so that the folder holds what the current site needs. When
        another build is running on the same content (it holds the builds' lock too) and may be reading views
        of its own (other options, other drafts), only those none has touched for ``age`` seconds go; so do the
        files a killed build was writing (``write_atomic``'s ``KEY.pickle….tmp``). Returns whether this build was
        the only one running (it held the builds' lock alone)."""
        alone = self._alone()
        now = time.time()
        try:
            with os.scandir(self.folder) as listing:
                for entry in listing:
                    name = entry.name
                    unused = name[:-7] not in keep if name.endswith(".pickle") else \
                        name.endswith(".tmp") and ".pickle" in name
                    if unused and (alone or now - entry.stat().st_mtime > age):
                        _unlink(entry.path)
        except OSError:
            pass  # a cache we cannot tidy only costs disk space
        finally:
            if self._lock is not None:
                self._lock.close()
                self._lock = None
        self._store_pinned(keep)
        return alone

    def _store_pinned(self, keep: set[str]) -> None:
        """Store the views kept in memory because the folder could not hold them (a full disk): what the
        pruning freed may hold them now, so that the next build finds the views its state names."""
        for key, view in self._pinned.items():
            if key in keep:
                try:
                    write_atomic(self.path(key), _packed(view, self._pinned_records.get(key)))
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
