"""The pages real Hugo writes for ``tests/fixtures/hugo_urls`` under each config variant, recorded in
``tests/fixtures/hugo_urls_expected/<variant>.txt`` by running Hugo itself (0.111.3, Debian's):

    python tests/hugo_urls.py     # needs `hugo` on PATH (Debian: apt-get install hugo)

``test_hugo.py`` checks that a build of ours writes every post page among them (section and taxonomy list pages,
``posts/``, ``tags/``, ``categories/``, are Hugo's theme's and not ours).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # run as a script: site_paths beside it
from site_paths import copy_with_config

FIXTURE = Path(__file__).parent / "fixtures" / "hugo_urls"
EXPECTED = Path(__file__).parent / "fixtures" / "hugo_urls_expected"
VARIANTS = {
    "default": "",
    "permalinks": '\n[permalinks]\n  posts = "/:year/:month/:title/"\n  post = "/:year/:slug/"\n',
    "filename": '\n[permalinks]\n  posts = "/notes/:filename/"\n',
}
LISTS = ("index.html", "posts/index.html", "post/index.html")
TAXONOMIES = ("tags/", "categories/")


def variant_folder(work: Path, variant: str) -> Path:
    return copy_with_config(FIXTURE, work / f"hugo-{variant}", "hugo.toml", VARIANTS[variant])


def post_pages(site: Path) -> list[str]:
    """The HTML files of ``site`` that are not list pages."""
    return sorted(path for path in (p.relative_to(site).as_posix() for p in site.rglob("*.html"))
                  if path not in LISTS and not path.startswith(TAXONOMIES) and "/page/" not in path)


def hugo_pages(work: Path, variant: str) -> list[str]:
    folder = variant_folder(work, variant)
    subprocess.run(["hugo", "--quiet", "-s", str(folder), "-d", str(work / f"site-{variant}")], check=True,
                   capture_output=True, env={"PATH": "/usr/bin:/bin", "HOME": str(work), "TZ": "UTC"})
    return post_pages(work / f"site-{variant}")


def main() -> None:
    import tempfile
    EXPECTED.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for variant in VARIANTS:
            pages = hugo_pages(Path(work), variant)
            (EXPECTED / f"{variant}.txt").write_text("\n".join(pages) + "\n", encoding="utf-8")
            print(f"{variant}: {len(pages)} pages", file=sys.stderr)


if __name__ == "__main__":
    main()
