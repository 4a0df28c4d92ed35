"""The user's files in the output folder: a build replaces the files it wrote and nothing else (README "Safety").

Found deleting data before: ``git init _site`` (the usual way to push a ``gh-pages`` branch) or a ``CNAME``
added to the site were removed by the next build. The marker lists what the build wrote; anything else in the
output is moved into each new site untouched, and reported unless a ``keep:`` name or ``.git`` / ``.svn`` /
``.hg`` / ``CNAME`` / ``.nojekyll`` covers it. Checked through both staging folders (a new one beside the
output: search on; the spare kept in the cache: search off), the preview's in-place update, and kills.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from site_builder.build import build_site
from site_builder.errors import OutputError
from site_builder.output import swap
from site_builder.output.marker import MARKER

POST = "---\ntitle: Hello\ndate: 2024-01-02\n---\n\nUser: hi?\n\nChatGPT: hello\n"


def make_content(root: Path, search: bool) -> Path:
    content = root / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-01-02-hello.md").write_text(POST)
    (content / "site.yaml").write_text(f"title: T\nsearch: {'true' if search else 'false'}\n")
    return content


def edit(content: Path, text: str) -> None:
    (content / "posts" / "2024-01-02-hello.md").write_text(POST.replace("hello\n", text + "\n"))


def users_files(out: Path) -> None:
    """What a user adds to a built site: a git repository, a CNAME, notes, a folder inside one of ours."""
    subprocess.run(["git", "init", "-q", str(out)], check=True)
    (out / "CNAME").write_text("blog.example.org\n")
    (out / "notes.txt").write_text("my notes\n")
    (out / "posts" / "drafts-of-mine").mkdir()
    (out / "posts" / "drafts-of-mine" / "a.txt").write_text("a draft\n")


def theirs(out: Path) -> dict[str, str]:
    """The user's files of ``users_files``, with a hash of their bytes."""
    names = [p for p in out.rglob("*") if p.is_file() and (
        p.relative_to(out).parts[0] in (".git", "CNAME", "notes.txt") or "drafts-of-mine" in p.parts)]
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(names)}


@pytest.mark.parametrize("search", [True, False], ids=["staging-beside", "spare"])
def test_the_users_files_survive_every_build_and_are_reported(tmp_path, search):
    content = make_content(tmp_path, search)
    out = tmp_path / "_site"
    build_site(content, out)
    users_files(out)
    before = theirs(out)
    assert len(before) > 5 and any(name.startswith(".git/") for name in before)
    for number in range(3):  # each build swaps a new site in (and, with the spare, reuses the one before)
        edit(content, f"hello {number}")
        result = build_site(content, out)
        assert f"hello {number}" in (out / "posts" / "hello" / "index.html").read_text()
        assert theirs(out) == before, f"build {number}: the user's files changed"
        assert [w for w in result.warnings if "did not write" in w] == [
            f"{out}: warning: kept 2 files site-builder did not write: notes.txt, posts/drafts-of-mine "
            "(list them under keep: in the site's config to keep them without this warning)"]
    result = build_site(content, out)  # nothing to do: still said
    assert any("notes.txt" in w for w in result.warnings) and theirs(out) == before
    assert subprocess.run(["git", "-C", str(out), "status", "--short"], capture_output=True).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "content"], "nothing left beside the site"


def test_keep_names_silence_the_report_and_a_removed_file_of_ours_still_goes(tmp_path):
    content = make_content(tmp_path, search=False)
    (content / "static").mkdir()
    (content / "static" / "humans.txt").write_text("User-agent: *\n")
    out = tmp_path / "_site"
    build_site(content, out)
    users_files(out)
    (content / "site.yaml").write_text("title: T\nsearch: false\nkeep: [notes.txt, posts/drafts-of-mine/]\n")
    (content / "static" / "humans.txt").unlink()
    result = build_site(content, out)
    assert not [w for w in result.warnings if "did not write" in w]
    assert not (out / "humans.txt").exists(), "a file the last build wrote and this one does not is removed"
    assert (out / "notes.txt").read_text() == "my notes\n" and (out / ".git" / "HEAD").is_file()


def test_a_new_page_where_a_file_of_the_user_is_refuses_the_build(tmp_path):
    """The build never writes over what it did not write: it stops, names the file, and changes nothing."""
    content = make_content(tmp_path, search=False)
    out = tmp_path / "_site"
    build_site(content, out)
    (out / "humans.txt").write_text("the user's robots\n")
    (content / "static").mkdir()
    (content / "static" / "humans.txt").write_text("User-agent: *\n")
    before = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(OutputError) as error:
        build_site(content, out)
    assert f"{out / 'humans.txt'} was not written by site-builder" in str(error.value)
    assert {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    with pytest.raises(OutputError, match="was not written by site-builder"):
        build_site(content, out, preview=True)  # the preview's update in place refuses it too
    assert (out / "humans.txt").read_text() == "the user's robots\n"


def test_the_previews_update_in_place_leaves_the_users_files_alone(tmp_path):
    content = make_content(tmp_path, search=True)
    out = tmp_path / "_site"
    build_site(content, out)
    users_files(out)
    before = theirs(out)
    for number in range(2):
        edit(content, f"previewed {number}")
        build_site(content, out, preview=True)
        assert f"previewed {number}" in (out / "posts" / "hello" / "index.html").read_text()
        assert theirs(out) == before
    build_site(content, out)  # then a build brings the index up to date
    assert theirs(out) == before


@pytest.mark.parametrize("search", [True, False], ids=["staging-beside", "spare"])
@pytest.mark.parametrize("moved", [0, 1, 3, 4])
def test_a_build_killed_while_carrying_the_users_files_gives_them_back(tmp_path, search, moved):
    """A kill after ``moved`` of the user's four files and folders went into the new site (4: all, right before the
    swap): they are in a staging folder, listed in its marker. The next build (in ``clean_leftovers`` or taking the spare) gives them back."""
    content = make_content(tmp_path, search)
    out = tmp_path / "_site"
    build_site(content, out)
    users_files(out)
    before = theirs(out)
    edit(content, "hello again")
    renames = 0
    real_rename = os.rename

    def rename(source, target):
        nonlocal renames
        if str(source).startswith(str(out) + os.sep):
            if renames == moved:
                os._exit(0)  # a SIGKILL: nothing runs after it
            renames += 1
        return real_rename(source, target)

    child = os.fork()
    if child == 0:  # pragma: no cover - the killed build
        try:
            swap.os.rename = rename
            swap._swap = lambda staging, out: os._exit(0)
            build_site(content, out)
        finally:
            os._exit(1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the build was killed while moving the user's files"
    if moved:
        assert theirs(out) != before, "some of them are in the staging folder"
    result = build_site(content, out)
    assert "hello again" in (out / "posts" / "hello" / "index.html").read_text()
    assert theirs(out) == before
    assert any("notes.txt" in w for w in result.warnings)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "content"]


def test_clean_removes_the_site_and_keeps_the_users_files(tmp_path, capsys):
    from site_builder.cli import main

    content = make_content(tmp_path, search=True)
    out = tmp_path / "_site"
    build_site(content, out)
    users_files(out)
    before = theirs(out)
    assert main(["clean", "--out", str(out)]) == 0
    assert theirs(out) == before
    assert sorted(p.name for p in out.iterdir()) == [".git", MARKER, "CNAME", "notes.txt", "posts"]
    assert [p.name for p in (out / "posts").iterdir()] == ["drafts-of-mine"]
    assert "kept what site-builder did not write: .git, CNAME, notes.txt, posts/drafts-of-mine" in capsys.readouterr().out
    assert main(["clean", "--out", str(out)]) == 0 and theirs(out) == before, "again: nothing of ours to remove"
    build_site(content, out)  # the marker stayed: a build writes there again, around the user's files
    assert (out / "index.html").is_file() and theirs(out) == before
    shutil.rmtree(out / ".git"), (out / "CNAME").unlink(), (out / "notes.txt").unlink()
    shutil.rmtree(out / "posts" / "drafts-of-mine")
    assert main(["clean", "--out", str(out)]) == 0 and not out.exists()
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "a.txt").write_text("mine")
    assert main(["clean", "--out", str(tmp_path / "theirs")]) == 1 and (tmp_path / "theirs" / "a.txt").exists()


def test_a_site_built_before_markers_listed_files_keeps_the_usual_names(tmp_path):
    """A marker without a file list (written by an older site-builder): every file is the site's, except the
    names that are always the user's (``.git``, ``CNAME``…) and ``keep:`` names; a CNAME the new site also has
    is then a clear error, never lost."""
    content = make_content(tmp_path, search=False)
    out = tmp_path / "_site"
    build_site(content, out)
    (out / MARKER).write_text('{"note": "written by site-builder: the next build replaces this folder whole", '
                              '"complete": true, "written_ns": 1, "build": "old"}')
    users_files(out)
    (out / "stale.html").write_text("a page an older build wrote")
    before = {name: digest for name, digest in theirs(out).items() if name.startswith(".git/") or name == "CNAME"}
    result = build_site(content, out)
    assert {name: digest for name, digest in theirs(out).items() if name in before} == before
    assert not (out / "stale.html").exists() and not (out / "notes.txt").exists(), "no list: the site's"
    assert not [w for w in result.warnings if "did not write" in w]
    (out / MARKER).write_text('{"note": "written by site-builder: the next build replaces this folder whole", '
                              '"complete": true, "written_ns": 1, "build": "old"}')
    (content / "static").mkdir()
    (content / "static" / "CNAME").write_text("other.example.org\n")
    with pytest.raises(OutputError, match="CNAME was not written by site-builder"):
        build_site(content, out)
    assert (out / "CNAME").read_text() == "blog.example.org\n"


def test_a_leftover_whose_marker_names_paths_outside_gives_nothing_back_there(tmp_path):
    """A marker is read, not trusted: a leftover staging folder whose marker lists ``..``, absolute or empty
    paths moves nothing out of the site's folder; a plain name it holds comes back into the site."""
    from site_builder.output.marker import write_marker
    from site_builder.output.remove import clean_leftovers

    content = make_content(tmp_path, search=False)
    out = tmp_path / "_site"
    build_site(content, out)
    leftover = tmp_path / "._site-build-x1"
    (leftover / "sub").mkdir(parents=True)
    (leftover / "notes.txt").write_text("mine\n")
    (leftover / "sub" / "x").write_text("x\n")
    write_marker(leftover, complete=False, files=(), kept=["../escape", "/etc/hostname", "", ".",
                                                                  "sub/../../escape", "notes.txt"])
    before = sorted(p.name for p in tmp_path.iterdir())
    assert clean_leftovers(out) is True
    assert (out / "notes.txt").read_text() == "mine\n"
    assert not (tmp_path / "escape").exists() and sorted(p.name for p in tmp_path.iterdir()) == \
        sorted(set(before) - {"._site-build-x1"})
