"""The corpus of ``build_corpus.py`` written for each static site generator of ``bench_build.py``: the same
Markdown bodies in the form each tool reads: site_builder (``posts/`` and ``site.yaml``), Hugo
(``content/posts/``, ``hugo.toml``, tiny layouts), Jekyll (``_posts/``, ``_config.yml`` with kramdown + rouge,
tiny layouts) and Pelican (``content/`` with Pelican's ``Key: value`` metadata, ``pelicanconf.py`` with
codehilite, its default theme and its content cache).
"""

from __future__ import annotations

import json
from pathlib import Path

from build_corpus import GeneratedPost  # the benchmarks folder is not a package: bench_build.py puts it on sys.path


def front_matter(post: GeneratedPost, **extra: object) -> str:
    """YAML front matter read alike by site_builder, Hugo and Jekyll (strings quoted as JSON, valid YAML)."""
    lines = [f"title: {json.dumps(post.title)}", f"date: {post.date.isoformat()}",
             f"tags: [{', '.join(post.tags)}]", f"summary: {json.dumps(post.summary)}"]
    if post.speakers is not None:
        lines.append("speakers:")
        lines += [f"  {name}: {{{', '.join(f'{k}: {v}' for k, v in fields.items())}}}"
                  for name, fields in post.speakers.items()]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def pelican_header(post: GeneratedPost) -> str:
    """Pelican's Markdown metadata: ``Key: value`` lines, then a blank line."""
    return (f"Title: {post.title}\nDate: {post.date.isoformat()}\nTags: {', '.join(post.tags)}\n"
            f"Slug: {post.slug}\nSummary: {post.summary}\n\n")


def post_text(tool: str, post: GeneratedPost) -> str:
    header = pelican_header(post) if tool == "pelican" else front_matter(post)
    return header + post.body


def write_posts(folder: Path, tool: str, posts: list[GeneratedPost]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for post in posts:
        (folder / f"{post.stem}.md").write_text(post_text(tool, post), encoding="utf-8")


def write_site_builder_site(root: Path, posts: list[GeneratedPost], *, search: bool) -> Path:
    """``posts/`` and ``site.yaml``; returns the folder of the posts."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(f"title: Benchmark\nauthor: Bench\nbase_url: /\nlanguage: en\n"
                                    f"search: {'true' if search else 'false'}\n", encoding="utf-8")
    write_posts(root / "posts", "site_builder", posts)
    return root / "posts"


HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "Benchmark"
languageCode = "en"
disableKinds = []

[taxonomies]
  tag = "tags"

[markup.highlight]
  codeFences = true
  noClasses = false
  guessSyntax = false
"""
HUGO_BASE = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ .Site.Title }}</title>
<link rel="stylesheet" href="/syntax.css">
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}">{{ end }}
</head><body>{{ block "main" . }}{{ end }}</body></html>
"""
HUGO_SINGLE = """\
{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time>
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ .Content }}</article>{{ end }}
"""
HUGO_LIST = """\
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ul>{{ end }}
"""
HUGO_INDEX = """\
{{ define "main" }}<h1>{{ .Site.Title }}</h1>
<ul>{{ range .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<p>{{ .Params.summary }}</p></li>{{ end }}</ul>{{ end }}
"""


def write_hugo_site(root: Path, posts: list[GeneratedPost]) -> Path:
    """``hugo.toml`` (Chroma highlighting with classes), ``layouts/`` (base, single, list, index; RSS and
    sitemap are Hugo's own), ``content/posts/``; returns the folder of the posts."""
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in (("baseof.html", HUGO_BASE), ("single.html", HUGO_SINGLE), ("list.html", HUGO_LIST)):
        (layouts / name).write_text(text, encoding="utf-8")
    (root / "layouts" / "index.html").write_text(HUGO_INDEX, encoding="utf-8")
    write_posts(root / "content" / "posts", "hugo", posts)
    return root / "content" / "posts"


JEKYLL_CONFIG = """\
title: Benchmark
markdown: kramdown
highlighter: rouge
kramdown:
  input: GFM
  syntax_highlighter: rouge
permalink: /posts/:year/:month/:day/:title/
defaults:
  - scope: {path: "", type: posts}
    values: {layout: post}
"""
JEKYLL_DEFAULT = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ page.title }} | {{ site.title }}</title>
<link rel="stylesheet" href="/syntax.css"></head><body>{{ content }}</body></html>
"""
JEKYLL_POST = """\
---
layout: default
---
<article><h1>{{ page.title }}</h1><time>{{ page.date | date: "%Y-%m-%d" }}</time>
<ul>{% for tag in page.tags %}<li>{{ tag }}</li>{% endfor %}</ul>
{{ content }}</article>
"""
JEKYLL_INDEX = """\
---
layout: default
title: Home
---
<h1>{{ site.title }}</h1>
<ul>{% for post in site.posts %}<li><a href="{{ post.url }}">{{ post.title }}</a><p>{{ post.summary }}</p></li>{% endfor %}</ul>
"""


def write_jekyll_site(root: Path, posts: list[GeneratedPost], *, feed: bool) -> Path:
    """``_config.yml`` (kramdown GFM + rouge), ``_layouts/`` (default, post), ``index.html``, ``_posts/``;
    the jekyll-feed plugin when ``feed``. Plain Jekyll builds no tag pages. Returns the folder of the posts."""
    (root / "_layouts").mkdir(parents=True, exist_ok=True)
    config = JEKYLL_CONFIG + ("plugins: [jekyll-feed]\n" if feed else "")
    (root / "_config.yml").write_text(config, encoding="utf-8")
    (root / "_layouts" / "default.html").write_text(JEKYLL_DEFAULT, encoding="utf-8")
    (root / "_layouts" / "post.html").write_text(JEKYLL_POST, encoding="utf-8")
    (root / "index.html").write_text(JEKYLL_INDEX, encoding="utf-8")
    write_posts(root / "_posts", "jekyll", posts)
    return root / "_posts"


PELICAN_CONFIG = """\
AUTHOR = "Bench"
SITENAME = "Benchmark"
SITEURL = ""
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
PATH = "content"
MARKDOWN = {{
    "extension_configs": {{
        "markdown.extensions.codehilite": {{"css_class": "highlight"}},
        "markdown.extensions.extra": {{}},
        "markdown.extensions.meta": {{}},
    }},
    "output_format": "html5",
}}
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = {cache!r}
"""


def write_pelican_site(root: Path, posts: list[GeneratedPost], *, cache: Path) -> Path:
    """``pelicanconf.py`` (codehilite, the default theme, its content cache in ``cache``) and ``content/``;
    returns the folder of the posts."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pelicanconf.py").write_text(PELICAN_CONFIG.format(cache=str(cache)), encoding="utf-8")
    write_posts(root / "content", "pelican", posts)
    return root / "content"
