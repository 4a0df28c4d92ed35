"""Avatars as the only speaker marks: two images alone on their lines taking turns, the messages under them (a chat
pasted from an app that shows faces instead of names). Read as turns when one image is an AI's by its address or alt
text; a doubt (``doubts._avatars``) when a page names an AI and neither image says whose it is."""

from __future__ import annotations

import bisect
import dataclasses
import re
from typing import Mapping

from site_builder.model import Speaker
from site_builder.reading.lines import AI_WORDS, Line, names_an_ai
from site_builder.speakers import AVATAR, Reading, name_role


_IMAGE_ALONE = re.compile(r"^ {0,3}(?:!\[(?P<alt>[^\]\n]{0,200})\]\((?P<src>[^)\s]{1,2000})[^)\n]{0,200}\)"
                          r"|<img\b[^>\n]*?\bsrc=[\"'](?P<html>[^\"'\n]{1,2000})[\"'][^>\n]*>)[ \t]*$", re.I)


def avatar_turns(lines: list[Line]) -> list[tuple[Line, str, str]] | None:
    """(line, image address, alt text) of each image alone on its line, when two images take turns so, with text
    between each and the next, four times or more: the avatars of two speakers in a chat pasted from an app that
    shows faces instead of names. None otherwise."""
    shown = [(line, match["src"] or match["html"], match["alt"] or "") for line in lines
             if not line.in_code and line.text.lstrip()[:1] in ("!", "<") and (match := _IMAGE_ALONE.match(line.text))]
    if len(shown) < 4 or len({src for _, src, _ in shown}) != 2 or any(a[1] == b[1] for a, b in zip(shown, shown[1:])):
        return None
    images = {line.number for line, _, _ in shown}
    texts = [line.number for line in lines if line.text.strip() and line.number not in images]  # in order
    numbers = sorted(images)
    if any(bisect.bisect_right(texts, a) == bisect.bisect_left(texts, b) for a, b in zip(numbers, numbers[1:])):
        return None  # no text between two images
    return shown


def avatar_exchange(lines: list[Line], declared: Mapping[str, Speaker] | None = None
                    ) -> tuple[list[Line], dict[str, Reading]] | None:
    """Two avatars taking turns (``avatar_turns``) where one names an AI and the other does not (``mem.ai/…icon.png``
    beside ``…/brian-avatar.png``): each image starts its speaker's turn. With ``declared`` speakers, only when they
    declare both names. None otherwise."""
    shown = avatar_turns(lines)
    if shown is None:
        return None
    faces = {src: (alt, names_an_ai(f"{alt} {src}")) for _, src, alt in shown}
    ai = [src for src, (_, named) in faces.items() if named]
    if len(ai) != 1:
        return None
    person = next(src for src in faces if src != ai[0])
    names = {ai[0]: _avatar_name(ai[0], faces[ai[0]][0], "Assistant"), person: _avatar_name(person, faces[person][0], "You")}
    if names[ai[0]] == names[person]:
        names[person] = "You"
    if declared is not None and not {name.casefold() for name in names.values()} <= {n.casefold() for n in declared}:
        return None
    lines = list(lines)
    index = {line.number: k for k, line in enumerate(lines)}
    for line, src, _ in shown:
        lines[index[line.number]] = dataclasses.replace(line, text="", label=names[src], rest="", form="")
    reason = AVATAR
    return lines, {names[ai[0]]: Reading(Speaker(names[ai[0]], "assistant"), f"{reason} (an AI's)"),
                   names[person]: Reading(Speaker(names[person], "user"), reason)}


def _avatar_name(src: str, alt: str, default: str) -> str:
    """A speaker's name from its avatar: the alt text when it is a name, else the product its address names
    (``mem.ai`` -> ``Mem``), else ``default``."""
    if alt.strip() and len(alt.split()) <= 3 and not re.search(r"(?i)avatar|icon|image|photo|logo", alt):
        return alt.strip()
    host = re.match(r"(?:https?:)?//(?:www\.)?([^/:]+)", src)
    found = AI_WORDS.search(f"{host[1] if host else ''} {src}")
    if found and name_role(found[0]) == "assistant" and found[0].casefold() not in ("ai", "a.i."):
        return found[0]
    if host and default != "You" and AI_WORDS.search(host[1]):
        label = host[1].split(".")[-2] if host[1].count(".") >= 1 else host[1]
        return label.capitalize() if label.casefold() not in ("ai", "openai") else default
    return default
