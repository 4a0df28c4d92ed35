"""Fence directives → ``Snippet`` values (DESIGN §3).

A fence's info string is ``LANG [option …]``. This module reads it, checks every reference it makes
(companion file inside ``content/companions/``, the definition or function named), and returns one
frozen ``Snippet`` per block. It reads companions with ``ast`` only; running them is ``run.py``'s job.
"""

from __future__ import annotations

import ast
import functools
import re
import shlex
from pathlib import Path
from typing import Iterable

from site_builder.errors import SnippetError
from site_builder.model import CodeBlock, Post
from site_builder.snippets.model import (ADAPTED, DOCTEST, EXCERPT, NORUN, NOT_EXECUTABLE, OUTPUT, PROGRAM, SHELL,
                                         CompanionRef, Snippet)

PYTHON_LANGS = frozenset({"python", "py", "python3"})
DOCTEST_LANGS = frozenset({"pycon"})
SHELL_LANGS = frozenset({"sh", "bash", "shell", "zsh"})

_FLAGS = frozenset({"adapted", "run", "norun", "trusted"})

IMPORTED_REASON = ("imported post: its code came from an export and is not run; "
                   "read the block, then add `trusted` to its fence to check it")
_VALUED = frozenset({"companion", "output-of", "session", "raises", "reason"})


def parse_snippets(post: Post, content_dir: Path) -> tuple[Snippet, ...]:
    """One ``Snippet`` per block, in source order; the first bad directive raises ``SnippetError``."""
    companions = (content_dir / "companions").resolve()
    return tuple(parse_snippet(post.path, block, companions, imported=post.imported) for block in post.code_blocks)


def parse_snippet(post: Path, block: CodeBlock, companions: Path, *, imported: bool = False) -> Snippet:
    """Read one fence's info string; every error names the post and the fence line.

    In an ``imported`` post (``Post.imported``) trust belongs to the post, not to each block: no block
    runs unless the author marked it ``trusted``, and its references are not even resolved.
    """
    def fail(message: str, hint: str | None = None) -> SnippetError:
        return SnippetError(post, block.line, f"code block `{block.info.strip()}`: {message}", hint)

    options = _options(block.info, fail)
    lang = block.lang
    _check_combination(options, lang, fail)
    base = dict(post=post, line=block.line, lang=lang, info=block.info, code=block.code)
    if "norun" in options:
        return Snippet(**base, kind=NORUN, reason=options["reason"])
    if imported and "trusted" not in options:
        return _untrusted(base, options)
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


def _untrusted(base: dict, options: dict[str, str]) -> Snippet:
    """A block of an imported post that the author has not marked ``trusted``: it never runs."""
    quotes = options.keys() & {"companion", "output-of"}
    if not quotes and _default_kind(base["lang"], base["code"], "run" in options) == NOT_EXECUTABLE:
        return Snippet(**base, kind=NOT_EXECUTABLE)
    return Snippet(**base, kind=NORUN, reason=IMPORTED_REASON)


def is_doctest(lang: str, code: str) -> bool:
    """``pycon`` blocks, and python (or bare) blocks whose first line is a ``>>>`` prompt."""
    return lang in DOCTEST_LANGS or (lang in PYTHON_LANGS | {""} and code.lstrip().startswith(">>>"))


def _default_kind(lang: str, code: str, run: bool) -> str:
    if is_doctest(lang, code):
        return DOCTEST
    if lang in PYTHON_LANGS:
        return PROGRAM
    return SHELL if run else NOT_EXECUTABLE


_ATTRIBUTES = re.compile(r"\s*\{([^{}]*)\}\s*$")
_HL_LINES = re.compile(r"""\bhl_lines\s*=\s*(\[[^\]]*\]|"[^"]*"|'[^']*'|[^\s,}]+)""")
_LINE_RANGE = re.compile(r"(\d{1,9})(?:\s*-\s*(\d{1,9}))?")


def fence_attributes(info: str) -> tuple[str, str]:
    """``(info, attributes)``: the info string without a trailing ``{…}`` (Hugo's ``{hl_lines=[1,"3-4"]}``,
    ``{linenos=table}``, kramdown's ``{: .class}``), and what was between the braces ('' when none). The
    block's language and our own options are read from the first part only."""
    match = _ATTRIBUTES.search(info)
    if match is None or not info[:match.start()].strip():
        return info, ""
    return info[:match.start()], match[1]


def highlighted_lines(attributes: str, line_count: int) -> tuple[int, ...]:
    """The lines that ``hl_lines=`` names (``[1,"3-4"]``, ``"2 4-5"``, ``3``), those within the block's
    ``line_count`` lines, sorted; anything unreadable names none."""
    match = _HL_LINES.search(attributes)
    lines: set[int] = set()
    for first, last in _LINE_RANGE.findall(match[1] if match else ""):
        start, end = int(first), int(last or first)
        lines.update(range(max(start, 1), min(end, line_count) + 1))
    return tuple(sorted(lines))


def _options(info: str, fail) -> dict[str, str]:
    """``{"companion": "sgd.py::X", "adapted": "", …}`` from everything after the language word (and before
    the attributes of ``fence_attributes``)."""
    info, _ = fence_attributes(info)
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
            'raises=ExcName, norun reason="…", run (shell blocks), trusted (a block of an imported post)')


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
