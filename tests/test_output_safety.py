"""The output folder: a build replaces only what it built, never the user's files (README "Safety").

Each case was found destroying data before: ``--out .`` replaced a project folder, ``--out content``
deleted the posts, an existing file was moved aside, output inside ``static/`` copied itself.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from site_builder.build import build_site
from site_builder.cli import main
from site_builder.errors import OutputError
from site_builder.render import THEME_DIR
from site_builder import write
from site_builder.write import MARKER

POST = "---\ntitle: Hello\ndate: 2024-01-02\n---\n\nUser: hi?\n\nChatGPT: hello\n"


def make_project(root: Path) -> Path:
    """A project as a user has it: .git, notes, content/ with a post and a static file."""
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "notes.txt").write_text("my notes\n")
    content = root / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-01-02-hello.md").write_text(POST)
    (content / "static").mkdir()
    (content / "static" / "robots.txt").write_text("User-agent: *\n")
    return content


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (symlinks as their target) with a hash of its bytes."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.mark.parametrize("out", [".", "content", "content/posts", "content/static", "content/static/site",
                                 "content/_site", ".."])
def test_outputs_that_are_or_hold_or_sit_in_the_content_are_refused(tmp_path, monkeypatch, capsys, out):
    project = tmp_path / "project"
    make_project(project)
    monkeypatch.chdir(project)
    before = snapshot(tmp_path)
    assert main(["build", "--content", "content", "--out", out]) == 1
    assert snapshot(tmp_path) == before
    error = capsys.readouterr().err
    assert "error: --out" in error and ("content folder" in error or "which the build reads" in error)
    assert "Traceback" not in error


def test_symlinked_names_for_the_content_or_its_parent_are_refused(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    content = make_project(project)
    (tmp_path / "to-content").symlink_to(content)
    (tmp_path / "to-project").symlink_to(project)
    (tmp_path / "to-static").symlink_to(content / "static")
    before = snapshot(tmp_path)
    for link in ("to-content", "to-project", "to-static/inner", "to-project/content/posts"):
        with pytest.raises(OutputError, match="is the content folder or holds it|which the build reads"):
            build_site(content, tmp_path / link)
    # content given through a symlink, output its real parent
    with pytest.raises(OutputError, match="holds it"):
        build_site(tmp_path / "to-content", project)
    assert snapshot(tmp_path) == before


def test_an_output_inside_the_theme_is_refused(tmp_path):
    content = make_project(tmp_path / "project")
    theme = tmp_path / "theme"
    shutil.copytree(THEME_DIR, theme)
    before = snapshot(theme)
    with pytest.raises(OutputError, match="which the build reads"):
        build_site(content, theme / "site", theme=theme)
    assert snapshot(theme) == before


def test_an_existing_file_is_never_replaced(tmp_path):
    content = make_project(tmp_path / "project")
    target = tmp_path / "site.html"
    target.write_text("precious")
    with pytest.raises(OutputError, match="is a file"):
        build_site(content, target)
    assert target.read_text() == "precious" and sorted(p.name for p in tmp_path.iterdir()) == ["project", "site.html"]


def test_a_folder_of_someone_elses_files_is_refused_an_empty_or_our_own_is_replaced(tmp_path):
    content = make_project(tmp_path / "project")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "index.html").write_text("their site")
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="did not write"):
        build_site(content, theirs)
    assert snapshot(tmp_path) == before

    empty = tmp_path / "empty"
    empty.mkdir()
    build_site(content, empty)
    assert (empty / "index.html").is_file() and (empty / MARKER).is_file()
    (empty / "stale.html").write_text("from an older build of ours")
    build_site(content, empty)  # ours: replaced whole
    assert not (empty / "stale.html").exists() and (empty / "robots.txt").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "project", "theirs"], "nothing left beside"


def test_output_inside_static_no_longer_copies_itself(tmp_path):
    content = make_project(tmp_path / "project")
    for _ in range(3):
        with pytest.raises(OutputError):
            build_site(content, content / "static" / "out")
    assert snapshot(content / "static") == {"robots.txt": snapshot(content / "static")["robots.txt"]}


def test_a_jekyll_sites_own_site_folder_inside_it_is_allowed_its_posts_folder_is_not(tmp_path):
    site = tmp_path / "blog"
    (site / "_posts").mkdir(parents=True)
    (site / "_posts" / "2024-01-02-hello.md").write_text(POST)
    (site / "_config.yml").write_text("title: Blog\n")
    build_site(site, site / "_site")
    assert (site / "_site" / "index.html").is_file()
    with pytest.raises(OutputError, match="which the build reads"):
        build_site(site, site / "_posts" / "out")


def test_a_read_only_content_folder_builds(tmp_path, monkeypatch):
    """The build writes nothing next to or inside the content folder: not even a cache."""
    content = make_project(tmp_path / "project")
    # a block whose cache key needs the installed-package map, which the build used to store beside content/
    (content / "posts" / "2024-01-03-code.md").write_text("---\ntitle: Code\n---\n\n```python\nimport yaml\n```\n")
    (tmp_path / "project" / ".cache").write_text("a file where the old cache folder went")
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "project" / ".cache" / "below-a-file"))
    before = snapshot(tmp_path / "project")
    build_site(content, tmp_path / "out")
    assert snapshot(tmp_path / "project") == before
    assert (tmp_path / "out" / "index.html").is_file()


def _failing_write_text(after: int):
    calls = {"n": 0}
    original = Path.write_text

    def write_text(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return original(self, *args, **kwargs)
    return write_text


def test_disk_full_while_writing_keeps_the_previous_site(tmp_path, monkeypatch):
    content = make_project(tmp_path / "project")
    out = tmp_path / "out"
    build_site(content, out)
    before = snapshot(out)
    with (content / "posts" / "2024-01-02-hello.md").open("a") as post:
        post.write("\nAn edit, so that the next build has pages to write.\n")
    monkeypatch.setattr(Path, "write_text", _failing_write_text(after=3))
    with pytest.raises(OutputError, match="No space left on device"):
        build_site(content, out)
    monkeypatch.undo()
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project"]


def test_an_output_whose_parent_is_a_file_is_a_clear_error(tmp_path):
    content = make_project(tmp_path / "project")
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OutputError, match="could not write the site"):
        build_site(content, tmp_path / "plain" / "site")


@pytest.fixture
def small_disk(tmp_path):
    """A real 2 MB tmpfs (root can mount one here; elsewhere the test says why it cannot run)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()}); "
                    "test_disk_full_while_writing_keeps_the_previous_site covers the same path with a fake ENOSPC")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_real_full_disk_and_a_real_read_only_parent(tmp_path, small_disk):
    content = make_project(tmp_path / "project")
    out = small_disk / "site"
    build_site(content, out)
    before = snapshot(out)
    (content / "static" / "big.bin").write_bytes(os.urandom(3 * 1024 * 1024))
    with pytest.raises(OutputError, match="No space left on device"):
        build_site(content, out)
    assert snapshot(out) == before and sorted(p.name for p in small_disk.iterdir()) == ["site"]
    (content / "static" / "big.bin").unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(OutputError, match="Read-only file system"):
        build_site(content, out)
    assert snapshot(out) == before


def test_leftovers_of_killed_builds_are_removed_and_nothing_else(tmp_path):
    content = make_project(tmp_path / "project")
    out = tmp_path / "_site"
    build_site(content, out)
    ours = tmp_path / "._site-build-abc123"
    (ours / "posts").mkdir(parents=True)
    (ours / "posts" / "x.html").write_text("half a site")
    (ours / MARKER).write_text('{"complete": false}')
    not_ours = tmp_path / "._site-build-mine"
    not_ours.mkdir()
    (not_ours / "keep.txt").write_text("a user's folder that happens to have this name")
    build_site(content, out)
    assert not ours.exists() and (not_ours / "keep.txt").read_text().startswith("a user's")


def test_a_kill_between_the_two_renames_is_repaired_by_the_next_build(tmp_path, monkeypatch):
    """Where the file system cannot exchange two folders, the swap is two renames: a kill between them
    leaves no site at the path; the next build puts the newest complete site back before anything else."""
    content = make_project(tmp_path / "project")
    out = tmp_path / "_site"
    build_site(content, out)
    (content / "posts" / "2024-01-02-hello.md").write_text(POST.replace("hello", "hello again"))
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    original_rename = Path.rename

    def rename(self, target):
        if self == out:  # the first of the two renames happens; then the process "dies"
            original_rename(self, target)
            raise KeyboardInterrupt("killed")
        return original_rename(self, target)
    monkeypatch.setattr(Path, "rename", rename)
    monkeypatch.setattr(write, "remove_ours", lambda folder: None)  # a killed process cleans nothing up
    with pytest.raises(KeyboardInterrupt):
        build_site(content, out)
    monkeypatch.undo()
    assert not out.exists()
    write.clean_leftovers(out)  # what the next build does first
    assert "hello again" in (out / "posts" / "hello" / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "project"]


def test_the_previews_background_removal_is_finished_by_the_next_build(tmp_path):
    """``serve`` removes the previous site on a thread after the swap; it holds the folder's lock until done,
    and the next build waits for it: nothing of ours is left beside the site, and the site is whole."""
    from dataclasses import dataclass

    from site_builder.write import write_site

    @dataclass(frozen=True)
    class Page:
        path: str
        content: str

    out = tmp_path / "_site"
    pages = [Page(f"posts/p{i}/index.html", f"page {i}") for i in range(300)]
    write_site(pages, [], out)
    write_site([Page(p.path, p.content + " again") for p in pages], [], out, remove_previous="background")
    write.clean_leftovers(out)  # what the next build does first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]
    assert (out / "posts" / "p299" / "index.html").read_text() == "page 299 again"
