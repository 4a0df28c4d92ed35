"""From saving a post to the preview serving it: ``site-builder serve`` on N generated posts (the corpus of
``make bench``), a post edited again and again, and the time from each save until the post's page, fetched
over HTTP as the reloading browser does, shows the edit. Prints the median and the spread.

    .venv/bin/python benchmarks/bench_serve_reload.py [--posts 1000] [--edits 15]

Issue 11's goal: at most 300 ms at 1,000 posts. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_corpus  # the benchmark corpus beside this script
import corpus_sites

ROOT = Path(__file__).resolve().parent.parent
SITE_BUILDER = ROOT / ".venv" / "bin" / "site-builder"


def start_server(content: Path, out: Path, cache: Path) -> tuple[subprocess.Popen, str]:
    """``site-builder serve`` on a free port; returns once it has built and says where it listens."""
    env = {**os.environ, "SITE_BUILDER_CACHE": str(cache)}
    server = subprocess.Popen([str(SITE_BUILDER), "serve", "--content", str(content), "--out", str(out), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert server.stdout is not None
    for line in server.stdout:
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if found:
            return server, found.group(0)
    raise SystemExit(f"serve ended before it said where it listens (exit {server.wait()})")


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read().decode("utf-8", "replace")
    except OSError:
        return ""


def save_then_wait(post: Path, url: str, revision: int, limit: float = 30.0) -> float:
    """Append a unique line to ``post``; the seconds until its page at ``url`` shows it."""
    marker = f"Edit number {revision} of the serve benchmark."
    text = post.read_text(encoding="utf-8")
    started = time.perf_counter()
    post.write_text(text + f"\n{marker}\n", encoding="utf-8")
    while marker not in fetch(url):
        if time.perf_counter() - started > limit:
            raise SystemExit(f"the edit did not show within {limit:.0f} s")
        time.sleep(0.005)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as work:
        work_dir = Path(work)
        posts = build_corpus.generate_posts(args.posts)
        content = corpus_sites.write_site_builder_site(work_dir / "site", posts, search=False).parent
        server, base = start_server(content, work_dir / "out", work_dir / "cache")
        try:
            post = sorted((content / "posts").glob("*.md"))[len(posts) // 2]
            slug = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", post.stem)
            url = f"{base}posts/{slug}/"
            assert fetch(url), f"no page at {url}"
            times = []
            for revision in range(args.edits):
                times.append(save_then_wait(post, url, revision))
                time.sleep(0.3)  # let the watcher settle between edits
        finally:
            server.terminate()
            server.wait(timeout=10)
    ms = sorted(t * 1000 for t in times)
    print(f"serve, {args.posts} posts: save -> page shows the edit: median {statistics.median(ms):.0f} ms "
          f"(min {ms[0]:.0f}, max {ms[-1]:.0f}, {len(ms)} edits); goal <= 300 ms at 1,000 posts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
