"""Screenshots of the practitioner's path through a running demo, in headless Chromium.

    survey-service demo --port 8000 &
    python scripts/feedback_screenshots.py [--base http://127.0.0.1:8000] [--out build/screenshots]

Logs in as the demo practitioner, opens the feedback of the first practice,
downloads its CSV and saves a print preview (PDF and a print-media screenshot).
Uses Debian's Chromium (``/usr/bin/chromium``) unless CHROMIUM names another.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from survey_service.demo.feedback import DEMO_ACCOUNTS, DEMO_PASSWORD


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_load_state()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("build/screenshots"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    email, _role, practices = DEMO_ACCOUNTS[0]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 1100, "height": 900}, locale="da-DK", accept_downloads=True
        )
        page = context.new_page()
        log_in(page, args.base, email)
        page.goto(f"{args.base}/feedback/{practices[0]}")
        page.screenshot(path=str(args.out / "feedback-da.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Hent som CSV").click()
        csv_path = args.out / download.value.suggested_filename
        download.value.save_as(csv_path)
        page.emulate_media(media="print")
        page.screenshot(path=str(args.out / "feedback-print.png"), full_page=True)
        page.pdf(path=str(args.out / "feedback-report.pdf"), format="A4")
        phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="en")
        small = phone.new_page()
        log_in(small, args.base, email)
        small.goto(f"{args.base}/feedback/{practices[0]}?lang=en")
        small.screenshot(path=str(args.out / "feedback-phone-en.png"), full_page=True)
        browser.close()
    print(f"screenshots, CSV ({csv_path.name}) and PDF in {args.out}")


if __name__ == "__main__":
    main()
