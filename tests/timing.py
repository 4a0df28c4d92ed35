"""Time limits that a slow or busy machine does not break, and a super-linear cost still does.

A limit in CPU seconds (``README``: "any post of at most 100 kB renders in well under 2 s") holds on the machine it
was set on. A machine three times slower at Python (seen on 2026-12-07: 100 kB of C++ lexed in 0.9 s instead of
0.3 s) or one busy with other jobs (two test workers on two cores) pushes a linear cost over it, while the costs
these limits guard against were quadratic or worse (from 3 s to minutes). So a text over its limit passes only
when the cost grows linearly: half of the text, measured back to back with the whole (the best of three each),
takes at least 0.35 of its time (a quadratic cost: a quarter), and the whole stays within three times the limit.
"""

from __future__ import annotations

import time
from typing import Callable


def cpu_seconds(action: Callable[[], object]) -> float:
    """CPU seconds ``action`` took (other jobs on a shared machine do not count)."""
    started = time.process_time()
    action()
    return time.process_time() - started


def half_of(text: str) -> str:
    """``text`` cut at the first line end past its middle (at its middle where none follows)."""
    cut = text.find("\n", len(text) // 2)
    return text[:cut + 1] if cut != -1 else text[:len(text) // 2]


def over_limit(action: Callable[[str], object], text: str, limit: float) -> str | None:
    """None when ``action(text)`` takes under ``limit`` CPU seconds, or over it but linearly (see above); else why
    not."""
    seconds = cpu_seconds(lambda: action(text))
    if seconds < limit:
        return None
    why = not_linear(lambda: action(half_of(text)), lambda: action(text), limit)
    return f"{seconds:.2f} s, over {limit} s, and {why}" if why else None


def not_linear(half: Callable[[], object], whole: Callable[[], object], limit: float) -> str | None:
    """None when running ``whole`` (the whole input) costs about twice running ``half`` (half of it), measured back
    to back, the best of three each, and stays within three times ``limit``; else why not."""
    times: dict[str, float] = {}
    for name, action in (("half", half), ("whole", whole)) * 3:
        times[name] = min(times.get(name, 9e9), cpu_seconds(action))
    if times["whole"] >= 3 * limit or times["half"] < 0.35 * times["whole"]:
        return f"not linear: half of it took {times['half']:.2f} s, the whole {times['whole']:.2f} s"
    return None
