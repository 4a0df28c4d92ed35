"""Everything in an export is untrusted: imported, then built into a site, no payload becomes a script, an
event handler or a ``javascript:`` URL (the payloads are shown as text instead)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

from bs4 import BeautifulSoup

from site_builder.build import build_site
from site_builder.importers.driver import Selection, import_export

PAYLOADS = [
    '<script>alert("XSS-1")</script>',
    '<img src=x onerror=alert("XSS-2")>',
    '"><svg onload=alert("XSS-3")>',
    "javascript:alert('XSS-4')",
    '[click](javascript:alert("XSS-5"))',
    "<a href=\"javascript:alert('XSS-6')\">x</a>",
    '![x](javascript:alert("XSS-7"))',
    '<javascript:alert("XSS-8")>',
    "{{ '<script>XSS-9</script>' }}{% raw %}",
    "</textarea></title><script>XSS-10</script>",
    "' onmouseover='alert(\"XSS-11\")' x='",
    '<iframe src="javascript:alert(`XSS-12`)"></iframe>',
    '[x](JaVaScRiPt:alert(1) "XSS-13")',
    '<style>body{background:url("javascript:XSS-14")}</style>',
    "```html\n<script>XSS-15</script>\n```",
    "[x]: javascript:alert('XSS-16')\n\n[y][x]",
    '<p onclick="XSS-17">',
    "&lt;script&gt;XSS-18&lt;/script&gt;",
]
ALL = "\n\n".join(PAYLOADS)
ONE_LINE = " ".join(p.replace("\n", " ") for p in PAYLOADS)
URL = "javascript:alert('XSS-19')"
ACTIVE = ("script", "iframe", "object", "embed", "svg", "math", "form", "base", "style", "frame", "frameset")
MATHML = {"math", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac", "msqrt",
          "mroot", "mstyle", "mtable", "mtr", "mtd", "munder", "mover", "munderover", "mpadded", "mphantom"}
"""Formulas in a message render as MathML (site_builder/markdown/mathml.py): allowed when made of these elements alone."""


def _plain_mathml(tag) -> bool:
    """A formula made of MathML presentation elements only, with no link or style attribute anywhere."""
    parts = [tag, *tag.find_all(True)]
    return all(part.name in MATHML and not {"href", "style", "src"} & set(part.attrs) for part in parts)


def _chatgpt() -> list[dict]:
    def node(nid, parent, role, content, **extra):
        message = {"author": {"role": role, "name": extra.pop("name", None)}, "content": content,
                   "metadata": extra.pop("metadata", {}), "recipient": extra.pop("recipient", "all")}
        return {"id": nid, "parent": parent, "children": [], "message": message}

    text = {"content_type": "text", "parts": [ALL]}
    quote = {"content_type": "tether_quote", "title": ONE_LINE, "url": URL, "text": ALL}
    image = {"content_type": "multimodal_text", "parts": [{"content_type": "image_asset_pointer",
                                                           "asset_pointer": f"file-service://{ONE_LINE}"}]}
    mapping = {
        "q": node("q", None, "user", text),
        "a": node("a", "q", "assistant", {"content_type": "text", "parts": [ALL + "\n\n【1†source】"]},
                  metadata={"model_slug": ONE_LINE, "citations": [
                      {"start_ix": len(ALL) + 2, "end_ix": len(ALL) + 12, "metadata": {"title": ONE_LINE, "url": URL}}]}),
        "t": node("t", "a", "tool", quote, name=ONE_LINE),
        "c": node("c", "t", "assistant", {"content_type": "code", "language": ONE_LINE, "text": ALL},
                  recipient=ONE_LINE),
        "i": node("i", "c", "user", image),
    }
    return [{"id": "xss-chatgpt", "title": "ChatGPT " + ONE_LINE, "create_time": 1.7e9, "mapping": mapping, "current_node": "i"}]


def _claude() -> list[dict]:
    artifact = f'<antArtifact identifier="x" type="text/html" title="{ONE_LINE.replace(chr(34), "&quot;")}">{ALL}</antArtifact>'
    return [{"uuid": "xss-claude", "name": "Claude " + ONE_LINE, "created_at": "2024-05-01T00:00:00Z", "chat_messages": [
        {"uuid": "q", "sender": "human", "text": ALL, "attachments": [{"file_name": ONE_LINE}]},
        {"uuid": "a", "sender": "assistant", "text": f"{ALL}\n\n<antThinking>{ALL}</antThinking>\n\n{artifact}",
         "content": [{"type": "text", "text": ALL}, {"type": "tool_use", "name": ONE_LINE, "input": {"x": ALL}},
                     {"type": ONE_LINE}]}]}]


def _sharegpt() -> list[dict]:
    return [{"id": ONE_LINE, "images": [ONE_LINE], "conversations": [
        {"from": "human", "value": f"ShareGPT <image>{ALL}"}, {"from": ONE_LINE, "value": ALL},
        {"from": "gpt", "value": [{"type": ONE_LINE, "text": ALL}, {"type": "image_url", "image_url": {"url": URL}}]}]}]


def _site(tmp_path: Path) -> Path:
    posts = tmp_path / "content" / "posts"
    for kind, records in (("chatgpt", _chatgpt()), ("claude", _claude()), ("sharegpt", _sharegpt())):
        export = tmp_path / f"{kind}.json"
        export.write_text(json.dumps(records), encoding="utf-8")
        assert import_export(kind, export, posts, Selection(everything=True)).count("new") == 1
    out = tmp_path / "site"
    build_site(tmp_path / "content", out)
    return out


def _scripts(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(file name of src, text) of every script: pages link the theme's assets by relative paths."""
    return [(tag.get("src", "").rsplit("/", 1)[-1], tag.get_text()) for tag in soup.find_all("script")]


def test_payloads_in_an_export_never_become_active_html(tmp_path):
    out = _site(tmp_path)
    theme_scripts = _scripts(BeautifulSoup((out / "404.html").read_text(encoding="utf-8"), "html.parser"))
    pages = sorted(out.rglob("*.html"))
    post_pages = [p for p in pages if "posts" in p.parts]
    assert len(post_pages) == 3
    shown = set()
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        where = page.relative_to(out)
        extra = [("search.js", "")] if where.as_posix() == "search/index.html" else []
        assert sorted(_scripts(soup)) == sorted(theme_scripts + extra), where
        for tag in soup.find_all(True):
            if tag.name == "form" and where.as_posix() == "search/index.html" and tag.get("action") == "":
                continue  # the theme's search box
            if tag.name == "math":
                assert _plain_mathml(tag), f"{where}: {str(tag)[:200]}"
                continue
            assert not (tag.name in ACTIVE and tag.name != "script"), f"{where}: <{tag.name}>"
            for name, value in tag.attrs.items():
                assert not name.lower().startswith("on"), f"{where}: <{tag.name} {name}=…>"
                text = " ".join(value) if isinstance(value, list) else str(value)
                assert not re.match(r"(?i)\s*(javascript|vbscript|data):", text), f"{where}: {name}={text!r}"
        shown |= set(re.findall(r"XSS-\d+", soup.get_text()))
    # not vacuous: the payloads reached the pages, as text
    assert shown >= {f"XSS-{n}" for n in range(1, 20) if n != 16}
    feed = ElementTree.parse(out / "feed.xml").getroot()  # well-formed: every payload was escaped
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed.iter("{http://www.w3.org/2005/Atom}entry")]
    assert sorted(title.split()[0] for title in titles) == ["ChatGPT", "Claude", "ShareGPT"]
    assert sum('<script>alert("XSS-1")</script>' in title for title in titles) == 2  # the ShareGPT title is a line
