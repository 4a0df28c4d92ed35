"""``site-builder build --profile``: where a build's time went, stage by stage.

The build runs under cProfile (in this process: the worker processes' work shows as the time spent waiting for
them, in the stage that waits), and the report gives each stage's share and the functions that took the most
time of their own. The profiler slows Python down, so the figures are larger than a build's without it; the
shares are what to read.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from typing import Any, Callable

STAGES = (
    ("importing the rendering stack", "site_builder/assemble/__init__.py", "<module>"),
    ("the inputs' signatures", "site_builder/build.py", "read_inputs"),
    ("waiting for the output folder's scan (a child made it beside the imports)", "site_builder/output/ahead.py",
     "result"),
    ("reading the output folder", "site_builder/output/scan.py", "scan_output"),
    ("loading the last build's state", "site_builder/incremental/state.py", "load_state"),
    ("content: posts and pages read and rendered", "site_builder/assemble/content.py", "read_content"),
    ("planning the output", "site_builder/assemble/outputs.py", "plan_output"),
    ("planning the pages (their keys)", "site_builder/assemble/pages.py", "start"),
    ("planning the search index", "site_builder/assemble/search_index.py", "plan_index"),
    ("writing: pages rendered and written, copies, index", "site_builder/output/write.py", "write_site"),
    ("  of which the search index (waited for, and written)", "site_builder/pagefind.py", "completed"),
    ("the new state made", "site_builder/assemble/outputs.py", "new_state"),
    ("the state saved", "site_builder/incremental/state.py", "save_state"),
)
"""(what it is, the file, the function): each stage of ``build.build_site`` and ``assemble.assemble``."""


def profiled(run: Callable[[], Any], top: int = 8) -> tuple[Any, list[str]]:
    """``run()``'s result, and the lines of its profile: the whole, each stage that ran, the ``top`` functions
    by their own time. An exception in ``run`` is raised as it is, without a profile."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    result = profile.runcall(run)
    whole = time.perf_counter() - started
    stats = pstats.Stats(profile).stats  # {(file, line, function): (calls, primitive, own, cumulative, callers)}
    lines = [f"profile (cProfile, this process; the profiler slows Python down, read the shares): {whole:.2f} s"]
    for label, file, function in STAGES:
        spent = sum(entry[3] for (path, _, name), entry in stats.items()
                    if name == function and path.replace("\\", "/").endswith(file))
        if spent:
            lines.append(f"  {spent:6.2f} s {100 * spent / whole:4.0f}%  {label}")
    lines.append("  the functions that took the most time of their own:")
    heaviest = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (path, line, name), (_, calls, own, _, _) in heaviest:
        where = name if path == "~" else f"{_short(path)}:{line} {name}"
        lines.append(f"  {own:6.2f} s {100 * own / whole:4.0f}%  {where} ({calls:,} calls)")
    return result, lines


def _short(path: str) -> str:
    """A module's path from its package on (``site_builder/…``, ``pygments/…``), else its file name."""
    parts = path.replace("\\", "/").split("/")
    for marker in ("site-packages", "lib"):
        if marker in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(marker):])
    return "/".join(parts[-2:])
