"""Hypothesis strategies for whole posts and site configs, built the way people and tools write them —
and the way an attacker would: front matter with random keys and hostile scalars (impossible dates, huge
numbers, surrogate escapes, aliases, deep nesting), speaker labels, fences with random info strings,
rules, alerts, raw HTML, Unicode (combining marks, right-to-left, noncharacters), CR/CRLF, BOM, NUL, and
blocks repeated up to 100 kB (where quadratic time hides).
"""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import strategies as st

MAX_POST_BYTES = 100_000

# --- Unicode and inline text ----------------------------------------------------------------------------

ODD_CHARACTERS = [
    "\u0301", "\u0489", "\u20dd", "e\u0301", "\u202e", "\u202d", "\u200f", "\u200e", "\u2066", "\u200d", "\u200b",
    "\ufeff", "\u00a0", "\u3000", "\u2028", "\u2029", "\ufffe", "\uffff", "\ufffd", "\U0001f600",
    "\U0001f468\u200d\U0001f4bb", "א", "ب", "中", "ｆｕｌｌ",
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f",
    "\x85", "\r", "\t",
]
INLINE_PIECES = [
    "*", "**", "_", "__", "~~", "~", "`", "``", "[", "]", "](", "![", ")", "(", "<", ">", "\\", "!", ":", "@", "#", "|",
    "&amp;", "&#xD800;", "&#0;", "&#x110000;", "&nbsp;", "&unknown;", "http://", "https://", "www.", "mailto:",
    "xmpp:", "a@b.co", "example.org", "javascript:alert(1)", "[x](javascript:alert(1))", "![i](data:image/png;x)",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[^1]", "$x$", "\\*", "\\\n", "  \n", " ",
    "word", "Wörter", "日本語", "a:", "fe80::1", '{"k":"v"}', "(www.x.org)", "[[", "]]", "<http://a.b>",
    "\\(", "\\)", "\\[", "\\]", "$", "$$",  # math delimiters (site_builder/markdown/mathrules.py), repeated to 100 kB too
    "[x](/img/a.png)", "](/../../etc/passwd)", "](x.md#h)", "](../posts/y.md)", "](%2e%2e/x.md)", "](..\\x.md)",
    "](.md)", "{{ site.baseurl }}", "{% post_url 2020-01-01-x %}", "{% link posts/x.md %}", "{{ '/a' | relative_url }}",
    "{{", "{%", "%}", "}}",  # links written for the page (site_builder/links.py)
]
UNICODE_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
INLINE = st.lists(st.one_of(st.sampled_from(INLINE_PIECES), st.sampled_from(ODD_CHARACTERS), UNICODE_TEXT),
                  max_size=12).map("".join)
LINE = INLINE.map(lambda text: text.replace("\n", " "))

# --- front matter ------------------------------------------------------------------------------------------

HOSTILE_SCALARS = [
    "2024-02-30", "0000-01-01", "9999-12-31", "2024-01-01 10:00:00+25:00", "2024-01-01T10:00:00Z", "2024-1-1",
    "0x" + "f" * 5000, "7" * 5000, "1" + "_0" * 60, "1:2:3:4:5", "1e999", "-.inf", ".nan", "0o17", "0b101",
    '"\\ud800"', '"\\udfff\\ud800"', '"\\ud83d\\ude00"', '"\\x01\\x0b"', '"\\0"', '"\\e"', '"\\U0010FFFF"',
    '"\\uFFFE"', "yes", "No", "~", "null", "true", "''", '""', "'it''s'", '"unterminated', "'unterminated",
    "!!binary aGVsbG8=", "!!binary ***", "!!int x", "!!float y", "!!bool maybe", "!!timestamp never", "!!str 5",
    "!!set {a, b}", "!!omap [a: 1]", "!!python/object:os.system x", "!custom x", "&anchor value", "*anchor",
    "*undefined", "[a, [b, [c]]]", "{a: {b: {c: d}}}", "[" * 60 + "]" * 60, "[" * 3000 + "]" * 3000,
    "{a: " * 200 + "1" + "}" * 200, "|\n  literal\n  block", ">\n  folded", "- item", "? complex", "@at", "`tick",
    "%percent", ":", "a: b: c", "{unbalanced", "[unbalanced", "<script>alert(1)</script>", "javascript:alert(1)//",
    "s" * 300, "C++ " * 80,
]
KNOWN_KEYS = ["title", "date", "tags", "draft", "summary", "speakers", "model", "lang", "slug", "template", "layout"]
HOSTILE_KEYS = ['"\\ud800"', "? [a]", "<<", "'quoted key'", "1", "2024-01-01", "null", "x" * 300, "ключ"]
KEYS = st.one_of(st.sampled_from(KNOWN_KEYS), st.sampled_from(KNOWN_KEYS), st.sampled_from(KNOWN_KEYS),
                 st.sampled_from(HOSTILE_KEYS), st.from_regex(r"[a-z_][a-z0-9_-]{0,12}", fullmatch=True))
QUOTED = UNICODE_TEXT.map(lambda text: json.dumps(text))  # a double-quoted YAML string (JSON is one)
SCALAR = st.one_of(st.sampled_from(HOSTILE_SCALARS), QUOTED, st.integers().map(str), st.dates().map(str),
                   st.floats().map(repr), st.from_regex(r"[A-Za-z][\w .'-]{0,30}", fullmatch=True))
FLOW = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    st.lists(st.tuples(KEYS, inner), max_size=3).map(lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs)
                                                     + "}")), max_leaves=8)

NAMES = ["User", "ChatGPT", "Claude", "Me", "Assistant", "System", "Tool", "用户", "助手", "Zhiwei", "Moi", "Note",
         "A", "Q", "O'Brien", "GPT-4", "Dr. Who", "<b>x</b>", "x" * 80, "\u202eevil", "e\u0301", "Bob Smith Jr III"]
ROLES = ["user", "assistant", "system", "tool", "boss", "", "USER", "null", "[user]"]
SPEAKERS = st.one_of(
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(ROLES), st.one_of(st.none(), SCALAR)),
             max_size=4).map(lambda specs: "\n" + "".join(
                 f"  {json.dumps(name)}: {{role: {role}{'' if model is None else ', model: ' + model}}}\n"
                 for name, role, model in specs).rstrip("\n")),
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(ROLES)), max_size=4).map(
        lambda specs: "{" + ", ".join(f"{json.dumps(n)}: {r}" for n, r in specs) + "}"),
    FLOW)
ALIAS_BOMB = "".join(["lol: &l0 [a, a, a, a, a, a, a, a, a]\n"]
                     + [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 9)}]\n" for k in range(1, 9)])
WHOLE_FRONT_MATTERS = [ALIAS_BOMB, "x: &a [*a]\n", "a: &a {b: 1}\nc: {<<: *a, <<: *a}\n", "- a list\n", "just text\n",
                       "title: T\n\ttabbed: x\n", "title: [\n", "---\n", "...\n", "title: T\ntitle: U\n", ""]


def sometimes(one_in: int) -> st.SearchStrategy[bool]:
    """True about once in ``one_in`` draws (hypothesis favours small integers, so not ``integers() == 0``)."""
    return st.sampled_from([False] * (one_in - 1) + [True])


VALID_VALUES = {
    "title": st.tuples(st.sampled_from(["Asking", "Pourquoi", "问", "Q", "<b>"]), LINE).map(
        lambda parts: json.dumps(" ".join(parts))),
    "date": st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(str),
    "tags": st.lists(st.one_of(LINE.map(json.dumps),
                               st.sampled_from(["C", "C++", "C#", "python", "Python", "AI", "t" * 300])),
                     max_size=5).map(lambda tags: "[" + ", ".join(tags) + "]"),
    "speakers": st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(ROLES[:4])), min_size=1, max_size=4).map(
        lambda specs: "{" + ", ".join(f"{json.dumps(name)}: {role}" for name, role in specs) + "}"),
    "draft": st.sampled_from(["true", "false"]),
}


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    """Mostly a front matter that loads (so that bodies get rendered), with hostile values mixed in."""
    lines = []
    if not draw(sometimes(8)):
        lines.append(f"title: {draw(VALID_VALUES['title'] if not draw(sometimes(6)) else st.one_of(SCALAR, FLOW))}")
    for _ in range(draw(st.integers(0, 5))):
        key = draw(KEYS)
        hostile = draw(sometimes(10))
        value = draw(st.one_of(SCALAR, FLOW) if hostile or key not in VALID_VALUES else VALID_VALUES[key])
        lines.append(f"{key}: {value}")
    if draw(sometimes(15)):
        lines.append(draw(st.sampled_from(WHOLE_FRONT_MATTERS)).rstrip("\n"))
    return "".join(line + "\n" for line in lines)


@st.composite
def valid_front_matter(draw: st.DrawFn) -> str:
    """A front matter that loads: the body is what is being tested."""
    keys = draw(st.lists(st.sampled_from(["date", "tags", "speakers", "draft"]), unique=True))
    return "".join(f"{key}: {draw(VALID_VALUES[key])}\n" for key in ["title", *keys])


# --- the body ----------------------------------------------------------------------------------------------

LANGS = ["python", "py", "pycon", "python3", "shell", "sh", "bash", "console", "zsh", "js", "javascript", "ts", "c",
         "cpp", "html", "xml", "json", "yaml", "toml", "diff", "text", "", "sql", "rust", "go", "ruby", "php", "css",
         "markdown", "latex", "haskell", "lisp", "perl", "r", "powershell", "nix", "<script>", "python{}", "x" * 200]
OPTIONS = ["norun", 'reason="needs a GPU"', "reason=", 'reason="unclosed', "companion=sgd.py::Network.SGD",
           "companion=../../etc/passwd::x", "companion=missing.py::f", "output-of=x.py::run", "session=s", "raises=",
           "raises=ValueError", "run", "adapted", "unknown=1", "{.class}", "'", '"', "=", "==", "\\"]
CODE_LINES = [">>> print(1)", "1", "... x", "$ ls -la", "% echo hi", "(venv) $ pip install x", "def f():", "    pass",
              "Traceback (most recent call last):", "ValueError: boom", "}", "```", "~~~", "<script>alert(1)</script>",
              "import os; os.system('rm -rf /')", "\t\tindent", "\\", "'''", '"""']
RULES = ["---", "***", "___", "- - -", "----", "* * *", "  ---", "-- -"]
ALERTS = ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION", "note", "DANGER", ""]
HTML = ["<div>", "</div>", "<script>alert(1)</script>", "<!-- comment", "-->", "<details><summary>x</summary>",
        "<?php echo 1; ?>", "<![CDATA[x]]>", "<a href='javascript:alert(1)'>x</a>", "<table><tr><td>", "<pre>",
        '<a href="/x/">', '<img src="/i.png" alt="i">', '<a href="{{ site.baseurl }}{% post_url 2020-1-1-x %}">', "</a>"]


@st.composite
def fence(draw: st.DrawFn) -> str:
    marker = draw(st.sampled_from(["```", "~~~", "````", "``", "   ```"]))
    info = " ".join([draw(st.sampled_from(LANGS)), *draw(st.lists(st.sampled_from(OPTIONS), max_size=3))])
    code = "\n".join(draw(st.lists(st.one_of(st.sampled_from(CODE_LINES), LINE), max_size=6)))
    closed = not draw(sometimes(6))
    return f"{marker}{info}\n{code}\n{marker.strip() if closed else ''}"


def label(name: str, separator: str, text: str) -> str:
    return f"{name}{separator}{text}"


BLOCK = st.one_of(
    st.builds(label, st.sampled_from(NAMES), st.sampled_from([": ", ":", "：", " : ", ":\n\n", ": \t"]), LINE),
    LINE,
    fence(),
    st.sampled_from(RULES),
    st.builds(lambda kind, text: f"> [!{kind}]\n> {text}", st.sampled_from(ALERTS), LINE),
    st.sampled_from(HTML),
    st.builds(lambda depth, text: ">" * depth + " " + text, st.integers(1, 30), LINE),
    st.builds(lambda depth, text: "".join("  " * d + "- " + text + "\n" for d in range(depth)), st.integers(1, 25),
              LINE),
    st.builds(lambda text: f"| {text} | b |\n|---|:-:|\n| c | {text} |", LINE.map(lambda t: t.replace("|", "/"))),
    st.builds(lambda text, under: f"{text}\n{under}", LINE, st.sampled_from(["===", "---", "= =", "-"])),
    st.builds(lambda text: f"[^1]: {text}\n\n[ref]: {text}", LINE),
    st.builds(lambda level, text: "#" * level + " " + text, st.integers(1, 8), LINE),
)


@st.composite
def repeated(draw: st.DrawFn) -> str:
    """One block or inline piece repeated up to ~100 kB: where quadratic time shows."""
    unit = draw(st.one_of(BLOCK.map(lambda block: block + "\n"), INLINE, st.sampled_from(INLINE_PIECES)))
    if not unit:
        return ""
    times = draw(st.integers(1, max(1, MAX_POST_BYTES // max(1, len(unit.encode("utf-8"))))))
    return unit * times


@st.composite
def body(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(st.one_of(BLOCK, BLOCK, BLOCK, repeated()), max_size=12))
    return "\n\n".join(blocks) if draw(st.booleans()) else "\n".join(blocks)


@st.composite
def post_bytes(draw: st.DrawFn) -> bytes:
    """A whole post file: front matter (or none, or unclosed), body, line ends, BOM, a stray byte."""
    opening = draw(st.sampled_from(["---\n"] * 30 + ["--- \n", "", "---"]))
    closing = draw(st.sampled_from(["---\n"] * 30 + ["...\n", "", "----\n"]))
    front = draw(st.one_of(front_matter(), valid_front_matter()))
    text = opening + front + closing + draw(body())
    ending = draw(st.sampled_from(["\n"] * 5 + ["\r\n", "\r", "mixed"]))
    if ending == "mixed":
        text = text.replace("\n\n", "\r\n\n")
    elif ending != "\n":
        text = text.replace("\n", ending)
    data = text.encode("utf-8")
    if draw(sometimes(10)):
        data = b"\xef\xbb\xbf" + data
    if draw(sometimes(30)):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"])) + data[cut:]
    return data


FILE_NAMES = ["2024-01-01-post.md"] * 20 + ["2024-02-30-bad-date.md", "post.md", "2024-01-01-.md",
              "2024-01-01-中文.md", "2024-01-01-x.markdown", "2024-01-01-a b.md", "2024-01-01-" + "x" * 200 + ".md"]

SITE_CONFIGS = st.one_of(
    st.none(),
    st.lists(st.tuples(st.sampled_from(["title", "description", "author", "base_url", "language", "feed_entries",
                                        "highlight_light", "highlight_dark", "colour"]),
                       st.one_of(SCALAR, st.sampled_from(["https://example.org/blog/", "/", "javascript:alert(1)//",
                                                          "//evil.example/", "monokai", "-5", "0"]))),
             max_size=5).map(lambda pairs: "".join(f"{k}: {v}\n" for k, v in pairs)),
)

COMPANION_NAMES = ["tool.py", "...py", "..py", ".hidden.py", "a b.py", "x.y.py", "中文.py", "ok-name.py", "README.md"]
STATIC_NAMES = ["a.txt", "index.html", "feed.xml", "assets/style.css", "assets/pygments.css", "x/y/z.txt",
                "posts/post-0/index.html", "archive/index.html/x", ".hidden", "tags", "404.html"]
FILES = st.lists(st.tuples(st.sampled_from(COMPANION_NAMES), st.binary(max_size=200)), max_size=3)
STATIC = st.lists(st.tuples(st.sampled_from(STATIC_NAMES), st.binary(max_size=50)), max_size=3)
