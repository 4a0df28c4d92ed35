"""The build benchmark's figures and what it says of them (``bench_build.py`` measures them): each tool's rows
and their ratios to the other tools, the goals of issues 23 and 11, the results file (JSON) and the README's
table of one."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

import build_corpus  # the benchmarks folder is not a package: bench_build.py puts it on sys.path
import corpus_sites
from build_tools import Unavailable

MAIN = "site_builder"
"""The main row: the default configuration, search on."""
SEARCH_OFF = "site_builder, search off"
HUGO_PAGEFIND = "Hugo + Pagefind"
REFERENCES = ("Hugo", HUGO_PAGEFIND, "Jekyll", "Pelican")


class BuildFailed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Measure:
    wall: float
    cpu: float
    """User + system seconds, children included."""
    rss_mb: float


@dataclass(frozen=True, slots=True)
class Row:
    tool: str
    scenario: str
    posts: int
    measures: tuple[Measure, ...] = ()
    failure: str = ""
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(m.wall for m in self.measures)

    @property
    def cpu(self) -> float:
        return statistics.median(m.cpu for m in self.measures)

    @property
    def rss_mb(self) -> float:
        return max(m.rss_mb for m in self.measures)

    def as_json(self) -> dict:
        figures = {"wall_median_s": round(self.wall, 3), "cpu_median_s": round(self.cpu, 3),
                   "peak_rss_mb": round(self.rss_mb, 1)} if self.measures else {}
        return {"tool": self.tool, "scenario": self.scenario, "posts": self.posts, **figures,
                "runs": [vars_of(m) for m in self.measures], "failure": self.failure, "note": self.note}


def vars_of(measure: Measure) -> dict:
    return {"wall_s": measure.wall, "cpu_s": measure.cpu, "rss_mb": measure.rss_mb}


def find(rows: list[Row], tool: str, scenario: str, posts: int) -> Row | None:
    return next((r for r in rows if (r.tool, r.scenario, r.posts) == (tool, scenario, posts) and r.measures), None)


def ratio(rows: list[Row], row: Row, reference: str) -> str:
    other = find(rows, reference, row.scenario, row.posts)
    if not row.measures or other is None or other.wall == 0:
        return "—"
    return f"{row.wall / other.wall:.2f}×"


def table(rows: list[Row], unavailable: list[Unavailable]) -> list[str]:
    header = (f"{'tool':<26} {'scenario':<10} {'posts':>6} {'wall (median)':>13} {'min–max':>13} {'CPU':>8} "
              f"{'peak RSS':>9} " + " ".join(f"{'× ' + name:>9}" for name in REFERENCES))
    lines = [header, "-" * len(header)]
    for row in rows:
        if not row.measures:
            lines.append(f"{row.tool:<26} {row.scenario:<10} {row.posts:>6} {row.failure or 'not measured'}")
            continue
        spread = f"{min(m.wall for m in row.measures):.2f}–{max(m.wall for m in row.measures):.2f}"
        lines.append(f"{row.tool:<26} {row.scenario:<10} {row.posts:>6} {row.wall:>11.2f} s {spread:>13} "
                     f"{row.cpu:>6.2f} s {row.rss_mb:>6.0f} MB "
                     + " ".join(f"{ratio(rows, row, name):>9}" for name in REFERENCES))
    lines += [f"{u.name:<26} not available: {u.reason}" for u in unavailable]
    return lines


@dataclass(frozen=True, slots=True)
class Goal:
    text: str
    met: bool | None
    """None: not measured."""
    figures: str

    def line(self) -> str:
        mark = {True: "met", False: "NOT met", None: "not measured"}[self.met]
        return f"[{mark:^12}] {self.text}: {self.figures}"


def goals(rows: list[Row], posts: int, large: int) -> list[Goal]:
    """The goals of issue 23 for the main row (site_builder as users build it, search on), then those of
    issue 11 for the row with search off."""
    return [*row_goals(rows, MAIN, posts, ((HUGO_PAGEFIND, 1.0),), 1.0, 300), _scale_goal(rows, MAIN, posts, large),
            *row_goals(rows, SEARCH_OFF, posts, (("Hugo", 1.0), ("Jekyll", 0.5), ("Pelican", 0.5)), 0.5, 150),
            _scale_goal(rows, SEARCH_OFF, posts, large)]


def row_goals(rows: list[Row], tool: str, posts: int, references: tuple[tuple[str, float], ...],
               one_change: float, rss_mb: int) -> list[Goal]:
    """``tool``'s cold build against ``references`` (name, bound), its rebuilds' bounds and its peak RSS."""
    cold = find(rows, tool, "cold", posts)
    result = [compare_to(rows, cold, name, bound, tool) for name, bound in references]
    for scenario, bound in (("no-change", 0.3), ("one-change", one_change)):
        row = find(rows, tool, scenario, posts)
        result.append(Goal(f"{tool}: {scenario} ≤ {bound} s", None if row is None else row.wall <= bound,
                           "—" if row is None else f"{row.wall:.2f} s"))
    ours = [r for r in rows if r.tool == tool and r.posts == posts and r.measures]
    peak = max((r.rss_mb for r in ours), default=None)
    result.append(Goal(f"{tool}: peak RSS ≤ {rss_mb} MB at {posts:,} posts", None if peak is None else peak <= rss_mb,
                       "—" if peak is None else f"{peak:.0f} MB"))
    return result


def _scale_goal(rows: list[Row], tool: str, posts: int, large: int) -> Goal:
    """``tool``'s cold build of ``large`` posts within 11 times that of ``posts``."""
    cold = find(rows, tool, "cold", posts)
    big = find(rows, tool, "cold", large) if large else None
    scale = None if big is None or cold is None else big.wall / cold.wall
    return Goal(f"{tool}: cold at {large or 10_000:,} posts ≤ 11× cold at {posts:,}",
                None if scale is None else scale <= 11,
                "—" if scale is None else f"{big.wall:.2f} s / {cold.wall:.2f} s = {scale:.1f}× "
                                          f"(CPU {big.cpu:.1f} s / {cold.cpu:.1f} s = {big.cpu / cold.cpu:.1f}×)")


def compare_to(rows: list[Row], cold: Row | None, name: str, bound: float, tool: str = MAIN) -> Goal:
    other = find(rows, name, "cold", cold.posts) if cold else None
    text = f"{tool}: cold ≤ {bound}× {name} cold"
    if cold is None or other is None:
        return Goal(text, None, "—")
    return Goal(text, cold.wall / other.wall <= bound, f"{cold.wall:.2f} s vs {other.wall:.2f} s = "
                                                       f"{cold.wall / other.wall:.2f}×")


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*: (.*)", cpuinfo)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"MemTotal:\s*(\d+)", meminfo)
    return {"cores": os.cpu_count(), "cpu_model": model.group(1).strip() if model else "unknown",
            "memory_gb": round(int(memory.group(1)) / 2 ** 20, 1) if memory else None,
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def corpus_summary(posts: list[build_corpus.GeneratedPost]) -> dict:
    sizes = [len(corpus_sites.post_text("site_builder", p).encode()) for p in posts]
    blocks = [p.body.count("\n```\n") for p in posts]
    return {"posts": len(posts), "mean_bytes": round(statistics.mean(sizes)),
            "mean_code_blocks": round(statistics.mean(blocks), 2), "total_mb": round(sum(sizes) / 1e6, 1)}


def report(rows: list[Row], unavailable: list[Unavailable], args: argparse.Namespace, versions: dict,
           corpus: dict, started: dt.datetime, profiles: dict[str, list[str]] | None = None,
           least: list[str] | None = None) -> None:
    facts = machine()
    print(f"\n{started:%Y-%m-%d}, {facts['cores']} cores ({facts['cpu_model']}), load average at the end "
          f"{', '.join(f'{x:.1f}' for x in facts['load_average'] or ())}; median of {args.runs} runs")
    print("versions: " + "; ".join(f"{k} {v}" for k, v in versions.items()))
    print("\n".join(table(rows, unavailable)))
    notes = sorted({f"{r.tool}: {r.note}" for r in rows if r.note})
    print("\n".join(f"  {n}" for n in notes))
    measured = goals(rows, args.posts, args.large)
    print(f"\ngoals (issue 23: {MAIN}, search on; issue 11: {SEARCH_OFF}):")
    print("\n".join(g.line() for g in measured))
    for scenario, lines in (profiles or {}).items():
        print(f"\nwhat is left of {MAIN}'s {scenario} build (one more, with --profile):")
        print("\n".join(lines))
    if least:
        print(f"\nthe floor of a cold build: CPU time the fixed stack needs, each library doing only what no build "
              f"skips ({MAIN}'s cold median: {find(rows, MAIN, 'cold', args.posts).wall:.2f} s; benchmarks/floor.py):")
        print("\n".join(least))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "date": started.isoformat(timespec="seconds"), "machine": facts, "versions": versions, "corpus": corpus,
        "settings": {"posts": args.posts, "runs": args.runs, "large": args.large,
                     "large_runs": args.large_runs or args.runs, "tools": args.tools},
        "rows": [r.as_json() for r in rows], "unavailable": [vars_of_unavailable(u) for u in unavailable],
        "goals": [{"goal": g.text, "met": g.met, "figures": g.figures} for g in measured],
        "profiles": profiles or {}, "floor": least or [],
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.json}")


def readme_table(results: dict) -> list[str]:
    """The Markdown table of a results file: its rows, the ratios to the other tools, the goals."""
    rows = [Row(r["tool"], r["scenario"], r["posts"], tuple(Measure(m["wall_s"], m["cpu_s"], m["rss_mb"])
                                                            for m in r["runs"]), r["failure"], r["note"])
            for r in results["rows"]]
    lines = ["| tool | scenario | posts | wall (median) | min–max | CPU | peak RSS | "
             + " | ".join(f"× {name}" for name in REFERENCES) + " |", "|---" * (7 + len(REFERENCES)) + "|"]
    for row in rows:
        if not row.measures:
            lines.append(f"| {row.tool} | {row.scenario} | {row.posts:,} | {row.failure or 'not measured'} |"
                         + " |" * (3 + len(REFERENCES)))
            continue
        lines.append(f"| {row.tool} | {row.scenario} | {row.posts:,} | {row.wall:.2f} s | "
                     f"{min(m.wall for m in row.measures):.2f}–{max(m.wall for m in row.measures):.2f} s | "
                     f"{row.cpu:.2f} s | {row.rss_mb:.0f} MB | "
                     + " | ".join(ratio(rows, row, name) for name in REFERENCES) + " |")
    lines += [f"| {u['tool']} | not available: {u['reason']} |" + " |" * (5 + len(REFERENCES))
              for u in results["unavailable"]]
    marks = {True: "met", False: "**not met**", None: "not measured"}
    settings = results["settings"]
    return lines + ["", "| goal | result | |", "|---|---|---|"] + [
        f"| {g.text} | {g.figures} | {marks[g.met]} |" for g in goals(rows, settings["posts"], settings["large"])]


def vars_of_unavailable(tool: Unavailable) -> dict:
    return {"tool": tool.name, "reason": tool.reason}
