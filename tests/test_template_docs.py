"""docs/templates.md stays true: every variable a template is given, which templates get it, every field of
what they get, every filter and every partial of the theme, read from the tables and compared with what a
build passes (``jinja2.Template.render`` watched while ``content/`` builds) and with the classes themselves."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import sys
from pathlib import Path

import jinja2
import pytest

from site_paths import ROOT
from site_builder.build import build_site
from site_builder.discover import THEME_DIR
from site_builder.render import make_environment

DOC = ROOT / "docs" / "templates.md"


def sections(text: str) -> dict[str, str]:
    """``{heading: its text}`` for every ``##`` and ``###`` heading."""
    parts = re.split(r"^(#{2,3} .+)$", text, flags=re.M)
    return {heading.lstrip("# ").strip(): body for heading, body in zip(parts[1::2], parts[2::2])}


def table(body: str) -> list[list[str]]:
    """The rows of the first table in ``body`` (header and rule left out), cells stripped; ``\\|`` is a pipe."""
    start = 0 if body.startswith("|") else body.index("\n|") + 1
    lines = body[start:].split("\n\n")[0].splitlines()
    assert len(lines) >= 3 and set(lines[1]) <= set("|-: "), f"no table in {body[:80]!r}"
    return [[cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines[2:]]


def names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


@pytest.fixture(scope="module")
def given(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, set[str]], set[str]]:
    """({template: the names it was given}, the keys of ``site``) from a build of ``content/`` with every kind
    of page (posts, tags, companions, search) and ``feed_content: full``."""
    calls: dict[str, set[str]] = {}
    site_keys: set[str] = set()
    render = jinja2.Template.render

    def watched(self: jinja2.Template, *args, **kwargs):
        calls.setdefault(self.name, set()).update(kwargs)
        site_keys.update(dict.keys(kwargs["site"]))
        return render(self, *args, **kwargs)

    content = tmp_path_factory.mktemp("docs") / "content"
    import shutil
    shutil.copytree(ROOT / "content", content)
    (content / "site.yaml").write_text((content / "site.yaml").read_text() + "feed_content: full\n")
    (content / "posts" / "2020-01-01-moved.md").write_text("---\ntitle: Moved\nredirect_from: /old/\n---\nText.\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Template, "render", watched)
        build_site(content, tmp_path_factory.mktemp("out") / "_site", base_url="https://example.org/", jobs=1)
    assert {"index.html", "post.html", "tag.html", "companion.html", "feed.xml", "404.html", "redirect.html",
            "redirects.json"} <= set(calls)
    return calls, site_keys


def test_every_variable_given_to_a_template_is_in_the_table(given: tuple[dict[str, set[str]], set[str]]) -> None:
    calls, _ = given
    rows = table(sections(DOC.read_text(encoding="utf-8"))["Variables"])
    documented = {}
    for variable, templates, meaning in rows:
        (name,) = names(variable)
        assert meaning, f"{name}: say what it is"
        documented[name] = set(calls) if templates == "every template" else set(names(templates))
    actual = {name: {template for template, given_names in calls.items() if name in given_names}
              for name in set().union(*calls.values())}
    assert set(actual) - set(documented) == set(), "given to templates, missing from docs/templates.md"
    assert set(documented) - set(actual) == set(), "in docs/templates.md, given to no template"
    wrong = {name: (sorted(documented[name]), sorted(actual[name])) for name in actual
             if documented[name] != actual[name]}
    assert wrong == {}, "the templates column is wrong: (documented, given)"


def test_every_key_of_site_is_in_the_table(given: tuple[dict[str, set[str]], set[str]]) -> None:
    _, site_keys = given
    rows = table(sections(DOC.read_text(encoding="utf-8"))["`site` (`render.SiteData`)"])
    assert {names(row[0])[0] for row in rows} == site_keys


def test_every_field_of_what_templates_get_is_in_its_table() -> None:
    found = 0
    for heading, body in sections(DOC.read_text(encoding="utf-8")).items():
        classes = [name for name in names(heading) if re.fullmatch(r"[a-z]+\.[A-Z]\w+", name)]
        if not classes or classes == ["render.SiteData"]:
            continue
        fields = set()
        for dotted in classes:
            module, name = dotted.split(".")
            kind = getattr(importlib.import_module(f"site_builder.{module}"), name)
            fields |= {f.name for f in dataclasses.fields(kind)}
            fields |= {n for n, value in inspect.getmembers(kind) if isinstance(value, property)}
        documented = [names(row[0])[0] for row in table(body)]
        assert len(documented) == len(set(documented)), f"{heading}: a field listed twice"
        assert set(documented) == fields, f"{heading}: documented vs. the class's fields"
        found += 1
    assert found >= 12, "the field tables were not read"


def test_every_filter_and_partial_is_documented() -> None:
    docs = sections(DOC.read_text(encoding="utf-8"))
    ours = set(make_environment(THEME_DIR, None).filters) - set(jinja2.Environment().filters)
    assert {names(row[0])[0] for row in table(docs["Filters"])} == ours
    partials = {path.name for path in THEME_DIR.glob("_*.*")}
    variables = docs["Variables"]
    assert {names(row[0])[0] for row in table(variables[variables.index("| partial"):])} == partials


def test_the_readme_links_to_the_template_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    templates = readme[readme.index("**Templates.**"):]
    assert "(docs/templates.md)" in templates[:templates.index("\n\n")]


def test_a_missing_row_fails(given: tuple[dict[str, set[str]], set[str]], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself can fail: the table without its ``feed_tag`` row."""
    text = DOC.read_text(encoding="utf-8")
    cut = tmp_path / "templates.md"
    cut.write_text("\n".join(line for line in text.splitlines() if not line.startswith("| `feed_tag`")))
    monkeypatch.setattr(sys.modules[__name__], "DOC", cut)
    with pytest.raises(AssertionError, match="missing from docs/templates.md"):
        test_every_variable_given_to_a_template_is_in_the_table(given)
