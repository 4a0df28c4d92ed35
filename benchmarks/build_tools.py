"""The generators ``bench_build.py`` compares: each one installed if missing, given its copy of the corpus, and
described as a ``Site`` — the commands of a cold build and of a rebuild, and what a cold build starts without.

Hugo and Jekyll come from Debian (``apt-get install``, only when running as root); Pelican and Markdown are
installed with pip into a virtual environment of their own under ``~/.cache/site-builder-bench/``. A tool
that cannot be installed is ``Unavailable`` with the reason, and the benchmark goes on without it.
"""

from __future__ import annotations

import os
import platform
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pygments

import corpus_sites
from build_corpus import GeneratedPost

PELICAN_REQUIREMENTS = (("pelican==4.12.*", "markdown"), ("pelican", "markdown"))
"""What pip installs into Pelican's environment: the version of issue 11's table, else the newest."""


@dataclass(frozen=True, slots=True)
class Site:
    """One generator's copy of the corpus and how to build it."""
    name: str
    """The row's name in the table."""
    cold: tuple[str, ...]
    """The command of a build from nothing."""
    rebuild: tuple[str, ...]
    """The command of a build over the previous one (incremental where the tool has a mode for it)."""
    scratch: tuple[Path, ...]
    """The output and the caches: removed before each cold build."""
    posts: Path
    """The folder of the post files (the one-change scenario edits one of them)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Added to the environment of every build."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Unavailable:
    name: str
    reason: str


class ToolMissing(Exception):
    """A generator that is not installed and could not be installed; the message says why."""


# --- installing -----------------------------------------------------------------------------------------

def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "site-builder-bench"


def apt_executable(executable: str, packages: tuple[str, ...]) -> str:
    """The path of ``executable``, installed with apt-get when missing and we are root."""
    found = shutil.which(executable)
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ToolMissing(f"not installed and not root (apt-get install {' '.join(packages)})")
    _apt_get_install(packages)
    found = shutil.which(executable)
    if not found:
        raise ToolMissing(f"apt-get install {' '.join(packages)} failed")
    return found


def _apt_get_install(packages: tuple[str, ...]) -> None:
    print(f"installing {' '.join(packages)} with apt-get…", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, capture_output=True)


GNU_TIME = Path("/usr/bin/time")


def ensure_gnu_time() -> bool:
    """Whether GNU time (wall clock, CPU and peak RSS of a command) is there, installed with apt-get if
    missing and we are root."""
    if not GNU_TIME.is_file() and os.geteuid() == 0 and shutil.which("apt-get"):
        _apt_get_install(("time",))
    return GNU_TIME.is_file()


def pelican_executable() -> Path:
    """``pelican`` in its own virtual environment, created with pip on first use."""
    venv = cache_folder() / "pelican-venv"
    pelican = venv / "bin" / "pelican"
    if pelican.is_file():
        return pelican
    print(f"installing Pelican into {venv}…", file=sys.stderr)
    made = subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], capture_output=True, text=True)
    if made.returncode:
        raise ToolMissing(f"cannot create {venv}: {made.stderr.strip()[-200:]}")
    for requirements in PELICAN_REQUIREMENTS:
        done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                               "--disable-pip-version-check", *requirements], capture_output=True, text=True)
        if done.returncode == 0 and pelican.is_file():
            return pelican
    raise ToolMissing(f"pip install {' '.join(PELICAN_REQUIREMENTS[-1])} failed: {done.stderr.strip()[-200:]}")


def jekyll_has_feed_plugin(jekyll: str) -> bool:
    ruby = Path(jekyll).resolve().parent / "ruby"
    ruby_exe = str(ruby) if ruby.is_file() else (shutil.which("ruby") or "ruby")
    try:
        return subprocess.run([ruby_exe, "-e", "require 'jekyll-feed'"], capture_output=True).returncode == 0
    except OSError:
        return False


# --- versions -------------------------------------------------------------------------------------------

def version_of(command: list[str]) -> str:
    """The first line a ``--version`` command prints, or why there is none."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


# --- one Site per generator -----------------------------------------------------------------------------

def site_builder_site(work: Path, posts: list[GeneratedPost], *, search: bool, name: str) -> Site:
    folder = work / name.replace(" ", "").replace("+", "-")
    posts_dir = corpus_sites.write_site_builder_site(folder / "content", posts, search=search)
    executable = str(Path(sys.executable).parent / "site-builder")
    out, cache = folder / "out", folder / "cache"
    command = (executable, "build", "--content", str(folder / "content"), "--out", str(out))
    return Site(name, command, command, (out, cache), posts_dir, {"SITE_BUILDER_CACHE": str(cache)},
                note="search index (Pagefind) built" if search else "search: false")


def hugo_site(work: Path, posts: list[GeneratedPost]) -> Site:
    hugo = apt_executable("hugo", ("hugo",))
    folder = work / "hugo"
    posts_dir = corpus_sites.write_hugo_site(folder / "source", posts)
    out, cache = folder / "out", folder / "cache"
    command = (hugo, "--source", str(folder / "source"), "--destination", str(out), "--cacheDir", str(cache),
               "--quiet")
    return Site("Hugo", command, command, (out, cache, folder / "source" / "resources"), posts_dir,
                note="rebuilds are plain `hugo` (no incremental CLI mode)")


def hugo_pagefind_site(work: Path, posts: list[GeneratedPost]) -> Site:
    """Hugo, then ``pagefind --site`` over its output: Hugo's site with a search index, as its users make one
    (Pagefind is the binary site_builder runs, from ``pagefind-bin-extended``)."""
    hugo = hugo_site(work / "hugo-pagefind", posts)
    try:
        from pagefind_bin_extended import get_executable
    except ImportError as exc:
        raise ToolMissing(f"no Pagefind binary ({exc})") from None
    out = hugo.scratch[0]
    command = ("/bin/sh", "-c", f"{shlex.join(hugo.cold)} && {shlex.quote(str(get_executable()))} --site "
                                f"{shlex.quote(str(out))} >/dev/null")
    return Site("Hugo + Pagefind", command, command, hugo.scratch, hugo.posts,
                note="`hugo` then `pagefind --site` over its output, every build")


def jekyll_site(work: Path, posts: list[GeneratedPost]) -> Site:
    jekyll = apt_executable("jekyll", ("jekyll", "ruby-jekyll-feed"))
    folder = work / "jekyll"
    feed = jekyll_has_feed_plugin(jekyll)
    source = folder / "source"
    posts_dir = corpus_sites.write_jekyll_site(source, posts, feed=feed)
    out = folder / "out"
    cold = (jekyll, "build", "--source", str(source), "--destination", str(out), "--quiet")
    return Site("Jekyll", cold, cold + ("--incremental",),
                (out, source / ".jekyll-cache", source / ".jekyll-metadata"), posts_dir,
                note="rebuilds use --incremental; no tag pages" + ("" if feed else "; no feed (no jekyll-feed)"))


def pelican_site(work: Path, posts: list[GeneratedPost]) -> Site:
    pelican = pelican_executable()
    folder = work / "pelican"
    cache = folder / "cache"
    posts_dir = corpus_sites.write_pelican_site(folder / "source", posts, cache=cache)
    out = folder / "out"
    command = (str(pelican), str(posts_dir), "--output", str(out), "--settings",
               str(folder / "source" / "pelicanconf.py"), "--quiet")
    return Site("Pelican", command, command, (out, cache), posts_dir,
                note="CACHE_CONTENT + LOAD_CONTENT_CACHE; default theme")


def tool_versions(sites: list[Site]) -> dict[str, str]:
    versions = {"python": platform.python_version(),
                "site_builder": version_of([str(Path(sys.executable).parent / "site-builder"), "--version"]),
                "pygments (site_builder)": pygments.__version__}
    for site in sites:
        if site.name == "Hugo":
            versions["hugo"] = version_of([site.cold[0], "version"])
        elif site.name == "Jekyll":
            versions["jekyll"] = version_of([site.cold[0], "--version"])
        elif site.name == "Pelican":
            python = str(Path(site.cold[0]).parent / "python")
            versions["pelican"] = version_of([site.cold[0], "--version"])
            versions["markdown (Pelican)"] = version_of(
                [python, "-c", "import markdown, pygments; print(markdown.__version__, 'pygments', pygments.__version__)"])
    return versions
