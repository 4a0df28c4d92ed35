"""Split a post into its front matter and body, with errors that point at the right line: YAML between ``---``
lines (Jekyll, Hugo), or TOML between ``+++`` lines (Hugo's other form, read with the standard ``tomllib``)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml
import yaml.constructor
import yaml.resolver

try:
    import yaml.cyaml
except ImportError:  # PyYAML built without libyaml
    pass

from site_builder.errors import PostError, SiteError

_FENCE = "---"
_CLOSERS = ("---", "...")
_TOML_FENCE = "+++"


@dataclass(frozen=True, slots=True)
class Split:
    meta: dict[str, Any]
    body: str
    body_line: int
    """1-based source line where ``body`` starts."""


def normalise_text(raw: bytes, path: Path) -> str:
    """Decode UTF-8 (a BOM is dropped) and turn CRLF/CR line ends into LF."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PostError(path, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                        hint="save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(path: Path, text: str) -> Split:
    """Return the front matter mapping and the body. A file without front matter has empty meta."""
    lines = text.split("\n")
    if lines and lines[0].rstrip() == _TOML_FENCE:
        return _split_toml(path, lines)
    if not lines or lines[0].rstrip() != _FENCE:
        return Split({}, text, 1)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in _CLOSERS:
            meta = _load_yaml(path, "\n".join(lines[1:index]))
            return Split(meta, "\n".join(lines[index + 1:]), index + 2)
    raise PostError(path, 1, "front matter: no closing '---' line",
                    hint="end the front matter with a line containing only ---")


def _split_toml(path: Path, lines: list[str]) -> Split:
    """Hugo's TOML front matter: ``+++``, ``key = value`` lines, ``+++``."""
    for index in range(1, len(lines)):
        if lines[index].rstrip() == _TOML_FENCE:
            source = "\n".join(lines[1:index])
            try:
                meta = tomllib.loads(source)
            except tomllib.TOMLDecodeError as exc:
                where = re.search(r"\(at line (\d+)", str(exc))
                message = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", str(exc))
                line = int(where[1]) + 1 if where else index + 1
                raise PostError(path, line, f"front matter: invalid TOML: {message}",
                                hint='write TOML front matter as `key = "value"` lines between +++ lines') from None
            except RecursionError:
                raise PostError(path, 2, "front matter: TOML nested too deeply") from None
            return Split({str(k): _strip(v) for k, v in meta.items()}, "\n".join(lines[index + 1:]), index + 2)
    raise PostError(path, 1, "front matter: no closing '+++' line",
                    hint="end TOML front matter with a line containing only +++")


def _load_yaml(path: Path, source: str) -> dict[str, Any]:
    def fail(line: int, message: str, hint: str) -> PostError:
        return PostError(path, line + 1, f"front matter: {message}", hint=hint)  # +1 for the opening ---

    data = load_yaml(source, fail)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PostError(path, 2, f"front matter: expected a mapping of keys to values, got {type(data).__name__}",
                        hint="write front matter as `key: value` lines, e.g. `title: My post`")
    return {str(k): _strip(v) for k, v in data.items()}


Fail = Callable[[int, str, str], SiteError]
"""Builds the caller's error from (1-based line in the YAML text, message, hint)."""

MAX_DEPTH = 50
"""Deepest nesting of lists and mappings, aliases followed (real front matter uses two or three)."""
MAX_VALUES = 100_000
"""Most values a document may hold once its aliases are expanded (a "billion laughs" holds 9**9)."""
MAX_NUMBER_CHARS = 100
"""Longest number YAML may read as a number (Python refuses to print an int of 4,300 digits)."""


def load_yaml(source: str, fail: Fail) -> Any:
    """``yaml.safe_load`` within limits: too deep, too many values through aliases, an alias inside itself,
    impossible dates, absurd numbers and unpaired surrogates are errors at their line, made by ``fail``."""
    if _plain(source):
        try:
            return _load_with_libyaml(source)
        except (yaml.YAMLError, ValueError, TypeError, RecursionError):
            pass  # read again below, for the message and the line
    try:
        return yaml.load(source, Loader=_LimitedLoader)  # a SafeLoader: builds plain values only
    except _Refused as exc:
        raise fail(exc.problem_mark.line + 1, exc.problem, exc.hint) from None
    except yaml.YAMLError as exc:
        raise fail(_error_line(exc, source), f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
                   "check indentation and quote values that contain ': '") from None


_NOT_PLAIN = re.compile(r"[&*!]|\\[uUx]|\d{%d}" % (MAX_NUMBER_CHARS // 2))
"""What only the Python reader handles within our limits: anchors, aliases and tags, escapes that may be
surrogates, long runs of digits."""


def _plain(source: str) -> bool:
    """Front matter that libyaml (PyYAML's C reader, ten times faster) may read: none of ``_NOT_PLAIN``, and
    nesting that cannot reach ``MAX_DEPTH`` (counting every bracket, indent and ``- ``/``: `` on a line, which
    can only overstate it; libyaml's reader recurses without a limit)."""
    if not yaml.__with_libyaml__ or len(source) > 20_000 or _NOT_PLAIN.search(source):
        return False
    brackets = source.count("[") + source.count("{")
    deepest = max((len(line) - len(line.lstrip()) + line.count("- ") + line.count(": ")
                   for line in source.split("\n")), default=0)
    return brackets + deepest + 1 < MAX_DEPTH


def _load_with_libyaml(source: str) -> Any:
    loader = _CLimitedLoader(source)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _error_line(exc: yaml.YAMLError, source: str) -> int:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return mark.line + 1
    position = getattr(exc, "position", None)  # a ReaderError (a control character) has an offset only
    return source.count("\n", 0, position) + 1 if isinstance(position, int) else 1


class _Refused(yaml.MarkedYAMLError):
    """A document that YAML accepts and we do not; carries its own hint. Never leaves this module."""

    def __init__(self, problem: str, mark: yaml.Mark, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


_SURROGATE = re.compile("[\ud800-\udfff]")
_NESTING_HINT = "front matter holds flat values: titles, dates, lists of tags, a mapping of speakers"
_ALIAS_HINT = "write the values out instead of repeating them with YAML anchors (&name) and aliases (*name)"


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, refusing what would exhaust the stack or the memory of the build."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self._depth >= MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark, _NESTING_HINT)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.ScalarNode) and _SURROGATE.search(node.value):
            node.value = _paired_surrogates(node)
        return node

    def compose_document(self) -> yaml.Node:
        node = super().compose_document()
        if node is not None:
            _check_expansion(node)
        return node


def _paired_surrogates(node: yaml.ScalarNode) -> str:
    """JSON-style pairs (``\\ud83d\\ude00``) become the character they encode; a lone one is an error."""
    try:
        return node.value.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        lone = _SURROGATE.search(node.value)[0]
        raise _Refused(f"unpaired surrogate U+{ord(lone):04X} (a \\u{ord(lone):04x} escape) is not a character",
                       node.start_mark, "write the character itself, or a \\U0001F600-style escape") from None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Count the values and levels of the document as if every alias were written out, without writing
    them out: each node is measured once (post-order, no recursion), aliases reuse the measure."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            children = _children(node)
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            open_nodes.discard(key)
            if depth[key] > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels through aliases", node.start_mark,
                               _ALIAS_HINT)
            if size[key] > MAX_VALUES:
                raise _Refused(f"this value expands to {size[key]:,} values through aliases (the limit is "
                               f"{MAX_VALUES:,})", node.start_mark, _ALIAS_HINT)
        elif key in open_nodes:
            raise _Refused("an alias refers to the value that contains it (the value contains itself)",
                           node.start_mark, _ALIAS_HINT)
        elif key not in size:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


def _guarded(construct: Callable[[yaml.SafeLoader, yaml.Node], Any], what: str,
             hint: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    """A scalar constructor whose Python errors (``date(2024, 2, 30)``, ``int("x")``) become ours."""
    def constructor(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            raise _Refused(f"{node.value!r} is not {what} ({exc})", node.start_mark, hint) from None
    return constructor


def _number(construct: Callable[[yaml.SafeLoader, yaml.Node], Any]) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    guarded = _guarded(construct, "a number", "quote it to make it text")

    def constructor(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if len(node.value) > MAX_NUMBER_CHARS:
            raise _Refused(f"a number {len(node.value):,} characters long (the limit is {MAX_NUMBER_CHARS})",
                           node.start_mark, 'quote it to make it text: title: "0x…"')
        return guarded(loader, node)
    return constructor


_LimitedLoader.add_constructor("tag:yaml.org,2002:int", _number(yaml.SafeLoader.construct_yaml_int))
_LimitedLoader.add_constructor("tag:yaml.org,2002:float", _number(yaml.SafeLoader.construct_yaml_float))
_LimitedLoader.add_constructor("tag:yaml.org,2002:timestamp", _guarded(
    yaml.SafeLoader.construct_yaml_timestamp, "a date",
    "write dates as YYYY-MM-DD (time optional: 2023-08-03 15:35, offsets within ±23:59)"))
_LimitedLoader.add_constructor("tag:yaml.org,2002:bool", _guarded(
    yaml.SafeLoader.construct_yaml_bool, "true or false", "write true or false"))


if yaml.__with_libyaml__:
    class _CLimitedLoader(yaml.cyaml.CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml's reader with ``_LimitedLoader``'s constructors (dates, numbers, booleans within limits)."""
        yaml_constructors = _LimitedLoader.yaml_constructors

        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


def _strip(value: Any) -> Any:
    """Trailing spaces in scalar values are typing accidents, not content."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    return value
