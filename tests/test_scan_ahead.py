"""The output scanned ahead in a forked child (``output/ahead.py``): the same scan as the build's own, none of a
folder that is not ours, no child left behind, and the ``build`` command's decisions (nothing changed, a file
edited by hand, the user's files) made on it as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from site_builder.output.ahead import scan_ahead
from site_builder.output.scan import scan_output

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the scan ahead forks on Linux only")


def _site(tmp_path: Path, posts: int = 3) -> tuple[Path, Path, dict[str, str]]:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "site.yaml").write_text("title: Ahead\n", encoding="utf-8")
    for day in range(1, posts + 1):
        (content / "posts" / f"2024-01-0{day}-post-{day}.md").write_text(
            f"---\ntitle: Post {day}\ntags: [t{day}]\n---\n\nMe: question {day}?\n\nChatGPT: answer {day}.\n",
            encoding="utf-8")
    env = {**os.environ, "SITE_BUILDER_CACHE": str(tmp_path / "cache")}
    return content, tmp_path / "out", env


def _build(content: Path, out: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "site_builder", "build", "--content", str(content), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return done


# What a fresh process (one thread: the child is forked) finds ahead, as JSON: whether it forked, the scan's
# fields, whether the folder was walked (``scan_output`` called in the child), and whether a child is left.
PROBE = """
import json, os, sys
from pathlib import Path
import site_builder.output.scan as scan
walked = Path(sys.argv[2])
real = scan.scan_output
def scan_output(out, keep=None):
    walked.write_text("walked")
    return real(out, keep)
scan.scan_output = scan_output  # the child imports the module this process already holds
from site_builder.output.ahead import scan_ahead
out = Path(sys.argv[1]).resolve()
ahead = scan_ahead(out)
forked = bool(ahead._pid)
got = ahead.result(out if sys.argv[3] == "same" else out / "elsewhere")
try:
    os.waitpid(-1, os.WNOHANG)
    left = True
except ChildProcessError:
    left = False
print(json.dumps({"forked": forked, "scan": None if got is None else [got.files, got.kept, got.unlisted, got.keep],
                  "walked": walked.exists(), "left": left}))
"""


def _probe(out: Path, tmp_path: Path, which: str = "same") -> dict:
    walked = tmp_path / "walked"
    walked.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), str(walked), which], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_child_finds_what_the_build_would_and_is_reaped(tmp_path: Path) -> None:
    content, out, env = _site(tmp_path)
    _build(content, out, env)
    (out / "CNAME").write_text("example.org\n")
    (out / "notes.txt").write_text("mine\n")
    found = _probe(out, tmp_path)
    own = scan_output(out.resolve())
    assert found["forked"] and found["walked"] and not found["left"]
    files, kept, unlisted, keep = found["scan"]
    assert {path: tuple(sig) for path, sig in files.items()} == own.files
    assert (tuple(kept), tuple(unlisted), tuple(keep)) == (own.kept, own.unlisted, own.keep)
    assert "CNAME" in own.kept and own.unlisted == ("notes.txt",) and len(own.files) > 5


def test_a_folder_without_our_marker_is_not_walked(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "deep" / "er").mkdir(parents=True)
    (mine / "deep" / "er" / "photo.jpg").write_bytes(b"\xff\xd8")
    found = _probe(mine, tmp_path)
    assert found == {"forked": True, "scan": None, "walked": False, "left": False}
    (mine / ".site-builder").write_text("{}")  # a marker that is not ours (no note of ours): still not walked
    assert _probe(mine, tmp_path)["walked"] is False


def test_a_scan_of_another_folder_is_not_taken(tmp_path: Path) -> None:
    content, out, env = _site(tmp_path, posts=1)
    _build(content, out, env)
    found = _probe(out, tmp_path, which="other")
    assert found["forked"] and found["scan"] is None and not found["left"]


def test_a_scan_not_taken_is_killed_and_reaped(tmp_path: Path) -> None:
    code = ("import os; from site_builder.output.ahead import scan_ahead\n"
            f"ahead = scan_ahead({str(tmp_path)!r}); pid = ahead._pid; ahead.close()\n"
            "print(pid > 0, os.path.exists(f'/proc/{pid}'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", "False"], done.stderr


def test_no_child_is_forked_beside_other_threads(tmp_path: Path) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        ahead = scan_ahead(tmp_path)
        assert not ahead._pid and ahead.result(tmp_path.resolve()) is None
    finally:
        stop.set()
        thread.join()


def test_the_build_command_decides_on_the_scan_ahead_as_on_its_own(tmp_path: Path) -> None:
    content, out, env = _site(tmp_path)
    _build(content, out, env)
    assert "nothing changed" in _build(content, out, env).stdout
    page = next(out.glob("posts/*/index.html"))
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("answer", "ANSWER"), encoding="utf-8")  # edited by hand: written again
    (out / "notes.txt").write_text("mine\n")
    done = _build(content, out, env)
    assert "nothing changed" not in done.stdout and "notes.txt" in done.stderr  # the user's file: kept, said
    assert page.read_text(encoding="utf-8") == text and (out / "notes.txt").read_text() == "mine\n"
    (page).unlink()
    _build(content, out, env)
    assert page.read_text(encoding="utf-8") == text
