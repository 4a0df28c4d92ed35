"""``site-builder init``: a blog folder to start from, which checks and builds as it is (issue 19)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.cli import main
from site_builder.config import SiteConfig, load_config
from site_builder.scaffold import init_blog


def test_a_new_blog_checks_and_builds_with_turns_a_note_two_answers_and_verified_code(tmp_path, monkeypatch, capsys):
    blog = tmp_path / "my-blog"
    assert main(["init", str(blog), "--title", 'Zhiwei\'s "AI" notes']) == 0
    assert "Next: cd" in capsys.readouterr().out
    monkeypatch.chdir(blog)
    assert main(["check"]) == 0, "the sample's code blocks run"
    assert "3 verified" in capsys.readouterr().out
    assert main(["build"]) == 0
    config = load_config(blog / "content" / "site.yaml")
    assert config.title == 'Zhiwei\'s "AI" notes' and config.language == "en"
    assert {name: getattr(config, name) for name in ("search", "feed_entries", "keep")} == \
        {name: getattr(SiteConfig(), name) for name in ("search", "feed_entries", "keep")}
    page = BeautifulSoup(next((blog / "_site" / "posts").glob("*/index.html")).read_text(), "html.parser")
    turns = page.select("section.turn")
    assert {turn["data-role"] for turn in turns} == {"user", "assistant"} and len(turns) >= 3
    assert page.select("[data-variant='2']"), "the question asked twice: two answers"
    assert "My note" in page.get_text() and page.select("[class*=note]")
    badges = [badge.get_text(strip=True) for badge in page.select(".status")]
    assert badges and set(badges) == {"verified"}, f"every checked block shows it ran: {badges}"


def test_the_new_blogs_about_page_is_in_its_nav_and_in_no_list(tmp_path, monkeypatch):
    assert main(["init", str(tmp_path / "blog")]) == 0
    monkeypatch.chdir(tmp_path / "blog")
    assert main(["build"]) == 0
    out = tmp_path / "blog" / "_site"

    def nav(path: str) -> list[tuple[str, str, str | None]]:
        page = BeautifulSoup((out / path).read_text(), "html.parser")
        return [(a.get_text(strip=True), a["href"], a.get("aria-current")) for a in page.select("header nav a")]

    assert ("About", "about/", None) in nav("index.html")
    assert ("About", "../about/", "page") in nav("about/index.html"), "the current page's link is marked"
    home = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert "About" not in home.main.get_text() and "about/" not in (out / "feed.xml").read_text()


def test_the_workflow_publishes_under_the_projects_sub_path(tmp_path):
    init_blog(tmp_path, "Blog", dt.date(2024, 1, 2))
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "publish.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    commands = [step.get("run", "") for step in steps]
    assert any("--base-url \"${{ steps.pages.outputs.base_url }}/\"" in command for command in commands)
    assert [step["uses"] for step in steps if step.get("id") == "pages"] == ["actions/configure-pages@v5"]
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"] == "actions/deploy-pages@v4"
    assert "_site/" in (tmp_path / ".gitignore").read_text()


@pytest.mark.parametrize("existing", [".gitignore", "content/site.yaml", ".github/workflows/publish.yml",
                                      "content/pages/about.md"])
def test_init_never_overwrites_a_file(tmp_path, capsys, existing):
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("mine\n")
    assert main(["init", str(tmp_path)]) == 1
    assert f"already holds {tmp_path / existing}" in capsys.readouterr().err
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [tmp_path / existing], "nothing was written"
    assert (tmp_path / existing).read_text() == "mine\n"


def test_init_in_the_current_folder_takes_its_name_as_the_title(tmp_path, monkeypatch):
    folder = tmp_path / "learning-in-public"
    folder.mkdir()
    monkeypatch.chdir(folder)
    assert main(["init"]) == 0
    assert load_config(Path("content/site.yaml")).title == "Learning In Public"
    build_site(Path("content"), Path("_site"))
    assert "Learning In Public" in Path("_site/index.html").read_text()


@pytest.mark.parametrize("make", ["file", "dangling-link", "content-is-a-file"])
def test_init_over_a_file_is_a_clear_error_and_writes_nothing(tmp_path, capsys, make):
    target = tmp_path / "blog"
    if make == "file":
        target.write_text("mine\n")
    elif make == "dangling-link":
        target.symlink_to(tmp_path / "nowhere")
    else:
        target.mkdir()
        (target / "content").write_text("mine\n")
    assert main(["init", str(target)]) == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == (["blog", "content"] if make == "content-is-a-file"
                                                           else ["blog"])


def test_init_that_fails_half_way_leaves_no_half_blog(tmp_path, monkeypatch, capsys):
    import builtins

    real_open, opened = builtins.open, []

    def failing_open(path, mode="r", *args, **kwargs):  # the third file hits a full disk
        if "x" in mode:
            opened.append(path)
            if len(opened) == 3:
                raise OSError(28, "No space left on device", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", failing_open)
    assert main(["init", str(tmp_path / "blog")]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert not [p for p in (tmp_path / "blog").rglob("*") if p.is_file()], "the two files written are gone"
