"""A small site that is edited and rebuilt, and the comparison of an incremental build with a cold one.

The incremental side: one content folder built again and again into one output folder with one cache
folder. The cold side, after each build: the same content built into a fresh output folder with a fresh
cache folder. The two must hold the same files, byte for byte, except

- ``.site-builder``, the marker: it records when the build wrote it;
- three files of the Pagefind index, whose bytes change from run to run of Pagefind itself (it writes each
  filter's values in hash-map order, a new order every run, and the names of the filter files, the
  ``.pf_meta`` file that lists them and ``pagefind-entry.json`` that names it are hashes of those bytes).
  Those are decoded and compared as what they say (``search_index_view``); every other Pagefind file
  (fragments, word index, scripts) is compared byte for byte, under its own name.

``$SOURCE_DATE_EPOCH`` is set for both: a site without posts dates its feed by it (else by the clock, and two
builds a moment apart differ).

What is *not* reset on the cold side: the snippet checks' results (``<cache>/<content>/checks/``). They are
what ``site-builder check`` proved, an input of the build like the posts (a badge reads "verified" only
from them), not something the build computed; the cold cache gets a copy of them and nothing else.

The site is written from ``SmallSite``: posts are kept as ``PostFile`` values and written out after each
edit, so an edit is one line (``site.posts["…"].title = …; site.write()``). The edit helpers below are the
steps of ``test_incremental.py`` and the moves of ``tests/fuzz/test_fuzz_incremental.py``.
"""

from __future__ import annotations

import gzip
import json
import shutil
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from site_builder.build import BuildResult, build_site
from site_builder.caches import cache_root, content_cache
from site_builder.pages import load_page
from site_builder.posts import load_post
from site_builder.snippets import parse_snippets
from site_builder.snippets.run import Checker
from site_builder.output.marker import MARKER

COMPANION = '''"""A companion for the incremental-build tests: small definitions and a fast smoke()."""


def add(a, b):
    total = a + b
    return total


def scale(values, factor):
    return [value * factor for value in values]


def smoke():
    assert add(2, 3) == 5
    assert scale([1, 2], 3) == [3, 6]
'''

QUOTED = "    total = a + b\n    return total\n"
"""The lines of ``add`` that a post quotes (``companion=calc.py::add``)."""

SPECIAL_TEMPLATE = """{% extends "post.html" %}
{% block title %}Special: {{ view.post.title }} · {{ config.title }}{% endblock %}
"""
"""``content/templates/special.html``: the template one post names with ``template: special.html``."""

LIST_OVERRIDE = """<ul class="post-list overridden">
{% for v in views %}  <li><a href="{{ url(v.url) }}">{{ v.post.title }}</a> ({{ v.post.date.isoformat() }})</li>
{% endfor %}</ul>
"""
"""An override of the theme's partial ``_post_list.html``, which index, archive and tag pages include."""


@dataclass
class PostFile:
    """One post as the tests write it: front matter from the fields, then the body."""

    name: str
    """File name, ``YYYY-MM-DD-slug.md``: the date and the slug come from it."""
    title: str
    body: str
    tags: list[str] = field(default_factory=list)
    folder: str = "posts"
    """``posts`` or ``drafts``."""
    draft: bool = False
    """``draft: true`` in the front matter (kept out of the site like a file in ``drafts/``)."""
    extra: str = ""
    """More front-matter lines, as written (``template: special.html``)."""

    def text(self) -> str:
        tags = ", ".join(json.dumps(tag, ensure_ascii=False) for tag in self.tags)
        lines = [f"title: {json.dumps(self.title, ensure_ascii=False)}", f"tags: [{tags}]"]
        lines += ["draft: true"] if self.draft else []
        return "---\n" + "\n".join(lines) + "\n" + self.extra + "---\n\n" + self.body


def initial_posts() -> list[PostFile]:
    """Eight posts over a week (one in ``drafts/``): turns, an article, a companion excerpt, a doctest, math, a
    post with its own template, tags shared and not."""
    return [
        PostFile("2024-03-01-first-steps.md", "First steps with Python", tags=["python"], body=(
            "User: How do I print?\n\nChatGPT: Call `print`:\n\n```python\nprint('hello')\n```\n")),
        PostFile("2024-03-02-adding-numbers.md", "Adding numbers, with a companion", tags=["python", "companions"],
                 body=("User: Show me the body of `add`.\n\n```python companion=calc.py::add\n" + QUOTED + "```\n\n"
                       "Claude: It adds the two numbers and returns the total.\n")),
        PostFile("2024-03-03-why-i-write.md", "Why I write things down", tags=["meta"], body=(
            "An article without turns.\n\n## Reasons\n\n1. Memory.\n2. Honesty.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")),
        PostFile("2024-03-04-doctests.md", "Doctests in a conversation", tags=["python", "testing"], body=(
            "User: Can a post hold a doctest?\n\nChatGPT: Yes:\n\n```pycon\n>>> 1 + 1\n2\n```\n\n"
            "> [!NOTE]\n> My note: it is checked like any other block.\n")),
        PostFile("2024-03-05-shell.md", "A shell question", tags=["shell"], body=(
            "User: How do I list files?\n\nChatGPT: Use `ls`:\n\n```shell\n$ ls -la\n```\n")),
        PostFile("2024-03-06-math.md", "Euler's identity", tags=["math"], body=(
            "User: What is $e^{i\\pi}$?\n\nChatGPT: It is $-1$, so $$e^{i\\pi} + 1 = 0$$\n")),
        PostFile("2024-03-07-special.md", "A post with its own template", extra="template: special.html\n", body=(
            "User: Can a post have its own template?\n\nChatGPT: Yes, name it in the front matter.\n")),
        PostFile("2024-03-08-unfinished.md", "An unfinished chat", tags=["drafts-only"], folder="drafts", body=(
            "User: What does `asyncio.gather` return?\n\nChatGPT: A future of all the results.\n")),
    ]


def initial_pages() -> dict[str, str]:
    """Two pages (``content/pages/``): an article with a weight, and a conversation in a folder that quotes the
    companion."""
    return {
        "about.md": "---\ntitle: About\nweight: 1\n---\n\nWho writes here.\n",
        "docs/setup.md": ("# Setting up\n\nUser: Which function adds?\n\n```python companion=calc.py::add\n" + QUOTED
                          + "```\n\nChatGPT: `add`, in the companion.\n"),
    }


@dataclass
class SmallSite:
    """The content folder of the tests, written from ``posts``, ``pages``, ``config``, ``companion`` and friends."""

    content: Path
    posts: dict[str, PostFile] = field(default_factory=dict)
    """By file name."""
    config: dict[str, Any] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    """Page files: their path in ``pages/`` -> their text."""

    @classmethod
    def create(cls, content: Path, *, search: bool = True) -> "SmallSite":
        """The site of ``initial_posts``; ``search=False`` builds it without the Pagefind index (faster)."""
        site = cls(content, {p.name: p for p in initial_posts()},
                   {"title": "Incremental", "base_url": "https://example.org/blog/", "feed_entries": 5,
                    **({} if search else {"search": False})}, initial_pages())
        for folder in ("posts", "drafts", "companions", "templates", "static/img"):
            (content / folder).mkdir(parents=True, exist_ok=True)
        (content / "companions" / "calc.py").write_text(COMPANION, encoding="utf-8")
        (content / "templates" / "special.html").write_text(SPECIAL_TEMPLATE, encoding="utf-8")
        (content / "static" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
        (content / "static" / "img" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n',
                                                             encoding="utf-8")
        site.write()
        return site

    def path(self, post: PostFile) -> Path:
        return self.content / post.folder / post.name

    def write(self) -> None:
        """Write every post and ``site.yaml``; remove post files that are no longer in ``posts``."""
        wanted = {self.path(post) for post in self.posts.values()}
        for folder in ("posts", "drafts"):
            for stale in (self.content / folder).glob("*.md"):
                if stale not in wanted:
                    stale.unlink()
        for post in self.posts.values():
            _write_if_changed(self.path(post), post.text())
        pages = self.content / "pages"
        for stale in pages.rglob("*.md") if pages.is_dir() else ():
            if stale.relative_to(pages).as_posix() not in self.pages:
                stale.unlink()
        for name, text in self.pages.items():
            (pages / name).parent.mkdir(parents=True, exist_ok=True)
            _write_if_changed(pages / name, text)
        _write_if_changed(self.content / "site.yaml", "".join(f"{key}: {json.dumps(value)}\n"
                                                              for key, value in self.config.items()))

    def published(self) -> list[PostFile]:
        return [post for name, post in sorted(self.posts.items()) if post.folder == "posts" and not post.draft]


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# The edits: each changes the content folder (and ``site``), nothing else.

def edit_body(site: SmallSite, name: str, words: str) -> None:
    site.posts[name].body += f"\nUser: And {words}?\n\nChatGPT: {words.capitalize()}, indeed.\n"
    site.write()


def set_title(site: SmallSite, name: str, title: str) -> None:
    site.posts[name].title = title
    site.write()


def rename_post(site: SmallSite, name: str, new_name: str) -> None:
    """A new file name: a new slug, so a new URL (the old page must disappear)."""
    post = site.posts.pop(name)
    post.name = new_name
    site.posts[new_name] = post
    site.write()


def delete_post(site: SmallSite, name: str) -> None:
    del site.posts[name]
    site.write()


def add_post(site: SmallSite, name: str, title: str, tags: list[str]) -> None:
    site.posts[name] = PostFile(name, title, tags=tags, body=(
        f"User: What is new in {title}?\n\nChatGPT: Everything about {title.lower()}.\n"))
    site.write()


def link_post(site: SmallSite, name: str, target: str) -> None:
    """Post ``name`` links to post ``target`` (a file name of ``site.posts``, or one no post has) by its file,
    relative to its own, with a fragment, and by Jekyll's ``{% post_url %}``: its page follows ``target``'s URL."""
    post, other = site.posts[name], site.posts.get(target)
    folder = other.folder if other is not None else "posts"
    post.body += (f"\nSee [{target}](../{folder}/{target}#turn-1) and "
                  f"[again]({{{{ site.baseurl }}}}{{% post_url {target.removesuffix('.md')} %}}).\n")
    site.write()


def set_draft(site: SmallSite, name: str, draft: bool) -> None:
    site.posts[name].draft = draft
    site.write()


def move_post(site: SmallSite, name: str, folder: str) -> None:
    """Into ``drafts/`` (out of the site) or back into ``posts/``."""
    site.posts[name].folder = folder
    site.write()


def set_tags(site: SmallSite, name: str, tags: list[str]) -> None:
    site.posts[name].tags = tags
    site.write()


def set_config(site: SmallSite, **settings: Any) -> None:
    """Settings of ``site.yaml``; a value of None removes the key (the default applies)."""
    for key, value in settings.items():
        if value is None:
            site.config.pop(key, None)
        else:
            site.config[key] = value
    site.write()


def write_template(site: SmallSite, name: str, text: str | None) -> None:
    """Add or change ``content/templates/<name>``; None removes it (the theme's applies again)."""
    path = site.content / "templates" / name
    if text is None:
        path.unlink()
    else:
        path.write_text(text, encoding="utf-8")


def edit_companion(site: SmallSite, old: str, new: str) -> None:
    path = site.content / "companions" / "calc.py"
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{old!r} is not in calc.py"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def write_static(site: SmallSite, name: str, text: str | None) -> None:
    """Add or change ``content/static/<name>``; None removes it."""
    path = site.content / "static" / name
    if text is None:
        path.unlink()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write_page(site: SmallSite, name: str, text: str | None) -> None:
    """Add or change ``content/pages/<name>``; None removes it."""
    if text is None:
        del site.pages[name]
    else:
        site.pages[name] = text
    site.write()


def page_text(title: str, body: str = "Some words.", **keys: Any) -> str:
    """A page's text: its title and front-matter ``keys`` (``permalink``, ``menu``, ``weight``, ``draft``)."""
    lines = [f"title: {json.dumps(title)}", *(f"{key}: {json.dumps(value)}" for key, value in keys.items())]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n"


def break_front_matter(site: SmallSite, name: str) -> None:
    """Write the post with an unclosed front-matter list (``site.write()`` puts it back)."""
    site.path(site.posts[name]).write_text(site.posts[name].text().replace("---\n", "---\ntitle: [unclosed\n", 1),
                                           encoding="utf-8")


# The two sides and their comparison.

class IncrementalBuilds:
    """``build()``: the incremental side; ``cold()``: the same content from nothing; ``step()``: both, compared."""

    def __init__(self, root: Path, site: SmallSite, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.site = site
        self.out = root / "site"
        self.cache = root / "cache"
        """The incremental side's cache, kept from build to build."""
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1710000000")  # a site without posts dates its feed by it, else now
        self.colds = 0
        self.last: dict[str, Any] | None = None
        """The files of the last cold build (``comparable``)."""
        self.rendered: int | None = None
        """How many pages the last step's incremental build rendered (``BuildResult.rendered``)."""

    def build(self, **options: Any) -> BuildResult:
        """Build into the one output with the one cache, as ``site-builder build`` and ``serve`` do."""
        self.monkeypatch.setenv("SITE_BUILDER_CACHE", str(self.cache))
        return build_site(self.site.content, self.out, **options)

    def check(self) -> None:
        """Run the snippet checks of every post and page with the incremental side's cache (as ``site-builder
        check`` does)."""
        self.monkeypatch.setenv("SITE_BUILDER_CACHE", str(self.cache))
        checker = Checker(self.site.content)
        pages = self.site.content / "pages"
        parsed = [load_post(self.site.path(post)) for post in self.site.published()]
        parsed += [load_page(pages / name, pages, jekyll=False).post for name in sorted(self.site.pages)]
        for post in parsed:
            snippets = parse_snippets(post, self.site.content)
            for snippet in snippets:
                checker.check(snippet, snippets)

    def cold(self, **options: Any) -> Path:
        """Build the same content into a new output with a new cache holding only the check results."""
        self.colds += 1
        cache, out = self.root / f"cold-cache-{self.colds}", self.root / f"cold-site-{self.colds}"
        self.monkeypatch.setenv("SITE_BUILDER_CACHE", str(self.cache))
        checks = content_cache(self.site.content) / "checks"
        if checks.is_dir():
            shutil.copytree(checks, cache / checks.relative_to(cache_root()))
        self.monkeypatch.setenv("SITE_BUILDER_CACHE", str(cache))
        try:
            build_site(self.site.content, out, **options)
        finally:
            self.monkeypatch.setenv("SITE_BUILDER_CACHE", str(self.cache))
        return out

    def step(self, label: str, **options: Any) -> "Changes":
        """Build incrementally, build cold, require the same site; returns what changed since the last step
        (cold side), so a test can also assert that its edit reached the pages it should."""
        self.rendered = self.build(**options).rendered
        cold = self.cold(**options)
        try:
            assert_same_site(self.out, cold, label)
            files = comparable(site_files(cold))
        finally:
            shutil.rmtree(cold)
            shutil.rmtree(self.root / f"cold-cache-{self.colds}", ignore_errors=True)
        changes = Changes.between(self.last or {}, files)
        self.last = files
        return changes


@dataclass(frozen=True)
class Changes:
    added: frozenset[str]
    removed: frozenset[str]
    modified: frozenset[str]

    @classmethod
    def between(cls, before: dict[str, Any], after: dict[str, Any]) -> "Changes":
        return cls(frozenset(after.keys() - before.keys()), frozenset(before.keys() - after.keys()),
                   frozenset(k for k in before.keys() & after.keys() if before[k] != after[k]))


def site_files(out: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None, name ending in ``/``) of a built site but the marker."""
    found: dict[str, bytes | None] = {}
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if path.is_dir() and not path.is_symlink():
            found[name + "/"] = None
        elif name != MARKER:
            found[name] = path.read_bytes()
    return found


def assert_same_site(incremental: Path, cold: Path, label: str = "") -> None:
    """The same folders and files, the same bytes (the Pagefind files that vary by run: the same meaning)."""
    ours, theirs = comparable(site_files(incremental)), comparable(site_files(cold))
    problems = [f"only in the incremental build: {name}" for name in sorted(ours.keys() - theirs.keys())]
    problems += [f"only in the cold build (stale or missing page?): {name}"
                 for name in sorted(theirs.keys() - ours.keys())]
    problems += [first_difference(name, ours[name], theirs[name])
                 for name in sorted(ours.keys() & theirs.keys()) if ours[name] != theirs[name]]
    if problems:
        shown = problems[:15] + ([f"... and {len(problems) - 15} more"] if len(problems) > 15 else [])
        count = f"{len(problems)} difference{'s' if len(problems) > 1 else ''}"
        pytest.fail(f"{label + ': ' if label else ''}the incremental build differs from a cold build of the same "
                    f"content ({count}):\n" + "\n".join(shown), pytrace=False)


def first_difference(name: str, ours: Any, theirs: Any) -> str:
    """``name: line N differs`` with both lines (cut to 200 characters), or the first differing byte."""
    if not (isinstance(ours, bytes) and isinstance(theirs, bytes)):
        return f"{name}: differs\n    incremental: {_cut(repr(ours))}\n    cold:        {_cut(repr(theirs))}"
    try:
        mine, other = ours.decode("utf-8").splitlines(), theirs.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        at = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
        return f"{name}: {len(ours)} vs {len(theirs)} bytes, first difference at byte {at}"
    at = next((i for i, (a, b) in enumerate(zip(mine, other)) if a != b), min(len(mine), len(other)))
    line = lambda lines: _cut(repr(lines[at])) if at < len(lines) else "(end of file)"  # noqa: E731
    return (f"{name}: line {at + 1} differs ({len(mine)} vs {len(other)} lines)\n"
            f"    incremental: {line(mine)}\n    cold:        {line(other)}")


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# Pagefind's index, as what it says.

VARYING = (".pf_filter", ".pf_meta", "pagefind-entry.json")
"""The Pagefind files whose bytes (and names) vary from run to run; see the module's docstring."""


def comparable(files: dict[str, bytes | None]) -> dict[str, Any]:
    """``site_files`` with Pagefind's varying files replaced by their decoded meaning (``search_index_view``)."""
    kept = {name: data for name, data in files.items() if not (name.startswith("pagefind/") and name.endswith(VARYING))}
    if "pagefind/" in files:
        kept.update(search_index_view(files))
    return kept


def search_index_view(files: dict[str, bytes | None]) -> dict[str, Any]:
    """The varying Pagefind files, decoded: the ``.pf_meta`` of each language with its filters' values (sorted)
    in place of the filter files' names, ``pagefind-entry.json`` without the hash that names the meta file,
    and any varying file that the index does not name (left over: a stale file); for the main shard
    (``pagefind/``) and each other one (``pagefind/shard/NN/``). Written for Pagefind 1.x (gzip,
    ``pagefind_dcd``, then CBOR)."""
    folders = ["pagefind/", *sorted({name[:len("pagefind/shard/NN/")] for name in files
                                     if name.startswith("pagefind/shard/")})]
    view: dict[str, Any] = {}
    named: set[str] = set()
    for folder in folders:
        entry_name = f"{folder}pagefind-entry.json"
        entry = json.loads(files.get(entry_name) or b"{}")
        named.add(entry_name)
        for code, language in entry.get("languages", {}).items():
            meta_name = f"{folder}pagefind.{language.pop('hash', None)}.pf_meta"
            version, pages, index, listed, *rest = pagefind_file(meta_name, files.get(meta_name))
            filters = []
            for filter_name, hashed in listed:
                name = f"{folder}filter/{hashed}.pf_filter"
                decoded_name, values = pagefind_file(name, files.get(name))
                filters.append((filter_name, decoded_name, sorted((value, sorted(pages)) for value, pages in values)))
                named.add(name)
            named.add(meta_name)
            view[f"{folder}pagefind.{code}.pf_meta (decoded, filters sorted)"] = [version, pages, index,
                                                                                 sorted(filters), *rest]
        view[f"{entry_name} (without hashes)"] = entry
    view.update({f"{name} (left over: the index does not name it)": data for name, data in files.items()
                 if name.startswith("pagefind/") and name.endswith(VARYING) and name not in named})
    return view


def pagefind_file(name: str, data: bytes | None) -> Any:
    if data is None:
        raise AssertionError(f"{name}: missing, or a folder where Pagefind writes a file")
    try:
        body = gzip.decompress(data)
        if not body.startswith(b"pagefind_dcd"):
            raise ValueError("no pagefind_dcd signature")
        value, end = cbor(body, len(b"pagefind_dcd"))
        if end != len(body):
            raise ValueError(f"{len(body) - end} bytes after the CBOR value")
        return value
    except (OSError, ValueError, IndexError, struct.error) as exc:
        raise AssertionError(f"{name}: not a Pagefind 1.x file ({exc}); has the index format changed? "
                             "Teach search_index_view the new one") from None


def cbor(data: bytes, at: int) -> tuple[Any, int]:
    """The CBOR item at ``data[at:]`` and where it ends: the subset Pagefind writes (definite lengths)."""
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if info < 24:
        arg = info
    elif info < 28:
        size = 1 << (info - 24)
        if major == 7 and size > 1:  # a float
            return struct.unpack({2: ">e", 4: ">f", 8: ">d"}[size], data[at:at + size])[0], at + size
        arg, at = int.from_bytes(data[at:at + size], "big"), at + size
    else:
        raise ValueError(f"CBOR head {head:#04x} at {at - 1}: indefinite lengths are not read here")
    if major == 0:
        return arg, at
    if major == 1:
        return -1 - arg, at
    if major in (2, 3):
        raw = data[at:at + arg]
        return (raw if major == 2 else raw.decode("utf-8")), at + arg
    if major in (4, 5):
        items = []
        for _ in range(arg * (2 if major == 5 else 1)):
            item, at = cbor(data, at)
            items.append(item)
        return (items if major == 4 else list(zip(items[::2], items[1::2]))), at
    if major == 6:
        return cbor(data, at)  # a tag: its item
    return {20: False, 21: True, 22: None}.get(arg, ("simple", arg)), at


# Versions: what a cache of rendered pages must be keyed by.

def patch_versions(monkeypatch: pytest.MonkeyPatch, ours: str | None = None, pygments_version: str | None = None,
                   keyword_class: str | None = None) -> None:
    """Pretend another site_builder and/or Pygments is installed (as a new process would see it).

    ``ours``: ``__version__`` in every loaded site_builder module that copied it (``from site_builder import
    __version__``), so the generator line changes. ``pygments_version``: ``pygments.__version__``; with
    ``keyword_class`` Pygments also writes keywords with another CSS class (``k`` -> ``keyword_class``), as a
    new Pygments may, and the in-process highlighting cache starts empty, as in a new process.
    """
    import pygments
    from pygments.token import STANDARD_TYPES, Keyword

    from site_builder import highlight

    if ours is not None:
        import site_builder

        original = site_builder.__version__
        for module_name, module in list(sys.modules.items()):
            if (module_name == "site_builder" or module_name.startswith("site_builder.")) and \
                    getattr(module, "__version__", None) == original:
                monkeypatch.setattr(module, "__version__", ours)
    if pygments_version is not None:
        monkeypatch.setattr(pygments, "__version__", pygments_version)
    if keyword_class is not None:
        monkeypatch.setitem(STANDARD_TYPES, Keyword, keyword_class)
        monkeypatch.setattr(highlight, "_CACHE", type(highlight._CACHE)())
        monkeypatch.setattr(highlight, "_cached", [0])


Edit = Callable[[SmallSite], None]
