"""The language switch on a survey form keeps every answer, without JavaScript.

On a form page it is a submit button of the survey form (``name="lang"``), so
switching posts what is answered so far and the page comes back in the other
language; nothing is stored. Pages without a form keep a plain link.
"""

from __future__ import annotations

import re

import pytest

from survey_service.invitations.tables import Invitation
from survey_service.responses.tables import Response

pytestmark = pytest.mark.anyio


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


SWITCH_TO_EN = (
    '<button type="submit" form="survey" name="lang" value="en" lang="en">English</button>'
)
SWITCH_TO_DA = '<button type="submit" form="survey" name="lang" value="da" lang="da">Dansk</button>'


async def test_the_switch_is_a_button_of_the_survey_form(client, survey):
    token = await survey.token()
    html = (await client.get(f"/s/{token}", params={"lang": "da"})).text
    assert SWITCH_TO_EN in html
    assert 'id="survey"' in html and '?lang=en"' not in html
    # Enter in a field presses the form's first submit button: that must be
    # "send", not a language, so a hidden send button comes before the switch.
    default = html.index('<button type="submit" form="survey" class="visually-hidden"')
    assert default < html.index(SWITCH_TO_EN)
    assert default < html.index('<a class="skip"')  # and is out of the tab order
    assert 'tabindex="-1" aria-hidden="true"' in html[default : html.index('<a class="skip"')]


async def test_switching_keeps_every_answer_and_stores_nothing(client, survey):
    token = await survey.token()
    html = (await client.get(f"/s/{token}", params={"lang": "da"})).text
    form = {
        "_csrf_token": csrf_of(html),
        "_lang": "da",
        "lang": "en",
        "mini.written": "yes",
        "mini.overall": "2",
        "mini.visits": "7",
        "mini.comment": "Søde <folk> & god tid",
    }
    page = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert page.status_code == 200
    text = page.text
    assert '<html lang="en"' in text and "The doctor listened to me." in text
    assert 'name="mini.written" value="yes" checked' in text
    assert 'name="mini.overall" value="2" checked' in text
    assert 'value="7"' in text
    assert "Søde &lt;folk&gt; &amp; god tid</textarea>" in text
    # Half-way is not a mistake: nothing is marked as a problem yet.
    assert "error-summary" not in text and 'class="problem"' not in text
    assert '<input type="hidden" name="_lang" value="en">' in text
    assert SWITCH_TO_DA in text
    assert await Response.count() == 0
    assert await Invitation.count() == 1

    # And back, from the page the switch rendered.
    form = {**form, "_csrf_token": csrf_of(text), "_lang": "en", "lang": "da"}
    again = await client.post(f"/s/{token}", data=form)
    assert '<html lang="da"' in again.text and "Lægen lyttede til mig." in again.text
    assert 'name="mini.overall" value="2" checked' in again.text


async def test_switching_on_the_problem_page_keeps_answers_and_problems(client, survey):
    token = await survey.token()
    html = (await client.get(f"/s/{token}", params={"lang": "da"})).text
    form = {"_csrf_token": csrf_of(html), "_lang": "da", "mini.overall": "9", "mini.visits": "3"}
    refused = await client.post(f"/s/{token}", data=form)
    assert refused.status_code == 422
    assert SWITCH_TO_EN in refused.text  # the problem page has the button too
    assert '<input type="hidden" name="_checked" value="1">' in refused.text
    switched = await client.post(
        f"/s/{token}",
        data={**form, "_csrf_token": csrf_of(refused.text), "_checked": "1", "lang": "en"},
    )
    assert switched.status_code == 200
    text = switched.text
    assert '<html lang="en"' in text
    assert 'id="e-mini.listened"' in text and 'id="e-mini.overall"' in text
    assert "Please check the 2 marked answers" in text
    assert 'value="3"' in text
    assert await Response.count() == 0


async def test_an_unknown_language_falls_back_to_danish_with_the_switch(client, survey):
    token = await survey.token()
    html = (await client.get(f"/s/{token}", params={"lang": "da"})).text
    form = {"_csrf_token": csrf_of(html), "_lang": "da", "lang": "xx", "mini.overall": "1"}
    page = await client.post(f"/s/{token}", data=form)
    assert page.status_code == 200
    assert '<html lang="da"' in page.text and SWITCH_TO_EN in page.text
    assert 'name="mini.overall" value="1" checked' in page.text


async def test_the_language_answered_in_is_stored(client, survey):
    from survey_service.responses.tables import Response as Stored

    token = await survey.token()
    html = (await client.get(f"/s/{token}", params={"lang": "da"})).text
    switched = await client.post(
        f"/s/{token}",
        data={"_csrf_token": csrf_of(html), "_lang": "da", "lang": "en", "mini.listened": "4"},
    )
    form = {"_csrf_token": csrf_of(switched.text), "_lang": "en", "mini.listened": "4"}
    sent = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert sent.status_code == 303
    assert (await Stored.select(Stored.language).first())["language"] == "en"


async def test_the_poster_form_switches_the_same_way(client, survey):
    html = (await client.get("/p/P0001", params={"lang": "da"})).text
    assert SWITCH_TO_EN in html
    form = {"_csrf_token": csrf_of(html), "_lang": "da", "lang": "en", "mini.overall": "3"}
    page = await client.post("/p/P0001", data=form)
    assert page.status_code == 200
    assert '<html lang="en"' in page.text
    assert 'name="mini.overall" value="3" checked' in page.text
    assert await Response.count() == 0


async def test_pages_without_a_form_keep_a_plain_link(client, survey):
    problem = await client.get("/s/" + "A" * 20, params={"lang": "da"})
    assert problem.status_code == 404
    assert '<a href="?lang=en" hreflang="en" lang="en">English</a>' in problem.text
    assert 'name="lang"' not in problem.text
    thanks = await client.get("/thanks", params={"lang": "en"})
    assert '<a href="?lang=da" hreflang="da" lang="da">Dansk</a>' in thanks.text
