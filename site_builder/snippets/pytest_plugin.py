"""pytest plugin (entry point ``pytest11``): every code block of every post is a test item.

``pytest`` (``testpaths = ["tests", "content"]``) collects ``content/posts/*.md``,
``content/drafts/*.md`` (Jekyll: ``_posts``/``_drafts``) and ``content/pages/**/*.md`` — only markdown
inside a content folder that has posts or pages, never a README or a test fixture elsewhere. Items are named
``L42[python companion=sgd.py::Network.update_mini_batch]`` so ``-k`` selects by line, language,
option or companion. A failure is reported at the post's file and line with its evidence (diff,
lines never executed, traceback), without the plugin's own traceback; a check that cannot run
here is a skip with its reason. Results come from and go to the same cache as ``site-builder check``.

Under pytest-xdist (``make test`` runs ``-n auto --dist loadgroup``), the blocks that share a run — a
session's blocks, a companion's excerpts (one ``smoke()``) — carry one ``xdist_group`` mark, so one
worker checks them, in source order, and runs what they share once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.errors import SiteError
from site_builder.pages import load_page
from site_builder.posts import load_post
from site_builder.snippets.model import NOT_CHECKED, SKIPPED
from site_builder.snippets.parse import parse_snippets
from site_builder.snippets.run import Checker, shared_run

_POST_FOLDERS = {"posts": "drafts", "_posts": "_drafts"}
_CHECKERS = pytest.StashKey[dict]()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix.lower() in (".md", ".markdown") and (content_root(file_path) or pages_folder(file_path)):
        return PostFile.from_parent(parent, path=file_path)
    return None


def pages_folder(path: Path) -> Path | None:
    """The ``pages/`` folder of a content folder (``content/pages/``) that the page file ``path`` is in, or None."""
    return next((folder for folder in path.parents if folder.name == "pages" and folder.parent.name == "content"),
                None)


def content_root(path: Path) -> Path | None:
    """The content folder a post lives in, or None when ``path`` is not a post or draft."""
    for folder in path.parents:
        root = folder.parent
        for posts, drafts in _POST_FOLDERS.items():
            if folder.name in (posts, drafts) and (root / posts).is_dir() and _is_content(root, posts):
                return root
    return None


def _is_content(root: Path, posts: str) -> bool:
    return root.name == "content" or (posts == "_posts" and (root / "_config.yml").is_file())


class SnippetFailure(Exception):
    """Raised by an item whose check failed or drifted; carries the result."""


class PostFile(pytest.File):
    def collect(self):
        pages = pages_folder(self.path)
        root = pages.parent if pages is not None else content_root(self.path)
        post = load_page(self.path, pages, jekyll=False).post if pages is not None else \
            load_post(self.path, draft=self.path.parent.name in _POST_FOLDERS.values())
        snippets = parse_snippets(post, root)
        for snippet in snippets:
            yield SnippetItem.from_parent(self, name=snippet.item_name, snippet=snippet, siblings=snippets,
                                          content_dir=root)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, SiteError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


class SnippetItem(pytest.Item):
    def __init__(self, *, snippet, siblings, content_dir: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snippet = snippet
        self.siblings = siblings
        self.content_dir = content_dir
        self.add_marker(pytest.mark.snippet)
        group = shared_run(snippet)
        if group is not None:
            self.add_marker(pytest.mark.xdist_group(xdist_group_name(group)))

    def runtest(self) -> None:
        result = checker(self.config, self.content_dir).check(self.snippet, self.siblings)
        if result.status in (SKIPPED, NOT_CHECKED):
            # reported at the post's line, not here (as pytest's own doctest and unittest skips are)
            raise pytest.skip.Exception(result.reason, _use_item_location=True)
        if result.failed:
            raise SnippetFailure(result)

    def repr_failure(self, excinfo, style=None):
        if not isinstance(excinfo.value, SnippetFailure):
            return super().repr_failure(excinfo, style)
        result = excinfo.value.args[0]
        where = f"{self.parent.nodeid}:{self.snippet.line}"
        text = f"{where}: [{self.snippet.label}] {result.status}: {result.reason}"
        return f"{text}\n{result.detail}" if result.detail else text

    def reportinfo(self):
        return self.path, self.snippet.line - 1, self.name


def xdist_group_name(name: str) -> str:
    """``name`` without the characters pytest-xdist reads in a node id (``@`` starts the group, ``]`` ends a
    parameter), so every block of the group lands in one scope."""
    return name.replace("@", "_").replace("[", "(").replace("]", ")")


def checker(config: pytest.Config, content_dir: Path):
    """One Checker per content folder per session, so blocks share smoke() and session runs."""
    checkers = config.stash.setdefault(_CHECKERS, {})
    if content_dir not in checkers:
        checkers[content_dir] = Checker(content_dir)
    return checkers[content_dir]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "snippet: a code block of a post, run to prove what the post shows")
    # pytest-xdist declares it too; declared here, a run without xdist warns of no unknown mark
    config.addinivalue_line("markers", "xdist_group(name): blocks that share a run stay on one xdist worker")
