"""`make screenshots`: a PNG of every page at 1440x900 and at 1280x720 (the projector), plus a ward view of every
page, and every presentation-mode screen at 1280x720 (`present-NN-1280x720.png`, driven by the arrow key as a
presenter would, and a ward's deck as `present-ward-NN-...`), into a folder (default `screenshots/`, not
committed), so a person can look at what the dashboard shows.

    python -m scripts.screenshots [--out DIR] [--data DIR] [--pages overview,budget,present]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from scripts import browser


def main(argv: list[str] | None = None) -> int:
    from onehalton import config, navigation

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=config.PROJECT_ROOT / "screenshots")
    parser.add_argument("--data", type=Path, default=config.DEMO_DATA_DIR)
    parser.add_argument(
        "--pages", default="", help="comma-separated page slugs, `present` for presentation mode (default: all)"
    )
    parser.add_argument("--ward", default="", help="ward code for the ward views (default: the first ward)")
    args = parser.parse_args(argv)
    executable = browser.find_chromium()
    if executable is None:
        print("Chromium is not installed: `apt-get install chromium-headless-shell` (or chromium).", file=sys.stderr)
        return 2
    wanted = [p for p in args.pages.split(",") if p]
    pages = [p for p in navigation.PAGES if not wanted or p.slug in wanted]
    present = not wanted or "present" in wanted
    ward = args.ward or _first_ward(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as scratch,
        browser.serve(args.data, Path(scratch) / "streamlit.log") as url,
        browser.chromium(executable) as chromium,
    ):
        for size, viewport in browser.VIEWPORTS.items():
            context = chromium.new_context(viewport=viewport)
            page = context.new_page()
            page.set_default_timeout(browser.RUN_TIMEOUT_MS)
            for entry in pages:
                for suffix, query in (("", ""), ("-ward", f"ward={ward}")):
                    if suffix and size != "1440x900":
                        continue  # one ward view per page is enough to see what a ward changes
                    browser.open_page(page, url, entry.url_path, query)
                    try:
                        browser.wait_drawn(page)
                    except Exception:  # noqa: BLE001 - a chart that never draws is what a person would see too
                        print(f"  {entry.slug}{suffix}: some charts did not draw", file=sys.stderr)
                    page.wait_for_timeout(500)
                    target = args.out / f"{entry.slug}{suffix}-{size}.png"
                    page.screenshot(path=str(target))
                    _full_page(page, viewport, args.out / f"{entry.slug}{suffix}-{size}-full.png")
                    print(target)
            context.close()
        if present:
            for suffix, query in (("", ""), ("-ward", f"&ward={ward}")):
                for target in presentation_screens(chromium, url, query, args.out, f"present{suffix}"):
                    print(target)
    return 0


def presentation_screens(chromium, url: str, query: str, out: Path, prefix: str) -> list[Path]:
    """Every presentation screen at 1280x720, from `?present=1` on, the next one by the Right arrow key."""
    viewport = browser.VIEWPORTS["1280x720"]
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(browser.RUN_TIMEOUT_MS)
    written = []
    try:
        browser.open_page(page, url, "", f"present=1{query}")
        for number in range(1, 100):
            browser.wait_for_screen(page, number)
            try:
                browser.wait_drawn(page)
            except Exception:  # noqa: BLE001 - a chart that never draws is what a person would see too
                print(f"  {prefix} screen {number}: some charts did not draw", file=sys.stderr)
            page.wait_for_timeout(500)
            target = out / f"{prefix}-{number:02d}-1280x720.png"
            page.screenshot(path=str(target))
            written.append(target)
            if page.locator(".st-key-present-next button").first.is_disabled():
                break
            page.keyboard.press("ArrowRight")
    finally:
        context.close()
    return written


def _full_page(page, viewport: dict, target: Path) -> None:
    """The whole page: Streamlit scrolls inside its main section, not the document, so the window is made as tall
    as that section's content for the shot and then put back."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": min(int(height) + 40, 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(target))
    page.set_viewport_size(viewport)


def _first_ward(data_dir: Path) -> str:
    import pandas as pd

    return str(pd.read_parquet(data_dir / "wards.parquet")["ward_code"].sort_values().iloc[0])


if __name__ == "__main__":
    raise SystemExit(main())
