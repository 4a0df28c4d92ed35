"""A Jekyll post's Liquid, read as far as a static reading goes (``posts.jekyll_liquid``): highlight blocks are code,
raw parts are shown as written, other tags are left as text with a warning; posts of our own folders are not touched."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.posts import jekyll_liquid

POST = """---
title: Liquid
---
Intro.

{% highlight python linenos %}
print("hi")
{% endhighlight %}

Template code: {% raw %}{{ page.title }} and {% if x %}{% endraw %} stays.

{% include figure.html src="a.png" %}

See [the other]({% post_url 2023-01-01-other %}).
"""


def test_highlight_becomes_a_fence_and_lines_keep_their_numbers() -> None:
    text, warnings = jekyll_liquid(POST)
    lines = text.split("\n")
    assert lines[5] == "```python" and lines[7] == "```" and len(lines) == len(POST.split("\n"))
    assert "Template code: {{ page.title }} and {% if x %} stays." in text
    assert [(w.line, "include" in w.message) for w in warnings] == [(12, True)]  # post_url is the renderer's


def test_a_jekyll_folder_renders_it_and_our_folders_keep_it_as_text(tmp_path: Path, capsys) -> None:
    jekyll = tmp_path / "jekyll"
    (jekyll / "_posts").mkdir(parents=True)
    (jekyll / "_config.yml").write_text("title: J\n", encoding="utf-8")
    (jekyll / "_posts" / "2024-01-01-liquid.md").write_text(POST, encoding="utf-8")
    build_site(jekyll, tmp_path / "a")
    page = BeautifulSoup((tmp_path / "a/2024/01/01/liquid.html").read_text(encoding="utf-8"), "html.parser")
    code = page.select_one("div.highlight pre code")
    assert code is not None and 'print("hi")' in code.get_text()
    assert "{% highlight" not in page.get_text() and "{{ page.title }} and {% if x %} stays" in page.get_text()
    ours = tmp_path / "ours"
    (ours / "posts").mkdir(parents=True)
    (ours / "posts" / "2024-01-01-liquid.md").write_text(POST, encoding="utf-8")
    build_site(ours, tmp_path / "b")
    text = BeautifulSoup((tmp_path / "b/posts/liquid/index.html").read_text(encoding="utf-8"), "html.parser").get_text()
    assert "{% highlight python linenos %}" in text and "{% raw %}" in text  # a post about templates shows them


def test_an_unclosed_raw_keeps_the_rest_as_written() -> None:
    text, warnings = jekyll_liquid("a {% raw %} {% include x %}\n{% highlight py %}\nb")
    assert text == "a  {% include x %}\n{% highlight py %}\nb" and warnings == ()


def test_a_jekyll_page_at_a_url_the_theme_makes_is_passed_over_with_a_warning(tmp_path: Path) -> None:
    """A real Jekyll blog's ``tags.md``: a page of Liquid at ``/tags/``, which our theme makes (it failed the build)."""
    jekyll = tmp_path / "jekyll"
    (jekyll / "_posts").mkdir(parents=True)
    (jekyll / "_config.yml").write_text("title: J\n", encoding="utf-8")
    (jekyll / "_posts" / "2024-01-01-liquid.md").write_text("---\ntitle: P\ntags: [ai]\n---\nText.\n", encoding="utf-8")
    (jekyll / "tags.md").write_text("---\ntitle: Tags\npermalink: /tags/\n---\n{% for t in site.tags %}{{ t }}{% endfor %}\n",
                                    encoding="utf-8")
    (jekyll / "about.md").write_text("---\ntitle: About\npermalink: /about/\n---\n{% if x %}Me.{% endif %}\n",
                                     encoding="utf-8")
    result = build_site(jekyll, tmp_path / "site")
    assert any("tags.md: warning: not built: its URL /tags/ is a page the theme makes" in w for w in result.warnings)
    assert "Tags" in (tmp_path / "site/tags/index.html").read_text(encoding="utf-8")  # the theme's index of tags
    about = [w for w in result.warnings if "about.md" in w]
    assert len(about) == 1 and "about.md:5: warning: Jekyll's Liquid tag {% if %}" in about[0]  # not {% endif %}
