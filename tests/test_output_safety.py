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
from site_builder.errors import OutputError, SiteError
from site_builder.discover import THEME_DIR
from site_builder.output import remove, staging, swap
from site_builder.output.marker import MARKER, write_marker

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
    (content / "static" / "humans.txt").write_text("Zhiwei\n")
    build_site(content, empty)
    assert (empty / "index.html").is_file() and (empty / MARKER).is_file() and (empty / "humans.txt").is_file()
    (content / "static" / "humans.txt").unlink()
    build_site(content, empty)  # a file of ours the site no longer has is removed
    assert not (empty / "humans.txt").exists() and (empty / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "project", "theirs"], "nothing left beside"


@pytest.mark.parametrize("marker", [b"", b"{}", b'{"complete": true}', b"[]", b"not json",
                                    b'{"note": "written by site-builder", "complete": true}'])
def test_a_marker_we_did_not_write_does_not_make_a_folder_ours(tmp_path, marker):
    """An empty ``.site-builder`` in a home folder made it count as a site of ours (two entries lost into the
    spare): only the marker a build writes counts."""
    content = make_project(tmp_path / "project")
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents" / "cv.txt").write_text("mine")
    (home / MARKER).write_bytes(marker)
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="did not write"):
        build_site(content, home)
    assert snapshot(tmp_path) == before


def test_outputs_that_are_or_hold_or_sit_in_the_cache_are_refused(tmp_path, monkeypatch):
    """``--out`` at an empty cache root put the build's state into the published site."""
    content = make_project(tmp_path / "project")
    cache = tmp_path / "cache"
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(cache))
    for out in (cache, cache / "site", tmp_path / "cache" / "content-x"):
        out.mkdir(exist_ok=True)
        with pytest.raises(OutputError) as error:
            build_site(content, out)
        assert "cache" in str(error.value) or "did not write" in str(error.value)
    assert not any(path.is_file() for path in cache.rglob("*")), "nothing was built"
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "elsewhere" / "cache"))
    with pytest.raises(OutputError, match="cache"):
        build_site(content, tmp_path / "elsewhere")  # an empty folder that would hold the cache


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


def _fail_writes_after(monkeypatch, after: int) -> None:
    """``Path.write_text`` and ``write_bytes`` (pages, the marker, the search records) fail with ENOSPC after
    ``after`` calls of either."""
    calls = {"n": 0}
    for name in ("write_text", "write_bytes"):
        def failing(self, *args, _original=getattr(Path, name), **kwargs):
            calls["n"] += 1
            if calls["n"] > after:
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(Path, name, failing)


def test_disk_full_while_writing_keeps_the_previous_site(tmp_path, monkeypatch):
    content = make_project(tmp_path / "project")
    out = tmp_path / "out"
    build_site(content, out)
    before = snapshot(out)
    with (content / "posts" / "2024-01-02-hello.md").open("a") as post:
        post.write("\nAn edit, so that the next build has pages to write.\n")
    _fail_writes_after(monkeypatch, after=1)
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
def small_disk(tmp_path, mounts):
    """A real 2 MB tmpfs (test_disk_full_while_writing_keeps_the_previous_site covers the same path with a fake
    ENOSPC where it cannot be mounted)."""
    return mounts("tmpfs", tmp_path / "disk", size="2m")


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
    write_marker(ours, complete=False)
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
    monkeypatch.setattr(swap, "_exchange", lambda a, b: False)
    original_rename = Path.rename

    def rename(self, target):
        if self == out:  # the first of the two renames happens; then the process "dies"
            original_rename(self, target)
            raise KeyboardInterrupt("killed")
        return original_rename(self, target)
    monkeypatch.setattr(Path, "rename", rename)
    monkeypatch.setattr(staging, "remove_ours", lambda folder: None)  # a killed process cleans nothing up
    monkeypatch.setattr(remove, "remove_ours", lambda folder: None)
    with pytest.raises(KeyboardInterrupt):
        build_site(content, out)
    monkeypatch.undo()
    assert not out.exists()
    remove.clean_leftovers(out)  # what the next build does first
    assert "hello again" in (out / "posts" / "hello" / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "project"]


def test_the_previews_background_removal_is_finished_by_the_next_build(tmp_path):
    """``serve`` removes the previous site on a thread after the swap; it holds the folder's lock until done,
    and the next build waits for it: nothing of ours is left beside the site, and the site is whole."""
    from dataclasses import dataclass

    from site_builder.output.write import write_site

    @dataclass(frozen=True)
    class Page:
        path: str
        content: str

    out = tmp_path / "_site"
    pages = [Page(f"posts/p{i}/index.html", f"page {i}") for i in range(300)]
    write_site(pages, [], out)
    write_site([Page(p.path, p.content + " again") for p in pages], [], out, remove_previous="background")
    remove.clean_leftovers(out)  # what the next build does first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]
    assert (out / "posts" / "p299" / "index.html").read_text() == "page 299 again"


@pytest.mark.parametrize("layout", ["output-on-a-bind-mount", "cache-on-a-bind-mount", "output-on-tmpfs",
                                    "both-on-one-tmpfs"])
def test_builds_pass_on_bind_mounts_and_tmpfs(tmp_path, monkeypatch, mounts, layout):
    """Two bind mounts of one file system share ``st_dev`` but refuse renames between them (EXDEV): every build
    that used the spare staging folder failed (``Invalid cross-device link``). Docker volumes, devcontainers and
    CI caches are such mounts. Whether the spare can serve is now tried, and the build stages beside the
    output when it cannot."""
    content = make_project(tmp_path / "project")
    (content / "site.yaml").write_text("title: T\nsearch: false\n")  # search off: the spare staging folder
    cache, out = tmp_path / "cache", tmp_path / "out" / "_site"
    if layout == "output-on-a-bind-mount":
        (tmp_path / "volume").mkdir()
        out = mounts("bind", tmp_path / "out", tmp_path / "volume") / "_site"
    elif layout == "cache-on-a-bind-mount":
        (tmp_path / "volume").mkdir()
        cache = mounts("bind", tmp_path / "cache", tmp_path / "volume")
    elif layout == "output-on-tmpfs":
        out = mounts("tmpfs", tmp_path / "out") / "_site"
    else:
        disk = mounts("tmpfs", tmp_path / "disk")
        cache, out = disk / "cache", disk / "_site"
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(cache))
    post = content / "posts" / "2024-01-02-hello.md"
    for number in range(3):
        post.write_text(POST.replace("hello", f"hello {number}"))
        build_site(content, out)
        assert f"hello {number}" in (out / "posts" / "hello" / "index.html").read_text()
    assert not [p for p in out.parent.iterdir() if p.name.startswith("._site-")], "nothing left beside the site"


def test_a_read_only_output_says_so(tmp_path, monkeypatch, mounts):
    """An output on a read-only mount was reported as ``Invalid cross-device link``."""
    content = make_project(tmp_path / "project")
    (content / "site.yaml").write_text("title: T\nsearch: false\n")
    disk = mounts("tmpfs", tmp_path / "disk")
    build_site(content, disk / "_site")
    before = snapshot(disk)
    (content / "posts" / "2024-01-02-hello.md").write_text(POST.replace("hello", "hello again"))
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    with pytest.raises(OutputError) as error:
        build_site(content, disk / "_site")
    assert "Read-only file system" in str(error.value) and "cross-device" not in str(error.value)
    assert snapshot(disk) == before


@pytest.mark.parametrize("where, text, message", [
    ("site.yaml", "title: T\nlanguage: english\n", "language 'english' is not a language tag"),
    ("site.yaml", "title: T\nlanguage: '<b>'\n", "language '<b>' is not a language tag"),
    ("post", "---\ntitle: T\nlang: 'en\"x'\n---\n\nUser: hi?\n\nChatGPT: hello\n", ":3: front matter: lang"),
    ("site.yaml", "title: T\nkeep: [../outside]\n", "keep: '../outside' is not a path inside the output"),
    ("site.yaml", "title: T\nkeep: {a: b}\n", "keep must be a list of paths inside the output"),
])
def test_a_language_that_is_no_language_tag_and_a_bad_keep_name_are_errors(tmp_path, where, text, message):
    """``lang:`` went into ``<html lang>`` unvalidated (escaped, but no language); ``keep:`` names must stay
    inside the output."""
    content = make_project(tmp_path / "project")
    path = content / ("site.yaml" if where == "site.yaml" else "posts/2024-01-02-hello.md")
    path.write_text(text)
    with pytest.raises(SiteError) as error:
        build_site(content, tmp_path / "_site")
    assert message in str(error.value) and not (tmp_path / "_site").exists()


def test_language_tags_people_write_are_accepted(tmp_path):
    content = make_project(tmp_path / "project")
    (content / "site.yaml").write_text("title: T\nlanguage: en_GB\nkeep: CNAME\n")
    post = content / "posts" / "2024-01-02-hello.md"
    post.write_text(POST.replace("title: Hello", "title: Hello\nlang: zh-Hans"))
    build_site(content, tmp_path / "_site")
    assert '<html lang="en-GB"' in (tmp_path / "_site" / "index.html").read_text()
    assert '<html lang="zh-Hans"' in (tmp_path / "_site" / "posts" / "hello" / "index.html").read_text()


def test_a_first_build_leaves_a_spare_ready_for_the_next(tmp_path, monkeypatch):
    """The spare staging folder became the site on a first build: a new spare is made of links to the files the
    build wrote (not the user's), so the next build finds every unchanged file there (the first edit after a cold
    build is as quick as any other)."""
    from site_builder import incremental

    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    content = make_project(tmp_path / "project")
    out = tmp_path / "_site"
    build_site(content, out)
    spare = incremental.spare_folder(content, out)
    page = Path("posts") / "hello" / "index.html"
    assert (spare / page).stat().st_ino == (out / page).stat().st_ino, "a link to the site's file"
    assert not (spare / MARKER).exists() and not list(spare.parent.glob("*.priming-*")), "no marker, no part left"
    (content / "posts" / "2024-01-02-hello.md").write_text(POST.replace("hello", "hello again"))
    (out / "CNAME").write_text("blog.example\n")  # the user's file, carried into the new site
    build_site(content, out)
    assert "hello again" in (out / page).read_text() and (out / "CNAME").read_text() == "blog.example\n"
    assert "hello again" not in (spare / page).read_text(), "the spare now holds the previous site"
