"""Import benchmark: a generated ChatGPT export of 10,000 conversations (~200 MB) -> posts; or, with
``--claude-code N``, a generated Claude Code project folder of N sessions (~2 MB each: prompts, answers, Bash
calls with long outputs, edits), imported as users do: ``import FOLDER`` with the format found from the files.

Prints the export size, the import time and the import's peak RSS (measured in a child process, so
generating the export does not count). Usage: ``python benchmarks/bench_import.py [--conversations N]
[--zip] [--claude-code N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

WORDS = ("model gradient tensor layer token batch epoch loss python install error the a of to and is "
         "in that it for with as on how why what when memory cuda shape function return value").split()


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def message(nid: str, role: str, text: str, parent: str | None, children: list[str], t: float) -> dict:
    return {"id": nid, "parent": parent, "children": children, "message": {
        "id": nid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": t,
        "content": {"content_type": "text", "parts": [text]}, "status": "finished_successfully",
        "metadata": {"model_slug": "gpt-4o"} if role == "assistant" else {}, "recipient": "all"}}


def conversation(rng: random.Random, index: int) -> dict:
    """~20 KB: a root, about 8 exchanges with code and a rule, one regenerated answer."""
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": ["m0"]}}
    start = 1.7e9 + index * 3600
    parent, count = "root", 0
    exchanges = rng.randint(6, 10)
    for number in range(exchanges):
        q, a = f"m{count}", f"m{count + 1}"
        count += 2
        question = paragraph(rng, rng.randint(8, 40))
        answer = "\n\n".join([paragraph(rng, 120), "```python\nUser: not a label\nprint('hi')\n```",
                              paragraph(rng, 100), "---", paragraph(rng, 80)])
        mapping[q] = message(q, "user", question, parent, [a], start + count)
        mapping[a] = message(a, "assistant", answer, q, [], start + count + 1)
        mapping[parent]["children"] = mapping[parent]["children"] if parent == "root" else [q]
        if number == 2:  # a regenerated answer
            alt = f"m{count}"
            count += 1
            mapping[alt] = message(alt, "assistant", paragraph(rng, 200), q, [], start + count)
            mapping[q]["children"].append(alt)
        parent = a
    cid = f"{index:08d}-0000-4000-8000-000000000000"
    return {"title": f"Benchmark conversation {index}", "create_time": start, "update_time": start + 99,
            "mapping": mapping, "current_node": parent, "conversation_id": cid, "id": cid}


def generate(path: Path, conversations: int) -> int:
    rng = random.Random(1234)
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for index in range(conversations):
            out.write(("," if index else "") + json.dumps(conversation(rng, index)))
        out.write("]")
    return path.stat().st_size


def session_lines(rng: random.Random, index: int, prompts: int = 20) -> list[dict]:
    """One Claude Code session (~2 MB): prompts, each answered by text, a Bash call with a long output and an
    edit, chained by ``parentUuid`` as the CLI writes them."""
    session = f"5e55{index:04d}-0000-4000-8000-000000000000"
    lines, parent, clock = [{"type": "summary", "summary": f"Session {index}", "leafUuid": "x"}], None, 1.75e9 + index * 1e4

    def line(kind: str, message: dict, **extra: object) -> dict:
        nonlocal parent, clock
        clock += 7
        uuid = f"{index:04d}-{len(lines):06d}"
        row = {"parentUuid": parent, "isSidechain": False, "userType": "external", "cwd": "/home/me/project",
               "sessionId": session, "version": "2.0.14", "gitBranch": "main", "type": kind, "uuid": uuid,
               "timestamp": f"2025-06-{1 + index % 28:02d}T10:{int(clock) % 60:02d}:00.000Z", "message": message,
               **extra}
        parent = uuid
        lines.append(row)
        return row

    for number in range(prompts):
        line("user", {"role": "user", "content": f"Prompt {number}: " + paragraph(rng, 30)})
        line("assistant", {"role": "assistant", "model": "claude-sonnet-4-5", "content": [
            {"type": "text", "text": paragraph(rng, 80)},
            {"type": "tool_use", "id": f"tu{index}-{number}", "name": "Bash",
             "input": {"command": "pytest -q tests/", "description": "run the tests"}}]})
        output = "\n".join(f"tests/test_{n}.py::test_case PASSED " + paragraph(rng, 12) for n in range(1000))
        line("user", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"tu{index}-{number}",
                                                     "content": output}]},
             toolUseResult={"stdout": output, "stderr": "", "interrupted": False})
        line("assistant", {"role": "assistant", "model": "claude-sonnet-4-5", "content": [
            {"type": "tool_use", "id": f"ed{index}-{number}", "name": "Edit",
             "input": {"file_path": "/home/me/project/app.py", "old_string": paragraph(rng, 40),
                       "new_string": paragraph(rng, 40)}}]})
        line("user", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"ed{index}-{number}",
                                                     "content": "The file has been updated."}]})
        line("assistant", {"role": "assistant", "model": "claude-sonnet-4-5",
                           "content": [{"type": "text", "text": paragraph(rng, 60)}]})
    return lines


def generate_project(folder: Path, sessions: int) -> int:
    rng = random.Random(1234)
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(sessions):
        with open(folder / f"session-{index:04d}.jsonl", "w", encoding="utf-8") as out:
            out.writelines(json.dumps(row) + "\n" for row in session_lines(rng, index))
    return sum(p.stat().st_size for p in folder.iterdir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--zip", action="store_true", help="import from a zip (the member is streamed)")
    parser.add_argument("--claude-code", type=int, metavar="SESSIONS",
                        help="import a generated Claude Code project folder of this many sessions instead")
    parser.add_argument("--keep", type=Path, help="work in this folder instead of a temporary one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.claude_code:
            return _run(work / "project", generate_project(work / "project", args.claude_code), work, None,
                        f"Claude Code project folder: {args.claude_code} sessions")
        export = work / "conversations.json"
        size = generate(export, args.conversations)
        if args.zip:
            with zipfile.ZipFile(work / "export.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                archive.write(export, "conversations.json")
            export.unlink()
            export = work / "export.zip"
        return _run(export, size, work, "chatgpt", f"export: {args.conversations} conversations"
                    + (f" ({export.stat().st_size / 1e6:.1f} MB zipped)" if args.zip else ""))


def _run(export: Path, size: int, work: Path, kind: str | None, what: str) -> int:
    """Import ``export`` in a child process (``kind`` None: found from the files, as ``import FILE`` does) and
    print its time and peak RSS."""
    print(f"{what}, {size / 1e6:.1f} MB")
    code = ("import sys; from pathlib import Path; from site_builder.importers.driver import import_export, Selection; "
            "r = import_export(sys.argv[3] or None, Path(sys.argv[1]), Path(sys.argv[2]), Selection(everything=True)); "
            "print(r.count('new'), sum(o.turns for o in r.outcomes), sum(o.variants for o in r.outcomes))")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(export), str(work / "posts"), kind or ""],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        print(done.stderr, file=sys.stderr)
        return 1
    posts, turns, variants = done.stdout.split()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"import: {posts} posts, {turns} turns, {variants} variants in {seconds:.1f} s "
          f"({size / 1e6 / seconds:.1f} MB/s); peak RSS of the import process {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
