"""Screenshots of the region's pages in headless Chromium, from a demo it starts itself.

    python scripts/region_screenshots.py OUT_DIR [--base http://127.0.0.1:8000]

Without ``--base`` it runs ``survey-service demo`` on a free port with a fresh
SQLite file in a temporary directory, and stops it afterwards. Logs in as the
demo analyst and saves ``/region`` (Danish, English and as printed), the funnel
of one question, ``/region/sectors`` and the drill-down of its first hand-over.
A page that has nothing released yet is saved as it is, and said so on stdout.
Uses Debian's Chromium (``/usr/bin/chromium``) unless ``--chromium`` names another.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from survey_service.demo.feedback import DEMO_ACCOUNTS, DEMO_PASSWORD


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_demo(timeout: float = 180) -> Iterator[str]:
    """``survey-service demo`` on a fresh database in a temporary directory; its base URL."""
    with tempfile.TemporaryDirectory(prefix="region-demo-") as data:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "SURVEY_SERVICE_DATA_DIR": data, "DATABASE_URL": ""}
        log_path = Path(data) / "demo.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "survey_service",
                    "demo",
                    "--links",
                    "1",
                    "--port",
                    str(port),
                ],
                env=env,
                cwd=data,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + timeout
                while True:  # poll readiness; the demo seeds its database first
                    try:
                        if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if proc.poll() is not None or time.monotonic() > deadline:
                        sys.exit(f"the demo did not start:\n{log_path.read_text()[-3000:]}")
                    time.sleep(0.2)
                yield base
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_load_state()


def _shoot(page: Page, url: str, path: Path, notes: list[str]) -> int:
    response = page.goto(url)
    status = response.status if response else 0
    page.screenshot(path=str(path), full_page=True)
    if status != 200:
        notes.append(f"{url} answered {status} (saved anyway as {path.name})")
    return status


def screenshots(base: str, out: Path, chromium: str) -> list[str]:
    """Save the PNGs; the notes say which pages had nothing to show."""
    notes: list[str] = []
    email = next(e for e, role, _ in DEMO_ACCOUNTS if role == "analyst")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        # Without JavaScript: the pages must work as server-rendered HTML and SVG.
        context = browser.new_context(
            viewport={"width": 1100, "height": 900}, locale="da-DK", java_script_enabled=False
        )
        page = context.new_page()
        log_in(page, base, email)
        if _shoot(page, f"{base}/region", out / "region-da.png", notes) == 200:
            options = page.locator("select[name=measure] option").evaluate_all(
                "options => options.map(o => o.value)"
            )
            item = next((o for o in options if "/" in o), None)
            if item:
                _shoot(page, f"{base}/region?measure={item}", out / "region-item.png", notes)
            page.goto(f"{base}/region?sort=n&dir=desc&lang=en")
            page.screenshot(path=str(out / "region-en.png"), full_page=True)
            page.emulate_media(media="print")
            page.screenshot(path=str(out / "region-print.png"), full_page=True)
            page.emulate_media(media="screen")
        _shoot(page, f"{base}/region/sectors", out / "region-sectors.png", notes)
        cells = page.locator("svg.heatmap a.cell")
        if cells.count():
            hrefs = [cells.nth(i).get_attribute("href") or "" for i in range(cells.count())]
            # Hospital to GP has the most answers in the demo: its funnel has points.
            href = next((h for h in hrefs if "/sectors/hospital/gp" in h), hrefs[0])
            _shoot(page, f"{base}{href}", out / "region-transition.png", notes)
        else:
            notes.append("no hand-overs between sectors are stored: no drill-down to show")
        browser.close()
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory for the PNGs")
    parser.add_argument("--base", help="a running service (default: start a demo)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.base:
        notes = screenshots(args.base.rstrip("/"), args.out, args.chromium)
    else:
        with running_demo() as base:
            notes = screenshots(base, args.out, args.chromium)
    for note in notes:
        print(f"note: {note}")
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()
