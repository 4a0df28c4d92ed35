"""A tree of messages -> exchanges (``thread``).

The path to the current message is the main line; a regenerated answer becomes another answer variant of its
exchange; an edited question, and whatever followed it, is appended after the main line as a branch whose
first question carries a note saying which question it replaces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

from site_builder.conversation import question_key
from site_builder.importers.common import DraftExchange, Message, Node, Thread
from site_builder.importers.text import inline


@dataclass(slots=True)
class _Record:
    """An exchange while the thread is being laid out (local to ``thread``)."""

    question: str | None
    variants: list[list[str]] = field(default_factory=list)
    note: str | None = None
    members: list[str] = field(default_factory=list)
    """Every message id shown in this exchange (a repeated question counts), in the order placed."""


def latest_leaf(nodes: Mapping[str, Node]) -> str | None:
    """The shown message that no other shown message answers, latest in time (then in the file): the main
    line's end for an export that does not name it (DeepSeek, Grok without ``leaf_response_id``)."""
    parents = {node.parent for node in nodes.values() if node.message is not None}
    leaves = [n for n in nodes.values() if n.message is not None and n.id not in parents]
    if not leaves:
        return None
    return max(leaves, key=lambda n: (n.time if n.time is not None else float("-inf"), n.order)).id


def thread(nodes: Mapping[str, Node], current: str | None) -> Thread:
    """Lay the message tree out as exchanges: the main line first, then every other branch."""
    layout = _Layout(nodes)
    problems = list(layout.problems)
    leaf = layout.main_leaf(current, problems)
    layout.add_line(layout.path_to(leaf), None)
    branches = layout.place_alternatives()
    if layout.left_out:
        problems.append(f"{layout.left_out} message(s) of further branches left out: showing them would repeat more "
                        f"than {layout.budget} messages of the answers above them")
    unplaced = [nid for nid in layout.visible if nid not in layout.placed]
    if unplaced:
        problems.append(f"{len(unplaced)} message(s) not reachable from the start of the conversation "
                        f"(a cycle in the parent ids), left out: {', '.join(unplaced[:5])}")
    return Thread(layout.exchanges(), tuple(problems), branches)


REPEATS = 4
"""A regenerated answer is shown as another answer variant, repeating the messages of its answer above it.
All repeats together may be ``REPEATS`` times the messages of the conversation (and at least 1,000); past
that, further branches are left out and counted. Without a bound, a tree of n messages with a regenerated
answer at each step of one long answer makes a post of n² messages."""


class _Layout:
    """The working state of ``thread``: a tree of visible messages and the records laid out so far."""

    def __init__(self, nodes: Mapping[str, Node]) -> None:
        self.nodes = nodes
        self.problems: list[str] = []
        self.visible = [nid for nid, node in nodes.items() if node.message is not None]
        self.children: dict[str | None, list[str]] = {}
        self.parent_of: dict[str, str | None] = {}
        self.ends: dict[str, tuple[str, str | None]] = {}
        """hidden node id -> what is above it (``_end_above``), so a long hidden chain is walked once."""
        self.budget = max(1000, REPEATS * len(self.visible))
        self.repeats = 0
        self.left_out = 0
        for nid in self.visible:
            self.parent_of[nid] = self._visible_parent(nid)
            self.children.setdefault(self.parent_of[nid], []).append(nid)
        for kids in self.children.values():
            kids.sort(key=self._sort_key)
        self.records: list[_Record] = []
        self.numbers: list[int] = []
        """Questions in ``records[:i + 1]`` (records are only appended, so a number never changes)."""
        self.where: dict[str, tuple[int, int, int]] = {}
        """node id -> (record index, variant index or -1 for the question, position in the variant)."""
        self.placed: set[str] = set()

    def _sort_key(self, nid: str) -> tuple[float, int]:
        node = self.nodes[nid]
        return (node.time if node.time is not None and math.isfinite(node.time) else math.inf, node.order)

    def _visible_parent(self, nid: str) -> str | None:
        """The nearest shown message above ``nid`` (hidden nodes skipped); None where its thread starts."""
        kind, above = self._end_above(self.nodes[nid].parent)
        if kind == "missing":
            self.problems.append(f"message {nid}: parent {above} is not in the export; shown as the start of a thread")
        elif kind == "cycle":
            self.problems.append(f"message {nid}: its parent ids run in a cycle through messages that are not "
                                 "shown; shown as the start of a thread")
        return above if kind == "shown" else None

    def _end_above(self, parent: str | None) -> tuple[str, str | None]:
        """Up from ``parent`` through hidden nodes: ("shown", id), ("start", None), ("missing", id) or
        ("cycle", None). Every hidden node passed remembers the answer.

        A cycle that comes back to a shown message ends there ("shown"): nothing reaches it from a thread
        start, and ``thread`` reports it as unreachable."""
        hidden: list[str] = []
        passed: set[str] = set()
        while True:
            node = self.nodes.get(parent) if parent is not None else None
            if parent is None:
                end: tuple[str, str | None] = ("start", None)
            elif parent in self.ends:
                end = self.ends[parent]
            elif node is None:
                end = ("missing", parent)
            elif node.message is not None:
                end = ("shown", parent)
            elif parent in passed:
                end = ("cycle", None)
            else:
                hidden.append(parent)
                passed.add(parent)
                parent = node.parent
                continue
            break
        self.ends.update((h, end) for h in hidden)
        return end

    def role(self, nid: str) -> str:
        return self.nodes[nid].message.role  # type: ignore[union-attr]

    def main_leaf(self, current: str | None, problems: list[str]) -> str | None:
        if current is not None and current in self.nodes:
            nid: str | None = current
            passed: set[str] = set()
            while nid is not None and nid not in passed and self.nodes[nid].message is None:
                passed.add(nid)
                nid = self.nodes[nid].parent if self.nodes[nid].parent in self.nodes else None
            if nid is not None and self.nodes[nid].message is not None:
                return nid
        leaves = [nid for nid in self.visible if not self.children.get(nid)]
        if not leaves:
            return None
        chosen = max(leaves, key=self._sort_key)
        if current is None:
            problems.append(f"no current_node: the main line ends at the latest message ({chosen})")
        else:
            why = "leads to no shown message" if current in self.nodes else "is not in the export"
            problems.append(f"current_node {current} {why}: the main line ends at the latest message ({chosen})")
        return chosen

    def path_to(self, leaf: str | None) -> list[str]:
        path: list[str] = []
        seen: set[str] = set()
        nid = leaf
        while nid is not None and nid not in seen:
            path.append(nid)
            seen.add(nid)
            nid = self.parent_of[nid]
        return path[::-1]

    def descend(self, start: str) -> list[str]:
        """``start`` and the latest child of each message after it, down to a leaf."""
        line, inside = [start], {start}
        while kids := [k for k in self.children.get(line[-1], []) if k not in self.placed and k not in inside]:
            line.append(kids[-1])
            inside.add(kids[-1])
        return line

    def add_line(self, line: list[str], note: str | None) -> None:
        """Append the messages of ``line`` as new records; ``note`` goes on the first one."""
        current: _Record | None = None
        for position, nid in enumerate(line):
            first_note = note if position == 0 else None
            if self.role(nid) == "user":
                current = self._new_record(_Record(nid, [], first_note))
                self._place(nid, len(self.records) - 1, -1, 0)
                continue
            if current is None:
                current = self._new_record(_Record(None, [], first_note))
            if not current.variants:
                current.variants.append([])
            current.variants[0].append(nid)
            self._place(nid, len(self.records) - 1, 0, len(current.variants[0]) - 1)

    def _new_record(self, record: _Record) -> _Record:
        self.numbers.append((self.numbers[-1] if self.numbers else 0) + (record.question is not None))
        self.records.append(record)
        return record

    def _place(self, nid: str, record: int, variant: int, position: int) -> None:
        self.placed.add(nid)
        self.records[record].members.append(nid)
        self.where.setdefault(nid, (record, variant, position))

    def place_alternatives(self) -> int:
        """Walk the records in order (the list grows as branches are appended) and place every other child; then
        each other thread start, whose own branches are walked in turn."""
        branches = 0
        index = 0
        roots = iter(self.children.get(None, []))
        while True:
            while index < len(self.records):
                members = self.records[index].members
                position = 0
                while position < len(members):  # grows when a variant joins this record
                    nid = members[position]
                    for child in self.children.get(nid, []):
                        if child not in self.placed:
                            self._alternative(child, nid)
                            branches += 1
                    position += 1
                index += 1
            root = next((r for r in roots if r not in self.placed), None)
            if root is None:
                return branches
            line = self.descend(root)
            note = "Another thread of this conversation: its first message has no parent in the export."
            if self.role(root) == "user":
                self._question_branch(root, line, None, note)
            elif self.records and self.records[0].question is None:
                self.add_line(line, "Another version of the first messages of this conversation.")
            else:
                self.add_line(line, note)
            branches += 1

    def _alternative(self, child: str, parent: str) -> None:
        line = self.descend(child)
        record_index, variant, position = self.where[parent]
        record = self.records[record_index]
        if self.role(child) != "user":
            prefix = [] if variant < 0 else record.variants[variant][: position + 1]
            if self.repeats + len(prefix) > self.budget:
                self._leave_out(child)
                return
            self.repeats += len(prefix)
            if record.question is None:
                self.add_line(prefix + line, "Another version of the messages above.")
                return
            self._add_variant(record_index, prefix, line)
            return
        self._question_branch(child, line, parent,
                              f"Branch: another question asked after question {self._question_number(record_index)}.")

    def _question_branch(self, child: str, line: list[str], parent: str | None, otherwise: str) -> None:
        """A question asked in place of a question already placed under ``parent``: the same words make one more
        answer of it, others an edited question; with no such question, ``otherwise`` is the note of its line.
        At the start (``parent`` None) only other words are an edited question: the same words may start
        threads of their own."""
        original = next((k for k in self.children.get(parent, []) if k in self.placed and self.role(k) == "user"
                         and self.where[k][1] == -1), None)
        if original is not None and parent is None and self._same_text(original, child):
            original = None
        if original is not None and self._same_text(original, child):
            target = self.where[original][0]
            self._place(child, target, -1, 0)
            self._add_variant(target, [], line[1:])
            return
        if original is not None:
            number = self._question_number(self.where[original][0])
            quoted = self.nodes[original].message.text  # type: ignore[union-attr]
            otherwise = (f"Edited question: this branch asks another version of question {number} "
                         f"(“{_quote(quoted)}”) and continues from there.")
        self.add_line(line, otherwise)

    def _leave_out(self, start: str) -> None:
        """``start`` and everything below it are not shown (counted in ``left_out``)."""
        stack = [start]
        while stack:
            nid = stack.pop()
            if nid not in self.placed:
                self.placed.add(nid)
                self.left_out += 1
                stack.extend(self.children.get(nid, []))

    def _add_variant(self, record_index: int, prefix: list[str], line: list[str]) -> None:
        record = self.records[record_index]
        cut = next((i for i, nid in enumerate(line) if self.role(nid) == "user"), len(line))
        answer, rest = line[:cut], line[cut:]
        if answer:
            record.variants.append(prefix + answer)
            for offset, nid in enumerate(answer):
                self._place(nid, record_index, len(record.variants) - 1, len(prefix) + offset)
        if rest:
            number = self._question_number(record_index)
            self.add_line(rest, f"Branch: continues after answer {len(record.variants)} of question {number}.")

    def _same_text(self, a: str, b: str) -> bool:
        return question_key(self.nodes[a].message.text) == question_key(self.nodes[b].message.text)  # type: ignore[union-attr]

    def _question_number(self, record_index: int) -> int:
        return self.numbers[record_index]

    def exchanges(self) -> tuple[DraftExchange, ...]:
        def message(nid: str) -> Message:
            return self.nodes[nid].message  # type: ignore[return-value]

        return tuple(
            DraftExchange(message(r.question) if r.question else None,
                          tuple(tuple(message(n) for n in v) for v in r.variants if v), r.note)
            for r in self.records
        )


def _quote(text: str) -> str:
    return inline(text, 60)

