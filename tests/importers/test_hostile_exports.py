"""Hostile exports: each gives a clear one-line error (or is repaired and reported), never a traceback, a
hang or unbounded memory, and nothing is written when the export cannot be read."""

from __future__ import annotations

import io
import json
import signal
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from site_builder.errors import ImportError_
from site_builder.importers import archive, jsonstream
from site_builder.importers.common import Message, Node
from site_builder.importers.layout import thread
from site_builder.importers.driver import Selection, format_report, import_export


class _Hang(BaseException):
    """Raised by the alarm: not an Exception, so nothing under test can swallow it."""


@contextmanager
def _no_hang(seconds: int = 30):
    """A generous bound that turns a hang into a failure (the inputs here take milliseconds)."""
    def alarm(signum, frame):
        raise _Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _import(kind: str, export: Path, out: Path):
    with _no_hang():
        return import_export(kind, export, out, Selection(everything=True))


def _user(text: str, parent: str | None) -> dict:
    return {"message": {"author": {"role": "user"}, "content": {"content_type": "text", "parts": [text]}},
            "parent": parent, "children": []}


def test_a_lone_surrogate_is_replaced_and_counted(tmp_path):
    export = tmp_path / "a.json"
    # \ud83d without its second half (an emoji cut in two), in a message and in the id
    export.write_text('[{"id": "x\\ud800", "conversations": [{"from": "human", "value": "cut \\ud83d here"},'
                      ' {"from": "gpt", "value": "\\udc00 ok"}]}]', encoding="ascii")
    report = _import("sharegpt", export, tmp_path / "posts")
    [outcome] = report.outcomes
    text = outcome.path.read_text(encoding="utf-8")
    assert "cut \ufffd here" in text and "\ufffd ok" in text and "source_id: x\ufffd" in text
    assert "3 lone surrogates" in format_report(report)


def test_a_lone_surrogate_in_a_json_lines_file_is_replaced_too(tmp_path):
    export = tmp_path / "a.jsonl"
    export.write_text('{"conversations": [{"from": "human", "value": "a\\ud800"}]}\n', encoding="ascii")
    report = _import("sharegpt", export, tmp_path / "posts")
    assert "a\ufffd" in report.outcomes[0].path.read_text(encoding="utf-8")
    assert "1 lone surrogate " in format_report(report)


def test_a_parent_cycle_through_empty_nodes_is_broken_and_reported(tmp_path):
    mapping = {"a": {"message": None, "parent": "b", "children": []},
               "b": {"message": None, "parent": "a", "children": []},
               "q": _user("hi", "a")}
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([{"id": "c", "title": "t", "mapping": mapping, "current_node": "q"}]))
    report = _import("chatgpt", export, tmp_path / "posts")
    assert report.count("new") == 1
    assert "User: hi" in report.outcomes[0].path.read_text(encoding="utf-8")
    assert "cycle" in format_report(report)


def test_a_current_node_inside_a_cycle_of_empty_nodes_does_not_hang(tmp_path):
    mapping = {"a": {"message": None, "parent": "b", "children": []},
               "b": {"message": None, "parent": "a", "children": []},
               "q": _user("hi", None)}
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([{"id": "c", "title": "t", "mapping": mapping, "current_node": "a"}]))
    report = _import("chatgpt", export, tmp_path / "posts")
    assert "User: hi" in report.outcomes[0].path.read_text(encoding="utf-8")
    assert "current_node a leads to no shown message" in format_report(report)


CLAUDE = json.dumps([{"uuid": "u", "name": "n", "chat_messages": [{"sender": "human", "text": "hi " * 3000}]}])


def _zip(path: Path, data: str | bytes, name: str = "conversations.json") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return path


def test_an_encrypted_zip_member_is_a_clear_error(tmp_path):
    export = bytearray(_zip(tmp_path / "export.zip", CLAUDE).read_bytes())
    export[6] |= 1  # the "encrypted" flag, in the local header and in the central directory
    export[export.find(b"PK\x01\x02") + 8] |= 1
    (tmp_path / "export.zip").write_bytes(bytes(export))
    with pytest.raises(ImportError_, match=r"export\.zip: conversations\.json: .*encrypted") as caught:
        _import("claude", tmp_path / "export.zip", tmp_path / "posts")
    assert "\n" not in caught.value.message and not (tmp_path / "posts").exists()


def test_a_corrupt_deflate_stream_is_a_clear_error(tmp_path):
    export = bytearray(_zip(tmp_path / "export.zip", CLAUDE).read_bytes())
    start = 30 + len("conversations.json")
    export[start + 5: start + 40] = bytes(b ^ 0x55 for b in export[start + 5: start + 40])
    (tmp_path / "export.zip").write_bytes(bytes(export))
    with pytest.raises(ImportError_, match=r"export\.zip: conversations\.json: .*(corrupt|damaged)") as caught:
        _import("claude", tmp_path / "export.zip", tmp_path / "posts")
    assert "\n" not in caught.value.message and not (tmp_path / "posts").exists()


def _bomb(path: Path, size: int, zip64: bool = True) -> Path:
    """A zip whose conversations.json is one message of ``size`` bytes of "a" (about 1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("conversations.json", "w", force_zip64=zip64) as member:
            member.write(b'[{"uuid": "u", "name": "n", "chat_messages": [{"sender": "human", "text": "')
            for _ in range(size >> 20):
                member.write(b"a" * (1 << 20))
            member.write(b'"}]}]')
    return path


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "ZIP_FLOOR", 1 << 20)
    bomb = _bomb(tmp_path / "bomb.zip", 8 << 20)
    with pytest.raises(ImportError_, match=r"bomb\.zip: conversations\.json: .*expands to") as caught:
        _import("claude", bomb, tmp_path / "posts")
    assert "\n" not in caught.value.message and not (tmp_path / "posts").exists()


def test_a_zip_bomb_that_lies_about_its_size_stops_at_the_lie(tmp_path, monkeypatch):
    """Declared 1000 bytes (in both headers): reading stops there and the member is reported damaged."""
    monkeypatch.setattr(archive, "ZIP_FLOOR", 1 << 20)
    data = bytearray(_bomb(tmp_path / "bomb.zip", 8 << 20, zip64=False).read_bytes())
    central = data.find(b"PK\x01\x02")
    data[22:26] = data[central + 24: central + 28] = (1000).to_bytes(4, "little")
    (tmp_path / "bomb.zip").write_bytes(bytes(data))
    read = []
    original = archive.Guarded.read
    monkeypatch.setattr(archive.Guarded, "read", lambda self, size=-1: read.append(original(self, size)) or read[-1])
    with pytest.raises(ImportError_, match=r"bomb\.zip: conversations\.json: .*damaged"):
        _import("claude", tmp_path / "bomb.zip", tmp_path / "posts")
    assert sum(map(len, read)) <= 1000


def test_the_expansion_guard_counts_the_bytes_read_not_the_declared_size():
    guarded = archive.Guarded(io.BytesIO(b"a" * 5000), "export.zip: conversations.json", limit=4096)
    assert len(guarded.read(4000)) == 4000
    with pytest.raises(ImportError_, match=r"export\.zip: conversations\.json: .*expands to more than 4 KiB"):
        guarded.read(4000)


def test_a_record_larger_than_the_bound_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonstream, "MAX_RECORD_CHARS", 1 << 20)
    monkeypatch.setattr(jsonstream, "CHUNK", 1 << 16)
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([{"uuid": "u", "name": "n", "chat_messages": [{"sender": "human",
                                                                                "text": "a" * (4 << 20)}]}]))
    with pytest.raises(ImportError_, match=r"conversations\.json: \[0\]: .*larger than 1 MiB"):
        _import("claude", export, tmp_path / "posts")
    lines = tmp_path / "a.jsonl"
    lines.write_text(json.dumps({"conversations": [{"from": "human", "value": "a" * (4 << 20)}]}) + "\n")
    with pytest.raises(ImportError_, match=r"a\.jsonl: line 1: .*larger than 1 MiB"):
        _import("sharegpt", lines, tmp_path / "posts")


def test_all_on_an_export_without_conversations_says_so(tmp_path):
    export = tmp_path / "conversations.json"
    export.write_text("[]")
    with pytest.raises(ImportError_, match=r"conversations\.json: the export has no conversations; nothing was "
                                           r"written"):
        _import("chatgpt", export, tmp_path / "posts")


def test_a_zip_given_to_the_sharegpt_importer_is_read_from_its_one_dataset_file(tmp_path):
    record = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}
    export = _zip(tmp_path / "data.zip", json.dumps(record) + "\n", name="data/train.jsonl")
    assert _import("sharegpt", export, tmp_path / "posts").count("new") == 1
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("train.json", "[]")
        archive.writestr("test.json", "[]")
    with pytest.raises(ImportError_, match=r"two\.zip: a zip with 2 data files \(train\.json, test\.json\)") as caught:
        _import("sharegpt", tmp_path / "two.zip", tmp_path / "posts2")
    assert "None" not in str(caught.value) and "unzip" in str(caught.value)


def _node(nid: str, parent: str | None, role: str | None = "user", text: str = "x") -> dict:
    message = None if role is None else {"author": {"role": role},
                                         "content": {"content_type": "text", "parts": [text]}}
    return {"id": nid, "parent": parent, "children": [], "message": message}


def _chatgpt_export(tmp_path: Path, mapping: dict, current: str) -> Path:
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([{"id": "c", "title": "t", "mapping": mapping, "current_node": current}]))
    return export


N = 60_000  # a quadratic layout of this many messages takes minutes, a linear one a fraction of a second


def _message(role: str, text: str = "x") -> Message:
    return Message(role, "User" if role == "user" else "ChatGPT", text)


def test_many_messages_under_a_long_chain_of_hidden_nodes_are_laid_out_without_a_hang():
    nodes = {f"e{i}": Node(f"e{i}", f"e{i - 1}" if i else None, None) for i in range(N // 2)}
    nodes |= {f"q{i}": Node(f"q{i}", f"e{N // 2 - 1}", _message("user"), order=i) for i in range(N // 2)}
    with _no_hang(10):
        laid_out = thread(nodes, "q0")
    assert len(laid_out.exchanges) == N // 2


def test_a_long_second_thread_is_laid_out_without_a_hang():
    def chain(prefix: str) -> dict:
        return {f"{prefix}{i}": Node(f"{prefix}{i}", f"{prefix}{i - 1}" if i else None,
                                     _message("user" if i % 2 == 0 else "assistant"), order=i) for i in range(N)}

    with _no_hang(10):
        laid_out = thread(chain("a") | chain("b"), f"a{N - 1}")
    assert laid_out.branches == 1 and len(laid_out.exchanges) == N


def test_a_second_question_after_every_answer_is_laid_out_without_a_hang():
    nodes, previous = {}, None
    for i in range(N // 2):
        nodes[f"q{i}"] = Node(f"q{i}", previous, _message("user", f"question {i}"), order=3 * i)
        nodes[f"a{i}"] = Node(f"a{i}", f"q{i}", _message("assistant"), order=3 * i + 1)
        nodes[f"b{i}"] = Node(f"b{i}", f"a{i}", _message("user", f"another question {i}"), order=3 * i + 2)
        previous = f"a{i}"
    with _no_hang(10):
        laid_out = thread(nodes, previous)
    assert laid_out.branches == N // 2
    assert laid_out.exchanges[-1].note == f"Branch: another question asked after question {N // 2}."


def test_regenerated_answers_along_a_long_answer_cannot_make_a_huge_post(tmp_path):
    """Each regenerated answer repeats the messages of its answer above it: 2,000 of them along one answer
    of 2,000 messages would repeat two million messages. Repeats are bounded; the rest is left out, counted."""
    mapping, previous = {"q": _node("q", None)}, "q"
    for i in range(2000):
        mapping[f"a{i}"] = _node(f"a{i}", previous, "assistant", f"answer {i}")
        mapping[f"r{i}"] = _node(f"r{i}", previous, "assistant", f"regenerated {i}")
        previous = f"a{i}"
    export = _chatgpt_export(tmp_path, mapping, previous)
    report = _import("chatgpt", export, tmp_path / "posts")
    assert report.outcomes[0].path.stat().st_size < 20 * export.stat().st_size
    assert "left out" in format_report(report)


@pytest.mark.parametrize("text", ["<antArtifact " * 100_000, '<antArtifact a="' * 60_000 + ">",
                                  "<antArtifact " + "a" * 100_000 + ">"],
                         ids=["unclosed-tags", "unclosed-quotes", "long-attribute-name"])
def test_claude_artifact_markup_cannot_make_the_reader_hang(text):
    from site_builder.importers.claude import convert

    raw = {"uuid": "c", "name": "n", "chat_messages": [{"uuid": "q", "sender": "human", "text": "hi"},
                                                       {"uuid": "a", "sender": "assistant", "text": text}]}
    with _no_hang(10):
        conversation = convert(raw, "[0]")
    assert len(conversation.exchanges) == 1


def test_deeply_nested_json_inside_a_tool_call_is_shown_as_it_is(tmp_path):
    nested = "[" * 5000 + "]" * 5000
    export = tmp_path / "a.json"
    export.write_text(json.dumps([{"conversations": [{"from": "human", "value": "call it"},
                                                     {"from": "function_call", "value": nested}]}]))
    report = _import("sharegpt", export, tmp_path / "posts")
    assert nested in report.outcomes[0].path.read_text(encoding="utf-8")


def test_an_unforeseen_reader_error_refuses_the_record_it_happened_in(tmp_path, monkeypatch):
    from site_builder.importers import claude

    convert = claude.convert

    def failing_on_the_second(raw, where):
        if where == "[1]":
            raise KeyError("boom")
        return convert(raw, where)

    monkeypatch.setattr(claude, "convert", failing_on_the_second)
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([{"uuid": f"c{i}", "name": "n", "chat_messages": [
        {"uuid": "q", "sender": "human", "text": "hi"}]} for i in range(2)]))
    report = _import("claude", export, tmp_path / "posts")
    assert report.count("new") == 1  # one bad record does not stop the others (issue 10, point 6)
    [refused] = report.skipped
    assert refused.refused and refused.reason == "[1]: cannot be imported (KeyError: 'boom')"
    assert "refused    c1 'n': [1]: cannot be imported (KeyError: 'boom')" in format_report(report)


def test_a_read_error_of_a_plain_export_is_not_called_a_damaged_zip_member():
    class Failing(io.RawIOBase):
        def read(self, size=-1):
            raise OSError(5, "Input/output error")

    with pytest.raises(ImportError_, match=r"^a\.json: cannot read the export \(Input/output error\); nothing was "
                                           r"written$"):
        archive.Guarded(Failing(), "a.json").read(10)
