"""Fence directives → ``Snippet`` values (DESIGN §3), and the seams the rest of the site uses.

A fence's info string is ``LANG [option …]``. This module reads it, checks every reference it makes
(companion file inside ``content/companions/``, the definition or function named), and returns one
frozen ``Snippet`` per block. Running the checks lives in ``checks.py`` (quote arithmetic in
``excerpts.py``), the result cache in
``snippet_cache.py``, the ``check`` command in ``check_cli.py``; this module re-exports what the
CLI and the renderer call: ``add_check_parser`` and ``block_statuses``.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from site_builder.errors import SnippetError
from site_builder.model import CodeBlock

PYTHON_LANGS = frozenset({"python", "py", "python3"})
DOCTEST_LANGS = frozenset({"pycon"})
SHELL_LANGS = frozenset({"sh", "bash", "shell", "zsh"})

# What a check does with a block (Snippet.kind).
PROGRAM = "program"      # a standalone python program: it runs without error (or raises= that exception)
DOCTEST = "doctest"      # pycon / >>> block
EXCERPT = "excerpt"      # companion=FILE::QUALNAME: verbatim, and every line executed by smoke()
ADAPTED = "adapted"      # companion=… adapted: the definition executed; the page shows the diff
OUTPUT = "output"        # output-of=FILE::FUNC: FUNC produces this log / traceback
SHELL = "shell"          # a shell block with `run`
NORUN = "norun"          # norun reason="…": skipped with that reason
NOT_EXECUTABLE = "not-executable"  # text, json, a shell log without options…

DEFAULT_TIMEOUT = 120.0
"""Seconds a check subprocess may run."""

_FLAGS = frozenset({"adapted", "run", "norun"})
_VALUED = frozenset({"companion", "output-of", "session", "raises", "reason"})

# What a check concluded (CheckResult.status); a page shows it on the block.
VERIFIED, DRIFTED, FAILED, SKIPPED, NOT_CHECKED = "verified", "drifted", "failed", "skipped", "not-checked"
STATUSES = (VERIFIED, DRIFTED, FAILED, SKIPPED, NOT_CHECKED)


@dataclass(frozen=True, slots=True)
class CheckResult:
    status: str
    """One of ``STATUSES``. Only a check that ran (now, or for the same key before) is verified."""
    reason: str
    """One line for a table or a badge: why it passed, failed or was skipped."""
    detail: str = ""
    """The evidence of a failure: a unified diff, the lines that never ran, a traceback, output."""
    seconds: float = 0.0
    """Time the check took when it ran."""
    cached: bool = False
    """True when this result was read from the cache instead of run now."""
    companion: str | None = None
    """For excerpts: the companion file (``sgd.py``) the block links to."""
    first_line: int | None = None
    """First line of the excerpt (or, for ``adapted``, the definition) in the companion."""
    last_line: int | None = None
    diff: str = ""
    """For ``adapted``: the unified diff from the quote to the companion's definition."""
    transient: bool = False
    """A timeout: not stored, so the next run tries again."""

    @property
    def failed(self) -> bool:
        return self.status in (FAILED, DRIFTED)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["cached"], data["transient"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CheckResult":
        names = {f.name for f in dataclasses.fields(cls)} - {"cached", "transient"}
        return cls(**{name: data[name] for name in names if name in data}, cached=True)


BlockStatus = CheckResult
"""What the renderer shows for a block: the cached ``CheckResult``."""


@dataclass(frozen=True, slots=True)
class CompanionRef:
    file: str
    """The file as written after ``companion=`` / ``output-of=`` (``sgd.py``), relative to companions/."""
    qualname: str
    """Dotted name of the definition or function inside it (``Network.update_mini_batch``)."""
    path: Path
    """The resolved companion file."""

    @property
    def module(self) -> str:
        """The import name of the companion (``sgd``; ``pkg.mod`` for ``pkg/mod.py``)."""
        return ".".join(Path(self.file).with_suffix("").parts)


@dataclass(frozen=True, slots=True)
class Snippet:
    post: Path
    """The post file the block is in."""
    line: int
    """1-based line of the opening fence in the post file."""
    lang: str
    info: str
    code: str
    kind: str
    """One of PROGRAM, DOCTEST, EXCERPT, ADAPTED, OUTPUT, SHELL, NORUN, NOT_EXECUTABLE."""
    companion: CompanionRef | None = None
    """For EXCERPT, ADAPTED and OUTPUT: the definition quoted or the function whose output this is."""
    session: str | None = None
    """Blocks with the same session name in one post share one namespace, in source order."""
    raises: str | None = None
    """The exception a PROGRAM (or a session block) is expected to raise."""
    reason: str | None = None
    """Why a NORUN block is not run."""

    @property
    def label(self) -> str:
        """``python companion=sgd.py::Network.SGD``: the info string, or the lang for a bare block."""
        return " ".join(self.info.split()) or self.lang or "code"

    @property
    def item_name(self) -> str:
        """The pytest item name: ``L42[python companion=sgd.py::Network.update_mini_batch]``."""
        return f"L{self.line}[{self.label}]"


def parse_snippets(post: Path, blocks: Sequence[CodeBlock], content_dir: Path) -> tuple[Snippet, ...]:
    """One ``Snippet`` per block, in source order; the first bad directive raises ``SnippetError``."""
    companions = (content_dir / "companions").resolve()
    return tuple(parse_snippet(post, block, companions) for block in blocks)


def parse_snippet(post: Path, block: CodeBlock, companions: Path) -> Snippet:
    """Read one fence's info string; every error names the post and the fence line."""
    def fail(message: str, hint: str | None = None) -> SnippetError:
        return SnippetError(post, block.line, f"code block `{block.info.strip()}`: {message}", hint)

    options = _options(block.info, fail)
    lang = block.lang
    _check_combination(options, lang, fail)
    base = dict(post=post, line=block.line, lang=lang, info=block.info, code=block.code)
    if "norun" in options:
        return Snippet(**base, kind=NORUN, reason=options["reason"])
    if "companion" in options:
        ref = _reference(options["companion"], companions, fail, "companion")
        if find_definition(read_module(ref.path), "smoke") is None:
            raise fail(f"companion {ref.file} has no top-level smoke() for the check to run",
                       hint="a companion defines smoke(): a fast run (seconds) that exercises the quoted code")
        kind = ADAPTED if "adapted" in options else EXCERPT
        return Snippet(**base, kind=kind, companion=ref)
    if "output-of" in options:
        ref = _reference(options["output-of"], companions, fail, "output-of")
        _require_function(ref, fail)
        return Snippet(**base, kind=OUTPUT, companion=ref)
    kind = _default_kind(lang, block.code, "run" in options)
    if kind not in (PROGRAM, DOCTEST) and ("session" in options or "raises" in options):
        raise fail(f"`session=` and `raises=` apply to python and pycon blocks, not `{lang or 'a bare fence'}`")
    if kind == DOCTEST and "raises" in options:
        raise fail("a doctest shows an expected exception in its output; `raises=` is for python programs")
    return Snippet(**base, kind=kind, session=options.get("session"), raises=options.get("raises"))


def is_doctest(lang: str, code: str) -> bool:
    """``pycon`` blocks, and python (or bare) blocks whose first line is a ``>>>`` prompt."""
    return lang in DOCTEST_LANGS or (lang in PYTHON_LANGS | {""} and code.lstrip().startswith(">>>"))


def _default_kind(lang: str, code: str, run: bool) -> str:
    if is_doctest(lang, code):
        return DOCTEST
    if lang in PYTHON_LANGS:
        return PROGRAM
    return SHELL if run else NOT_EXECUTABLE


def _options(info: str, fail) -> dict[str, str]:
    """``{"companion": "sgd.py::X", "adapted": "", …}`` from everything after the language word."""
    try:
        words = shlex.split(info)
    except ValueError as exc:
        raise fail(f"malformed quoting in the fence options ({exc})",
                   hint='quote a value with double quotes: norun reason="needs a GPU"') from None
    options: dict[str, str] = {}
    for word in words[1:]:
        name, has_value, value = word.partition("=")
        if name in options:
            raise fail(f"option `{name}` given twice")
        if name in _FLAGS and not has_value:
            options[name] = ""
        elif name in _VALUED and has_value and value.strip():
            options[name] = value.strip()
        elif name in _FLAGS or name in _VALUED:
            form = name if name in _FLAGS else f"{name}=VALUE"
            raise fail(f"option `{word}` is malformed: write `{form}`")
        else:
            raise fail(f"unknown option `{word}`", hint=_known_options_hint())
    return options


def _known_options_hint() -> str:
    return ('known options: companion=FILE::QUALNAME [adapted], output-of=FILE::FUNC, session=NAME, '
            'raises=ExcName, norun reason="…", run (shell blocks)')


def _check_combination(options: dict[str, str], lang: str, fail) -> None:
    """Reject options that contradict each other or do not fit the block's language."""
    given = set(options)
    if "norun" in given or "reason" in given:
        if "norun" not in given or "reason" not in given:
            raise fail('`norun` needs a reason, and `reason=` goes with `norun`: write norun reason="…"')
        if given - {"norun", "reason"}:
            raise fail(f"`norun` cannot be combined with {_names(given - {'norun', 'reason'})}")
        return
    sources = given & {"companion", "output-of"}
    if len(sources) > 1:
        raise fail("a block is either an excerpt (`companion=`) or an output (`output-of=`), not both")
    if sources and given & {"session", "raises", "run"}:
        raise fail(f"`{next(iter(sources))}=` cannot be combined with {_names(given & {'session', 'raises', 'run'})}")
    if "adapted" in given and "companion" not in given:
        raise fail("`adapted` qualifies `companion=FILE::QUALNAME`; it cannot stand alone")
    if "companion" in given and lang not in PYTHON_LANGS:
        raise fail(f"`companion=` quotes python source; this block's language is `{lang or 'none'}`")
    if "run" in given and lang not in SHELL_LANGS:
        raise fail(f"`run` applies to shell blocks ({', '.join(sorted(SHELL_LANGS))}); "
                   "python blocks run without it")


def _names(options: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in sorted(options))


def _reference(value: str, companions: Path, fail, option: str) -> CompanionRef:
    """``FILE::QUALNAME`` → a ``CompanionRef`` whose file exists inside companions/ and defines QUALNAME."""
    file, sep, qualname = value.partition("::")
    if not sep or not file or not qualname:
        raise fail(f"`{option}={value}` must be FILE::NAME, e.g. {option}=sgd.py::Network.SGD")
    if not all(part.isidentifier() for part in qualname.split(".")):
        raise fail(f"`{qualname}` is not a dotted python name")
    path = (companions / file).resolve()
    if Path(file).is_absolute() or not path.is_relative_to(companions):
        raise fail(f"`{file}` is outside the companions folder {companions}",
                   hint="companions live in content/companions/; name them relative to it")
    if path.suffix != ".py" or not path.is_file():
        raise fail(f"companion file `{file}` not found in {companions}")
    if find_definition(read_module(path), qualname) is None:
        raise fail(f"`{qualname}` is not defined in {file}",
                   hint="name a class, function or method as Class.method (found with ast, not by importing)")
    return CompanionRef(file=file, qualname=qualname, path=path)


def _require_function(ref: CompanionRef, fail) -> None:
    node = find_definition(read_module(ref.path), ref.qualname)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise fail(f"`output-of=` names `{ref.qualname}` in {ref.file}, which is not a function")


def read_module(path: Path) -> ast.Module:
    """Parse a companion; a syntax error is reported at the companion's own line.

    Each source text is parsed once per process: every block quoting the companion, in every post
    of a build, shares the tree (callers only read it); an edited file is a new text, parsed anew.
    """
    return _parse_companion(path.read_text(encoding="utf-8"), path)


@functools.lru_cache(maxsize=32)
def _parse_companion(source: str, path: Path) -> ast.Module:
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise SnippetError(path, exc.lineno, f"companion does not parse: {exc.msg}") from None


def find_definition(module: ast.Module, qualname: str) -> ast.AST | None:
    """The class / function node named by ``Outer.inner`` (top-level first), or None."""
    scope: ast.AST = module
    for part in qualname.split("."):
        found = [node for node in getattr(scope, "body", ())
                 if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == part]
        if not found:
            return None
        scope = found[-1]  # a later definition replaces an earlier one, as at run time
    return scope


def definition_span(node: ast.AST) -> tuple[int, int]:
    """First (decorators included) and last line of a definition."""
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(d.lineno for d in decorators)])
    return first, node.end_lineno


def block_statuses(post, content_dir: Path) -> dict[int, BlockStatus]:
    """Each block's status from the cache only (never runs anything), keyed by fence line.

    A block whose current key (text, companion sources, package versions) has no stored result is
    ``not-checked``, never verified. Bad fence options raise ``SnippetError``, as in a check.
    """
    from site_builder.checks import cached_result

    snippets = parse_snippets(post.path, post.code_blocks, content_dir)
    return {snippet.line: cached_result(snippet, snippets, content_dir) for snippet in snippets}


def add_check_parser(subparsers) -> None:
    """Add ``check [--content DIR] [--json] [-k EXPR] [--rerun]`` to the CLI's subparsers."""
    from site_builder.check_cli import add_parser

    add_parser(subparsers)
