"""Which folder a build may write: ``check_output`` refuses one where building could destroy what is not ours."""

from __future__ import annotations

from pathlib import Path

from site_builder.caches import cache_root
from site_builder.discover import Sources
from site_builder.errors import OutputError
from site_builder.output.marker import MARKER, is_ours, read_marker


def check_output(out_dir: Path, sources: Sources, theme: Path) -> Path:
    """The resolved output folder, or ``OutputError`` when building there could destroy what is not ours.

    Refused: the content folder, a folder that holds it, a folder inside it (for a Jekyll site, whose
    own ``_site`` sits inside it, only a folder inside one the build reads) or inside the theme, a file,
    and a folder with files but no marker. Symlinks are resolved first, so another name for these is refused too.
    """
    out = out_dir.resolve()
    root = sources.root.resolve()
    shown = f"--out {out_dir}" + (f" (= {out})" if str(out) != str(out_dir) else "")
    if out == root or out in root.parents:
        raise OutputError(f"{shown} is the content folder or holds it: a build would replace your posts",
                          hint="name a folder of its own for the site, e.g. --out _site")
    inside = [folder for folder in (*read_folders(sources), theme) if out.is_relative_to(folder.resolve())]
    if inside:
        raise OutputError(f"{shown} is inside {inside[0]}, which the build reads",
                          hint="put the site outside the content folder, e.g. --out _site next to it")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{shown} is a file, not a folder: it is not replaced",
                          hint="name a new folder, or remove the file yourself")
    cache = cache_root().resolve()
    if out == cache or cache in out.parents or out in cache.parents:
        raise OutputError(f"{shown} is site-builder's cache ({cache}) or holds or lies inside it: the site would "
                          "publish the build's own state, and clearing the cache would delete the site",
                          hint="name a folder of its own for the site, e.g. --out _site next to the content "
                               "folder (or set SITE_BUILDER_CACHE to another folder)")
    if out.is_dir() and not _ours_or_empty(out):
        raise OutputError(f"{shown} already holds files that site-builder did not write (no {MARKER} marker "
                          "written by a build): nothing was changed",
                          hint="name a new or empty folder; if it is a site an earlier site-builder built, "
                               f"delete it once (later builds mark their output with {MARKER})")
    return out


def read_folders(sources: Sources) -> tuple[Path, ...]:
    """The folders a build reads: the whole content folder, or for Jekyll the ones we read in it."""
    if not sources.jekyll:
        return (sources.root,)
    names = ("_posts", "_drafts", "static", "companions", "templates")
    return tuple(sources.root / name for name in names)


def _ours_or_empty(folder: Path) -> bool:
    try:
        return is_ours(read_marker(folder)) or not any(folder.iterdir())
    except OSError:
        return False
