"""Highlighted code meets WCAG AA (4.5:1) in both themes, whatever Pygments styles the site picks."""

from __future__ import annotations

import re

import pytest
from pygments.styles import get_style_by_name

from site_builder.highlight import contrast, readable_colour, readable_style, stylesheet

HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")


def rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    digits = "".join(d * 2 for d in digits) if len(digits) == 3 else digits
    return int(digits[:2], 16), int(digits[2:4], 16), int(digits[4:], 16)


def foregrounds(style) -> list[tuple[str, str]]:
    """(token colour, its background) for every coloured token of a Pygments style."""
    pairs = []
    for token, definition in style.styles.items():
        words = definition.split()
        background = next((w[3:] for w in words if w.startswith("bg:")), None) or style.background_color
        pairs += [(w, background) for w in words if HEX.fullmatch(w)]
    return pairs


@pytest.mark.parametrize("name", ["friendly", "github-dark", "monokai", "solarized-light", "default"])
def test_every_token_colour_reaches_aa(name: str) -> None:
    low = [(c, bg) for c, bg in foregrounds(readable_style(name)) if contrast(rgb(c), rgb(bg)) < 4.5]
    assert low == []


def test_the_defaults_fell_short_before() -> None:
    """The reason for readable_style: friendly's output grey (#888 on #f0f0f0) is 3.1:1."""
    short = [(c, bg) for c, bg in foregrounds(get_style_by_name("friendly")) if contrast(rgb(c), rgb(bg)) < 4.5]
    assert ("#888", "#f0f0f0") in short


def test_readable_colours_keep_their_hue_and_readable_ones_are_kept() -> None:
    assert readable_colour("#1f2328", "#ffffff") == "#1f2328"
    darker = readable_colour("#60a0b0", "#f0f0f0")
    assert contrast(rgb(darker), rgb("#f0f0f0")) >= 4.5 and rgb(darker)[2] > rgb(darker)[0], "still blue-green"
    lighter = readable_colour("#555555", "#0d1117")
    assert contrast(rgb(lighter), rgb("#0d1117")) >= 4.5


def test_the_site_stylesheet_uses_the_readable_colours() -> None:
    css = stylesheet("friendly", "github-dark")
    assert ".highlight .go { color: #888" not in css
    assert "#888888" not in css.lower()
