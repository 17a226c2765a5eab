"""Patient pages on small screens, in Chromium: nothing fetched from elsewhere,
touch targets of at least 44 by 44 px, no horizontal scrolling at 320 px wide or
at 200 % zoom (WCAG 2.2: 1.4.10 reflow, 1.4.4 resize text, 2.5.5/2.5.8 targets).

Zoom: a browser zoomed to 200 % lays the page out in half as many CSS pixels,
so a 360 px phone at 200 % is a 180 px wide viewport. ``device_scale_factor``
is no zoom (it changes how many device pixels a CSS pixel has, not the layout),
so zoom is emulated by that narrower viewport, which is what the page's CSS sees.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .patient_site import ALL_TYPES, CHROMIUM, GP, Site, offered_languages

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary installed"),
]

TARGET = 44
# Controls a patient taps on the form: answer labels, buttons (the language
# switch is a set of the form's buttons) and links of the form and its summary.
TAPPABLE = (
    "form#survey .options > label, form#survey button, form#survey a, "
    ".switch button, .switch a, .error-summary a"
)


@pytest.fixture(scope="module")
def link(site) -> str:
    """A shipped questionnaire's single-use link, only ever opened."""
    return site.links(1)[0]


def patient_pages(site: Site, link: str, sms_link: str, expired: str) -> dict[str, str]:
    return {
        "every item type": f"{site.base}/p/{ALL_TYPES}",
        "single-use link": link,
        "thanks": f"{site.base}/thanks",
        "unknown link": f"{site.base}/s/AAAAAAAAAAAAAAAAAAAA",
        "expired link": expired,
        "opt-out": f"{sms_link}/stop",
        "accessibility statement": f"{site.base}/accessibility",
    }


@pytest.fixture(scope="module")
def pages(site, link) -> dict[str, str]:
    return patient_pages(site, link, site.links(1, sms=True)[0], site.links(1, days=-1)[0])


def show_problems(page) -> None:
    """Send the all-types form with a required answer missing and a number out of range."""
    page.locator('input[name="at.count"]').fill("99")
    with page.expect_navigation():
        page.locator("form#survey .submit button").first.click()
    assert page.locator(".error-summary").is_visible()


def test_no_request_goes_to_another_host(site, browser, pages):
    """With scripts on, so that anything a page could fetch is fetched."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    for url in pages.values():
        page.goto(url)
    page.goto(pages["every item type"])
    show_problems(page)
    context.close()
    assert any(u.endswith("/static/survey.css") for u in requested), requested
    outside = [u for u in requested if not u.startswith(site.base + "/")]
    assert not outside, outside


@pytest.mark.parametrize("language", offered_languages())
@pytest.mark.parametrize("state", ["blank", "with problems"])
def test_every_control_on_the_form_is_big_enough_to_tap(site, browser, link, language, state):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    small: list[str] = []
    for url in (f"{site.base}/p/{ALL_TYPES}?lang={language}", f"{link}?lang={language}"):
        page.goto(url)
        if state == "with problems":
            if "/p/" not in url:
                continue
            show_problems(page)
        controls = page.locator(TAPPABLE)
        assert controls.count() > 20, url
        for n in range(controls.count()):
            control = controls.nth(n)
            box = control.bounding_box()
            if box is None or not control.is_visible():
                continue  # the hidden default button for Enter
            if box["width"] < TARGET or box["height"] < TARGET:
                label = control.inner_text().strip()[:30]
                small.append(f"{url} {label!r}: {box['width']:.0f}x{box['height']:.0f}")
    context.close()
    assert not small, "\n".join(small)


@pytest.mark.parametrize(
    ("width", "what"), [(320, "a 320 px screen"), (180, "200 % zoom on a 360 px phone")]
)
def test_no_patient_page_scrolls_sideways(browser, pages, width, what):
    context = browser.new_context(
        viewport={"width": width, "height": 700}, java_script_enabled=False
    )
    page = context.new_page()
    wide: list[str] = []
    for name, url in pages.items():
        for language in offered_languages():
            page.goto(f"{url}?lang={language}")
            # evaluate() runs in Playwright's own world: it works with page scripts off.
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wide.append(f"{name} ({language}): {scroll} px")
    page.goto(pages["every item type"])
    show_problems(page)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        wide.append(f"problems: {scroll} px")
    context.close()
    assert not wide, f"wider than {what} ({width} px): " + "; ".join(wide)


def test_the_screenshot_script_shows_the_survey_and_the_switch_keeping_answers(site):
    """scripts/patient_screenshots.py: the survey at 360 px in da, ar and uk, and the switch."""
    out = ROOT / "build" / "screenshots" / "patient"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "patient_screenshots.py"),
            "--base",
            site.base,
            "--link",
            f"{site.base}/p/{GP}",
            "--out",
            str(out),
            "--chromium",
            str(CHROMIUM),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for language in ("da", "ar", "uk"):
        assert (out / f"survey-{language}.png").stat().st_size > 10_000, language
        if language in offered_languages():
            assert f"{language} is not offered" not in result.stderr, result.stderr
    target = "uk" if "uk" in offered_languages() else "en"
    assert (out / "switch-1-da.png").stat().st_size > 10_000
    assert (out / f"switch-2-{target}.png").stat().st_size > 10_000
    assert "answers kept" in result.stdout, result.stdout
