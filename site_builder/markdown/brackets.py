"""An opening bracket that nothing closes is text, said at once (``docs/upstream/unclosed-brackets.md``)."""

from __future__ import annotations

from markdown_it.rules_inline import StateInline


def unclosed_bracket(state: StateInline, silent: bool) -> bool:
    """A ``[`` (or the ``!`` of ``![``) with no ``]`` after it is text: no link, image or footnote can start
    there. Saying so at once spares markdown-it a label scan per bracket (100 kB of ``![`` took 3 s)."""
    src, pos = state.src, state.pos
    if not (src[pos] == "[" or (src[pos] == "!" and src.startswith("[", pos + 1))):
        return False
    memo = state.env.get("last_bracket")
    if memo is None or memo[0] is not src:
        memo = state.env["last_bracket"] = (src, src.rfind("]"))
    if memo[1] > pos:
        return False
    if not silent:
        state.pending += src[pos]
    state.pos += 1
    return True

