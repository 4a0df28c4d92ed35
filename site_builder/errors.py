"""The errors site_builder reports to its user: ``SiteError`` and its kinds, a problem the user can fix.

The CLI prints them, never a traceback. Elsewhere they are caught only to be reported together or later: a
build gathers every post's errors into one ``BuildError``, a worker process sends them back (``__reduce__``),
the preview server shows a failed rebuild and keeps serving. (The importers' ``ShapeError`` is theirs alone:
it becomes an ``ImportError_`` or a refused conversation before the user sees it.)

Each error formats itself like a compiler message: ``path:line: message`` and an optional ``hint:`` line.
Wrap with ``raise NewError(...) from exc`` to add context; ``format_error`` below prints the cause chain
once, as ``caused by:`` lines.
"""

from __future__ import annotations

from pathlib import Path


class SiteError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"

    def __reduce__(self) -> tuple:
        """Errors travel from the build's worker processes: rebuilt with their fields, whatever ``__init__`` takes."""
        return _restore, (type(self), self.args, self.__dict__)


class ConfigError(SiteError):
    """``site.yaml`` / ``_config.yml`` is unreadable or has bad keys (all of them listed)."""


class PostError(SiteError):
    """A problem at a place in a source file (post, companion, export)."""

    def __init__(self, path: Path | str, line: int | None, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.path = Path(path)
        self.line = line

    @property
    def location(self) -> str:
        where = display_path(self.path)
        return f"{where}:{self.line}" if self.line else where

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        return text if not self.hint else f"{text}\n  hint: {self.hint}"


class BuildError(SiteError):
    """A build found one or more errors; ``errors`` holds every one of them."""

    def __init__(self, errors: list[SiteError]) -> None:
        count = len(errors)
        super().__init__(f"build failed with {count} error{'s' if count != 1 else ''}; the previous output was left untouched")
        self.errors = tuple(errors)

    def __str__(self) -> str:
        return "\n".join([*(str(e) for e in self.errors), self.message])


class OutputError(SiteError):
    """The output folder cannot be used (not ours, inside the content…) or written (disk full, read-only)."""


class TemplateError(SiteError):
    """A template is missing or fails to render."""


class SnippetError(PostError):
    """A code fence's options are malformed or reference something that does not exist."""


class ImportError_(SiteError):
    """An export cannot be imported (not JSON, wrong kind, missing member...)."""


def _restore(kind: type, args: tuple, fields: dict) -> SiteError:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(fields)
    return error


def format_error(exc: BaseException) -> str:
    """The error, then each cause as a ``caused by:`` line (Zola's unravel_errors)."""
    lines = [f"error: {exc}"]
    cause = exc.__cause__
    while cause is not None:
        lines.append(f"  caused by: {cause}")
        cause = cause.__cause__
    return "\n".join(lines)


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages about values that may be huge."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it (how errors and tables name files)."""
    try:  # the folder resolved, not the file: a symbolic link is named as itself, even one in a loop
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)
