"""Screenshots of the patient's survey on a 360 px phone, in headless Chromium.

    survey-service demo --port 8000 &
    python scripts/patient_screenshots.py [--base http://127.0.0.1:8000] [--link URL]
        [--out build/screenshots/patient]

Saves the whole survey page in Danish, Arabic and Ukrainian (``survey-<lang>.png``)
and two shots of the language switch keeping answers: answers given in Danish
(``switch-1-da.png``), then the same place after pressing the Ukrainian button
(English when Ukrainian is not offered; ``switch-2-<lang>.png``) with every answer
still checked. JavaScript is off, as on a locked-down phone. ``--link`` is any
survey page (a single-use link or a poster page, ``/p/CODE``); by default the
first poster page listed on the demo's front page. A language that is not
offered comes back in another language; the script says so on stderr and goes
on. Exits 1 if the switch loses an answer. Uses Debian's Chromium
(``/usr/bin/chromium``) unless ``--chromium`` names another.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

SHOWN = ("da", "ar", "uk")
SWITCH_TO = ("uk", "en")


def first_poster(page: Page, base: str) -> str:
    page.goto(f"{base}/")
    href = page.locator('a[href^="/p/"]').first.get_attribute("href")
    if not href:
        sys.exit(f"no poster page listed on {base}/; pass --link")
    return base + href


def answer_some(page: Page) -> dict[str, str]:
    """Tick the second answer of the first three questions and write a comment."""
    names = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )[:3]
    chosen = {}
    for name in names:
        option = page.locator(f'input[type=radio][name="{name}"]').nth(1)
        option.check()
        chosen[name] = option.get_attribute("value") or ""
    comment = page.locator("textarea").first
    if comment.count():
        comment.fill("Søde og grundige folk.")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--link", default=None, help="a survey page (default: a poster page)")
    parser.add_argument("--out", type=Path, default=Path("build/screenshots/patient"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="da-DK"
        )
        page = context.new_page()
        link = (args.link or first_poster(page, args.base)).split("?")[0]
        for language in SHOWN:
            page.goto(f"{link}?lang={language}")
            got = page.locator("html").get_attribute("lang")
            if got != language:
                print(
                    f"warning: {language} is not offered; the page came in {got}", file=sys.stderr
                )
            page.screenshot(path=str(args.out / f"survey-{language}.png"), full_page=True)
            print(
                f"survey-{language}.png: lang={got} dir={page.locator('html').get_attribute('dir')}"
            )

        page.goto(f"{link}?lang=da")
        chosen = answer_some(page)
        first = page.locator(".question").first
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(args.out / "switch-1-da.png"))
        offered = [
            code for code in SWITCH_TO if page.locator(f'.switch button[value="{code}"]').count()
        ]
        if not offered:
            sys.exit("the page offers no language to switch to")
        target = offered[0]
        if target != SWITCH_TO[0]:
            print(f"warning: {SWITCH_TO[0]} is not offered; switching to {target}", file=sys.stderr)
        with page.expect_navigation():
            page.locator(f'.switch button[value="{target}"]').click()
        page.locator(".question").first.scroll_into_view_if_needed()
        page.screenshot(path=str(args.out / f"switch-2-{target}.png"))
        lost = [
            name
            for name, value in chosen.items()
            if not page.locator(f'input[name="{name}"][value="{value}"]').is_checked()
        ]
        got = page.locator("html").get_attribute("lang")
        browser.close()
    if got != target or lost:
        sys.exit(f"after switching to {target} (page in {got}) answers lost: {lost}")
    print(f"switch-2-{target}.png: {len(chosen)} answers kept; screenshots in {args.out}")


if __name__ == "__main__":
    main()
