"""Regular expressions compiled when first used, not when their module is imported.

Every build imports the whole reading of posts, and the reading holds patterns for shapes few posts have (labels
in headings, bold or brackets, an FAQ, a ``<details>`` answer...). Compiling them all took about 45 ms of every
start, most of it for patterns an edit of one post never uses (the label patterns hold a class of every combining
mark of the Basic Multilingual Plane, 1.7 ms to compile each time it appears). A ``LazyPattern`` stands for the
compiled pattern: it compiles on the first use of any of its methods, then hands the pattern's own methods out.
"""

from __future__ import annotations

import re
from typing import Any

_METHODS = ("match", "search", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    """``re.compile(pattern, flags)``, done on first use. ``pattern`` is at hand without compiling (patterns are
    built from each other's text). Not a ``re.Pattern``: ``re.sub(lazy, ...)`` takes its methods instead."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:  # only for what the instance does not hold yet
        if name.startswith("__"):
            raise AttributeError(name)
        compiled = self.__dict__.get("compiled")
        if compiled is None:
            compiled = self.__dict__["compiled"] = re.compile(self.pattern, self._flags)
            for method in _METHODS:  # found in the instance from now on: no second call here
                self.__dict__[method] = getattr(compiled, method)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self._flags!r})"


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    """A pattern compiled on first use (``re.compile``'s arguments)."""
    return LazyPattern(pattern, flags)
