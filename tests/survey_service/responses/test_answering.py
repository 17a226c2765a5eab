"""Answering a survey through its link: the patient's HTML flow, on both databases."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from survey_service.invitations.tables import Invitation
from survey_service.responses.service import record_response
from survey_service.responses.tables import Answer, Response

pytestmark = pytest.mark.anyio


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


VALID = {"mini.listened": "5", "mini.written": "no", "mini.overall": "1", "_lang": "en"}


async def open_form(client, token: str, **params) -> str:
    page = await client.get(f"/s/{token}", params=params)
    assert page.status_code == 200, page.text
    return page.text


async def test_form_is_served_in_the_chosen_language(client, survey):
    token = await survey.token()
    html = await open_form(client, token, lang="en")
    assert '<html lang="en" dir="ltr">' in html
    assert "The doctor listened to me." in html
    assert "Lægehuset Test" in html
    assert "<script" not in html  # works without JavaScript by construction
    html_da = await open_form(client, token, lang="da")
    assert '<html lang="da"' in html_da and "Lægen lyttede til mig." in html_da


async def test_language_from_invitation_then_browser(client, survey):
    token = await survey.token(language="en")
    assert '<html lang="en"' in await open_form(client, token)
    token = await survey.token()
    page = await client.get(f"/s/{token}", headers={"accept-language": "en-GB,en;q=0.8"})
    assert '<html lang="en"' in page.text
    page = await client.get(f"/s/{token}", headers={"accept-language": "fr, da;q=0.5"})
    assert '<html lang="da"' in page.text


async def test_valid_answers_are_stored_once_and_anonymously(client, survey):
    token = await survey.token(channel="sms")
    html = await open_form(client, token)
    form = {**VALID, "mini.comment": "  Fint  ", "_csrf_token": csrf_of(html)}
    result = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert result.status_code == 303
    assert result.headers["location"] == "/thanks?lang=en"

    responses = await Response.select()
    assert len(responses) == 1
    stored = responses[0]
    assert stored["channel"] == "sms" and stored["language"] == "en"
    assert stored["visit_month"] == "2026-11"  # the visit was on 2026-11-20: month only
    # Nothing in the response row can lead back to the link or the person.
    assert set(stored) == {
        "id",
        "practice",
        "questionnaire_version",
        "channel",
        "language",
        "visit_month",
        # the rotating module drawn at random ("" here: no rotation), migration 0010
        "module",
    }
    answers = {a["item_id"]: a["value"] for a in await Answer.select()}
    assert answers == {
        "mini.listened": "5",
        "mini.written": "no",
        "mini.overall": "1",
        "mini.comment": "Fint",
    }
    # The link is gone with the answer, so a second try finds an unknown link.
    assert await Invitation.count() == 0

    # This browser remembers that it answered (tests/survey_service/web/test_link_cookies.py);
    # without that marker a second try finds an unknown link.
    client.cookies.delete("answered", path=f"/s/{token}")
    again = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert again.status_code == 404
    assert await Response.count() == 1
    thanks = await client.get("/thanks?lang=da")
    assert "Tak for dine svar" in thanks.text


async def test_invalid_answers_come_back_with_answers_kept(client, survey):
    token = await survey.token()
    html = await open_form(client, token, lang="en")
    form = {
        "_csrf_token": csrf_of(html),
        "_lang": "en",
        "mini.written": "yes",  # opens the required follow-up, left blank
        "mini.overall": "9",  # not an answer option
        "mini.visits": "many",  # not a number
        "mini.comment": "x" * 2001,  # over the cap
    }
    page = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert page.status_code == 422
    text = page.text
    for item_id in (
        "mini.listened",
        "mini.written_clear",
        "mini.overall",
        "mini.visits",
        "mini.comment",
    ):
        assert f'id="e-{item_id}"' in text, f"problem shown next to {item_id}"
    assert 'value="yes" checked' in text  # the patient's answer is kept
    assert "x" * 2001 in text
    assert "Please check the 5 marked answers" in text
    assert await Response.count() == 0
    assert await Invitation.count() == 1  # the link still works


async def test_skipped_follow_up_answers_are_dropped(client, survey):
    token = await survey.token()
    html = await open_form(client, token)
    form = {**VALID, "mini.written": "no", "mini.written_clear": "2", "_csrf_token": csrf_of(html)}
    result = await client.post(f"/s/{token}", data=form, follow_redirects=False)
    assert result.status_code == 303
    answers = {a["item_id"] for a in await Answer.select(Answer.item_id)}
    assert "mini.written_clear" not in answers


async def test_a_field_sent_twice_with_different_values_is_a_problem(client, survey):
    token = await survey.token()
    html = await open_form(client, token)
    body = f"_csrf_token={csrf_of(html)}&mini.listened=5&mini.listened=1&_lang=en"
    page = await client.post(
        f"/s/{token}",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert page.status_code == 422
    assert 'id="e-mini.listened"' in page.text
    assert await Response.count() == 0


@pytest.mark.parametrize(
    ("setup", "status", "heading"),
    [
        ("unknown", 404, "This survey link cannot be used"),
        ("junk", 404, "This survey link cannot be used"),
        ("expired", 410, "This survey has closed"),
        # Answered: nothing of the link is left, so it is unknown (docs/anonymity.md).
        ("used", 404, "This survey link cannot be used"),
    ],
)
async def test_links_that_cannot_be_used(client, survey, setup, status, heading):
    if setup == "unknown":
        token = "A" * 20
    elif setup == "junk":
        token = "not a token ' or 1=1"
    else:
        token = await survey.token()
        if setup == "expired":
            await Invitation.update(
                {Invitation.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)},
                force=True,
            )
        else:
            await record_response(token, {"mini.listened": "5"}, "da")
            await Response.delete(force=True)  # only this test's POST is counted below
    page = await client.get(f"/s/{token}", params={"lang": "en"})
    assert page.status_code == status
    assert heading in page.text
    posted = await client.post(f"/s/{token}", data=VALID)
    # A POST without a CSRF token is refused before the link is even looked at.
    assert posted.status_code == 403
    assert await Response.count() == 0


async def test_post_without_or_with_wrong_csrf_token_is_refused(client, survey):
    token = await survey.token()
    await open_form(client, token)
    missing = await client.post(f"/s/{token}", data=VALID)
    assert missing.status_code == 403
    wrong = await client.post(f"/s/{token}", data={**VALID, "_csrf_token": "forged"})
    assert wrong.status_code == 403
    assert await Response.count() == 0
    assert await Invitation.count() == 1  # the link still works


async def test_oversized_body_is_refused_without_storing(client, survey):
    token = await survey.token()
    html = await open_form(client, token)
    form = {**VALID, "_csrf_token": csrf_of(html), "mini.comment": "y" * 400_000}
    result = await client.post(f"/s/{token}", data=form)
    assert result.status_code == 413
    assert await Response.count() == 0


def questions_part(html: str) -> str:
    return html[html.index('<section class="section"') : html.index('<div class="submit">')]


async def test_blank_forms_share_one_rendering_per_version_and_language(client, survey):
    first, second = await survey.token(), await survey.token()
    en_1 = await open_form(client, first, lang="en")
    en_2 = await open_form(client, second, lang="en")
    da_1 = await open_form(client, first, lang="da")
    assert questions_part(en_1) == questions_part(en_2)
    assert "The doctor listened to me." in questions_part(en_1)
    assert "Lægen lyttede til mig." in questions_part(da_1)
    for item in survey.questionnaire.items:
        assert f'id="q-{item.id}"' in questions_part(en_2)
    # The link itself is never part of what is shared between patients.
    assert first not in questions_part(en_1) and second not in questions_part(en_2)
    assert f'action="/s/{second}"' in en_2
