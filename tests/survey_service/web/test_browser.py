"""What a patient sees: the demo's survey in headless Chromium on a 360 px phone
screen with JavaScript switched off. Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ...servers import running_service

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"

#: The screening item that may open a second step (gp-experience/4).
GATE = "xs.other_sector.contact"
#: Step 1's send button per language: (with a follow-up gate on the page, without).
STEP_ONE_BUTTON = {"da": ("Fortsæt", "Send mine svar"), "en": ("Continue", "Send my answers")}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary installed"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """`survey-service demo` as a user starts it, on a fresh SQLite file."""
    data = tmp_path_factory.mktemp("demo")
    env = {"SURVEY_SERVICE_DATA_DIR": str(data), "DATABASE_URL": ""}
    log = data / "demo.log"
    with running_service(["demo", "--links", "4"], env, log, cwd=data) as base:
        links = re.findall(rf"({re.escape(base)}/s/[A-Za-z0-9_-]{{20}})", log.read_text())
        yield base, links


@pytest.fixture(scope="module")
def phone():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            java_script_enabled=False,
            locale="da-DK",
        )
        yield context.new_page()
        browser.close()


def step_one_button(page: Page, language: str) -> Locator:
    """Step 1's send button: "Continue" when a second step may follow, else "Send ..."."""
    gated = page.locator(f'input[type=radio][name="{GATE}"]').count() > 0
    label = STEP_ONE_BUTTON[language][0 if gated else 1]
    return page.get_by_role("button", name=label, exact=True)


def _no_horizontal_scroll(page) -> None:
    # evaluate() runs in Playwright's own world, so it works with page scripts off.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def test_patient_answers_on_a_phone_without_javascript(demo, phone):
    _base, links = demo
    assert len(links) == 4, "the demo prints fresh survey links"
    link = links[0]
    page = phone
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "da"
    page.screenshot(path=str(SHOTS / "survey-top-da.png"))
    page.screenshot(path=str(SHOTS / "survey-full-da.png"), full_page=True)
    _no_horizontal_scroll(page)

    # Answer every radio question with its first option, as a hurried patient might.
    names = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    assert len(names) >= 10
    for name in names:
        page.locator(f'input[type=radio][name="{name}"]').first.check()
    page.locator("textarea").first.fill("Venligt personale. Ring til mig på 20 30 40 50.")
    step_one_button(page, "da").click()
    page.wait_for_load_state()
    if page.locator('input[name="_step"]').count():
        # "Yes" to contact with other places: the follow-ups come on a second step.
        page.screenshot(path=str(SHOTS / "survey-step2-da.png"), full_page=True)
        for name in page.eval_on_selector_all(
            "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
        ):
            page.locator(f'input[type=radio][name="{name}"]').first.check()
        page.get_by_role("button", name="Send mine svar").click()
    page.wait_for_url(re.compile(r"/thanks"))
    assert "Tak for dine svar" in page.content()
    page.screenshot(path=str(SHOTS / "thanks-da.png"))

    # Nothing of an answered link is kept on the server; this browser remembers
    # that it answered (a marker cookie on the link's path) and is thanked.
    page.goto(link)
    assert "Du har allerede svaret på denne undersøgelse" in page.content()


def test_problems_are_shown_next_to_questions_in_english(demo, phone):
    _base, links = demo
    page = phone
    page.goto(links[1] + "?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    first = page.locator("input[type=radio]").first
    item_id = first.get_attribute("name")
    first.check()
    page.locator("textarea").first.fill("Kept text")

    # A browser cannot send an answer that is not offered; a tampered or garbled
    # request can. Rewrite the form body on its way out to send one.
    def tamper(route):
        body = route.request.post_data or ""
        route.continue_(post_data=re.sub(rf"{re.escape(item_id)}=[^&]*", f"{item_id}=99", body))

    page.route(
        "**/s/*",
        lambda route: tamper(route) if route.request.method == "POST" else route.continue_(),
    )
    step_one_button(page, "en").click()
    page.unroute("**/s/*")
    assert page.locator(".error-summary").is_visible()
    assert page.locator(f'[id="e-{item_id}"]').is_visible()
    assert page.locator("textarea").first.input_value() == "Kept text"
    page.screenshot(path=str(SHOTS / "problems-en.png"))
    _no_horizontal_scroll(page)


def test_switching_language_keeps_answers_and_enter_still_sends(demo, phone):
    _base, links = demo
    page = phone
    page.goto(links[2] + "?lang=da")
    assert page.locator("html").get_attribute("lang") == "da"
    first = page.locator("input[type=radio]").first
    item_id = first.get_attribute("name")
    first.check()
    page.locator("textarea").first.fill("Beholdt tekst")
    # The switch is a button of the form: the page comes back in English, answers kept.
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(f'input[type=radio][name="{item_id}"]').first.is_checked()
    assert page.locator("textarea").first.input_value() == "Beholdt tekst"
    _no_horizontal_scroll(page)
    # Enter sends, so the summary it may bring must be about answers, not a
    # language: answer every question (some are required) before pressing it.
    names = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    for name in names:
        page.locator(f'input[type=radio][name="{name}"]').first.check()
    # Enter in a one-line field sends the answers; it does not press a language
    # button. The shipped questionnaires have no such field, so one is added
    # (evaluate runs in Playwright's own world, with page scripts off).
    page.evaluate(
        "() => { const probe = document.createElement('input');"
        " probe.id = 'probe'; probe.name = '_probe';"
        " document.getElementById('survey').prepend(probe); }"
    )
    page.locator("#probe").press("Enter")
    page.wait_for_url(re.compile(r"/thanks"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Thank you for your answers" in page.content()


def test_front_page(demo, phone):
    base, _links = demo
    phone.goto(base + "/")
    assert "Prøv det" in phone.content()
    phone.screenshot(path=str(SHOTS / "front-da.png"), full_page=True)


def test_api_documentation_renders_offline_under_the_csp(demo, phone):
    """/schema draws its operations from the app's own files; nothing is blocked."""
    base, _links = demo
    browser = phone.context.browser  # the same Chromium, with scripts on this time
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    page.goto(base + "/schema")
    page.wait_for_selector(".opblock", timeout=15_000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    page.screenshot(path=str(SHOTS / "api-docs.png"))
    context.close()
    assert any("/api/v1/responses" in o for o in operations), operations
    assert any("/api/v1/visits" in o for o in operations), operations
    assert not problems, problems  # a CSP violation is reported as a console error
    assert not outside, outside


def test_practitioner_logs_in_reads_feedback_downloads_csv_and_prints(demo):
    """The screenshot script in scripts/ walks the practitioner's path in Chromium."""
    import csv
    import subprocess
    import sys

    from survey_service.feedback.service import CSV_COLUMNS

    base, _links = demo
    script = Path(__file__).resolve().parents[3] / "scripts" / "feedback_screenshots.py"
    out = SHOTS / "feedback"
    result = subprocess.run(
        [sys.executable, str(script), "--base", base, "--out", str(out), "--chromium", CHROMIUM],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    [downloaded] = out.glob("feedback-L1001-*.csv")
    with downloaded.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) > 10
    assert (out / "feedback-report.pdf").read_bytes().startswith(b"%PDF")
    for name in ("feedback-da.png", "feedback-print.png", "feedback-phone-en.png"):
        assert (out / name).stat().st_size > 10_000, name


def test_analyst_reads_the_regions_funnels_and_sector_gaps(demo):
    """scripts/region_screenshots.py walks the analyst's pages in Chromium, JavaScript off."""
    import subprocess
    import sys

    base, _links = demo
    script = Path(__file__).resolve().parents[3] / "scripts" / "region_screenshots.py"
    out = SHOTS / "region"
    result = subprocess.run(
        [sys.executable, str(script), str(out), "--base", base, "--chromium", CHROMIUM],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "answered" not in result.stdout, result.stdout  # every page answered 200
    for name in (
        "region-da.png",
        "region-item.png",
        "region-en.png",
        "region-print.png",
        "region-sectors.png",
        "region-transition.png",
    ):
        assert (out / name).stat().st_size > 10_000, name
