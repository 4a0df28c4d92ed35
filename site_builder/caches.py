"""Where site-builder keeps its caches: one documented place, never the content or the output folder.

``$SITE_BUILDER_CACHE`` if set, else ``$XDG_CACHE_HOME/site-builder``, else ``~/.cache/site-builder``.
Inside it, each content folder has a folder of its own (``<name>-<hash of its absolute path>``), so
two projects never share results. Deleting any of it is always safe: it only costs time. A cache that
cannot be written (read-only home, full disk) is skipped with one warning; it never fails a build.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from pathlib import Path


def cache_root() -> Path:
    explicit = os.environ.get("SITE_BUILDER_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "site-builder"


def content_cache(content_dir: Path) -> Path:
    """The cache folder of one content folder (the folder itself is not created here)."""
    root = content_dir.resolve()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name).strip(".-")[:40] or "content"
    digest = hashlib.sha256(os.fsencode(root)).hexdigest()[:12]
    return cache_root() / f"{name}-{digest}"


@functools.lru_cache(maxsize=None)
def warn_unwritable(folder: Path, reason: str) -> None:
    """Say once per folder that a cache is not kept (printing to stderr; the run goes on)."""
    print(f"warning: cannot write the cache in {folder} ({reason}); results are not kept "
          "(set SITE_BUILDER_CACHE to a writable folder)", file=sys.stderr)
