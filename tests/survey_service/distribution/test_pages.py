"""Patient pages: the QR poster's open entry and the opt-out link."""

from __future__ import annotations

import re

import pytest

from survey_service.distribution.tables import OptOut, OutboxMessage, SmsContact
from survey_service.invitations.tables import Invitation, RateCounter
from survey_service.responses.service import record_response
from survey_service.responses.tables import Answer, Response

pytestmark = pytest.mark.anyio

ANSWERS = {"mini.listened": "4", "mini.written": "no", "mini.overall": "2", "_lang": "en"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


async def test_poster_entry_shows_the_practices_survey(clinic, app_client):
    async with app_client(clinic.settings) as client:
        page = await client.get("/p/P0001?lang=en")
        assert page.status_code == 200
        assert 'action="/p/P0001"' in page.text
        assert "Lægehuset Test" in page.text and "The doctor listened to me." in page.text
        assert page.headers["cache-control"] == "no-store"
        assert (await client.get("/p/NOPE")).status_code == 404


async def test_poster_answers_are_stored_as_channel_poster_without_an_invitation(
    clinic, app_client
):
    async with app_client(clinic.settings) as client:
        page = await client.get("/p/P0001")
        form = {**ANSWERS, "_csrf_token": csrf_of(page.text)}
        for _ in range(2):  # not single-use
            done = await client.post("/p/P0001", data=form, follow_redirects=False)
            assert done.status_code == 303 and done.headers["location"] == "/thanks?lang=en"
    responses = await Response.select()
    assert len(responses) == 2
    assert {r["channel"] for r in responses} == {"poster"}
    # The month of the answer, never its day (the poster has no visit date).
    assert {r["visit_month"] for r in responses} == {clinic.today().isoformat()[:7]}
    assert await Invitation.count() == 0
    [counter] = await RateCounter.objects()
    assert (counter.channel, counter.answered, counter.invited) == ("poster", 2, 0)
    assert await Answer.count().where(Answer.item_id == "mini.listened") == 2


async def test_poster_answers_are_checked_and_kept_on_error(clinic, app_client):
    async with app_client(clinic.settings) as client:
        page = await client.get("/p/P0001")
        form = {"mini.written": "no", "_lang": "en", "_csrf_token": csrf_of(page.text)}
        again = await client.post("/p/P0001", data=form)
        assert again.status_code == 422
        assert 'action="/p/P0001"' in again.text and "Please answer this question." in again.text
    assert await Response.count() == 0


async def test_poster_entry_is_rate_limited_per_client(clinic, app_client):
    async with app_client(clinic.settings) as client:  # POSTER_ANSWERS_PER_HOUR=3 here
        page = await client.get("/p/P0001")
        form = {**ANSWERS, "_csrf_token": csrf_of(page.text)}
        statuses = [
            (await client.post("/p/P0001", data=form, follow_redirects=False)).status_code
            for _ in range(5)
        ]
    assert statuses == [303, 303, 303, 429, 429]
    assert await Response.count() == 3


async def test_poster_post_needs_csrf(clinic, app_client):
    async with app_client(clinic.settings) as client:
        response = await client.post("/p/P0001", data=ANSWERS)
    assert response.status_code == 403
    assert await Response.count() == 0


async def test_opt_out_link_stops_everything_for_that_number(clinic, app_client):
    clinic.settings_with(sms_reminder_days=3)
    await clinic.visit()
    await clinic.worker().run_once()
    [sms] = clinic.sent()
    stop_link = sms["body"].split()[-1]
    path = stop_link.removeprefix("http://survey.test")
    assert path.endswith("/stop")
    async with app_client(clinic.settings) as client:
        ask = await client.get(path + "?lang=en")
        assert ask.status_code == 200 and "Stop text messages" in ask.text
        assert ask.headers["cache-control"] == "no-store"
        done = await client.post(path, data={"_lang": "en", "_csrf_token": csrf_of(ask.text)})
        assert done.status_code == 200
        assert "You will get no more text messages from us" in done.text
        unknown = await client.get("/s/AAAAAAAAAAAAAAAAAAAA/stop")
        assert unknown.status_code == 404
    assert await OptOut.count() == 1
    reminder = await OutboxMessage.objects().where(OutboxMessage.kind == "reminder").first()
    assert (reminder.status, reminder.last_error) == ("cancelled", "opted out")
    assert (await SmsContact.objects().first()).phone_sealed is None
    [counter] = await RateCounter.objects()
    assert (counter.sent, counter.opted_out) == (1, 1)
    # A later visit of the same number is not invited.
    clinic.settings_with(sms_dedup_days=0)
    assert (await clinic.visit()).status == "opted_out"
    clinic.clock.advance(days=4)
    await clinic.worker().run_once()
    assert len(clinic.sent()) == 1


async def test_opt_out_needs_csrf_and_the_get_changes_nothing(clinic, app_client):
    await clinic.visit()
    await clinic.worker().run_once()
    path = clinic.sent()[0]["body"].split()[-1].removeprefix("http://survey.test")
    async with app_client(clinic.settings) as client:
        await client.get(path)
        assert await OptOut.count() == 0
        refused = await client.post(path, data={"_lang": "en"})
        assert refused.status_code == 403
    assert await OptOut.count() == 0


async def test_the_opt_out_link_is_no_side_door_for_guessing_tokens(clinic, app_client):
    async with app_client(clinic.settings) as client:
        guard = client.app.state.get("link_guard")
        if guard is None:
            pytest.skip("this app has no link guard")
        statuses = [
            (await client.get(f"/s/{n:020d}/stop")).status_code for n in range(guard.limit + 5)
        ]
    assert statuses[: guard.limit] == [404] * guard.limit
    assert statuses[guard.limit :] == [429] * 5


async def test_the_stop_link_of_an_answered_survey_is_unknown(clinic, app_client):
    """Nothing connects an answered link to its number any more, by design."""
    await clinic.visit()
    await clinic.worker().run_once()
    [sms] = clinic.sent()
    token = sms["body"].split("/s/")[1].split()[0]
    await record_response(token, {"mini.listened": "4"}, "da")
    async with app_client(clinic.settings) as client:
        assert (await client.get(f"/s/{token}/stop")).status_code == 404
        assert (await client.get(f"/s/{token}")).status_code == 404
