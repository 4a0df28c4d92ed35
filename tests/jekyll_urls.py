"""The files real Jekyll writes for ``tests/fixtures/jekyll_urls`` under each ``_config.yml`` variant, recorded in
``tests/fixtures/jekyll_urls_expected/<variant>.txt`` by running Jekyll itself (4.3.1, with jekyll-redirect-from):

    python tests/jekyll_urls.py     # needs `jekyll` on PATH (Debian: apt-get install jekyll ruby-jekyll-redirect-from)

``test_permalinks.py`` checks that a build of ours writes every one of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # run as a script: site_paths beside it
from site_paths import copy_with_config

FIXTURE = Path(__file__).parent / "fixtures" / "jekyll_urls"
EXPECTED = Path(__file__).parent / "fixtures" / "jekyll_urls_expected"
VARIANTS = {
    "default": "",
    "pretty": "permalink: pretty\n",
    "none": "permalink: none\n",
    "ordinal": "permalink: ordinal\n",
    "weekdate": "permalink: weekdate\n",
    "categories-title": "permalink: /:categories/:title/\n",
    "slug-day": "permalink: /blog/:year/:i_month/:i_day/:slug:output_ext\n",
    "tokyo": "timezone: Asia/Tokyo\n",
}


def variant_folder(work: Path, variant: str) -> Path:
    """A copy of the fixture with the variant's lines added to its ``_config.yml``."""
    return copy_with_config(FIXTURE, work / f"jekyll-{variant}", "_config.yml", VARIANTS[variant])


def written_files(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


def jekyll_files(work: Path, variant: str) -> list[str]:
    """Build the variant with Jekyll (in UTC, as GitHub Pages does) and list the files it wrote."""
    folder = variant_folder(work, variant)
    subprocess.run(["jekyll", "build", "--quiet", "-s", str(folder), "-d", str(work / f"site-{variant}")],
                   check=True, capture_output=True, env={"PATH": "/usr/bin:/bin", "TZ": "UTC", "HOME": str(work)})
    return written_files(work / f"site-{variant}")


def main() -> None:
    import tempfile
    with tempfile.TemporaryDirectory() as work:
        for variant in VARIANTS:
            files = jekyll_files(Path(work), variant)
            (EXPECTED / f"{variant}.txt").write_text("\n".join(files) + "\n", encoding="utf-8")
            print(f"{variant}: {len(files)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
