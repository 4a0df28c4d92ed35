"""Build benchmark (issue 11): site_builder against Hugo, Jekyll and Pelican on the same generated posts.

The corpus (``build_corpus.py``): N conversation posts of about 14.5 KB with about 6 code blocks each, the
same Markdown for every tool. Three scenarios per tool: ``cold`` (no output, no caches), ``no-change`` (a
rebuild over the previous output and caches) and ``one-change`` (one post's text edited, then a rebuild).
site_builder is run as its CLI twice: as a user builds it, search on (the main row, compared with Hugo then
``pagefind --site``: issue 23), and with ``search: false`` (compared with the others, which build no search
index: issue 11); then each of the two once more, cold only, on 10,000 posts. Each figure is the median of
``--runs`` runs measured by GNU ``time -v``: wall clock, user+system CPU (children included) and peak RSS
(the largest process of the build). Runs of the tools are interleaved, so a burst of load on a shared
machine hits all of them alike.

Prints a table and the goals of issues 23 and 11, and writes them as JSON with the machine and the versions. Usage:
``python benchmarks/bench_build.py [--posts 1000] [--runs 5] [--large 10000] [--json PATH] [--tools …]
[--work DIR]``. Installs Hugo and Jekyll with apt-get (as root) and Pelican with pip when they are missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_corpus  # the benchmarks folder is not a package: sys.path above
import build_tools
import floor
from site_builder.errors import SiteError
from site_builder.pagefind import pagefind_binary
from build_tools import Site, ToolMissing, Unavailable

SCENARIOS = ("cold", "no-change", "one-change")
MAIN = "site_builder"
"""The main row: the default configuration, search on."""
SEARCH_OFF = "site_builder, search off"
HUGO_PAGEFIND = "Hugo + Pagefind"
TOOLS = {"site_builder": lambda work, posts: build_tools.site_builder_site(work, posts, search=True, name=MAIN),
         "search-off": lambda work, posts: build_tools.site_builder_site(work, posts, search=False,
                                                                         name=SEARCH_OFF),
         "hugo": build_tools.hugo_site, "hugo-pagefind": build_tools.hugo_pagefind_site,
         "jekyll": build_tools.jekyll_site, "pelican": build_tools.pelican_site}
REFERENCES = ("Hugo", HUGO_PAGEFIND, "Jekyll", "Pelican")
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "bench_build.json"


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


class BuildFailed(Exception):
    pass


# --- measuring ------------------------------------------------------------------------------------------

def timed(site: Site, command: tuple[str, ...]) -> Measure:
    """One build under ``time -v``; raises ``BuildFailed`` with the end of its output if it fails."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        env = {key: value for key, value in {**os.environ, **site.env}.items() if key != "PYTHONDONTWRITEBYTECODE"}
        done = subprocess.run([str(build_tools.GNU_TIME), "-v", "-o", report.name, *command], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode:
            raise BuildFailed(f"exit {done.returncode}: {done.stderr.strip()[-400:]}")
        return parse_time_report(Path(report.name).read_text())


def parse_time_report(text: str) -> Measure:
    """Wall clock, user+system CPU and peak RSS from GNU ``time -v``'s report."""
    def field(label: str) -> str:
        found = re.search(rf"{re.escape(label)}: (\S+)", text)
        if not found:
            raise BuildFailed(f"no '{label}' in the report of time -v")
        return found.group(1)

    wall = sum(float(part) * 60 ** power
               for power, part in enumerate(reversed(field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"))))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return Measure(wall, cpu, int(field("Maximum resident set size (kbytes)")) / 1024)


def byte_compile() -> None:
    """Python tools run as installed: pip byte-compiles what it installs (Pelican), and a user's Python writes
    the bytecode of an editable install on first use. A developer's environment may say otherwise
    (``PYTHONDONTWRITEBYTECODE``, unset for the builds): site_builder's modules are compiled here, once, so
    that no run pays for compiling them (about 0.1 s a run)."""
    import compileall

    import site_builder

    compileall.compile_dir(Path(site_builder.__file__).parent, quiet=1)


def cold_build(site: Site) -> Measure:
    for path in site.scratch:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return timed(site, site.cold)


def rebuild(site: Site) -> Measure:
    return timed(site, site.rebuild)


def measure_sites(sites: list[Site], runs: int, edited: str, posts: int) -> list[Row]:
    """Every scenario of every site, ``runs`` times, the sites taking turns within each run."""
    measures: dict[tuple[str, str], list[Measure]] = {(s.name, sc): [] for s in sites for sc in SCENARIOS}
    failures: dict[str, str] = {}

    def attempt(site: Site, scenario: str, step: Callable[[Site], Measure], record: bool = True) -> None:
        if site.name in failures:
            return
        try:
            measure = step(site)
        except BuildFailed as exc:
            failures[site.name] = f"{scenario} build failed: {exc}"
            print(f"  {site.name}: {failures[site.name]}", file=sys.stderr)
            return
        if record:
            measures[(site.name, scenario)].append(measure)
            print(f"  {scenario:<10} {site.name:<26} {measure.wall:7.2f} s  {measure.rss_mb:6.0f} MB", file=sys.stderr)

    for run in range(runs):
        for site in sites:
            attempt(site, "cold", cold_build)
    for site in sites:  # the first rebuild is not counted: Jekyll writes its incremental metadata in it
        attempt(site, "no-change", rebuild, record=False)
    for run in range(runs):
        for site in sites:
            attempt(site, "no-change", rebuild)
    for run in range(runs):
        for site in sites:
            attempt(site, "one-change", lambda s: edit_then_rebuild(s, edited, run + 1))
    return [Row(s.name, sc, posts, tuple(measures[(s.name, sc)]), failures.get(s.name, ""), s.note)
            for s in sites for sc in SCENARIOS]


def edit_then_rebuild(site: Site, stem: str, revision: int) -> Measure:
    build_corpus.edit_post(site.posts / f"{stem}.md", revision)
    return rebuild(site)


def measure_large(work: Path, count: int, runs: int, *, search: bool) -> Row:
    """site_builder (with search: the main row; else the search-off row), cold, on ``count`` posts."""
    tool = MAIN if search else SEARCH_OFF
    print(f"generating {count:,} posts for the large scenario ({tool})…", file=sys.stderr)
    site = build_tools.site_builder_site(work / "large", build_corpus.generate_posts(count), search=search, name=tool)
    measures: list[Measure] = []
    try:
        for _ in range(runs):
            measures.append(cold_build(site))
            print(f"  cold       {tool} ({count:,} posts) {measures[-1].wall:7.2f} s  "
                  f"{measures[-1].rss_mb:6.0f} MB", file=sys.stderr)
    except BuildFailed as exc:
        return Row(tool, "cold", count, tuple(measures), f"cold build failed: {exc}", site.note)
    finally:
        shutil.rmtree(work / "large", ignore_errors=True)
    return Row(tool, "cold", count, tuple(measures), note=site.note)


def prepare_sites(work: Path, posts: list[build_corpus.GeneratedPost],
                  tools: list[str]) -> tuple[list[Site], list[Unavailable]]:
    sites: list[Site] = []
    unavailable: list[Unavailable] = []
    for key in tools:
        try:
            sites.append(TOOLS[key](work, posts))
        except ToolMissing as exc:
            unavailable.append(Unavailable({"hugo": "Hugo", "hugo-pagefind": HUGO_PAGEFIND, "jekyll": "Jekyll",
                                            "pelican": "Pelican"}.get(key, key), str(exc)))
    return sites, unavailable


# --- the report -----------------------------------------------------------------------------------------

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
    return [*_row_goals(rows, MAIN, posts, ((HUGO_PAGEFIND, 1.0),), 1.0, 300), _scale_goal(rows, MAIN, posts, large),
            *_row_goals(rows, SEARCH_OFF, posts, (("Hugo", 1.0), ("Jekyll", 0.5), ("Pelican", 0.5)), 0.5, 150),
            _scale_goal(rows, SEARCH_OFF, posts, large)]


def _row_goals(rows: list[Row], tool: str, posts: int, references: tuple[tuple[str, float], ...],
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
    sizes = [len(build_corpus.post_text("site_builder", p).encode()) for p in posts]
    blocks = [p.body.count("\n```\n") for p in posts]
    return {"posts": len(posts), "mean_bytes": round(statistics.mean(sizes)),
            "mean_code_blocks": round(statistics.mean(blocks), 2), "total_mb": round(sum(sizes) / 1e6, 1)}


# --- the command ----------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="posts in the corpus (default 1000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; the median is shown (default 5)")
    parser.add_argument("--large", type=int, default=10_000,
                        help="posts of site_builder's large cold scenario (default 10000; 0 skips it)")
    parser.add_argument("--large-runs", type=int, default=None, help="runs of the large scenario (default --runs)")
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated subset of {','.join(TOOLS)}")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the figures are written")
    parser.add_argument("--work", type=Path, help="work in this folder (kept) instead of a temporary one")
    parser.add_argument("--readme-table", type=Path, metavar="JSON",
                        help="print the figures of an earlier run as a Markdown table (for the README) and exit")
    args = parser.parse_args(argv)
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(args.tools) - set(TOOLS))
    if unknown or args.posts < 1 or args.runs < 1:
        parser.error(f"unknown tools {unknown}" if unknown else "--posts and --runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.readme_table:
        print("\n".join(readme_table(json.loads(args.readme_table.read_text(encoding="utf-8")))))
        return 0
    if not build_tools.ensure_gnu_time():
        print(f"GNU time is needed ({build_tools.GNU_TIME}): apt-get install time", file=sys.stderr)
        return 1
    started = dt.datetime.now(dt.timezone.utc)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        work = args.work or Path(tmp)
        posts = build_corpus.generate_posts(args.posts)
        sites, unavailable = prepare_sites(work, posts, args.tools)
        versions = build_tools.tool_versions(sites)
        corpus = corpus_summary(posts)
        print(f"corpus: {corpus['posts']:,} posts, {corpus['mean_bytes']:,} bytes and "
              f"{corpus['mean_code_blocks']} code blocks per post on average; {args.runs} runs", file=sys.stderr)
        byte_compile()
        rows = measure_sites(sites, args.runs, posts[len(posts) // 2].stem, args.posts)
        profiles = profiles_of_goals_missed(rows, sites, args.posts, posts[len(posts) // 2].stem, args.runs)
        least = floor_of_cold(rows, sites, posts, args.runs)
        for key, search in (("site_builder", True), ("search-off", False)):
            if args.large and key in args.tools:
                rows.append(measure_large(work, args.large, args.large_runs or args.runs, search=search))
    report(rows, unavailable, args, versions, corpus, started, profiles, least)
    return 0


def floor_of_cold(rows: list[Row], sites: list[Site], posts: list[build_corpus.GeneratedPost],
                  runs: int) -> list[str]:
    """When site_builder's cold build misses its goal against Hugo + Pagefind: the floor (``floor.py``) of a
    cold build of the corpus, beside the peer's median; Pagefind's part is one more ``pagefind --site`` over
    the peer's output, timed as the builds are. Empty when the goal is met or was not measured."""
    cold, peer_row = find(rows, MAIN, "cold", len(posts)), find(rows, HUGO_PAGEFIND, "cold", len(posts))
    if cold is None or peer_row is None or cold.wall <= peer_row.wall:
        return []
    print("measuring the floor of a cold build…", file=sys.stderr)
    parts = [floor.markdown_part(posts, runs), floor.pygments_part(posts, runs)]
    peer = next(s for s in sites if s.name == HUGO_PAGEFIND)
    try:
        indexed = timed(peer, (pagefind_binary(), "--site", str(peer.scratch[0])))
    except (SiteError, BuildFailed) as exc:
        print(f"  Pagefind's part not measured: {exc}", file=sys.stderr)
    else:
        parts.append(floor.Part("Pagefind: pagefind --site over Hugo's pages of the same posts (one run, its CPU)",
                                indexed.cpu))
    return floor.floor_lines(parts, machine()["cores"], HUGO_PAGEFIND, peer_row.wall)


def profiles_of_goals_missed(rows: list[Row], sites: list[Site], posts: int, edited: str,
                             runs: int) -> dict[str, list[str]]:
    """For each scenario of the main row whose goal is not met (cold against Hugo + Pagefind, one-change), one
    more build of it run with ``--profile``: where its time went, stage by stage."""
    site = next((s for s in sites if s.name == MAIN), None)
    missed = [g.text for g in _row_goals(rows, MAIN, posts, ((HUGO_PAGEFIND, 1.0),), 1.0, 300) if g.met is False]
    profiles: dict[str, list[str]] = {}
    for scenario in ("cold", "one-change"):
        if site is None or not any(f": {scenario} ≤" in text for text in missed):
            continue
        if scenario == "cold":
            for path in site.scratch:
                shutil.rmtree(path, ignore_errors=True)
        else:
            build_corpus.edit_post(site.posts / f"{edited}.md", runs + 1)
        env = {key: value for key, value in {**os.environ, **site.env}.items() if key != "PYTHONDONTWRITEBYTECODE"}
        done = subprocess.run([*site.rebuild, "--profile"], env=env, capture_output=True, text=True)
        lines = done.stdout.splitlines()
        start = next((k for k, line in enumerate(lines) if line.startswith("profile")), len(lines))
        profiles[scenario] = lines[start:] or [f"no profile (exit {done.returncode}): {done.stderr.strip()[-300:]}"]
    return profiles


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


if __name__ == "__main__":
    sys.exit(main())
