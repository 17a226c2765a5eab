"""A patient who uses only the keyboard answers a whole shipped questionnaire.

Tab moves between controls, Space or an arrow key picks an answer in a group of
radio buttons, text is typed, and Enter on the send button sends. No clicks.
Every stop of the Tab key must come later in the page than the one before
(focus order follows the reading order) and must show a visible focus ring.
JavaScript is off, as for a patient on a locked-down phone.
"""

from __future__ import annotations

import re

import pytest

from .patient_site import CHROMIUM, radio_names

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary installed"),
]

MAX_TABS = 500

# Runs in Playwright's own world (works with page scripts off): what has focus,
# where it stands in the document, and whether its focus is drawn.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute('type') || '',
    name: el.getAttribute('name') || '',
    id: el.id,
    cls: el.className || '',
    text: (el.textContent || '').trim().slice(0, 40),
    inForm: !!el.closest('form#survey .submit'),
    position: [...document.querySelectorAll('*')].indexOf(el),
    ring: outline || (style.boxShadow && style.boxShadow !== 'none'),
  };
}"""


#: The screening item that opens the cross-sector follow-ups on a second step: always
#: answered "yes" (its first option), so the test walks both steps.
SCREEN = "xs.other_sector.contact"


def answer_step_by_keyboard(page) -> None:
    """Tab through one step of the form, answering every question, then send it with Enter."""
    groups = radio_names(page)
    expected: dict[str, str] = {}
    typed: dict[str, str] = {}
    stops: list[dict] = []
    sent = False
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused is not None, f"focus left the page after {[s['id'] for s in stops]}"
        assert focused["ring"], f"no visible focus on {focused}"
        if stops:
            assert focused["position"] > stops[-1]["position"], (
                f"focus went back from {stops[-1]} to {focused}"
            )
        stops.append(focused)
        if focused["type"] == "radio" and focused["name"] not in expected:
            name = focused["name"]
            options = page.locator(f'input[type=radio][name="{name}"]')
            # Alternate the two ways to choose: Space picks the focused (first)
            # option, an arrow key moves to the next option and picks it.
            if name != SCREEN and len(expected) % 2 and options.count() > 1:
                page.keyboard.press("ArrowDown")
                expected[name] = options.nth(1).get_attribute("value") or ""
            else:
                page.keyboard.press("Space")
                expected[name] = options.first.get_attribute("value") or ""
        elif focused["tag"] == "textarea":
            typed[focused["name"]] = "Fint besøg, tak."
            page.keyboard.type(typed[focused["name"]])
        elif focused["tag"] == "input" and focused["type"] == "number":
            typed[focused["name"]] = "3"
            page.keyboard.type("3")
        elif focused["inForm"] and "secondary" not in focused["cls"]:
            # The send button: every question has been passed on the way here.
            assert set(expected) == set(groups), set(groups) - set(expected)
            for name, value in expected.items():
                checked = page.locator(f'input[type=radio][name="{name}"]:checked')
                assert checked.get_attribute("value") == value, name
            for name, text in typed.items():
                assert page.locator(f'[name="{name}"]').input_value() == text, name
            with page.expect_navigation():
                page.keyboard.press("Enter")
            sent = True
            break
    assert sent, f"never reached the send button in {MAX_TABS} presses of Tab"


def test_a_whole_questionnaire_is_answered_with_the_keyboard_alone(site, browser):
    [link] = site.links(1)
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="da-DK"
    )
    page = context.new_page()
    page.goto(link)
    assert len(radio_names(page)) >= 10
    answer_step_by_keyboard(page)
    if page.locator('input[name="_step"]').count():
        # The screen said yes: the follow-ups come on a second step, answered the same way.
        assert "/thanks" not in page.url
        answer_step_by_keyboard(page)
    assert re.search(r"/thanks", page.url), page.url
    assert "Tak for dine svar" in page.content()
    # The answer was stored: the link is used up, even for a browser without its cookie.
    fresh = browser.new_context(java_script_enabled=False)
    again = fresh.new_page().goto(link)
    assert again is not None and again.status in (404, 410), again and again.status
    fresh.close()
    context.close()


def test_the_skip_link_comes_first_and_leads_to_the_questions(site, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    [link] = site.links(1)
    page.goto(link)
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["cls"] == "skip" and first["ring"], first
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    context.close()
