"""`make screenshots`: the reference post in light and dark, on a desktop and a phone, as PNGs for the README.

Builds content/ into a temporary folder (badges as the snippet-check cache has them: run `make check`
first to show them verified), serves it on 127.0.0.1 and photographs the top of the page with Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_helpers import CHROMIUM, CHROMIUM_FLAGS, serve_folder

from site_builder.build import build_site

ROOT = Path(__file__).resolve().parents[2]
POST = "posts/chatgpt-helps-me-learn-latest-ai-technology/"
SHOTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def take(out_dir: Path) -> list[Path]:
    written = []
    with tempfile.TemporaryDirectory() as scratch, serve_folder(Path(scratch)) as served, sync_playwright() as pw:
        build_site(ROOT / "content", Path(scratch) / "site")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for theme in ("light", "dark"):
                for device, viewport in SHOTS.items():
                    context = browser.new_context(color_scheme=theme, viewport=viewport,
                                                  device_scale_factor=1 if device == "desktop" else 2)
                    page = context.new_page()
                    page.goto(served.base + "site/" + POST, wait_until="load")
                    path = out_dir / f"reference-post-{theme}-{device}.png"
                    page.screenshot(path=str(path))
                    context.close()
                    written.append(path)
        finally:
            browser.close()
    return written


if __name__ == "__main__":
    target = ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    for shot in take(target):
        print(f"wrote {shot.relative_to(ROOT)}")
