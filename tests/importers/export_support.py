"""What the tests of the format readers share: importing one fixture with one reader, the posts it wrote by
title, and the ``Sample`` that format detection shows a reader (made by detection itself)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from site_builder.importers.common import Sample
from site_builder.importers.detect import _sample, kind_of
from site_builder.importers.driver import ImportReport, Selection, import_export
from site_builder.posts import parse_post


def import_with(module: ModuleType, export: Path, out: Path) -> ImportReport:
    """Every conversation of ``export`` imported into ``out`` as ``module``'s kind."""
    return import_export(kind_of(module), export, out, Selection(everything=True))


def posts_by_title(out: Path) -> dict[str, object]:
    """title -> parsed post, for every post in ``out``."""
    posts = [parse_post(p, p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.md"))]
    return {post.title: post for post in posts}


def sample(path: Path) -> Sample:
    """What format detection shows a reader: the name, the first JSON record, the first 256 KiB as text."""
    return _sample(path, None, path.name)
