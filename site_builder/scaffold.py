"""``site-builder init [DIR]``: a blog folder to start from, in the form the README documents.

DIR (default: the current folder) gets ``content/`` — ``site.yaml`` with every setting shown and commented,
a sample conversation (turns, an author's note, a regenerated answer, a code block the checks run), an About
page (``pages/about.md``, in the nav) — a
``.gitignore``, and a GitHub Actions workflow that builds the site and deploys it to GitHub Pages under the
project's sub-path. Nothing is ever overwritten: a DIR that holds any of these files is refused, naming them,
before anything is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from site_builder.errors import SiteError

SITE_YAML = """\
# The settings of your site. Every key is optional; unknown keys are errors (all reported at once).

title: "{title}"
# description: "What this blog is about, under the title and in the feed"
# author: "Your name"

# The public address of the site, used by the feed, the sitemap and canonical links. Pages link relatively,
# so the site works from any folder; the GitHub Pages workflow passes --base-url for you.
# base_url: "https://you.github.io/blog/"

# The language of your pages, a language tag (en, en-GB, fr, zh-Hans…); a post may set its own with lang:.
language: en

# Pygments styles of the light and the dark theme.
# highlight_light: friendly
# highlight_dark: github-dark

# How many posts the Atom feed lists.
# feed_entries: 20

# What a feed entry holds: summary (its summary or first question; the default) or full (the whole post, its
# links made absolute against base_url).
# feed_content: summary

# The search page and its index (false: neither).
# search: true

# Comments below each post through giscus (GitHub Discussions), off unless set: the ids are the ones
# https://giscus.app shows for your repository. A post may say comments: false (an imported one: comments: true).
# comments:
#   provider: giscus
#   repo: you/blog
#   repo_id: R_kgDOxxxxxx
#   category: Announcements
#   category_id: DIC_kwDOxxxxxx4Cxxxx

# Counting visits on every page, off unless set: one of
# analytics: {{provider: plausible, domain: you.github.io}}
# analytics: {{provider: goatcounter, code: yourcode}}
# analytics: {{provider: google, id: G-XXXXXXXXXX}}

# The nav's links after Archive, Feed and Search. Without menu:, every page of content/pages/ (but those
# whose front matter says menu: false), by weight: then title. An item is a page's name or a link.
# menu:
#   - about
#   - {{title: Source, url: "https://github.com/you/blog"}}

# Files in the output folder that are yours (a CNAME, a verification file): builds never remove or overwrite
# what they did not write, and these they keep without a warning.
# keep: [CNAME]
"""

SAMPLE_POST = """\
---
title: "Asking an AI why my generator ran only once"
date: {date}
tags: [python, sample]
speakers:
  Me: {{role: user}}
  ChatGPT: {{role: assistant, model: gpt-4o}}
---

A sample conversation: edit it, or delete it once you have written your own (`site-builder new "Title"`).
Text before the first turn is the introduction. `site-builder check` runs the code blocks, and the page
shows what each check proved.

Me: Why does the second `sum` print 0?

```python
squares = (n * n for n in range(4))
print(sum(squares), sum(squares))
```

ChatGPT: A generator is an iterator: the first `sum` uses it up, so the second one sees nothing. Make a
list if you need the values twice:

```python
squares = [n * n for n in range(4)]
assert sum(squares) == sum(squares) == 14
print(sum(squares), sum(squares))
```

> [!NOTE]
> My note: `range` is an iterable, not an iterator — that is why it can be looped over twice.

---

Me: Why does the second `sum` print 0?

```python
squares = (n * n for n in range(4))
print(sum(squares), sum(squares))
```

ChatGPT: Because a generator can be consumed only once. If you need to go over the values twice without
keeping them all, `itertools.tee` gives you two independent iterators. (Asked again, the same question
makes this a second answer to it: the page shows "answer 1 of 2" and "answer 2 of 2".)
"""

ABOUT_PAGE = """\
---
title: About
---

A page, not a post: it is not on the home page, in the archive or in the feed, and the nav links it. Pages live
in `content/pages/` (`pages/about.md` is `/about/`); `weight:` orders them in the nav, `menu: false` leaves one
out. Say who writes here, and what you ask the machines about.
"""

GITIGNORE = """\
# the built site and site-builder's local files
_site/
.venv/
"""

WORKFLOW = """\
# Builds the site with site-builder and publishes it with GitHub Pages.
# In the repository's Settings > Pages, choose "GitHub Actions" as the source.
# The site is served at https://OWNER.github.io/REPOSITORY/: configure-pages tells the build that address.
name: Publish the site

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - id: pages
        uses: actions/configure-pages@v5
      # Where site-builder is installed from: set the repository variable SITE_BUILDER_PACKAGE to a pip
      # requirement (a wheel's URL, "site-builder @ git+https://…"); the default is the package name.
      - run: pip install "${{{{ vars.SITE_BUILDER_PACKAGE || 'site-builder' }}}}"
      - run: site-builder build --content content --out _site --base-url "${{{{ steps.pages.outputs.base_url }}}}/"
      - uses: actions/upload-pages-artifact@v3
        with:
          path: _site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def blog_files(title: str, today: dt.date) -> dict[str, str]:
    """The files of a new blog folder: path inside it -> text."""
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    return {
        "content/site.yaml": SITE_YAML.format(title=quoted),
        f"content/posts/{today.isoformat()}-asking-an-ai-why-my-generator-ran-only-once.md":
            SAMPLE_POST.format(date=today.isoformat()),
        "content/pages/about.md": ABOUT_PAGE,
        ".gitignore": GITIGNORE,
        ".github/workflows/publish.yml": WORKFLOW.format(),
    }


def init_blog(folder: Path, title: str, today: dt.date | None = None) -> list[Path]:
    """Write a new blog into ``folder`` (made if missing) and return the files written. ``SiteError`` when
    any of them exists (nothing is written then)."""
    if folder.is_symlink() and not folder.exists() or folder.exists() and not folder.is_dir():
        raise SiteError(f"{folder} is a file (or a link to nothing), not a folder: nothing was written",
                        hint="name a new folder: site-builder init my-blog")
    files = {folder / name: text for name, text in blog_files(title, today or dt.date.today()).items()}
    taken = [path for path in files if path.exists() or path.is_symlink()]
    blocked = [parent for path in files for parent in path.parents
               if parent.is_relative_to(folder) and parent != folder and parent.exists() and not parent.is_dir()]
    if taken or blocked:
        shown = ", ".join(str(path) for path in taken + blocked)
        raise SiteError(f"{folder} already holds {shown}: nothing was written",
                        hint="run it in a new or empty folder (site-builder init my-blog), or add posts to this "
                             "one with site-builder new")
    written: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as handle:  # "x": never over a file made meanwhile
                written.append(path)
                handle.write(text)
    except OSError as exc:
        for path in written:  # ours, made a moment ago: no half blog is left
            path.unlink(missing_ok=True)
        raise SiteError(f"could not write the blog into {folder}: {exc.strerror or exc}"
                        + (f" ({exc.filename})" if exc.filename else ""),
                        hint="check the folder's permissions and the free space, then run it again") from None
    return list(files)
