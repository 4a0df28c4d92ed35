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

Prints a table and the goals of issues 23 and 11, and writes them as JSON with the machine and the versions
(``bench_report.py``). Usage:
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
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_corpus  # the benchmarks folder is not a package: sys.path above
import build_tools
import floor
from site_builder.errors import SiteError
from site_builder.pagefind import pagefind_binary
from bench_report import (HUGO_PAGEFIND, MAIN, SEARCH_OFF, BuildFailed, Measure, Row, row_goals, corpus_summary,
                          find, machine, readme_table, report)
from build_tools import Site, ToolMissing, Unavailable

SCENARIOS = ("cold", "no-change", "one-change")
TOOLS = {"site_builder": lambda work, posts: build_tools.site_builder_site(work, posts, search=True, name=MAIN),
         "search-off": lambda work, posts: build_tools.site_builder_site(work, posts, search=False,
                                                                         name=SEARCH_OFF),
         "hugo": build_tools.hugo_site, "hugo-pagefind": build_tools.hugo_pagefind_site,
         "jekyll": build_tools.jekyll_site, "pelican": build_tools.pelican_site}
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "bench_build.json"


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
    made = {site.name: (floor.made_on_disk(site.scratch), floor.made_on_disk(site.scratch[:1]))
            for site in sites if site.name in (MAIN, HUGO_PAGEFIND)}
    return (floor.floor_lines(parts, machine()["cores"], HUGO_PAGEFIND, peer_row.wall)
            + floor.creation_lines(made, floor.creation_cpu(peer.scratch[0].parent)))


def profiles_of_goals_missed(rows: list[Row], sites: list[Site], posts: int, edited: str,
                             runs: int) -> dict[str, list[str]]:
    """For each scenario of the main row whose goal is not met (cold against Hugo + Pagefind, one-change), one
    more build of it run with ``--profile``: where its time went, stage by stage."""
    site = next((s for s in sites if s.name == MAIN), None)
    missed = [g.text for g in row_goals(rows, MAIN, posts, ((HUGO_PAGEFIND, 1.0),), 1.0, 300) if g.met is False]
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


if __name__ == "__main__":
    sys.exit(main())
