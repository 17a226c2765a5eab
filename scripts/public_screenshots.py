"""Screenshots of the public results of a running demo, in headless Chromium, not logged in.

    survey-service demo --port 8000 &
    python scripts/public_screenshots.py [--base http://127.0.0.1:8000] [--out build/screenshots]

Opens /results (desktop and a 360 px phone), searches for a unit, downloads the
published period's CSV, opens /results/methods in Danish and saves a print
preview. Uses Debian's Chromium (``/usr/bin/chromium``) unless --chromium names another.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("build/screenshots"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 1100, "height": 900}, locale="da-DK", accept_downloads=True
        )
        page = context.new_page()
        page.goto(f"{args.base}/results")
        assert page.locator("html").get_attribute("lang") == "da"
        page.screenshot(path=str(args.out / "results-da.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="CSV").click()
        csv_path = args.out / download.value.suggested_filename
        download.value.save_as(csv_path)
        page.fill("input[name=q]", "L100")
        page.get_by_role("button", name="Søg").click()
        page.wait_for_load_state()
        page.screenshot(path=str(args.out / "results-search-da.png"), full_page=True)
        page.goto(f"{args.base}/results/methods")
        page.screenshot(path=str(args.out / "results-methods-da.png"), full_page=True)
        page.emulate_media(media="print")
        page.goto(f"{args.base}/results")
        page.pdf(path=str(args.out / "results-print.pdf"), format="A4")
        phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="en")
        small = phone.new_page()
        small.goto(f"{args.base}/results?lang=en")
        small.screenshot(path=str(args.out / "results-phone-en.png"), full_page=True)
        width = small.evaluate("document.documentElement.scrollWidth")
        small.goto(f"{args.base}/results/methods?lang=da")
        small.screenshot(path=str(args.out / "results-methods-phone-da.png"), full_page=True)
        browser.close()
    print(f"screenshots, CSV ({csv_path.name}) and PDF in {args.out}; phone page {width}px wide")


if __name__ == "__main__":
    main()
