"""Built pages show what the snippet checks proved, linked to the companion page; stale means not checked."""

from __future__ import annotations

import shutil
from pathlib import Path

from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.posts import load_post
from site_builder.snippets import parse_snippets
from site_builder.snippets.run import Checker

FIXTURE_SITE = Path(__file__).parent / "snippets" / "fixtures" / "site"
POST = "posts/fixture/index.html"


def check_everything(content: Path) -> None:
    path = content / "posts" / "2024-01-01-fixture.md"
    snippets = parse_snippets(load_post(path), content)
    checker = Checker(content)
    for snippet in snippets:
        checker.check(snippet, snippets)


def statuses(out: Path) -> dict[str, str]:
    page = BeautifulSoup((out / POST).read_text(encoding="utf-8"), "html.parser")
    return {f["data-line"]: f.get("data-status", "") for f in page.select("figure.code")}


def test_statuses_links_diff_and_staleness(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    out = tmp_path / "_site"
    build_site(content, out)
    assert set(statuses(out).values()) <= {"not-checked", "skipped"}, "nothing is verified before a check ran"

    check_everything(content)
    build_site(content, out)
    shown = statuses(out)
    line = {b.info: str(b.line) for b in load_post(content / "posts" / "2024-01-01-fixture.md").code_blocks}
    excerpt, adapted_line, program = (line["python companion=toy.py::mean"],
                                      line["python companion=toy.py::Stats.spread adapted"], line["python"])
    assert shown[excerpt] == shown[adapted_line] == shown[program] == "verified"
    page = BeautifulSoup((out / POST).read_text(encoding="utf-8"), "html.parser")
    link = page.select_one(f'figure.code[data-line="{excerpt}"] a.runnable')["href"]
    assert link.startswith("../../companions/toy/#L")
    companion = BeautifulSoup((out / "companions/toy/index.html").read_text(), "html.parser")
    assert companion.find(id=link.split("#")[1]) is not None, "the excerpt's line range has an anchor"
    adapted = page.select_one(f'figure.code[data-line="{adapted_line}"] details.diff')
    assert adapted is not None and adapted.select("span.gd, span.gi"), "adapted blocks show the diff"

    toy = content / "companions" / "toy.py"
    toy.write_text(toy.read_text() + "\n# touched\n", encoding="utf-8")
    build_site(content, out)
    shown = statuses(out)
    assert shown[excerpt] == shown[adapted_line] == "not-checked", "a stale result is never shown as verified"
    assert shown[program] == "verified", "a block that does not depend on toy.py keeps its result"


def test_a_site_never_checked_computes_no_keys(tmp_path: Path, monkeypatch) -> None:
    """Keys read every import of every block (``ast``): worth it only when the cache holds results."""
    from site_builder.snippets import cache

    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    keys: list[str] = []
    real_key = cache.result_key
    monkeypatch.setattr(cache, "result_key", lambda *args: keys.append("key") or real_key(*args))
    build_site(content, tmp_path / "_site", jobs=1)
    assert keys == [] and set(statuses(tmp_path / "_site").values()) <= {"not-checked", "skipped"}

    check_everything(content)
    assert cache.holds_results(cache.cache_dir(content))
    build_site(content, tmp_path / "_site", jobs=1)
    assert keys and "verified" in statuses(tmp_path / "_site").values()
