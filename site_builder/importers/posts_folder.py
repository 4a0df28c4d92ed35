"""The posts folder an import writes into: the posts already imported there (by their source and id), the file
each conversation goes to (``destination``), what to do with a post already there (``decide``: write, merge into
the author's edits, or leave it), and the move of the staged posts into place.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from itertools import chain, count
from pathlib import Path

from site_builder.errors import ImportError_
from site_builder.importers.common import Conversation
from site_builder.importers.merge import Conflict, merge, recorded_turns
from site_builder.importers.report import WRITES, ImportReport
from site_builder.importers.writer import RenderedPost, recorded_and_actual_hash, short_id, slugify
from site_builder.posts import slugify as post_slug

_DATED_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-(?P<slug>.+)$")


@dataclass(slots=True)
class Plan:
    """Where each post goes (local to one ``import_export`` call)."""

    existing: dict[tuple[str, str], Path]
    taken: set[str] = field(default_factory=set)
    """Slugs in use (a post's URL is its file name without the date: two dates do not make two URLs)."""


def destination(conv: Conversation, rendered: RenderedPost, out: Path, plan: Plan) -> Path:
    """The post already imported from this conversation, else a new unique ``YYYY-MM-DD-slug.md``."""
    known = plan.existing.get((conv.source, conv.source_id))
    if known is not None:
        plan.taken.add(slug_of(known.name))
        return known
    slug = slugify(conv.title, conv.source, conv.source_id)
    unique = f"{slug}-{short_id(conv.source_id)}"
    chosen = next(c for c in chain([slug, unique], (f"{unique}-{n}" for n in count(2))) if c not in plan.taken)
    plan.taken.add(chosen)
    path = out / f"{rendered.date.isoformat()}-{chosen}.md"
    plan.existing[(conv.source, conv.source_id)] = path
    return path


def slug_of(name: str) -> str:
    """The slug of a post file, as the build derives it (``2024-05-01-hello.md`` -> ``hello``)."""
    stem = name.removesuffix(".md")
    match = _DATED_NAME.match(stem)
    return post_slug(match["slug"] if match else stem)


@dataclass(frozen=True, slots=True)
class _Decision:
    action: str
    text: str | None = None
    """What to write when it is not the export's rendering (a merged post)."""
    detail: str = ""
    conflicts: tuple[Conflict, ...] = ()


def decide(path: Path, text: str, force: bool, force_edited: bool, keep_edits: bool = False) -> _Decision:
    """What to do with the post at ``path`` given the export's rendering ``text``: write it (new, updated,
    overwritten), merge it into the author's edits (merged), or leave the post (unchanged, exists, edited,
    conflict)."""
    try:
        current = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except FileNotFoundError:
        return _Decision("new")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: cannot read the existing post ({exc}); nothing was written") from None
    if current == text:
        return _Decision("unchanged")
    recorded, actual = recorded_and_actual_hash(current)
    edited = recorded is None or recorded != actual
    if force_edited or (force and not edited):
        return _Decision("overwritten" if edited else "updated")
    if not edited:
        before, after = recorded_turns(current), recorded_turns(text)
        continued = before is not None and after is not None and len(after) > len(before) \
            and after[:len(before)] == before
        return _Decision("updated", detail="the conversation went on") if continued else _Decision("exists")
    merged = merge(path, current, text, keep_edits=keep_edits)
    if merged.conflicts:
        return _Decision("conflict", conflicts=merged.conflicts)
    if merged.text is None:
        return _Decision("edited", detail=merged.refusal or "")
    if merged.text == current:
        return _Decision("unchanged", detail="your edits kept")
    return _Decision("merged", merged.text, f"{merged.appended} turns added, {merged.updated} updated from the "
                                             f"export, {merged.kept} edited turns kept")


def existing_posts(out: Path) -> dict[tuple[str, str], Path]:
    """(source, source_id) -> post, for every imported post in ``out`` (read from the front matter)."""
    found: dict[tuple[str, str], Path] = {}
    if not out.is_dir():
        return found
    for path in sorted(out.glob("*.md")):
        source = source_id = None
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                if handle.readline().rstrip() != "---":
                    continue
                for _, line in zip(range(200), handle):
                    if line.rstrip() == "---":
                        break
                    if line.startswith("source: "):
                        source = _yaml_scalar(line[8:])
                    elif line.startswith("source_id: "):
                        source_id = _yaml_scalar(line[11:])
        except OSError:
            continue
        if source and source_id:
            found[(source, source_id)] = path
    return found


def _yaml_scalar(text: str) -> str:
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text.strip()
    return str(value)


def move_into_place(staging: Path, out: Path, report: ImportReport) -> None:
    written = [o for o in report.outcomes if o.action in WRITES]
    if not written:
        return
    out.mkdir(parents=True, exist_ok=True)
    for outcome in written:
        os.replace(staging / outcome.path.name, outcome.path)
