"""Hypothesis strategies for exports of the three kinds (ChatGPT mapping trees, Claude conversations,
ShareGPT / OpenAI-messages records), whose message texts are structure-aware hostile Markdown, and the
files they are written to (JSON, JSON lines, zips). Shared by the import fuzz tests."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

# --- hostile Markdown -----------------------------------------------------------------------------------

INFO_WORDS = ["", "python", "py", "python3", "pycon", "Python", "PYCON", "sh run", "bash run", "zsh run",
              "python companion=sgd.py::Network.SGD", "python companion=../x.py::f adapted", "python trusted",
              'python norun reason="x"', "norun", "trusted", "python session=s", "python raises=ValueError",
              "shell output-of=x.py::f", "python run", "json", "text", "{.python}", "python{", " python",
              "python\ttrusted", "py`x", "~~~", 'python reason="', "python =", "c#", "---"]
FENCE_MARKS = ["```", "````", "`````", "~~~", "~~~~", "``", "~~"]
CONTAINERS = ["", "", "", " ", "  ", "   ", "    ", "\t", "> ", ">", "> > ", "- ", "* ", "+ ", "1. ", "2) ",
              "> - ", "- > ", "  - ", "-\t", "10. ", "   > "]
CODE_LINES = [">>> open('PWNED', 'w')", "open('PWNED', 'w')", "... ", ">>>", "import os; os.system('true')",
              "$ touch PWNED", "print(1)", "    >>> open(1)", "\t>>> 1"]
HTML_LINES = ["<!--", "-->", "<!-- x -->", "<pre>", "</pre>", "<script>", "</script>", "<style>", "</style>",
              "<textarea>", "</textarea>", "<?php", "?>", "<!DOCTYPE x", ">", "<![CDATA[", "]]>", "<div>",
              "</div>", "<details>", "<a href=x>", "<pre><code>", "</code></pre>", "<p", "<img src=x onerror=y>"]
LABEL_LINES = ["User: hi", "user : hi", "ChatGPT: ok", "Assistant:", "Claude: x", "System: x", "Human: x",
               "用户：你好", "Tool: x", "GPT-4: x", "Observation: x", "Function call: x", "Browser: x", "AI: x"]
RULE_LINES = ["---", "***", "___", "- - -", "===", "  ---", "----------", "* * *", "-- -"]
OTHER_LINES = ["> [!NOTE]", "> [!WARNING] careful", "> quote", "# heading", "Setext", "", "", "", "[^1]: note",
               "| a | b |", "|---|---|", "[x]: /url", "    indented", "\\", "&#96;&#96;&#96;python"]
ODD = ["\x00", "\ud800", "\udfff", "\u202e", "\u200f", "\ufeff", "\r", "\u2028", "\u2029", "\x85", "\x0b",
       "\x0c", "\t", "é", "🙂", "\ud83d", "\\", "`", "~", "<", "&", "*", "_"]

_fence_line = st.builds(lambda c, m, i: f"{c}{m}{i}", st.sampled_from(CONTAINERS), st.sampled_from(FENCE_MARKS),
                        st.sampled_from(INFO_WORDS))
_closing_line = st.builds(lambda c, m: f"{c}{m}", st.sampled_from(CONTAINERS), st.sampled_from(FENCE_MARKS))
_plain_line = st.text(st.sampled_from(list("ab :<>`~-*_#!|[]()\t") + ODD), max_size=12)
_line = st.one_of(
    _fence_line, _closing_line,
    st.builds(lambda c, t: c + t, st.sampled_from(CONTAINERS), st.sampled_from(CODE_LINES)),
    st.builds(lambda c, t: c + t, st.sampled_from(CONTAINERS), st.sampled_from(HTML_LINES)),
    st.sampled_from(LABEL_LINES), st.sampled_from(RULE_LINES), st.sampled_from(OTHER_LINES),
    st.builds(lambda c, t: c + t, st.sampled_from(CONTAINERS), _plain_line),
)


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    """Markdown that tries to make a block runnable: fences of every shape, HTML blocks opened and not
    closed, labels, rules, alerts, containers, odd line ends and characters."""
    lines = draw(st.lists(_line, max_size=10))
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"]))
    prefix = draw(st.sampled_from(["", "", "", "\ufeff", " ", "    ", "\n"]))
    return prefix + newline.join(lines)


# --- exports --------------------------------------------------------------------------------------------

TITLES = st.one_of(st.text(max_size=20), hostile_text())
MODELS = st.sampled_from([None, "gpt-4o", "o1-mini", "gpt-4", "<script>x</script>", "a b", "", "text-davinci-002"])


@st.composite
def chatgpt_conversation(draw: st.DrawFn, index: int) -> dict:
    count = draw(st.integers(1, 7))
    ids = [f"n{index}-{i}" for i in range(count)]
    mapping: dict[str, Any] = {}
    for position, nid in enumerate(ids):
        parent = draw(st.sampled_from([None, *ids[:position]])) if position else None
        mapping[nid] = {"id": nid, "parent": parent, "children": [], "message": draw(chatgpt_message(nid))}
    for nid, node in mapping.items():
        if node["parent"] in mapping:
            mapping[node["parent"]]["children"].append(nid)
    return {"id": f"conv-{index}", "title": draw(TITLES), "create_time": draw(st.sampled_from([None, 1.7e9, 0])),
            "mapping": mapping, "current_node": draw(st.sampled_from([None, *ids]))}


@st.composite
def chatgpt_message(draw: st.DrawFn, nid: str) -> dict | None:
    if draw(st.integers(0, 5)) == 0:
        return None
    role = draw(st.sampled_from(["user", "assistant", "assistant", "tool", "system"]))
    kind = draw(st.sampled_from(["text", "text", "text", "code", "execution_output", "tether_quote",
                                 "multimodal_text", "thoughts"]))
    text = draw(hostile_text())
    content: dict[str, Any] = {"content_type": kind}
    if kind in ("text", "multimodal_text"):
        content["parts"] = [text, *draw(st.lists(hostile_text(), max_size=2))]
    elif kind == "code":
        content.update(language=draw(st.sampled_from(INFO_WORDS + ["unknown"])), text=text)
    elif kind == "thoughts":
        content["thoughts"] = [{"summary": text, "content": draw(hostile_text())}]
    else:
        content.update(text=text, title=draw(TITLES), url=draw(st.sampled_from(["https://x.org", "javascript:x"])))
    return {"id": nid, "author": {"role": role, "name": draw(st.sampled_from([None, "python", "browser", "<b>"]))},
            "content": content, "metadata": {"model_slug": draw(MODELS)},
            "recipient": draw(st.sampled_from(["all", "all", "python", "browser"])),
            "status": draw(st.sampled_from(["finished_successfully", "in_progress"]))}


@st.composite
def claude_conversation(draw: st.DrawFn, index: int) -> dict:
    count = draw(st.integers(1, 6))
    messages = []
    chained = draw(st.booleans())
    for position in range(count):
        message: dict[str, Any] = {"uuid": f"m{index}-{position}",
                                   "sender": draw(st.sampled_from(["human", "assistant", "assistant", "system"])),
                                   "created_at": f"2024-01-01T00:00:{position:02d}Z"}
        if chained:
            message["parent_message_uuid"] = f"m{index}-{position - 1}" if position else \
                "00000000-0000-4000-8000-000000000000"
        if draw(st.booleans()):
            message["text"] = draw(hostile_text())
        else:
            message["content"] = draw(st.lists(claude_block(), min_size=1, max_size=3))
        if draw(st.integers(0, 4)) == 0:
            message["attachments"] = [{"file_name": draw(TITLES), "extracted_content": draw(hostile_text())}]
        messages.append(message)
    return {"uuid": f"conv-{index}", "name": draw(TITLES), "created_at": "2024-01-02T03:04:05Z",
            "chat_messages": messages}


@st.composite
def claude_block(draw: st.DrawFn) -> dict:
    kind = draw(st.sampled_from(["text", "text", "thinking", "tool_use", "tool_result", "image"]))
    text = draw(hostile_text())
    if kind == "text" and draw(st.booleans()):
        lang = draw(st.sampled_from(INFO_WORDS)).replace('"', "")
        text += f'\n<antArtifact identifier="a" type="application/vnd.ant.code" language="{lang}" title="t">\n' \
                f"{draw(hostile_text())}\n</antArtifact>"
    return {"text": {"type": "text", "text": text}, "thinking": {"type": "thinking", "thinking": text},
            "tool_use": {"type": "tool_use", "name": "x", "input": {"code": text}},
            "tool_result": {"type": "tool_result", "content": [{"type": "text", "text": text}]},
            "image": {"type": "image"}}[kind]


@st.composite
def sharegpt_record(draw: st.DrawFn, index: int) -> dict:
    style = draw(st.sampled_from(["conversations", "messages"]))
    turns = []
    for _ in range(draw(st.integers(1, 6))):
        role = draw(st.sampled_from(["human", "gpt", "gpt", "system", "function_call", "observation", "user",
                                     "assistant", "tool"]))
        value: Any = draw(hostile_text())
        if style == "messages" and draw(st.integers(0, 3)) == 0:
            value = [{"type": "text", "text": value}, {"type": "reasoning", "text": draw(hostile_text())}]
        turns.append({"from": role, "value": value} if style == "conversations" else {"role": role, "content": value})
    record: dict[str, Any] = {"id": f"r{index}", style: turns}
    if draw(st.integers(0, 3)) == 0:
        record["system"] = draw(hostile_text())
    if draw(st.integers(0, 3)) == 0:
        record["chosen"] = {"from": "gpt", "value": draw(hostile_text())}
        record["rejected"] = draw(hostile_text())
    if draw(st.integers(0, 4)) == 0:
        record["tools"] = draw(hostile_text())
    return record


@dataclass(frozen=True)
class Export:
    kind: str
    records: list
    container: str
    """``json``, ``jsonl`` (ShareGPT) or ``zip``."""

    def write(self, folder: Path) -> Path:
        """The export as a file in ``folder``; JSON escapes every non-ASCII character (lone surrogates too)."""
        if self.container == "jsonl":
            path = folder / "data.jsonl"
            path.write_text("\n".join(json.dumps(r) for r in self.records) + "\n", encoding="ascii")
            return path
        data = json.dumps(self.records)
        if self.container == "zip":
            path = folder / "export.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("export/conversations.json", data)
            return path
        path = folder / ("conversations.json" if self.kind != "sharegpt" else "data.json")
        path.write_text(data, encoding="ascii")
        return path


@st.composite
def exports(draw: st.DrawFn) -> Export:
    kind = draw(st.sampled_from(["chatgpt", "claude", "sharegpt"]))
    maker = {"chatgpt": chatgpt_conversation, "claude": claude_conversation, "sharegpt": sharegpt_record}[kind]
    records = [draw(maker(index)) for index in range(draw(st.integers(1, 3)))]
    containers = ["json", "jsonl"] if kind == "sharegpt" else ["json", "zip"]
    return Export(kind, records, draw(st.sampled_from(containers)))


# --- malformed exports ----------------------------------------------------------------------------------

DEEP = "\x00DEEP\x00"
"""A string the writer replaces with JSON nested ``depth`` times (json.dumps cannot write that itself)."""
LONG_NUMBER = "\x00NUMBER\x00"
ODD_VALUES = ["", "2024-13-45T00:00:00Z", "not a date", "9999-12-31T23:59:59Z", "0000-01-01", "2024-01-01",
              1e308, -1e308, 2 ** 64, -1, 0, 1e20, -1e20, 10 ** 30, "user", "assistant", "human", "gpt", "text",
              "code", "multimodal_text", "null", [], {}, [None], {"": None}, "\ud800", "n0-0", "n0-1", "m0-0",
              "conv-0", "00000000-0000-4000-8000-000000000000", True, False, DEEP, LONG_NUMBER, "x" * 300]
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | st.floats() | st.sampled_from(ODD_VALUES)
    | st.text(st.sampled_from(list("ab:-") + ODD), max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["id", "parent", "children", "message", "content", "parts", "role", "author", "text", "sender", "from",
         "value", "uuid", "mapping", "current_node", "chat_messages", "conversations", "messages", "type", "x"]),
        inner, max_size=3),
    max_leaves=6)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value, containers and leaves, as a tuple of keys and indexes."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, prefix + (index,))
    return found


def _apply(value: Any, path: tuple, action: str, junk: Any) -> Any:
    if not path:
        return junk if action != "delete" else None
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "wrap":
        parent[last] = [parent[last]]
    elif action == "cycle" and isinstance(parent, dict):
        parent[last] = junk if isinstance(junk, str) else str(junk)
    else:
        parent[last] = junk
    return value


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with up to four places replaced, deleted, wrapped, nulled or pointed at another id."""
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 4]))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["junk", "junk", "delete", "null", "wrap", "cycle"]))
        if action == "cycle":
            junk = draw(st.sampled_from(["n0-0", "n0-1", "n0-2", "m0-0", "m0-1", "conv-0", "r0"]))
        elif action == "null":
            junk, action = None, "junk"
        else:
            junk = draw(JUNK)
        value = _apply(value, path, action, junk)
    return value


@dataclass(frozen=True)
class RawExport:
    kind: str
    name: str
    data: bytes

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.data)
        return path


def _serialised(value: Any, depth: int, digits: int) -> bytes:
    text = json.dumps(value)
    text = text.replace(json.dumps(DEEP), "[" * depth + "]" * depth)
    text = text.replace(json.dumps(LONG_NUMBER), "9" * digits)
    return text.encode("ascii")


@st.composite
def malformed_exports(draw: st.DrawFn) -> RawExport:
    """A generated export, mutated at every level, serialised (maybe damaged), maybe zipped oddly."""
    export = draw(exports())
    records = draw(mutated(export.records)) if draw(st.integers(0, 5)) else draw(JUNK)
    depth = draw(st.sampled_from([1, 50, 990, 3000, 100_000]))
    digits = draw(st.sampled_from([1, 4300, 5000]))
    if export.container == "jsonl" and isinstance(records, list):
        data = b"\n".join(_serialised(r, depth, digits) for r in records)
    else:
        data = _serialised(records, depth, digits)
    data = draw(_damaged(data))
    if export.container == "zip" or draw(st.integers(0, 12)) == 0:
        return RawExport(export.kind, "export.zip", draw(odd_zip(data)))
    name = {"jsonl": "data.jsonl", "json": "conversations.json"}[export.container]
    return RawExport(export.kind, name, data)


@st.composite
def _damaged(draw: st.DrawFn, data: bytes) -> bytes:
    how = draw(st.sampled_from(["none"] * 8 + ["truncate", "flip", "bom", "invalid-utf8", "nul", "empty"]))
    if how == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if how == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "invalid-utf8":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\xff\xc3" + data[at:]
    if how == "nul":
        return data.replace(b'"', b'"\x00', 1)
    if how == "empty":
        return b""
    return data


@st.composite
def odd_zip(draw: st.DrawFn, data: bytes) -> bytes:
    """A zip holding ``data`` under an odd name, with an odd method, flags or damage; or an empty zip."""
    import io

    name = draw(st.sampled_from(["conversations.json", "export/conversations.json", "conversations.json",
                                 "CONVERSATIONS.JSON", "../conversations.json", "a/b/c/conversations.json",
                                 "conversations.json/", "data.json", "é/conversations.json"]))
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", method) as archive:
        warnings.simplefilter("ignore", UserWarning)  # the duplicate member names are on purpose
        if draw(st.integers(0, 8)):
            archive.writestr(name, data)
        if draw(st.integers(0, 4)) == 0:
            archive.writestr("export/conversations.json", draw(st.sampled_from([b"", b"[]", b"{", data[:10]])))
        if draw(st.integers(0, 4)) == 0:
            archive.writestr("chat.html", b"<html>")
    raw = bytearray(buffer.getvalue())
    damage = draw(st.sampled_from(["none", "none", "encrypted", "method", "flip", "truncate", "size"]))
    central = raw.find(b"PK\x01\x02")
    if damage == "encrypted" and central >= 0:
        raw[6] |= 1
        raw[central + 8] |= 1
    elif damage == "method" and central >= 0:
        raw[8:10] = raw[central + 10: central + 12] = (99).to_bytes(2, "little")
    elif damage == "flip" and raw:
        at = draw(st.integers(0, len(raw) - 1))
        raw[at] ^= draw(st.integers(1, 255))
    elif damage == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif damage == "size" and central >= 0:
        raw[central + 24: central + 28] = draw(st.sampled_from([0, 1, 0xFFFFFFFE])).to_bytes(4, "little")
    return bytes(raw)
