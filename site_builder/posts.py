"""A post file -> a ``Post`` value: front matter, speakers, turns, exchanges, code blocks."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from site_builder.conversation import code_lines, parse_conversation
from site_builder.reading.fences import code_tokens
from markdown_it.token import Token

from site_builder.errors import PostError, shown
from site_builder.frontmatter import normalise_text, split_front_matter
from site_builder.model import LANGUAGE_HINT, ROLES, CodeBlock, Post, ReadingWarning, Speaker, language_problem

_DATED_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
"""A dated file name, as Jekyll reads them (``2023-08-03-slug``, ``2023-8-3-slug``)."""
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def load_post(path: Path, *, draft: bool = False, jekyll: bool = False) -> Post:
    """Read and parse a post. ``draft=True`` for files from the drafts folder; ``jekyll=True`` for a post of a
    Jekyll folder (its Liquid tags are read as Jekyll reads them: ``jekyll_liquid``)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PostError(path, None, f"cannot read: {exc.strerror}") from None
    # Jekyll drafts carry no date in their name; like Jekyll, date them by their modification time.
    fallback = dt.date.fromtimestamp(path.stat().st_mtime) if draft else None
    return parse_post(path, normalise_text(raw, path), draft=draft, fallback_date=fallback, jekyll=jekyll)


def parse_post(path: Path, text: str, *, draft: bool = False, fallback_date: dt.date | None = None,
               jekyll: bool = False) -> Post:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text, liquid = jekyll_liquid(text) if jekyll else (text, ())
    split = split_front_matter(path, text)
    meta = split.meta
    front = text.split("\n")[: split.body_line - 1]
    title, body = _title(path, front, meta, split.body)
    split = replace(split, body=body)
    declared = _speakers(path, front, meta.get("speakers"), meta.get("model"))
    tokens = code_tokens(split.body)
    quoted = _quoted_speakers(path, front, meta.get("prompts"), declared, meta.get("model"))
    imported = meta.get("imported", "source_id" in meta) is not False  # Post.imported
    closing = _closing(path, front, meta.get("closing_words"), split.body)
    conversation = parse_conversation(split.body, split.body_line, declared, code_lines(tokens), quoted,
                                      closing=closing, label_forms=not imported, title=title,
                                      prompt_form=str(meta.get("prompts")))
    if closing not in (None, "none") and conversation.turns and not conversation.outro_line:
        raise PostError(path, _key_line(front, "closing_words"),
                        f"front matter: the closing_words {shown(closing)} start no line after the first turn "
                        "(outside code)", hint="copy the first words of your closing paragraph after the conversation")
    speakers = dict(conversation.speakers if declared is None or quoted else declared)
    return Post(
        path=path,
        slug=_slug(path, meta, front),
        title=title,
        date=_date(path, meta, front, fallback_date),
        body=split.body,
        body_line=split.body_line,
        meta=MappingProxyType(meta),
        tags=_tags(path, front, meta.get("tags")),
        draft=draft or _bool(path, front, meta, "draft"),
        summary=_text(path, front, meta, "summary"),
        lang=_language(path, front, meta),
        speakers=MappingProxyType(speakers),
        intro=conversation.intro,
        turns=conversation.turns,
        outro=conversation.outro,
        outro_line=conversation.outro_line,
        reasons=conversation.reasons,
        warnings=tuple(sorted((*conversation.warnings, *liquid), key=lambda w: w.line)),
        confidence=conversation.confidence,
        exchanges=conversation.exchanges,
        code_blocks=code_blocks(tokens, split.body_line),
        comments=_bool(path, front, meta, "comments") if meta.get("comments") is not None else None,
    )


_LIQUID_TAG = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}")
_HIGHLIGHT = re.compile(r"^([ \t]*)\{%-?\s*highlight\s+([\w+#.-]+)[^%]*-?%\}[ \t]*$")
_END_HIGHLIGHT = re.compile(r"^([ \t]*)\{%-?\s*endhighlight\s*-?%\}[ \t]*$")
_LINK_TAGS = frozenset(("post_url", "link"))
_BRANCHES = frozenset(("else", "elsif", "when"))
"""Tags inside a block whose opening tag was warned of already (as are its ``end…`` tags)."""
"""Tags the renderer resolves (links to other posts)."""


def jekyll_liquid(text: str) -> tuple[str, tuple[ReadingWarning, ...]]:
    """A Jekyll post's Liquid, as far as a static reading goes, line for line (so lines keep their numbers):
    ``{% highlight lang %}`` … ``{% endhighlight %}`` on lines of their own become a fenced block, ``{% raw %}`` and
    ``{% endraw %}`` go (what they enclose is shown as written), and any other tag outside a raw part — an
    ``include``, a ``for`` loop — is left as text with a warning, since no Liquid runs here."""
    lines, warnings, raw = text.split("\n"), [], False
    for index, line in enumerate(lines):
        start = _HIGHLIGHT.match(line) if not raw else None
        if start:
            lines[index] = f"{start[1]}```{start[2]}"
            continue
        end = _END_HIGHLIGHT.match(line) if not raw else None
        if end:
            lines[index] = f"{end[1]}```"
            continue
        pieces, position = [], 0
        for tag in _LIQUID_TAG.finditer(line):
            name = tag[1]
            if name == "raw" and not raw or name == "endraw" and raw:
                pieces.append(line[position:tag.start()])
                position, raw = tag.end(), name == "raw"
            elif not raw and name not in _LINK_TAGS and not name.startswith("end") and name not in _BRANCHES:
                warnings.append(ReadingWarning(index + 1, f"Jekyll's Liquid tag {{% {name} %}} is not run here: it "
                                               "is shown as written (replace it with what it produced)"))
        lines[index] = "".join(pieces) + line[position:]
    return "\n".join(lines), tuple(warnings)


def code_blocks(tokens: list[Token], body_line: int) -> tuple[CodeBlock, ...]:
    """Every fenced block of the body (its ``code_tokens``), with the source line of its opening fence."""
    blocks = []
    for token in tokens:
        if token.type == "fence" and token.map:
            info = token.info.strip()
            blocks.append(CodeBlock(info.split(maxsplit=1)[0].lower() if info else "", info, token.content,
                                    body_line + token.map[0]))
    return tuple(blocks)


def meta_line(post: Post, key: str) -> int:
    """Source line of a front-matter key, for errors found after parsing (reads the file again)."""
    front = normalise_text(post.path.read_bytes(), post.path).split("\n")[: post.body_line - 1]
    return _key_line(front, key)


def _key_line(front: list[str], key: str) -> int:
    """Source line of ``key:`` (``key =`` in TOML front matter) in the front matter (1 = the opening ---)."""
    pattern = re.compile(rf"^{re.escape(key)}\s*[:=]")
    for index, line in enumerate(front):
        if pattern.match(line):
            return index + 1
    return 1


def _speakers(path: Path, front: list[str], value: Any, default_model: Any) -> Mapping[str, Speaker] | None:
    """The declared speakers; None when the front matter has no ``speakers`` key (then they are inferred)."""
    if value is None:
        return None
    line = _key_line(front, "speakers")
    hint = "write `speakers:` as a mapping, e.g.\n  speakers:\n    Zhiwei: {role: user}\n    ChatGPT: {role: assistant, model: gpt-4}"
    if not isinstance(value, dict):
        raise PostError(path, line, "front matter: speakers must be a mapping of label to role", hint=hint)
    result = {}
    for name, spec in value.items():
        if isinstance(spec, str):
            spec = {"role": spec}
        if not isinstance(spec, dict) or spec.get("role") not in ROLES:
            raise PostError(path, line, f"front matter: speaker {shown(name)} needs a role, one of {', '.join(ROLES)}",
                            hint=hint)
        model = spec.get("model") or (default_model if spec["role"] == "assistant" else None)
        result[str(name)] = Speaker(str(name), spec["role"], str(model) if model else None)
    return result


def _closing(path: Path, front: list[str], value: Any, body: str) -> str | None:
    """``closing_words``: ``none`` (the last turn runs to the end of the post), or the words the author's closing
    text after the conversation starts with; None when the key is absent."""
    if value is None:
        return None
    if value is False or value == "none":
        return "none"
    words = " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""
    hint = ("write `closing_words: none` when the last turn runs to the end, or the first words of your closing "
            "paragraph, e.g. `closing_words: \"My takeaway\"`")
    if not words:
        raise PostError(path, _key_line(front, "closing_words"),
                        f"front matter: closing_words must be `none` or words, got {shown(value)}", hint=hint)
    if not any(" ".join(line.split()).startswith(words) for line in body.split("\n")):
        raise PostError(path, _key_line(front, "closing_words"),
                        f"front matter: no line of the post starts with the closing_words {shown(words)}", hint=hint)
    return words


def _quoted_speakers(path: Path, front: list[str], value: Any, declared: Mapping[str, Speaker] | None,
                     default_model: Any) -> tuple[Speaker, Speaker] | None:
    """``prompts: quoted`` or ``prompts: bold``: who asks and who answers (the declared user and assistant, else You
    and Assistant)."""
    if value is None:
        return None
    if value not in ("quoted", "bold"):
        raise PostError(path, _key_line(front, "prompts"),
                        f"front matter: prompts must be `quoted` or `bold`, got {shown(value)}",
                        hint="write `prompts: quoted` when each prompt is a `> quote` followed by its answer, or "
                             "`prompts: bold` when each prompt is a bold line with its answer quoted under it")
    by_role = {role: [s for s in (declared or {}).values() if s.role == role] for role in ("user", "assistant")}
    user = by_role["user"][0] if len(by_role["user"]) == 1 else Speaker("You", "user")
    assistant = (by_role["assistant"][0] if len(by_role["assistant"]) == 1
                 else Speaker("Assistant", "assistant", str(default_model) if default_model else None))
    return user, assistant


def slugify(text: str) -> str:
    """ASCII words of ``text`` joined by hyphens, accents folded (``Café au lait`` -> ``cafe-au-lait``).
    Empty for text in a script without an ASCII folding; callers choose their fallback."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", folded.lower()).strip("-")


def jekyll_slug(text: str, *, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's ``slugify``: runs of what is not a letter, mark or digit (of any script; in ``pretty`` mode also
    ``._~!$&'()+,;=@``) become ``-``, one leading and trailing ``-`` go, lower-cased unless ``cased``."""
    kept = set("._~!$&'()+,;=@") if pretty else set()
    out, run = [], False
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd" or ch in kept:
            out.append(ch)
            run = False
        elif not run:
            out.append("-")
            run = True
    slug = "".join(out)
    slug = slug[1:] if slug.startswith("-") else slug
    slug = slug[:-1] if slug.endswith("-") else slug
    return slug if cased else slug.lower()


MAX_SLUG = 200
"""Longest post slug: it names a folder, and file systems stop at 255 bytes a name."""


def _slug(path: Path, meta: Mapping[str, Any], front: list[str]) -> str:
    raw = meta.get("slug") or _name_parts(path)[1]
    slug = slugify(str(raw)) or jekyll_slug(str(raw))  # 你好 keeps its letters: Jekyll's URL of such a post
    if not slug:
        raise PostError(path, _key_line(front, "slug"), f"cannot make a URL slug from {shown(raw)}",
                        hint="add `slug: some-ascii-words` to the front matter")
    if len(slug) > MAX_SLUG:
        raise PostError(path, _key_line(front, "slug"), f"slug is {len(slug)} characters long (the limit is "
                        f"{MAX_SLUG}): it names the post's folder", hint="set a shorter `slug:` in the front matter")
    return slug


def _name_parts(path: Path) -> tuple[dt.date | None, str]:
    match = _DATED_NAME.match(path.stem)
    if not match:
        return None, path.stem
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])), match[4]
    except ValueError:
        return None, match[4]


_LENIENT_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?![\d])(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                           r"(?: *(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{3,5}))?$")
"""A date with one-digit month or day, a time and a zone as Jekyll accepts them (``2023-1-5 9:05:00 +0800``)."""


def _date(path: Path, meta: Mapping[str, Any], front: list[str], fallback: dt.date | None) -> dt.date:
    value = meta.get("date")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is not None and not isinstance(value, str):
        raise PostError(path, _key_line(front, "date"),
                        f"front matter: date must be YYYY-MM-DD, got {shown(value)}",
                        hint="write dates as YYYY-MM-DD (time optional: 2023-08-03 15:35)")
    if value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            lenient = _LENIENT_DATE.match(value.strip())  # as Jekyll reads them: 2023-1-5, 2023-01-05 10:00 +0800
            try:
                return dt.date(int(lenient[1]), int(lenient[2]), int(lenient[3]))
            except (TypeError, ValueError):
                raise PostError(path, _key_line(front, "date"), f"front matter: date {shown(value)} is not a date",
                                hint="write dates as YYYY-MM-DD (time optional: 2023-08-03 15:35)") from None
    from_name = _name_parts(path)[0] or fallback
    if from_name is None:
        raise PostError(path, 1, "no date: the front matter has none and the file name does not start with one",
                        hint="name the file YYYY-MM-DD-slug.md or add `date: YYYY-MM-DD`")
    return from_name


def _tags(path: Path, front: list[str], value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(t for t in re.split(r"[,\s]+", value) if t)
    if isinstance(value, list) and all(isinstance(t, (str, int, float)) for t in value):
        return tuple(str(t).strip() for t in value if str(t).strip())
    raise PostError(path, _key_line(front, "tags"), "front matter: tags must be a list or a comma-separated string",
                    hint="write `tags: [ai, python]`")


def _bool(path: Path, front: list[str], meta: Mapping[str, Any], key: str) -> bool:
    value = meta.get(key, False)
    if not isinstance(value, bool):
        raise PostError(path, _key_line(front, key), f"front matter: {key} must be true or false, got {shown(value)}")
    return value


_HEADING = re.compile(r"# +(.*?)(?: +#+)? *")
"""An ATX heading of level 1 on a line of its own (its closing ``#``s dropped)."""


def _title(path: Path, front: list[str], meta: Mapping[str, Any], body: str) -> tuple[str, str]:
    """The post's title and its body. Without a ``title:`` (or with an empty one), as Jekyll and Hugo read such
    a post: a level-1 heading opening the body is the title (its line is left empty in the body, so that the
    page does not show it twice and line numbers stay), else the file name's words (``my-first-post`` ->
    "My First Post")."""
    title = _text(path, front, meta, "title")
    if title is not None and title.strip():
        return title, body
    first = next((line for line in body.split("\n") if line.strip()), "")
    heading = _HEADING.fullmatch(first)
    if heading and heading[1].strip():
        lines = body.split("\n")
        lines[lines.index(first)] = ""
        return heading[1].strip(), "\n".join(lines)
    words = re.split(r"[-_\s]+", _name_parts(path)[1])
    return " ".join(word[:1].upper() + word[1:] for word in words if word) or path.stem, body


def _language(path: Path, front: list[str], meta: Mapping[str, Any]) -> str | None:
    """``lang:``, a language tag (``en_US`` written ``en-US``): it becomes the page's ``<html lang>``."""
    tag = _text(path, front, meta, "lang")
    if tag is None:
        return None
    problem = language_problem(tag)
    if problem:
        raise PostError(path, _key_line(front, "lang"), f"front matter: lang {shown(tag)} {problem}",
                        hint=LANGUAGE_HINT)
    return tag.replace("_", "-")


def _text(path: Path, front: list[str], meta: Mapping[str, Any], key: str) -> str | None:
    """A key whose value is shown as text: a scalar (``title: 2024`` is the text "2024"), not a list or mapping."""
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float, dt.date)):
        raise PostError(path, _key_line(front, key), f"front matter: {key} must be text, got a {type(value).__name__}",
                        hint=f'quote the value: {key}: "…"')
    return str(value)
