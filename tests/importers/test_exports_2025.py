"""Today's exports (issue 10): split ChatGPT zips, one bad record, reasoning, tools, attachments, citations
and the training formats people keep on disk. Fixtures: ``tests/fixtures/exports-2025`` (see its SOURCES.md)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from site_builder.importers.driver import Selection, format_report, import_export, list_export
from site_builder.posts import parse_post

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports-2025"


def _import_all(kind: str, export: Path, out: Path, **kw):
    return import_export(kind, export, out, Selection(everything=True), **kw)


def _posts(out: Path) -> dict[str, object]:
    """title -> parsed post, for every post in ``out``."""
    posts = [parse_post(p, p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.md"))]
    return {post.title: post for post in posts}


def _zip_folder(folder: Path, zip_path: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
        archive.writestr(prefix + "chat.html", "<html></html>")
        archive.writestr("__MACOSX/" + prefix + "._conversations-000.json", "junk")
    return zip_path


# --- 1. split ChatGPT zips ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "export/"])
def test_a_split_chatgpt_zip_is_read_part_after_part(tmp_path, prefix):
    export = _zip_folder(EXPORTS / "chatgpt-split", tmp_path / "export.zip", prefix)
    report = _import_all("chatgpt", export, tmp_path / "posts")
    assert report.conversations == 3 and report.count("new") == 3
    posts = _posts(tmp_path / "posts")
    assert set(posts) == {"Rename files by date", "Tea for a sore throat", "Kotlin null safety"}
    assert posts["Kotlin null safety"].meta["source_id"] == "68b20d44-2222-8002-a1f0-6c1e8b000003"
    assert [r.source_id for r in list_export("chatgpt", export)][-1] == "68b20d44-2222-8002-a1f0-6c1e8b000003"
