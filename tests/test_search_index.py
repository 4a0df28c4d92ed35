"""The search index: a record per turn, built into the site with the pages; `search: false` opts out."""

from __future__ import annotations

import contextlib
import errno
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from site_builder.build import build_site
from site_builder.errors import ConfigError, OutputError
from site_builder.markdown.core import create_markdown
from site_builder.posts import load_post
from site_builder.render import post_view
from site_builder.pagefind import _run_pagefind, page_address, pagefind_binary, write_search_index
from site_builder.pagefind_service import PagefindService
from site_builder.pagefind_filters import sorted_filters
from site_builder.pagefind_shards import SHARD_POSTS
from site_builder.search import (APART, SKIPPED, SearchPage, SearchRecord, _records, _turn_views, plain_text,
                                 search_pages, search_records, unspaced_language)

from incremental_site import first_difference, pagefind_file, patch_versions, search_index_view, site_files

FIXTURE = Path(__file__).parent / "browser" / "fixtures" / "site"
FIXTURES = Path(__file__).parent / "fixtures"


def test_a_record_per_turn_with_its_role_and_the_post_tags() -> None:
    post = load_post(FIXTURE / "posts" / "2024-02-01-a-conversation.md")
    records = search_records([post_view(create_markdown(), post, None)], "Site")
    assert [r.url for r in records][:3] == ["posts/a-conversation/", "posts/a-conversation/#turn-1",
                                            "posts/a-conversation/#turn-2"]
    assert {r.role for r in records} == {"article", "user", "assistant"}
    assert all(r.tags == ("python", "statistics") for r in records)
    answer = next(r for r in records if r.url.endswith("#turn-2"))
    assert answer.speaker == "Assistant" and "divide by their count" in answer.text
    assert "Copy" not in answer.text, "controls are not searched"


def test_plain_text_drops_markup_and_controls() -> None:
    assert plain_text('<p>a &lt;b&gt;</p><figure><figcaption>python <button>Copy</button></figcaption>'
                      '<pre><code>x = 1</code></pre></figure>') == "a <b> x = 1"


def test_inline_markup_runs_on_and_blocks_stand_apart() -> None:
    assert plain_text("<p>creates an <em>iterator</em>. The <code>sum</code></p><p>Next</p>"
                      "<ul><li>a</li><li>b<br>c</li></ul>") == "creates an iterator. The sum Next a b c"


class _ParsedText(HTMLParser):
    """``plain_text`` as ``html.parser`` reads the HTML: the reference it is compared with."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.skipping += tag in SKIPPED
        self.parts.append(" " if tag in APART else "")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self.skipping:
            self.skipping -= 1
        self.parts.append(" " if tag in APART else "")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _parsed_text(html: str) -> str:
    parser = _ParsedText()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def test_plain_text_reads_the_posts_html_as_html_parser_does() -> None:
    """Every turn of every fixture post (the reference post among them), rendered, gives the text ``html.parser``
    gives (highlighted code, tables, math, the author's HTML, character references)."""
    md = create_markdown()
    htmls = []
    for path in sorted([*FIXTURES.rglob("*.md"), *FIXTURE.rglob("*.md")]):
        try:
            view = post_view(md, load_post(path), None)
        except Exception:  # noqa: BLE001 - a fixture that is not a post (a broken one for error tests)
            continue
        htmls += [view.intro_html, *(turn.html for turn in _turn_views(view))]
    assert len(htmls) > 500
    assert [plain_text(html) for html in htmls] == [_parsed_text(html) for html in htmls]


_PIECES = ("<p>", "</p>", "<em>", "</em>", "<br>", "<br/>", "<figcaption>", "</figcaption>", "<button>",
           "</button>", "<button/>", "<script>", "</script>", "<style>", "</style >", "<P>", "</LI>", "<li>",
           '<a href="x>y">', "<a title='>'>", "</a>", "<!-- c > -->", "<!DOCTYPE html>", "<?x?>", ">", "&amp;", "&lt;", "&#x41;", "&#65;", "&bogus;", "&", "&amp", "word", " ", "\n", "é",
           "<math>", "<mi>x</mi>", "</math>", "<code>", "</code>", "<span class=\"k\">", "</span>")


@pytest.mark.parametrize("seed", range(40))
def test_plain_text_reads_random_markup_as_html_parser_does(seed: int) -> None:
    """Random strings of tags, references, comments and stray ``&`` and ``>``: the same text as ``html.parser``
    gives, whatever the order (unclosed controls, a script never closed). A ``<`` that opens no tag is left out:
    HTML written by a serializer (ours, the cleaner's) escapes it, and ``html.parser`` reads such junk its own
    way (``</&`` is a comment to it)."""
    chosen = random.Random(seed)
    for _ in range(50):
        html = "".join(chosen.choice(_PIECES) for _ in range(chosen.randint(1, 30)))
        assert plain_text(html) == _parsed_text(html), html


def test_a_record_is_indexed_in_its_post_language(tmp_path: Path) -> None:
    """A post's ``lang:`` is its records' language, else the site's; Pagefind writes an index per language (in
    lower case, as the browser reads ``<html lang>``), and cuts Chinese into words by it."""
    views = [post_view(create_markdown(), load_post(FIXTURE / "posts" / name), None)
             for name in ("2024-02-01-a-conversation.md", "2024-03-01-rtl.md")]
    records = search_records(views, "Site")
    assert {record.language for record in records} == {"", "ar"}
    chinese = SearchRecord("posts/zh/#turn-2", "这个函数返回一个列表", "中文", "助手", "assistant", (), "zh-Hans")
    folder = write_search_index([*records, chinese], tmp_path / "pagefind", "en")
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert sorted(entry["languages"]) == ["ar", "en", "zh-hans"]
    assert entry["languages"]["zh-hans"]["page_count"] == 1


def test_the_index_is_built_into_the_site_and_search_false_leaves_it_out(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    out = tmp_path / "out"
    build_site(content, out)
    assert (out / "pagefind" / "pagefind.js").is_file() and (out / "search" / "index.html").is_file()
    assert 'href="search/"' in (out / "index.html").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".out-build-*")), "no staging folder is left beside the output"

    (content / "site.yaml").write_text((content / "site.yaml").read_text() + "search: false\n", encoding="utf-8")
    build_site(content, out)
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert 'href="search/"' not in (out / "index.html").read_text(encoding="utf-8")


def test_search_must_be_true_or_false(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    (content / "site.yaml").write_text("search: no thanks\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="search must be true or false"):
        build_site(content, tmp_path / "out")


def test_the_records_folder_does_not_reach_the_site(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    build_site(content, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")) == [".site-builder"]


def children_named(parent: int, name: str) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("Name", "").strip() == name and fields.get("PPid", "").strip() == str(parent):
            found.append(int(status.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the process table from /proc (Linux)")
def test_a_killed_build_takes_pagefind_with_it(tmp_path: Path) -> None:
    """Pagefind writes into the staging folder; killed with the build, it cannot write on after the next
    build removed that folder."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    for i in range(300):
        (content / "posts" / f"2024-01-01-post-{i}.md").write_text(
            f"---\ntitle: Post {i}\n---\n\nUser: question {i} {'words ' * 200}?\n\nChatGPT: answer {i}\n")
    build = subprocess.Popen([sys.executable, "-m", "site_builder", "build", "--content", str(content),
                              "--out", str(tmp_path / "out")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pagefind: list[int] = []
    try:
        deadline = time.monotonic() + 120
        name = Path(pagefind_binary()).name[:15]  # the kernel keeps 15 characters: pagefind_extend
        while not (pagefind := children_named(build.pid, name)):
            assert build.poll() is None, "the build ended before Pagefind was seen: make the site bigger"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(pagefind[0], signal.SIGSTOP)  # frozen, it could outlive the build only by its own means
        build.send_signal(signal.SIGKILL)
        build.wait()
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pagefind[0]}").exists() and "Z" not in _state(pagefind[0]):
            assert time.monotonic() < deadline, "Pagefind outlived the build"
            time.sleep(0.05)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
        for pid in pagefind:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _state(pid: int) -> str:
    try:
        return next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State"))
    except (OSError, StopIteration):
        return "Z"


def test_a_site_with_nothing_to_find_still_builds_its_search(tmp_path):
    """Pagefind builds no index from nothing: an empty blog, or one whose only post is code, failed to build."""
    from site_builder.build import build_site

    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    build_site(content, tmp_path / "empty")
    assert (tmp_path / "empty" / "pagefind" / "pagefind.js").is_file()
    (content / "posts" / "2024-01-01-code.md").write_text("---\ntitle: Code\n---\n\n```python\n\n```\n")
    build_site(content, tmp_path / "code-only")
    assert (tmp_path / "code-only" / "pagefind" / "pagefind.js").is_file()


# Reproducible: the same content, the same index, byte for byte.

TAGS = [f"topic-{letter}" for letter in "abcdefghijkl"]


def tagged_site(tmp_path: Path) -> Path:
    """The browser fixture and a post per tag of a dozen, each with two of them: each filter (tag, role)
    has several values, which Pagefind 1.5 writes in the order of a hash map seeded anew on every run."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    for number, tag in enumerate(TAGS):
        other = TAGS[(number + 1) % len(TAGS)]
        (content / "posts" / f"2024-05-{number + 1:02d}-post-{tag}.md").write_text(
            f"---\ntitle: About {tag}\ntags: [{tag}, {other}]\n---\n\nThe introduction of {tag}.\n\n"
            f"User: What is {tag}?\n\nChatGPT: {tag} comes before {other}.\n", encoding="utf-8")
    return content


def cold_build(content: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes | None]:
    """Build ``content`` into ``out`` with a cache of its own (none yet); returns the site's files."""
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(out.with_name(out.name + "-cache")))
    build_site(content, out)
    return site_files(out)


def assert_identical(ours: dict[str, bytes | None], theirs: dict[str, bytes | None]) -> None:
    """The same files (names and bytes), the search index's among them."""
    assert "pagefind/pagefind-entry.json" in ours, "built with its search index"
    problems = [f"only in the first build: {name}" for name in sorted(ours.keys() - theirs.keys())]
    problems += [f"only in the second build: {name}" for name in sorted(theirs.keys() - ours.keys())]
    problems += [first_difference(name, ours[name], theirs[name])
                 for name in sorted(ours.keys() & theirs.keys()) if ours[name] != theirs[name]]
    assert not problems, "\n".join(problems)


def test_two_cold_builds_write_the_same_site_and_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deploys upload only what changed: two builds of the same content are the same bytes, pagefind/ included."""
    content = tagged_site(tmp_path)
    assert_identical(cold_build(content, tmp_path / "a", monkeypatch), cold_build(content, tmp_path / "b", monkeypatch))


def test_an_incremental_build_after_an_edit_and_back_is_a_cold_build(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The index is written again after each edit (the search key changed): back to the first content, it is
    the cold build's, byte for byte."""
    content = tagged_site(tmp_path)
    post = content / "posts" / "2024-05-01-post-topic-a.md"
    original = post.read_text(encoding="utf-8")
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "site"
    build_site(content, out)
    post.write_text(original.replace("comes before", "is followed by"), encoding="utf-8")
    build_site(content, out)
    post.write_text(original, encoding="utf-8")
    build_site(content, out)
    assert_identical(site_files(out), cold_build(content, tmp_path / "cold", monkeypatch))


def test_the_pages_of_the_index_are_the_records_in_order(tmp_path: Path) -> None:
    """Page N of the index is the Nth page of the records (a speaker's turns in a post), whatever the file system:
    Pagefind numbered the files it was given in the order its folder listing returned them (name hashes on ext4,
    newest first on tmpfs), so the same records made another index on another disk."""
    records = [SearchRecord(f"posts/p{number // 2}/#turn-{number % 2 + 1}", f"turn {number} of many",
                            f"Post {number // 2}", ("Reader", "Assistant")[number % 2], ("user", "assistant")[number % 2],
                            ("tag",)) for number in range(2 * SHARD_POSTS)]  # one shard: SHARD_POSTS posts
    folder = write_search_index(records, tmp_path / "pagefind", "en")
    found = [fragment(path) for path in _pages_of(folder)]
    assert [(_shown(page)["speaker"], [a["id"] for a in page["anchors"]]) for page in found] \
        == [(record.speaker, [record.url.split("#")[1]]) for record in records]
    assert [page["url"].split("?")[0] for page in found] == ["/" + record.url.split("#")[0] for record in records]
    assert [page["meta"] for page in found] == [{"title": record.title} if record.speaker == "Reader" else {}
                                                for record in records], "a post's title is searched once"


def _shown(page: dict) -> dict[str, str]:
    """What the search page shows of a page of the index: from its address's query (``pagefind.page_address``)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(page["url"]).query).items()}


def _pages_of(folder: Path) -> list[Path]:
    """The fragment files of an index's English pages, in the index's order."""
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    meta_name = f"pagefind.{entry['languages']['en']['hash']}.pf_meta"
    pages = pagefind_file(meta_name, (folder / meta_name).read_bytes())[1]
    return [folder / "fragment" / f"{page_hash}.pf_fragment" for page_hash, _ in pages]


def test_a_speakers_turns_in_a_post_are_one_page_each_turn_an_anchor(tmp_path: Path) -> None:
    """A post's turns by one speaker make one page, each turn's text after a heading with its anchor (the search
    page's sub-results), in the post's order; the introduction is a page of its own, without an anchor."""
    records = [SearchRecord("posts/a/", "the introduction", "A", "", "article", ()),
               SearchRecord("posts/a/#turn-1", "first question", "A", "Reader", "user", ()),
               SearchRecord("posts/a/#turn-2", "first answer", "A", "Assistant", "assistant", ()),
               SearchRecord("posts/a/#turn-3", "second question", "A", "Reader", "user", ())]
    assert [(page.speaker, page.turns) for page in search_pages(records)] == [
        ("", (("", "the introduction"),)),
        ("Reader", (("turn-1", "first question"), ("turn-3", "second question"))),
        ("Assistant", (("turn-2", "first answer"),))]
    found = [fragment(path) for path in _pages_of(write_search_index(records, tmp_path / "pagefind", "en"))]
    assert [(page["content"], [(a["id"], a["location"]) for a in page["anchors"]]) for page in found] == [
        ("the introduction.", []),
        ("first question. second question.", [("turn-1", 0), ("turn-3", 2)]),
        ("first answer.", [("turn-2", 0)])]
    assert all(anchor["text"].strip("\u200b") == "" for page in found for anchor in page["anchors"]), \
        "no word in a turn's heading"
    assert [page["filters"]["role"] for page in found] == [["article"], ["user"], ["assistant"]]


def test_a_speakers_long_turns_go_on_in_another_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``PAGE_CHARACTERS`` of text, a speaker's next turn starts another page (a hit loads its page's whole
    text); a turn longer than that is a page of its own, whole; the other speaker's page is unaffected."""
    from site_builder import search

    monkeypatch.setattr(search, "PAGE_CHARACTERS", 10)
    texts = ["aaaa", "bbbb", "ccc", "d" * 30, "eee"]
    records = [SearchRecord(f"posts/a/#turn-{2 * n + 1}", text, "A", "Reader", "user", ()) for n, text in enumerate(texts)]
    records.insert(1, SearchRecord("posts/a/#turn-2", "an answer", "A", "Assistant", "assistant", ()))
    assert [[text for _, text in page.turns] for page in search_pages(records)] == [
        ["aaaa", "bbbb"], ["an answer"], ["ccc"], ["d" * 30], ["eee"]]


def test_what_a_post_says_reaches_the_index_as_it_is_written(tmp_path: Path) -> None:
    """A title, speaker, tag and text that look like markup or an entity are indexed as the text they are: the
    page Pagefind reads is HTML, and everything from the post is escaped in it."""
    hostile = '"><script>alert(1)</script> &amp; R&D &lt; &#65; &notit <b>'
    records = [SearchRecord('posts/x"y/#turn-1"><i>', f"words {hostile}", f"Title {hostile}", f"Who {hostile}",
                            "user", (f"tag {hostile}", "b,c"))]
    [found] = [fragment(path) for path in _pages_of(write_search_index(records, tmp_path / "pagefind", "en"))]
    assert found["meta"] == {"title": f"Title {hostile}"}
    assert _shown(found) == {"title": f"Title {hostile}", "speaker": f"Who {hostile}", "page": "0"}
    assert urlsplit(found["url"]).path == "/posts/x%22y/"
    assert found["filters"] == {"role": ["user"], "tag": [f"tag {hostile}", "b,c"]}
    assert found["content"] == f"words {hostile}"
    assert [anchor["id"] for anchor in found["anchors"]] == ['turn-1"><i>']


def test_a_pages_address_is_its_posts_as_a_browser_writes_it_with_what_a_hit_shows() -> None:
    """The search page links a hit to its page's address, the query left out: the path is the post's as a browser
    writes it (non-ASCII, spaces and quotes percent-encoded; ``(``, ``@``, ``&`` and the like as they are), and
    the query holds what the hit shows, every character of it encoded (a ``/`` too: Pagefind's script merges
    runs of slashes in an address)."""
    page = SearchPage('posts/a(b)@c&d/é x"y/', "T/i&t=l%e #1", "Zhi wei", "user", (), "", (("turn-1", "text"),))
    address = page_address(page, 7)
    assert address.split("?")[0] == '/posts/a(b)@c&d/%C3%A9%20x%22y/'
    assert "/" not in address.split("?")[1]
    assert parse_qs(urlsplit(address).query) == {"title": ["T/i&t=l%e #1"], "speaker": ["Zhi wei"], "page": ["7"]}


def test_a_post_without_lang_written_in_chinese_japanese_or_thai_is_indexed_in_that_language() -> None:
    """Pagefind cuts those languages into words only in an index of their language; an imported conversation has
    no ``lang:``. A few words of them in an English post leave it English."""
    assert [unspaced_language(text) for text in (
        "这个函数返回一个列表，不是元组。", "これは関数です。リストを返します。", "สวัสดีครับ ผมชื่อสมชาย",
        "The word 质数 means a prime number, which is what I asked about.", "", "def f():\n    return 1\n")] == \
        ["zh", "ja", "th", "", "", ""]
    records = [record.language for record in _records([_view("---\ntitle: 无\n---\n\nUser: 什么是质数？\n\n"
                                                             "ChatGPT: 只能被一和它自己整除的数。\n")])]
    assert records == ["zh", "zh"]
    assert {record.language for record in _records([_view("---\ntitle: x\nlang: fr\n---\n\nUser: 什么是质数？\n")])} \
        == {"fr"}, "a lang: is kept"


def _view(text: str):
    from site_builder.posts import parse_post

    return post_view(create_markdown(), parse_post(Path("2024-01-01-x.md"), text), None)


def fragment(path: Path) -> dict:
    """A Pagefind fragment: gzip, the ``pagefind_dcd`` signature, then JSON."""
    body = gzip.decompress(path.read_bytes())
    assert body.startswith(b"pagefind_dcd"), path
    return json.loads(body[len(b"pagefind_dcd"):])


def test_sorting_the_filters_changes_only_their_order(tmp_path: Path) -> None:
    """``sorted_filters`` renames and rewrites what Pagefind wrote in a varying order; read with the tests' own
    decoder, the index says the same (pages, words, each filter's values and their pages), and the index
    files it rewrote are named by their new bytes."""
    content = tagged_site(tmp_path)
    views = [post_view(create_markdown(), load_post(path), None) for path in sorted((content / "posts").glob("*.md"))]
    service = PagefindService(pagefind_binary())
    try:
        written = _run_pagefind(search_records(views, "Site"), "en", service)
    finally:
        service.close()
    ours = sorted_filters(written)
    view = lambda files: search_index_view({f"pagefind/{name}": data for name, data in files.items()})  # noqa: E731
    assert view(ours) == view(written)
    rewritten = sorted(ours.keys() - written.keys())
    # The English index (the fixture's Arabic post has one of its own): a filter Pagefind happened to write in
    # order (the role's 2 values: 1 run in 2) keeps its name; the tag filter's dozen values are all but never in
    # order, so the meta always changes.
    kinds = [name.rsplit(".", 1)[1] for name in rewritten if re.search(r"[./]en_", name)]
    assert kinds in (["pf_filter", "pf_meta"], ["pf_filter", "pf_filter", "pf_meta"]), kinds
    assert ours.keys() - set(rewritten) <= written.keys(), "no other file renamed"
    assert sorted_filters(ours) == ours, "already in order: the same bytes"


def test_disk_full_while_writing_the_index_keeps_the_previous_site(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The index files are written by the build now (Pagefind hands them over): a write that fails is the
    build's error, and the site in place stays as it was."""
    content = tagged_site(tmp_path)
    out = tmp_path / "out"
    before = cold_build(content, out, monkeypatch)
    (content / "posts" / "2024-05-01-post-topic-a.md").write_text("---\ntitle: New\n---\n\nUser: new words?\n")
    original = Path.write_bytes

    def full_disk(path: Path, data: bytes) -> int:
        if "pagefind" in path.parts:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return original(path, data)
    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        build_site(content, out)
    monkeypatch.undo()
    assert site_files(out) == before


def indexed_words(out: Path) -> set[str]:
    """Every word of the site's search index (Pagefind's stems), read from its word chunks, in every language."""
    return {word for chunk in (out / "pagefind" / "index").glob("*.pf_index")
            for word, *_ in pagefind_file(chunk.name, chunk.read_bytes())[0]}


def test_after_a_one_post_edit_the_index_finds_the_new_words_only(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit re-indexes the post: its new words are found and its old ones are not; and only the edited
    post's text is extracted again (each post's records are kept with its view), not every post's."""
    from site_builder.assemble import records, search_index

    content = tagged_site(tmp_path)
    post = content / "posts" / "2024-05-01-post-topic-a.md"
    post.write_text(post.read_text(encoding="utf-8").replace("comes before", "zorblatting precedes"),
                    encoding="utf-8")
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "site"
    build_site(content, out)
    assert "zorblat" in indexed_words(out) and "quixvan" not in indexed_words(out)
    extracted: list[str] = []
    real = search_index.view_records
    for module in (records, search_index):  # with the render (stored with the view), or for a view without them
        monkeypatch.setattr(module, "view_records", lambda view: extracted.append(view.url) or real(view))
    post.write_text(post.read_text(encoding="utf-8").replace("zorblatting", "quixvaning"), encoding="utf-8")
    build_site(content, out)
    words = indexed_words(out)
    assert "quixvan" in words and "zorblat" not in words
    assert extracted == ["posts/post-topic-a/"]


def _word(number: int) -> str:
    """A word no other post says (letters only: Pagefind stems words, and digits split them)."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[digit]
        if not number:
            return "zq" + letters + "zq"


def _many_posts(folder: Path, count: int) -> Path:
    (folder / "posts").mkdir(parents=True)
    (folder / "site.yaml").write_text("title: Many\nlanguage: en\n", encoding="utf-8")
    for number in range(count):
        (folder / "posts" / f"2024-01-01-post-{number}.md").write_text(
            f"---\ntitle: Post {number}\n---\nMe: What is {_word(number)}?\n\nChatGPT: {_word(number)} is a word.\n",
            encoding="utf-8")
    return folder



def _counted_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of records of each shard Pagefind indexes from now on, in the order they begin."""
    from site_builder import pagefind

    runs: list[int] = []
    real = pagefind._run_pagefind
    monkeypatch.setattr(pagefind, "_run_pagefind", lambda records, language, service: runs.append(len(records))
                        or real(records, language, service))
    return runs

def shard_words(out: Path) -> dict[str, set[str]]:
    """The words of each shard of the site's index (``pagefind/`` for the main one, ``pagefind/shard/NN/``)."""
    found: dict[str, set[str]] = {}
    for chunk in (out / "pagefind").rglob("*.pf_index"):
        folder = chunk.parent.parent.relative_to(out).as_posix()
        found.setdefault(folder, set()).update(word for word, *_ in pagefind_file(chunk.name, chunk.read_bytes())[0])
    return found


def test_shards_hold_whole_posts_and_keep_them_while_their_number_stays() -> None:
    from site_builder.pagefind import plan_shards

    def records(count: int) -> list[SearchRecord]:
        return [SearchRecord(f"posts/p{n}/#turn-{t}", "text", "T", "Me", "user", ()) for n in range(count)
                for t in (1, 2)]

    def shards(found: list[SearchRecord]) -> list[tuple[int, list[SearchRecord]]]:
        return sorted((shard.number, list(shard.records)) for shard in plan_shards(found, "en"))

    assert [number for number, _ in shards(records(SHARD_POSTS))] == [0], "a small site: one index"
    four = shards(records(3 * SHARD_POSTS))
    assert len(four) == 4 and sum(len(group) for _, group in four) == 6 * SHARD_POSTS
    assert all(len({r.url.split("#")[0] for r in group}) * 2 == len(group) for _, group in four), "a post's turns together"
    place = {r.url.split("#")[0]: number for number, group in four for r in group}
    again = {r.url.split("#")[0]: number for number, group in shards(records(3 * SHARD_POSTS + 7)) for r in group}
    assert all(again[post] == number for post, number in place.items()), "more posts, the same shards: posts stay"


def test_a_large_site_index_comes_in_shards_and_an_edit_indexes_one_again(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Between 4 and 5 shards' worth of posts: 8 shards, listed in pagefind/shards.json with their languages; the
    other shards hold only what a merge reads; every post's word is in one shard. An edit indexes its shard
    again, not the others, and the site is then what a cold build of it writes."""

    count = 4 * SHARD_POSTS + 22
    content = _many_posts(tmp_path / "content", count)
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "site"
    build_site(content, out)
    listed = json.loads((out / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert len(listed) == 7 and all(shard["languages"] == ["en"] for shard in listed)
    assert {p.name for p in (out / "pagefind" / listed[0]["path"]).iterdir()} <= {
        "pagefind-entry.json", "index", "filter", "fragment",
        *(p.name for p in (out / "pagefind" / listed[0]["path"]).glob("pagefind.*.pf_meta"))}
    words = shard_words(out)
    assert len(words) == 8
    assert all(sum(_word(n) in found for found in words.values()) == 1 for n in range(count))
    runs = _counted_runs(monkeypatch)
    from site_builder.assemble import search_index

    read: list[str] = []
    real_read = search_index.records_of_view
    monkeypatch.setattr(search_index, "records_of_view", lambda key, *rest: read.append(key) or real_read(key, *rest))
    post = content / "posts" / "2024-01-01-post-7.md"
    inodes = {path.relative_to(out): path.stat().st_ino for path in (out / "pagefind").rglob("*") if path.is_file()}
    post.write_text(post.read_text(encoding="utf-8").replace("is a word", "is a quixvan word"), encoding="utf-8")
    build_site(content, out)
    assert len(runs) == 1, "one shard indexed again"
    assert 1 <= len(read) <= 2 * count // 8, f"{len(read)} posts' records read: those of the shard made, not all {count}"
    after = {path.relative_to(out): path.stat().st_ino for path in (out / "pagefind").rglob("*") if path.is_file()}
    same = {path for path, inode in after.items() if inodes.get(path) == inode}
    shard_folders = {path.parts[2] for path in same if path.parts[1] == "shard"}
    assert len(shard_folders) >= 2, "the unchanged shards' files are the same files (linked, not written again)"
    assert any("quixvan" in found for found in shard_words(out).values())
    cold = tmp_path / "cold"
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cold-cache"))
    build_site(content, cold)
    from incremental_site import comparable
    ours, theirs = comparable(site_files(out)), comparable(site_files(cold))
    assert ours == theirs, first_difference(ours, theirs)



def test_an_edits_shard_is_begun_before_the_output_is_planned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit's build begins its post's shard as soon as the content is read, before the output and the pages are
    planned (``begin_new_shards``); a build that fails after that waits for it, leaves no Pagefind process and
    keeps the previous site."""
    from site_builder import assemble
    from site_builder.errors import BuildError
    from test_build_kill import MARK, marked

    content = _many_posts(tmp_path / "content", 2 * SHARD_POSTS + 5)  # 4 shards
    out = tmp_path / "site"
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    build_site(content, out, jobs=2)
    begun = _counted_runs(monkeypatch)
    seen: list[int] = []
    real_plan = assemble.plan_output

    def planned(*args, **kwargs):
        time.sleep(1)  # the shard begun meanwhile is well on its way
        seen.append(len(begun))
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(assemble, "plan_output", planned)
    post = content / "posts" / "2024-01-01-post-3.md"
    post.write_text(post.read_text(encoding="utf-8").replace("is a word", "is a zorblat word"), encoding="utf-8")
    build_site(content, out, jobs=2)
    assert seen == [1] and len(begun) == 1, "one shard, begun before the output was planned"
    assert any("zorblat" in found for found in shard_words(out).values())

    before = site_files(out)

    def failing(*args, **kwargs):
        time.sleep(0.5)
        raise BuildError("the output cannot be planned")

    monkeypatch.setattr(assemble, "plan_output", failing)
    mark = f"early-{os.getpid()}-{tmp_path.name}"
    monkeypatch.setenv(MARK, mark)
    post.write_text(post.read_text(encoding="utf-8").replace("zorblat", "quenlit"), encoding="utf-8")
    with pytest.raises(BuildError):
        build_site(content, out, jobs=2)
    assert len(begun) == 2, "the shard was begun"
    assert not marked(mark), "no Pagefind process outlives the build"
    assert site_files(out) == before



def test_a_build_whose_index_is_kept_plans_no_shards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit that changes nothing the index is made from (a layout) keeps the index whole: no shard is
    planned, begun or made."""
    from site_builder.assemble import search_index
    from site_builder.discover import THEME_DIR

    content = _many_posts(tmp_path / "content", 2 * SHARD_POSTS + 5)
    out = tmp_path / "site"
    build_site(content, out, jobs=2)
    planned: list[int] = []
    real_plan = search_index._shard_plan
    monkeypatch.setattr(search_index, "_shard_plan", lambda *args: planned.append(1) or real_plan(*args))
    runs = _counted_runs(monkeypatch)
    (content / "templates").mkdir()
    (content / "templates" / "base.html").write_text((THEME_DIR / "base.html").read_text(encoding="utf-8")
                                                     + "<!-- edited -->\n", encoding="utf-8")
    result = build_site(content, out, jobs=2)
    assert result.rendered > 2 * SHARD_POSTS, "every page rendered again"
    assert planned == [] and runs == [], "the index kept whole"

EARLY_THEN_FORK = """
import json, sys
from pathlib import Path
from site_builder.assemble import pages, search_index
from site_builder import assemble
from site_builder.build import build_site

pages.PARALLEL_PAGES = 1  # every page to render goes to the workers
forked, early = [], []
real_pages, real_begin = pages._rendered_pages, assemble.begin_new_shards

def spy_pages(job, specs, jobs, before_fork=None):
    rendered, pool = real_pages(job, specs, jobs, before_fork)
    forked.append(pool is not None)
    return rendered, pool

def spy_begin(*args, **kwargs):
    begun = real_begin(*args, **kwargs)
    early.append(begun.made is not None)
    return begun

pages._rendered_pages, assemble.begin_new_shards = spy_pages, spy_begin
build_site(Path(sys.argv[1]), Path(sys.argv[2]), jobs=2)
print(json.dumps({"forked": forked, "early": early}))
"""


def test_the_page_workers_are_forked_once_the_early_shard_is_made(tmp_path: Path) -> None:
    """An edit with many pages to render (here a template edited too): the shard begun early is made first, then
    the page workers are forked (no thread of the build runs when they are), and the site is a cold build's."""
    from incremental_site import comparable
    from site_builder.discover import THEME_DIR

    content = _many_posts(tmp_path / "content", 2 * SHARD_POSTS + 5)
    env = {**os.environ, "SITE_BUILDER_CACHE": str(tmp_path / "cache")}
    build = [sys.executable, "-c", EARLY_THEN_FORK, str(content), str(tmp_path / "site")]
    subprocess.run(build, env=env, check=True, capture_output=True, timeout=300)
    post = content / "posts" / "2024-01-01-post-3.md"
    post.write_text(post.read_text(encoding="utf-8").replace("is a word", "is a zorblat word"), encoding="utf-8")
    (content / "templates").mkdir()  # every page's layout edited: every page to render again
    (content / "templates" / "base.html").write_text((THEME_DIR / "base.html").read_text(encoding="utf-8")
                                                     + "<!-- edited -->\n", encoding="utf-8")
    done = subprocess.run(build, env=env, check=True, capture_output=True, text=True, timeout=300)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"forked": [True], "early": [True]}
    cold_env = {**os.environ, "SITE_BUILDER_CACHE": str(tmp_path / "cold-cache")}
    subprocess.run([*build[:-1], str(tmp_path / "cold")], env=cold_env, check=True, capture_output=True, timeout=300)
    ours, theirs = comparable(site_files(tmp_path / "site")), comparable(site_files(tmp_path / "cold"))
    assert ours == theirs, first_difference(ours, theirs)

def test_shards_made_in_another_index_format_are_all_made_again(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A site whose shards an earlier version made another way (a record per turn, before a page per speaker):
    a build with the same posts makes every shard again, and keeps none from the site or the shard cache, so the
    site is what a cold build writes, not shards of two formats side by side."""
    from site_builder import pagefind as search

    content = _many_posts(tmp_path / "content", 2 * SHARD_POSTS + 3)
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "site"
    monkeypatch.setattr(search, "INDEX_FORMAT", "an earlier one")
    patch_versions(monkeypatch, ours="0.0.1")  # an earlier site_builder made the site
    build_site(content, out)
    monkeypatch.undo()
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    runs: list[int] = []
    real = search._run_pagefind
    monkeypatch.setattr(search, "_run_pagefind", lambda records, language, service: runs.append(len(records))
                        or real(records, language, service))
    build_site(content, out)
    shards = 1 + len(json.loads((out / "pagefind" / "shards.json").read_text(encoding="utf-8")))
    assert shards >= 2 and len(runs) == shards, "every shard made again"
    build_site(content, out)
    assert len(runs) == shards, "and kept by the next build"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)")
def test_a_build_failing_while_its_index_is_made_stops_it_and_keeps_the_previous_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shards are indexed in the background while the pages are rendered and written. A page that fails
    (here the sitemap, rendered last) fails the build: the shards being made are waited for (no Pagefind process
    is left behind), those not begun are not made, and the previous site is untouched."""
    from site_builder import pagefind
    from site_builder.errors import BuildError, TemplateError
    from test_build_kill import MARK, marked

    content = _many_posts(tmp_path / "content", 4 * SHARD_POSTS + 22)  # 8 shards
    out = tmp_path / "site"
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    build_site(content, out, jobs=2)
    before = site_files(out)
    (content / "templates").mkdir()
    (content / "templates" / "sitemap.xml").write_text("{{ 1 + 'a' }}\n", encoding="utf-8")
    begun: list[int] = []
    done: list[int] = []
    real = pagefind._run_pagefind

    def slow(records: list, language: str, service: object) -> dict:
        begun.append(len(records))
        time.sleep(1)  # 8 shards, 2 at a time: 4 s if every one were made
        files = real(records, language, service)
        done.append(len(records))
        return files

    monkeypatch.setattr(pagefind, "_run_pagefind", slow)
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "fresh-cache"))  # every shard to make again
    mark = f"index-{os.getpid()}-{tmp_path.name}"
    monkeypatch.setenv(MARK, mark)  # every Pagefind process started from here on carries it
    with pytest.raises((TemplateError, BuildError)):
        build_site(content, out, jobs=2)
    made = len(begun)
    assert len(done) == made, "the shards being made were waited for"
    assert not marked(mark), "no Pagefind process outlives the build"
    time.sleep(2.5)
    assert 1 <= len(begun) == made < 8, f"{made} shards begun, and none once the build had failed"
    assert site_files(out) == before


def test_the_main_shard_holds_every_language_a_shard_holds() -> None:
    """On a multilingual site the search page takes the index of its language from the main shard: the main
    shard is the one with the most languages, not merely the first."""
    from site_builder.pagefind import plan_shards

    records = [SearchRecord(f"posts/p{n}/#turn-1", "text", "T", "Me", "user", ()) for n in range(3 * SHARD_POSTS)]
    records.append(SearchRecord("zh/posts/one/#turn-1", "文字", "T", "Me", "user", (), "zh"))
    plan = plan_shards(records, "en")
    assert plan[0].folder == "" and any(r.language == "zh" for r in plan[0].records)
    assert sorted(shard.folder for shard in plan[1:]) == [shard.folder for shard in plan[1:]]
    assert len({shard.number for shard in plan}) == len(plan) == 4


def test_a_damaged_or_tampered_shard_in_the_cache_is_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache keeps each shard as a zip under its key; a build into a new folder takes them from there. A zip
    cut short, or one naming a file outside its folder, is a miss: the shard is indexed again, nothing is written
    outside the site, and the site is what a build without the cache writes."""
    import zipfile

    from site_builder import pagefind
    from incremental_site import comparable

    content = _many_posts(tmp_path / "content", 2 * SHARD_POSTS + 5)
    monkeypatch.setenv("SITE_BUILDER_CACHE", str(tmp_path / "cache"))
    build_site(content, tmp_path / "first")
    kept = sorted((tmp_path / "cache").rglob("pagefind-shards/*.zip"))
    assert len(kept) == 4
    kept[0].write_bytes(kept[0].read_bytes()[:1000])  # cut short
    with zipfile.ZipFile(kept[1], "a") as tampered:
        tampered.writestr("../../../escaped.txt", b"outside")
    runs: list[int] = []
    real = pagefind._run_pagefind
    monkeypatch.setattr(pagefind, "_run_pagefind", lambda records, language, service: runs.append(1)
                        or real(records, language, service))
    build_site(content, tmp_path / "second")
    assert len(runs) == 2, "the two damaged shards indexed again, the others taken from the cache"
    assert not list(tmp_path.rglob("escaped.txt"))
    assert comparable(site_files(tmp_path / "second")) == comparable(site_files(tmp_path / "first"))
