"""axe-core finds no WCAG 2.2 A/AA violation on any patient page, in Chromium.

Every item type (the ``all-types`` questionnaire on a poster, see patient_site.py)
and a shipped questionnaire behind a single-use link, the page with problems,
thanks, the link-problem pages (404, 410, 429), the opt-out page and the
accessibility statement; in Danish, English and Arabic; with JavaScript on and off.

JavaScript off: axe is JavaScript, and in a context with scripts disabled its
``axe.run`` never settles (its timers do not fire). So the page is loaded with
scripts off, its DOM as that browser built it is taken, and that DOM is served
again, at the same address, to a script-enabled page where axe runs. Patient
pages ship no scripts, so the two renders should match; the check proves that
whatever a no-JS browser shows passes too, and would catch a ``<noscript>``
fallback or a script-built control going wrong.
"""

from __future__ import annotations

import secrets

import httpx
import pytest

from survey_service.i18n import LANGUAGES as ALL_PAGES
from survey_service.i18n import STAFF_FALLBACK

from .patient_site import (
    ALL_TYPES,
    CHROMIUM,
    GUESSER,
    offered_languages,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary installed"),
]

# Arabic is the right-to-left case; a missing "ar" fails the test (see
# require_offered), it is never skipped.
LANGUAGES = ("da", "en", "ar")
SCRIPTS = ("js-on", "js-off")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def contexts(browser, site):
    """A 360 px phone with scripts on and one with them off; a guesser's of each."""
    phone = {"viewport": {"width": 360, "height": 740}, "locale": "da-DK"}
    # The guesser has used up its misses: every unknown link answers it 429.
    for n in range(25):
        httpx.get(f"{site.base}/s/{n:020d}", headers={"x-forwarded-for": GUESSER})
    made = {
        "js-on": browser.new_context(**phone),
        "js-off": browser.new_context(**phone, java_script_enabled=False),
        "guesser-js-on": browser.new_context(
            **phone, extra_http_headers={"x-forwarded-for": GUESSER}
        ),
        "guesser-js-off": browser.new_context(
            **phone, extra_http_headers={"x-forwarded-for": GUESSER}, java_script_enabled=False
        ),
    }
    yield made
    for context in made.values():
        context.close()


@pytest.fixture(scope="module")
def link(site) -> str:
    """A shipped questionnaire's single-use link; only opened here, never answered."""
    return site.links(1)[0]


@pytest.fixture(scope="module")
def expired_link(site) -> str:
    return site.links(1, days=-1)[0]


@pytest.fixture(scope="module")
def sms_link(site) -> str:
    return site.links(1, sms=True)[0]


def require_offered(language: str) -> None:
    if language not in offered_languages():
        pytest.fail(f"{language!r} is not among the offered languages {offered_languages()}")


def violations(page, scripts_on_context=None) -> list[str]:
    """axe-core's WCAG A/AA violations of ``page`` as ``id (impact): targets`` lines;
    with ``scripts_on_context``, ``page`` has scripts off (see the module docstring)."""
    from axe_playwright_python.sync_playwright import Axe

    target = page
    if scripts_on_context is not None:
        # Serve the no-JS DOM again where scripts run (see the module docstring).
        html = page.content()
        url = page.url
        target = scripts_on_context.new_page()
        target.route(
            url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8")
        )
        target.goto(url)
    try:
        results = Axe().run(target, options={"runOnly": {"type": "tag", "values": WCAG}})
    finally:
        if target is not page:
            target.close()
    return [
        f"{v['id']} ({v.get('impact')}): {', '.join(str(n['target']) for n in v['nodes'])}"
        for v in results.response["violations"]
    ]


def open_page(contexts, scripts: str, url: str, status: int = 200, guesser: bool = False):
    context = contexts[f"guesser-{scripts}" if guesser else scripts]
    page = context.new_page()
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)
    return page


def assert_accessible(page, contexts, language: str, scripts: str) -> None:
    assert page.locator("html").get_attribute("lang") == language
    found = violations(page, contexts["js-on"] if scripts == "js-off" else None)
    page.close()
    assert not found, "axe-core violations:\n" + "\n".join(found)


@pytest.mark.parametrize("scripts", SCRIPTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_item_type_on_the_poster_form(site, contexts, language, scripts):
    require_offered(language)
    page = open_page(contexts, scripts, f"{site.base}/p/{ALL_TYPES}?lang={language}")
    # The page really holds every item type.
    assert page.locator('input[name="at.nps"]').count() == 11
    assert page.locator('input[type="number"][name="at.count"]').count() == 1
    assert page.locator('textarea[name="at.comment"]').count() == 1
    for item in ("at.likert", "at.yesno", "at.fft", "at.choice"):
        assert page.locator(f'input[type="radio"][name="{item}"]').count() >= 3, item
    assert page.locator(".conditional").count() == 1
    assert_accessible(page, contexts, language, scripts)


@pytest.mark.parametrize("scripts", SCRIPTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_shipped_questionnaire_behind_a_single_use_link(link, contexts, language, scripts):
    require_offered(language)
    page = open_page(contexts, scripts, f"{link}?lang={language}")
    assert page.locator("fieldset").count() >= 10
    assert_accessible(page, contexts, language, scripts)


@pytest.mark.parametrize("scripts", SCRIPTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_with_problems(site, contexts, language, scripts):
    """A required item left out: the summary and each message tied to its control."""
    require_offered(language)
    page = open_page(contexts, scripts, f"{site.base}/p/{ALL_TYPES}?lang={language}")
    page.locator('input[name="at.yesno"]').first.check()
    page.locator('input[name="at.count"]').fill("99")  # out of range: a second problem
    with page.expect_navigation():
        page.locator("form#survey .submit button").first.click()
    assert page.locator(".error-summary").is_visible()
    assert page.locator(".error-summary li").count() == 2
    described = page.locator('fieldset[aria-describedby~="e-at.likert"]')
    assert described.count() == 1
    assert "e-at.count" in (page.locator("#f-at\\.count").get_attribute("aria-describedby") or "")
    assert_accessible(page, contexts, language, scripts)


@pytest.mark.parametrize("scripts", SCRIPTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_thank_you_page(site, contexts, language, scripts):
    require_offered(language)
    page = open_page(contexts, scripts, f"{site.base}/thanks?lang={language}")
    assert_accessible(page, contexts, language, scripts)


@pytest.mark.parametrize("scripts", SCRIPTS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("problem", ["unknown-404", "expired-410", "guessing-429"])
def test_the_link_problem_pages(site, contexts, expired_link, language, scripts, problem):
    require_offered(language)
    unknown = f"{site.base}/s/{secrets.token_urlsafe(15)}?lang={language}"
    if problem == "unknown-404":
        page = open_page(contexts, scripts, unknown, 404)
    elif problem == "expired-410":
        page = open_page(contexts, scripts, f"{expired_link}?lang={language}", 410)
    else:
        page = open_page(contexts, scripts, unknown, 429, guesser=True)
    assert_accessible(page, contexts, language, scripts)


@pytest.mark.parametrize("scripts", SCRIPTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_opt_out_page(sms_link, contexts, language, scripts):
    require_offered(language)
    page = open_page(contexts, scripts, f"{sms_link}/stop?lang={language}")
    assert page.locator("form button[type=submit]").count() == 1
    assert_accessible(page, contexts, language, scripts)


@pytest.mark.parametrize("scripts", SCRIPTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_accessibility_statement(site, contexts, language, scripts):
    require_offered(language)
    page = open_page(contexts, scripts, f"{site.base}/accessibility?lang={language}")
    # The statement is kept in Danish and English only; others fall back as the code says.
    shown = language if language in ALL_PAGES else STAFF_FALLBACK
    assert_accessible(page, contexts, shown, scripts)
