"""The packaged site-builder builds a site from any folder (issue 19): the sdist and the wheel carry the theme.

The repository's own .venv is an editable install, which finds the theme in the top-level ``templates/``;
a ``pip install`` or ``pipx install`` finds it only as the package data ``site_builder/theme``. This test
goes the way ``python -m build`` and pipx go: sdist from the repository, wheel from the sdist, the wheel
installed into a fresh venv outside the repository, and that venv's ``site-builder build`` run from a
folder outside the repository.

The fresh venv sees the project .venv's site-packages through a plain path line in a ``.pth`` file, so the
dependencies are not downloaded on every run; such a line does not run the editable install's hook, and
the test checks that ``site_builder`` is imported from the wheel.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import tarfile
import time
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from crawl import crawl, serve_under
from site_paths import ROOT

THEME = ROOT / "templates"

SITE_YAML = """\
title: My own blog
description: Built by an installed site-builder.
author: Ana
base_url: /
language: en
"""

POST = """\
---
title: "Asking ChatGPT how to reverse a list"
date: 2024-05-01
tags: [python]
speakers:
  Ana: {role: user}
  ChatGPT: {role: assistant, model: gpt-4o}
---

Ana: How do I reverse a list in Python?

ChatGPT: Slice it with a step of -1:

```python
print([1, 2, 3][::-1])
```

Ana: Thanks!
"""


def run(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"{command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def build_environment(tmp_path: Path) -> dict[str, str]:
    """The environment of the build steps: the .venv's own setuptools where it has one (a Python 3.11 venv
    does), else pyproject.toml's build requirements from PyPI into a private folder (build isolation)."""
    env = dict(os.environ)
    if importlib.util.find_spec("setuptools") is None:
        requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
        tools = tmp_path / "build-requires"
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                               "--target", str(tools), *requires], capture_output=True, text=True, timeout=120)
        if done.returncode:
            pytest.skip(f"the .venv has no setuptools and {requires} could not be installed from PyPI: "
                        f"{done.stderr.strip()[-300:]}")
        env["PYTHONPATH"] = str(tools)
    return env


def build_sdist(out: Path, env: dict[str, str]) -> Path:
    """The sdist, made by setuptools' PEP 517 hook in the repository (what ``python -m build`` does first)."""
    code = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    name = run([sys.executable, "-c", code, out], cwd=ROOT, env=env).stdout.strip().splitlines()[-1]
    return out / name


def packages_of(names: list[str]) -> set[str]:
    return {str(Path(name).parent) for name in names if name.endswith("/__init__.py")}


def test_wheel_installed_outside_the_repository_builds_a_site(tmp_path):
    started = time.perf_counter()
    env = build_environment(tmp_path)
    dist = tmp_path / "dist"
    sdist = build_sdist(dist, env)
    # The wheel is built from the sdist, in pip's temporary folder: what the sdist lacks, the wheel lacks,
    # and no stale build/ of the repository can slip into it.
    run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "--no-deps", "--no-index",
         "--no-build-isolation", "-q", "-w", dist, sdist], cwd=tmp_path, env=env)
    wheel, = dist.glob("site_builder-*.whl")
    built = time.perf_counter()

    theme = sorted(str(path.relative_to(THEME)) for path in THEME.rglob("*") if path.is_file())
    assert "index.html" in theme and "assets/style.css" in theme
    with tarfile.open(sdist) as archive:
        in_sdist = archive.getnames()
    top = in_sdist[0].split("/")[0]
    missing = [name for name in theme if f"{top}/templates/{name}" not in in_sdist]
    assert not missing, f"the sdist lacks templates/{missing[0]} (and {len(missing) - 1} more)"
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = archive.namelist()
    missing = [name for name in theme if f"site_builder/theme/{name}" not in in_wheel]
    assert not missing, f"the wheel lacks site_builder/theme/{missing[0]} (and {len(missing) - 1} more)"
    # pyproject.toml spells the package list out (the theme's package-dir mapping needs it): a new
    # subpackage left out of that list would be left out of the wheel.
    ours = packages_of([str(path.relative_to(ROOT)) for path in (ROOT / "site_builder").rglob("__init__.py")])
    assert ours <= packages_of(in_wheel), f"packages missing from the wheel: {sorted(ours - packages_of(in_wheel))}"

    # The fresh venv's commands run as a user's would: no PYTHONPATH reaching into a repository.
    outside = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    fresh = tmp_path / "fresh-venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             cwd=tmp_path, env=outside).stdout.strip())
    (site_packages / "project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # pip comes from the project's site-packages; --ignore-installed: the editable site_builder seen there
    # is never uninstalled, the wheel goes into the fresh venv's own prefix.
    run([python, "-m", "pip", "install", "--disable-pip-version-check", "--no-deps", "--no-index",
         "--ignore-installed", "-q", wheel], cwd=tmp_path, env=outside)
    imported = run([python, "-c", "import site_builder; print(site_builder.__file__)"], cwd=tmp_path,
                   env=outside).stdout
    assert Path(imported.strip()).is_relative_to(fresh), f"site_builder came from {imported.strip()}, not the wheel"
    installed = time.perf_counter()

    blog = tmp_path / "my-blog"
    (blog / "posts").mkdir(parents=True)
    (blog / "site.yaml").write_text(SITE_YAML)
    (blog / "posts" / "2024-05-01-reverse-a-list.md").write_text(POST)
    run([fresh / "bin" / "site-builder", "build", "--content", "my-blog", "--out", "public"], cwd=tmp_path,
        env=outside)
    done = time.perf_counter()

    site = tmp_path / "public"
    assert (site / "assets" / "style.css").read_bytes() == (THEME / "assets" / "style.css").read_bytes()
    index = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    assert "My own blog" in index.title.text
    assert index.find("link", rel="stylesheet", href=lambda href: href and "style.css" in href)
    post = BeautifulSoup((site / "posts" / "reverse-a-list" / "index.html").read_text(), "html.parser")
    assert "reverse a list" in post.title.text
    assert "[::-1]" in post.text
    for page in ("archive/index.html", "tags/python/index.html", "feed.xml", "404.html"):
        assert (site / page).is_file(), f"{page} missing from {sorted(p.name for p in site.iterdir())}"

    # The newcomer's way in (README): init, then build, as the GitHub Pages workflow does for a project site;
    # then every link of the built site is followed, served under that sub-path.
    begun = time.perf_counter()
    run([fresh / "bin" / "site-builder", "init", "new-blog", "--title", "From nothing"], cwd=tmp_path, env=outside)
    run([fresh / "bin" / "site-builder", "build", "--content", "content", "--out", "_site",
         "--base-url", "https://me.github.io/new-blog/"], cwd=tmp_path / "new-blog", env=outside)
    started_blog = time.perf_counter() - begun
    with serve_under(tmp_path / "new-blog" / "_site", "/new-blog/") as address:
        result = crawl(address)
    assert [f"{b.url} ({b.status}) from {b.linked_from}" for b in result.broken] == []
    assert result.pages >= 5, result  # home, the sample post, archive, tags…
    print(f"\nwheel {wheel.stat().st_size / 1024:.0f} KiB, sdist {sdist.stat().st_size / 1024:.0f} KiB; "
          f"sdist + wheel {built - started:.1f} s, venv + install {installed - built:.1f} s, "
          f"first build {done - installed:.1f} s; init + build {started_blog:.1f} s, "
          f"{result.pages} pages crawled under /new-blog/ ({result.fetched} URLs)")
