"""Helpers for the snippet-check tests (imported by the test modules of this folder)."""

from __future__ import annotations

import shutil
from pathlib import Path

from site_builder.posts import load_post
from site_builder.snippets import Snippet, parse_snippets
from site_builder.snippets.run import Checker

FIXTURE_SITE = Path(__file__).parent / "fixtures" / "site"


def copy_site(root: Path) -> Path:
    shutil.copytree(FIXTURE_SITE, root)
    return root


def write_post(content: Path, body: str, name: str = "2024-02-02-case.md") -> Path:
    path = content / "posts" / name
    path.write_text(f'---\ntitle: "Case"\n---\n\n{body}', encoding="utf-8")
    return path


def snippets_of(content: Path, path: Path) -> tuple[Snippet, ...]:
    return parse_snippets(load_post(path), content)


def check_all(content: Path, path: Path, **options) -> dict[int, object]:
    """Every block of the post checked by one Checker, keyed by fence line."""
    checker = Checker(content, **options)
    snippets = snippets_of(content, path)
    return {snippet.line: checker.check(snippet, snippets) for snippet in snippets}
