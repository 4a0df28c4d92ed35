"""The theme's blocks, and a site's templates that extend the theme's own version of themselves.

``theme/NAME`` always names the theme's ``NAME`` (``render.ThemeLoader``); any other name is the site's
``content/templates/NAME`` when there is one. Errors inside such templates name the file and line they are in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.cli import main
from site_builder.errors import TemplateError

POST = "---\ntitle: Fine\ndate: 2024-01-01\ntags: [a]\n---\n\nIntro.\n\nUser: hi?\n\nChatGPT: hello.\n"
BLOCKS = ("title", "description", "social_title", "og_type", "canonical", "social_image", "head", "header", "nav", "content", "main",
          "footer", "scripts", "post_header", "after_post")
"""Every block of the theme's pages (base.html and post.html), as docs/templates.md lists them."""


def make_site(root: Path, templates: dict[str, str], config: str = "title: T\n") -> Path:
    content = root / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "2024-01-01-fine.md").write_text(POST, encoding="utf-8")
    (content / "site.yaml").write_text(config, encoding="utf-8")
    for name, text in templates.items():
        (content / "templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (content / "templates" / name).write_text(text, encoding="utf-8")
    return content


def built(root: Path, templates: dict[str, str], name: str = "site") -> dict[str, bytes]:
    content = make_site(root / name, templates)
    out = root / name / "_site"
    build_site(content, out)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != ".site-builder" and "pagefind" not in p.parts}


def test_the_theme_has_the_documented_blocks() -> None:
    from site_builder.discover import THEME_DIR
    found = {m for name in ("base.html", "post.html")
             for m in re.findall(r"{%-? *block (\w+)", (THEME_DIR / name).read_text(encoding="utf-8"))}
    assert found == set(BLOCKS)
    documented = (Path(__file__).parents[1] / "docs" / "templates.md").read_text(encoding="utf-8")
    assert all(f"`{block}`" in documented for block in BLOCKS)


def test_overriding_every_block_with_super_changes_no_byte(tmp_path: Path) -> None:
    """The blocks are seams, not markup: a site whose base.html and post.html extend the theme's and give every
    block back as ``super()`` builds the very same site."""
    def override(parent: str, blocks: tuple[str, ...]) -> str:
        return f'{{% extends "theme/{parent}" %}}' + "".join(
            f"{{% block {b} %}}{{{{ super() }}}}{{% endblock %}}" for b in blocks)

    plain = built(tmp_path, {}, "plain")
    overridden = built(tmp_path, {
        "base.html": override("base.html", BLOCKS[:-2]),
        "post.html": override("post.html", ("post_header", "after_post", "title", "description", "main"))},
        "overridden")
    assert plain == overridden
    assert len([name for name in plain if name.endswith(".html")]) >= 6


def test_a_site_base_extends_the_themes_base_and_changes_one_block(tmp_path: Path) -> None:
    files = built(tmp_path, {"base.html": '{% extends "theme/base.html" %}\n'
                                          '{% block head %}{{ super() }}<link rel="me" href="https://x.example/@me">\n'
                                          '{% endblock %}\n'
                                          '{% block nav %}{{ super() }}<a href="{{ url(\'about/\') }}">About</a>\n'
                                          '{% endblock %}\n'})
    for name in ("index.html", "posts/fine/index.html", "tags/a/index.html", "404.html", "search/index.html"):
        page = BeautifulSoup(files[name], "html.parser")
        assert page.select_one('head link[rel="me"]'), name
        links = [a.get_text() for a in page.select("header nav a")]
        assert links == ["Archive", "Feed", "Search", "About"], name
        assert page.select_one("main h1") and page.select_one("footer"), f"{name}: the rest of the theme is there"


def test_a_site_file_named_theme_never_shadows_the_theme(tmp_path: Path) -> None:
    plain = built(tmp_path, {}, "plain")
    shadowed = built(tmp_path, {"theme/base.html": "<p>not the theme</p>\n", "theme/post.html": "{{ nope }}\n",
                                "base.html": '{% extends "theme/base.html" %}\n'}, "shadowed")
    assert plain == shadowed


def test_a_post_may_name_the_themes_template(tmp_path: Path) -> None:
    content = make_site(tmp_path, {"post.html": '{% extends "theme/post.html" %}{% block main %}Mine{% endblock %}'})
    (content / "posts" / "2024-01-02-plain.md").write_text(
        "---\ntitle: Plain\ntemplate: theme/post.html\n---\n\nUser: hi?\n\nChatGPT: yes.\n", encoding="utf-8")
    build_site(content, tmp_path / "_site")
    assert (tmp_path / "_site" / "posts" / "fine" / "index.html").read_text().count("Mine") == 1
    plain = (tmp_path / "_site" / "posts" / "plain" / "index.html").read_text()
    assert "Mine" not in plain and 'class="post conversation"' in plain


@pytest.mark.parametrize("templates", [
    {"base.html": '{% extends "base.html" %}\n'},
    {"base.html": '{% extends "post.html" %}\n', "post.html": '{% extends "base.html" %}\n'},
    {"_pager.html": '{% include "_pager.html" %}\n'},
], ids=["extends-itself", "two-in-a-loop", "includes-itself"])
def test_templates_in_a_loop_are_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               templates: dict[str, str]) -> None:
    content = make_site(tmp_path, templates)
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "_site")]) == 1
    err = capsys.readouterr().err
    assert "templates extend or include each other without end" in err and "Traceback" not in err
    assert f"{content / 'templates' / next(iter(templates))}:1" in err
    assert 'extends "theme/NAME"' in err
    assert not (tmp_path / "_site").exists(), "no half-written site"


def test_an_error_in_the_sites_block_names_the_sites_file_and_line(tmp_path: Path) -> None:
    content = make_site(tmp_path, {"base.html": '{% extends "theme/base.html" %}\n'
                                                '{% block footer %}\n{{ super() }}\n'
                                                '<span>{{ config.no_such_setting }}</span>\n{% endblock %}\n'})
    with pytest.raises(TemplateError) as caught:
        build_site(content, tmp_path / "_site")
    message = str(caught.value)
    assert message.startswith(f"{content / 'templates' / 'base.html'}:4: ")
    assert "no_such_setting" in message


def test_an_error_in_a_block_of_the_theme_names_the_themes_file(tmp_path: Path) -> None:
    """The site's index.html sets what the theme's block then reads: the line at fault is the theme's."""
    from site_builder.discover import THEME_DIR
    content = make_site(tmp_path, {"index.html": '{% extends "theme/index.html" %}\n{% set pager = none %}\n'})
    with pytest.raises(TemplateError) as caught:
        build_site(content, tmp_path / "_site")
    message = str(caught.value)
    line = next(n for n, text in enumerate((THEME_DIR / "index.html").read_text().splitlines(), 1) if "pager." in text)
    assert message.startswith(f"{THEME_DIR / 'index.html'}:{line}: "), message
    assert "while rendering index.html" in message


def test_a_template_the_theme_lacks_is_not_found_under_its_prefix(tmp_path: Path) -> None:
    content = make_site(tmp_path, {"index.html": '{% extends "theme/mine.html" %}\n', "mine.html": "<p>x</p>\n",
                                   "theme/mine.html": "<p>x</p>\n"})
    with pytest.raises(TemplateError, match="template 'theme/mine.html' not found"):
        build_site(content, tmp_path / "_site")
