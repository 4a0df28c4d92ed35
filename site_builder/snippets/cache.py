"""The snippet-check result cache: ``<cache>/<content folder>/checks/<key>.json`` (see ``caches.py``).

A key hashes everything a result depends on (DESIGN §3): the block's info string and text (and,
in a session, the blocks before it), the companion's source and every local module it imports
(transitively, files in ``content/companions/``), the versions of the third-party distributions
those sources import (``importlib.metadata``), the Python version, and the checker's own source.
Change any of them and the key changes, so an old result is simply not found: it is never shown
as verified. Computing a key reads files only; it never runs anything. ``result_key`` is a snippet's
key, ``cached_result`` what the cache proves for it now.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

from site_builder.caches import cache_root, content_cache, warn_unwritable
from site_builder.snippets.model import (DOCTEST, NOT_CHECKED, PROGRAM, CheckResult, Snippet, session_members,
                                         static_result)

_CHECKER_MODULES = ("model.py", "parse.py", "run.py", "contain.py", "supervisor.py", "excerpts.py", "child.py", "cache.py",
                   "hints.py")


def cache_dir(content_dir: Path) -> Path:
    """The stored check results of one content folder (``caches.content_cache``/checks)."""
    return content_cache(content_dir) / "checks"


def snippet_key(texts: Iterable[str], sources: Iterable[str], companions: Path) -> str:
    """Hash of the block texts, the given python sources, what they import, and the interpreter.

    ``texts`` are the info strings and code of the block (and of earlier session blocks);
    ``sources`` are the python sources whose imports count (the companion file, or the block).
    """
    sources = list(sources)
    digest = hashlib.sha256()
    for part in (_checker_fingerprint(), sys.version, *texts, *sources):
        _feed(digest, part)
    local, third_party = dependencies(sources, companions.resolve())
    for path in sorted(local):
        _feed(digest, str(path.relative_to(companions.resolve())))
        _feed(digest, path.read_bytes().decode("utf-8", "replace"))
    for name in sorted(third_party):
        _feed(digest, f"{name}=={third_party[name]}")
    return digest.hexdigest()


def _feed(digest: Any, text: str) -> None:
    data = text.encode("utf-8")
    digest.update(len(data).to_bytes(8, "big"))
    digest.update(data)


@functools.lru_cache(maxsize=1)
def _checker_fingerprint() -> str:
    here = Path(__file__).parent
    return hashlib.sha256(b"".join((here / name).read_bytes() for name in _CHECKER_MODULES)).hexdigest()


def dependencies(sources: list[str], companions: Path) -> tuple[set[Path], dict[str, str]]:
    """Local companion files reached from ``sources`` (transitively) and third-party versions.

    Imports are read with ``ast`` everywhere in a file (heavy imports sit inside functions).
    A module that is neither local, standard library nor installed counts as ``absent``, so
    installing it later changes the key.
    """
    local: set[Path] = set()
    third_party: dict[str, str] = {}
    store = cache_root() / "packages"
    pending = [(source, companions) for source in sources]
    while pending:
        source, package_dir = pending.pop()
        for name, level in imported_names(source):
            base = package_dir if level else companions
            found = local_module(base, name) if name or level else None
            if found is not None:
                for path in found - local:
                    local.add(path)
                    pending.append((path.read_text(encoding="utf-8", errors="replace"), path.parent))
            elif name and not level:
                third_party.update(distribution_versions(name.split(".")[0], store))
    return local, third_party


@functools.lru_cache(maxsize=256)
def imported_names(source: str) -> tuple[tuple[str, int], ...]:
    """``(module, level)`` for every import in a python source or a pycon transcript."""
    tree = _parse(source)
    if tree is None:
        return ()
    names: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.append((node.module or "", node.level))
    return tuple(names)


def _parse(source: str) -> ast.Module | None:
    """Parse python, or the examples of a ``>>>`` transcript; None when it is not python.

    Anything a post can hold is "not python" here, never an exception: a ``>>>>`` prompt (doctest's
    ValueError), nesting deeper than the parser's stack (RecursionError, or MemoryError from CPython's
    parser). Such a block imports nothing that the key could count; running it reports what is wrong.
    """
    try:
        if source.lstrip().startswith(">>>"):
            import doctest  # here, not at the top: every CLI start imports this module, few keys need it

            source = "\n".join(example.source for example in doctest.DocTestParser().get_examples(source))
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def local_module(base: Path, name: str) -> set[Path] | None:
    """The companion files behind ``name`` under ``base``: ``name.py``, or a package's ``*.py``."""
    parts = name.split(".") if name else []
    top = base.joinpath(*parts[:1]) if parts else base
    if parts and top.with_suffix(".py").is_file():
        return {top.with_suffix(".py").resolve()}
    if top.is_dir() and (top / "__init__.py").is_file():
        return {path.resolve() for path in sorted(top.rglob("*.py"))}
    return None


@functools.lru_cache(maxsize=None)
def distribution_versions(top_level: str, store: Path | None = None) -> dict[str, str]:
    """``{"torch": "2.13.0"}`` for an installed import name; {} for the standard library."""
    if top_level in sys.stdlib_module_names or top_level in sys.builtin_module_names:
        return {}
    if importlib.util.find_spec(top_level) is None:
        return {top_level: "absent"}
    dists = _same_name_distribution(top_level) or packages_distributions(store).get(top_level)
    if not dists:
        return {top_level: "not from a distribution"}
    return {dist: _version(dist) for dist in dists}  # callers copy it (dict.update), never change it


def _same_name_distribution(top_level: str) -> list[str]:
    """The distribution named like the import (torch, numpy, spacy) when it declares that module.

    A fast path: ``packages_distributions()`` reads every installed distribution (~0.25 s here).
    """
    import importlib.metadata  # ~20 ms (email parsing): only when a key is computed, not at every CLI start

    try:
        dist = importlib.metadata.distribution(top_level)
    except importlib.metadata.PackageNotFoundError:
        return []
    declared = (dist.read_text("top_level.txt") or "").split()
    if not declared:  # no top_level.txt (meson, hatch...): the installed files say
        declared = {path.parts[0].removesuffix(".py") for path in dist.files or ()}
    return [dist.metadata["Name"]] if top_level in declared else []


@functools.lru_cache(maxsize=None)
def _version(dist: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


@functools.lru_cache(maxsize=None)
def packages_distributions(store: Path | None) -> dict[str, list[str]]:
    """``importlib.metadata.packages_distributions()``, kept in ``store/packages-<layout>.json``.

    Building it reads every installed distribution (~0.4 s with torch and spaCy installed); the
    stored copy is used while the modification times of the ``sys.path`` folders are unchanged
    (installing, upgrading or removing a package changes its folder's entries, hence its mtime).
    Each ``sys.path`` layout has its own copy: ``pytest`` puts the project root on it and
    ``site-builder`` its script folder, and one shared copy was rebuilt at every switch.
    """
    folders = [entry for entry in sys.path if entry and os.path.isdir(entry)]
    stamp = {entry: os.stat(entry).st_mtime_ns for entry in folders}
    name = "packages-" + hashlib.sha256("\0".join(folders).encode("utf-8")).hexdigest()[:16]
    saved = load(store, name) if store is not None else None
    if saved is not None and saved.get("stamp") == stamp:
        return saved["map"]
    import importlib.metadata

    mapping = importlib.metadata.packages_distributions()
    if store is not None:
        save(store, name, {"stamp": stamp, "map": mapping})
    return mapping


def load(directory: Path, key: str) -> dict[str, Any] | None:
    """The stored result for ``key``, or None (missing or unreadable entries are simply absent)."""
    try:
        entry = json.loads((directory / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) and entry.get("key") == key else None


def save(directory: Path, key: str, entry: dict[str, Any]) -> bool:
    """Write atomically, so a reader never sees half an entry. A cache that cannot be written is not
    an error (it only costs a rerun): False, and one warning per folder."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({**entry, "key": key}, handle, indent=1)
            os.replace(tmp, directory / f"{key}.json")
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        warn_unwritable(directory, exc.strerror or str(exc))
        return False
    return True


def prune_results(directory: Path, keep: set[str], before: float) -> int:
    """Remove the stored results no block of the content has now (``keep``: the keys of every block, from a
    ``check`` of them all) and that were not written since ``before`` (a check running beside this one may
    have stored them): the folder holds what the current posts need. Returns how many were removed."""
    removed = 0
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                key = entry.name.removesuffix(".json")
                if (_RESULT_NAME.fullmatch(entry.name) and key not in keep
                        and entry.stat(follow_symlinks=False).st_mtime < before):
                    os.unlink(entry.path)
                    removed += 1
    except OSError:
        pass  # a cache we cannot tidy only costs disk space
    return removed


_RESULT_NAME = re.compile(r"[0-9a-f]{64}\.json")
"""A stored result: ``snippet_key``'s SHA-256, ``.json`` (the packages map beside them is named otherwise)."""


def result_key(snippet: Snippet, post_snippets: Sequence[Snippet], companions: Path) -> str:
    """The cache key (``snippet_key``): block texts, sources and what they import."""
    blocks = session_members(snippet, post_snippets) if snippet.session else [snippet]
    blocks = blocks[: blocks.index(snippet) + 1]
    texts = [part for block in blocks for part in (block.info, block.code)]
    if snippet.companion is not None:
        sources = [snippet.companion.path.read_text(encoding="utf-8")]
        texts.append(str(snippet.companion.path.relative_to(companions.resolve())))
    else:
        sources = [block.code for block in blocks if block.kind in (PROGRAM, DOCTEST)]
    return snippet_key(texts, sources, companions)



def cached_result(snippet: Snippet, post_snippets: Sequence[Snippet], content_dir: Path,
                  stored: bool = True) -> CheckResult:
    """What the cache proves for the snippet now; never runs anything. Stale or missing: not-checked.

    ``stored=False`` says the cache holds no result at all (``holds_results``): the key, which reads every
    import of the block with ``ast``, is not worth computing then."""
    fixed = static_result(snippet)
    if fixed is not None:
        return fixed
    companions = content_dir.resolve() / "companions"
    entry = load(cache_dir(content_dir), result_key(snippet, post_snippets, companions)) if stored else None
    if entry is None:
        return CheckResult(NOT_CHECKED, "not yet checked: no result for this block, its companion and "
                           "package versions as they are now (run site-builder check)")
    return CheckResult.from_json(entry["result"])


def holds_results(directory: Path) -> bool:
    """Whether ``directory`` (``cache_dir``) holds any stored result (a site never checked holds none)."""
    try:
        with os.scandir(directory) as entries:
            return any(entry.name.endswith(".json") and not entry.name.startswith(".") for entry in entries)
    except OSError:
        return False
