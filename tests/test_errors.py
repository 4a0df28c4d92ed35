"""Bad input gives a compiler-style message with file, line and a hint; the previous site stays intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.cli import main

GOOD = "---\ntitle: Fine\n---\n\nUser: hi\n\nChatGPT: hello\n"


def make_content(tmp_path: Path, posts: dict[str, bytes | str], config: str | None = None) -> Path:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    for name, text in posts.items():
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (content / "posts" / name).write_bytes(data)
    if config is not None:
        (content / "site.yaml").write_text(config, encoding="utf-8")
    return content


def build(content: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["build", "--content", str(content), "--out", str(out)])
    return code, capsys.readouterr().err


CASES = {
    "non_utf8": ("2024-01-01-latin1.md", b"---\ntitle: Caf\xe9\n---\n",
                 "2024-01-01-latin1.md:2: not valid UTF-8 (byte 0xe9 at offset 14)", "save the file as UTF-8"),
    "unterminated": ("2024-01-01-open.md", "---\ntitle: Open\n\nUser: hi\n",
                     "2024-01-01-open.md:1: front matter: no closing '---' line", "end the front matter"),
    "not_mapping": ("2024-01-01-list.md", "---\n- a\n- b\n---\nbody\n",
                    "2024-01-01-list.md:2: front matter: expected a mapping of keys to values, got list", "key: value"),
    "bad_yaml": ("2024-01-01-yaml.md", "---\ntitle: ok\ntags: [a, b\n---\n",
                 "2024-01-01-yaml.md:3: front matter: invalid YAML", "indentation"),
    "title_not_text": ("2024-01-01-untitled.md", "---\ntags: [x]\ntitle: [a, b]\n---\n\nUser: hi\n",
                       "2024-01-01-untitled.md:3: front matter: title must be text, got a list", "quote the value"),
    "bad_speaker": ("2024-01-01-speakers.md", "---\ntitle: S\nspeakers:\n  Me: {role: boss}\n---\n",
                    "2024-01-01-speakers.md:3: front matter: speaker 'Me' needs a role", "speakers:"),
    "unknown_template": ("2024-01-01-fancy.md", "---\ntitle: Fancy\ntemplate: fancy.html\n---\n",
                         "2024-01-01-fancy.md:3: template 'fancy.html' not found", "content/templates/"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_error_message(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, text, message, hint = CASES[case]
    content = make_content(tmp_path, {"2024-01-01-good.md": GOOD, name: text})
    code, err = build(content, tmp_path / "_site", capsys)
    assert code == 1
    assert message in err, err
    hints = [line for line in err.splitlines() if line.strip().startswith("hint:")]
    assert len(hints) == 1 and hint in hints[0], err
    assert "Traceback" not in err
    assert not (tmp_path / "_site").exists(), "a failed first build writes nothing"


def test_duplicate_slug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = make_content(tmp_path, {"2024-01-01-same.md": GOOD, "2024-02-02-same.md": GOOD})
    code, err = build(content, tmp_path / "_site", capsys)
    assert code == 1
    assert "2024-02-02-same.md:1: URL /posts/same/ is already the URL of" in err and "2024-01-01-same.md" in err


def test_all_errors_at_once_and_previous_site_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = make_content(tmp_path, {"2024-01-01-good.md": GOOD})
    out = tmp_path / "_site"
    assert build(content, out, capsys)[0] == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (content / "posts" / "2024-01-02-a.md").write_text("---\ntitle: [a]\n---\n", encoding="utf-8")
    (content / "posts" / "2024-01-03-b.md").write_bytes(b"---\ntitle: \xff\n---\n")
    code, err = build(content, out, capsys)
    assert code == 1
    assert "2024-01-02-a.md:2: front matter: title must be text" in err
    assert "2024-01-03-b.md:2: not valid UTF-8" in err
    assert "build failed with 2 errors; the previous output was left untouched" in err
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no staging folders left"


def test_bad_config_lists_every_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = make_content(tmp_path, {"2024-01-01-good.md": GOOD},
                           config="title: T\ncolour: blue\nfeed_entries: many\nhighlight_dark: nope\n")
    code, err = build(content, tmp_path / "_site", capsys)
    assert code == 1
    assert "3 bad settings" in err
    assert "unknown setting 'colour'" in err and "feed_entries must be a number" in err
    assert "no Pygments style 'nope'" in err


def test_template_syntax_error_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = make_content(tmp_path, {"2024-01-01-good.md": GOOD})
    (content / "templates").mkdir()
    (content / "templates" / "index.html").write_text("line one\n{% for x in %}\n", encoding="utf-8")
    code, err = build(content, tmp_path / "_site", capsys)
    assert code == 1 and "index.html:2: template syntax error" in err and "Traceback" not in err


def test_site_template_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = make_content(tmp_path, {"2024-01-01-good.md": GOOD})
    (content / "templates").mkdir()
    (content / "templates" / "404.html").write_text("{% extends 'base.html' %}{% block main %}Custom lost page"
                                                    "{% endblock %}", encoding="utf-8")
    assert build(content, tmp_path / "_site", capsys)[0] == 0
    assert "Custom lost page" in (tmp_path / "_site" / "404.html").read_text()


def test_missing_content_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = build(tmp_path / "nope", tmp_path / "_site", capsys)
    assert code == 1 and "content folder not found" in err and "--content" in err


def test_errors_of_every_stage_are_reported_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = make_content(tmp_path, {
        "2024-01-01-untitled.md": "---\ntitle: {a: b}\n---\n",
        "2024-01-02-fancy.md": "---\ntitle: Fancy\ntemplate: fancy.html\n---\n",
        "2024-01-03-option.md": "---\ntitle: Option\n---\n\n```python colour=blue\nprint(1)\n```\n",
    })
    code, err = build(content, tmp_path / "_site", capsys)
    assert code == 1
    assert "2024-01-01-untitled.md:2: front matter: title must be text" in err
    assert "2024-01-02-fancy.md:3: template 'fancy.html' not found" in err
    assert "2024-01-03-option.md:5:" in err and "colour" in err
    assert "build failed with 3 errors" in err


@pytest.mark.parametrize("body, message", [
    ("{{ view.post.no_such_field }}", "the post (or its view) has no attribute 'no_such_field'"),
    ("{{ view.nope }}", "has no attribute 'nope'"),
    ("{{ 1 + view.post.title }}", "unsupported operand"),
])
def test_a_template_error_names_the_template_file_and_line_in_words(tmp_path: Path, capsys, body: str,
                                                                     message: str) -> None:
    """A theme author's mistake named ``'site_builder.incremental.Lazy object' has no attribute …`` and no line."""
    content = make_content(tmp_path, {"2024-01-01-good.md": GOOD})
    (content / "templates").mkdir()
    (content / "templates" / "post.html").write_text(
        "{% extends 'base.html' %}\n{% block main %}\n<p>fine</p>\n" + body + "\n{% endblock %}\n", encoding="utf-8")
    code, err = build(content, tmp_path / "_site", capsys)
    assert code == 1 and "Traceback" not in err
    assert f"{content / 'templates' / 'post.html'}:4: " in err and message in err, err
    assert "site_builder." not in err
