"""``reading.fences.code_tokens``: the code of a post body, found in one pass over a flat body and by markdown-it's
block parse otherwise, must be what the block parse gives, token for token (where the code is decides which
labels speak)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.reading.fences import _flat_fences, code_tokens
from site_builder.reading.lines import block_tokens

ROOT = Path(__file__).resolve().parent.parent


def parsed(body: str) -> list[tuple]:
    return [(t.type, t.map, t.info, t.content, t.markup) for t in block_tokens(body) if t.type in ("fence", "code_block")]


def scanned(body: str) -> list[tuple] | None:
    found = _flat_fences(body)
    return None if found is None else [(t.type, t.map, t.info, t.content, t.markup) for t in found]


CASES = [
    "```py\nx\n```", "```py\nx\n```\n", "```\nx", "```\nx\n", "a\n```\nb\n", "```\n```\t\n", "```\n``` \n",
    "```\n  ```\n", "```\n   ```\n", "```\n    ```\nz\n```", "```\n\t```\nz\n```", "````\n```\n````", "~~~\n```\n~~~",
    "``` a`b\nc\n```", "~~~ a`b\nc\n~~~", "> q\n```\nx\n```", "- item\n```\nx\n```", "1. item\n```\nx\n```",
    "text\n```\ncode\n```\nmore", "", "\n\n", "```", "```\n", "```\n\n\n", "a\n\n```js  \nx\n\n```  \n\nb",
    "```\na\n````\n", "```\na\n``\n```", "```\n```py\n```", "> [!NOTE]\n> a note\n\n```sh\n$ ls\n```",
    "<!-- end of conversation -->\n```\nx\n```", "<div>\n```\nx\n```\n</div>", "> ```\n> x\n> ```\n\nZ: after",
    "- a\n\n  ```\n  x\n  ```", "    indented\n```\nx\n```", "[ref]:\n```\nx\n```", "> [x]: /url\n```\n", "a\n \n```\nb",
    "```\nNUL\0\n```", ">\tcode\n```\nx\n```", "> - item\n>   ```\n>   x\n>   ```", "User: hi\n```\nAI: no\n```\nAI: yes",
    "***\n```\nx\n```\n---\n~~~~\ny\n~~~", "```\nx\n```\n```\ny\n```", "Setext\n===\n```\nx\n```",
    "- ```\nx", "- ```py\nUser: hi\n", "1. ```\nx", "* ~~~\nx", "- > ```\nx", "-\t```\nx", "+ ```\n", "# ```\nx",
    "[^1]: http://\n```\nx\n```", "[a]: /u\n'ti\n```\nle'", "[a]: /u\n\"t\n```\n\"", "[a]:\n```\nx",
    "[a]: /u\n(t\n```\n)", "[a]: /u 't\n```\n'", "[a]: /u\n```\nx\n```",
    "- item\n- ```\n```", "-     code\nx", "10000000000. ```\nx", "- [ref]: /u\n```\nx\n```", "-\n```\nx\n```",
]


def test_flat_bodies_are_scanned_as_markdown_it_parses_them():
    flat = 0
    for body in CASES:
        assert code_tokens(body) is not None
        found = scanned(body)
        if found is not None:
            flat += 1
            assert found == parsed(body), body
        assert [(t.type, t.map, t.info, t.content) for t in code_tokens(body)] == [p[:4] for p in parsed(body)], body
    assert flat >= 25  # the scan serves most of them: the comparison above is not vacuous


def test_the_posts_of_the_repository_are_scanned_as_parsed():
    """Our demo blog and the reference post: flat bodies (a few are not, and take the full parse)."""
    posts = sorted((ROOT / "content").rglob("*.md"))
    seed = ROOT.parent / "shared" / "seed"
    posts += sorted(seed.glob("*.md")) if seed.is_dir() else []
    flat = 0
    for path in posts:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        body = text.split("\n---\n", 1)[1] if text.startswith("---\n") and "\n---\n" in text else text
        found = scanned(body)
        if found is not None:
            flat += 1
            assert found == parsed(body), path
    assert posts and flat >= len(posts) // 2, (flat, len(posts))


LINES = st.sampled_from([
    "", "  ", "\t", "text", "User: hi", "ChatGPT: hello", "# Heading", "- item", "  - nested", "1. one", "    code",
    "```", "```py", "``` a`b", "````", "~~~", "~~~ x", "  ```", "   ```", "\t```", "``` ", "```\t", "> quote",
    "> [!NOTE]", "> ```", ">> deep", ">\ttab", "> - quoted item", "<!-- end of conversation -->", "<!--", "-->",
    "<div>", "</div>", "[ref]: /url", "[label", "[link](x) text", "***", "---", "===", "x```y", "\0",
    "- ```", "- ```py", "1. ```", "2) ~~~", "* > ```", "- - ```", "-\t```", "-     code", "- text", "+ x",
    "[a]: /u", "[^1]: http://", "[a]: /u 'title'", "[a]: <x y>", "'title'", "\"ti", "tle\"", "(x", "[a]:",
    "> [a]: /u", "- [a]: /u", "[a]: /u \"t", "[x]", "[a] : /u",
    "\x0c", " \x0b", "\u00a0", "\u3000code", "```\u00a0", "~~~~~", "`````", "> > ```", ">", "> ",
])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=24), st.booleans())
def test_generated_bodies_are_scanned_as_parsed(lines: list[str], newline: bool):
    body = "\n".join(lines) + ("\n" if newline else "")
    found = scanned(body)
    if found is not None:
        assert found == parsed(body)
