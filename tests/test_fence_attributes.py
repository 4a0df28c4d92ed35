"""Hugo's and kramdown's fence attributes are read, never shown, never fail the build: ``{hl_lines=[1,"3-4"]}``
marks lines, ``{linenos=…}`` and ``{: .class}`` are accepted, and the snippet checks still see the block's language
and our own options."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.highlight import highlight
from site_builder.markdown.core import create_markdown, render
from site_builder.model import CodeBlock
from site_builder.posts import load_post
from site_builder.snippets.model import NORUN, PROGRAM
from site_builder.snippets.parse import fence_attributes, highlighted_lines, parse_snippet, parse_snippets

BODY = """
```python {hl_lines=[1]}
total = 1 + 1
print(total)
```

```go {linenos=table,hl_lines=[2,"4-5"],linenostart=199}
package main
import "fmt"
func main() {
	fmt.Println("a")
	fmt.Println("b")
}
```

~~~
def f():
    return 1
~~~
{: .language-python}

```text
plain
```
{: .wide #here}

After the blocks.
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> BeautifulSoup:
    root = tmp_path_factory.mktemp("fences")
    (root / "content" / "posts").mkdir(parents=True)
    (root / "content" / "posts" / "2024-01-01-fences.md").write_text(f"---\ntitle: Fences\n---\n{BODY}",
                                                                     encoding="utf-8")
    build_site(root / "content", root / "_site")
    return BeautifulSoup((root / "_site" / "posts" / "fences" / "index.html").read_text(encoding="utf-8"),
                         "html.parser")


def marked(figure) -> list[str]:
    return [span.get_text() for span in figure.select("code span.hll")]


def test_hugo_hl_lines_are_highlighted(page: BeautifulSoup) -> None:
    python, go, *_ = page.select("figure.code")
    assert python["data-lang"] == "python" and marked(python) == ["total = 1 + 1\n"]
    assert go["data-lang"] == "go"
    assert marked(go) == ['import "fmt"\n', '\tfmt.Println("a")\n', '\tfmt.Println("b")\n']


def test_attributes_are_never_shown(page: BeautifulSoup) -> None:
    text = page.get_text()
    assert "hl_lines" not in text and "linenos" not in text and "{:" not in text and "#here" not in text
    assert [figure["data-lang"] for figure in page.select("figure.code")] == ["python", "go", "python", "text"]
    assert "After the blocks." in text


def test_a_kramdown_language_class_names_the_highlighting() -> None:
    html = render(create_markdown(), "~~~\ndef f(): pass\n~~~\n{: .language-python}\n")
    assert 'data-lang="python"' in html and '<span class="k">def</span>' in html and "language-python" not in html
    quoted = render(create_markdown(), "a paragraph\n{: .language-python}\n")
    assert "{: .language-python}" in quoted, "only a line after a fence is an attribute line"


def test_the_checks_see_the_language_and_our_options(tmp_path: Path) -> None:
    post = tmp_path / "posts" / "2024-01-01-checked.md"
    post.parent.mkdir(parents=True)
    post.write_text("---\ntitle: Checked\n---\n\n```python {hl_lines=[1]}\nprint(1)\n```\n\n"
                    '```python norun reason="needs a GPU" {hl_lines=[1]}\nimport torch\n```\n', encoding="utf-8")
    first, second = parse_snippets(load_post(post), tmp_path)
    assert (first.lang, first.kind) == ("python", PROGRAM), "a python block with attributes is still checked"
    assert (second.kind, second.reason) == (NORUN, "needs a GPU")


def test_an_unknown_option_before_the_attributes_is_still_an_error(tmp_path: Path) -> None:
    from site_builder.errors import SnippetError

    block = CodeBlock("python", "python nosuch {hl_lines=[1]}", "x = 1\n", 5)
    with pytest.raises(SnippetError, match="unknown option `nosuch`"):
        parse_snippet(tmp_path / "p.md", block, tmp_path)


@pytest.mark.parametrize(("info", "expected"), [
    ("python {hl_lines=[1]}", ("python", "hl_lines=[1]")),
    ('go {linenos=table,hl_lines=[2,"4-5"]}', ("go", 'linenos=table,hl_lines=[2,"4-5"]')),
    ('python norun reason="a {b}"', ('python norun reason="a {b}"', "")),
    ("python", ("python", "")),
])
def test_fence_attributes_split_the_info_string(info: str, expected: tuple[str, str]) -> None:
    words, attributes = fence_attributes(info)
    assert (words.strip(), attributes) == expected


@pytest.mark.parametrize(("attributes", "lines"), [
    ('hl_lines=[1,"3-4"]', (1, 3, 4)),
    ('hl_lines="2 4-5"', (2, 4, 5)),
    ("linenos=table, hl_lines=3", (3,)),
    ("hl_lines=[0,9,1-1000000000]", (1, 2, 3, 4, 5, 6)),
    ("linenos=inline", ()),
    ("hl_lines=[x]", ()),
])
def test_hl_lines_name_lines_of_the_block(attributes: str, lines: tuple[int, ...]) -> None:
    assert highlighted_lines(attributes, 6) == lines


def test_highlight_marks_the_lines_and_caches_them_apart() -> None:
    code = "a = 1\nb = 2\n"
    assert "hll" not in highlight(code, "python")
    marked_html = highlight(code, "python", (2,))
    assert marked_html.count('<span class="hll">') == 1 and marked_html.index("hll") > marked_html.index("a</span>")
    assert "hll" not in highlight(code, "python")
