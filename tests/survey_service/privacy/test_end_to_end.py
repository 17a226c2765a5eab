"""End to end through the API, the real worker command and the patient pages:
visit -> SMS (file backend) -> answer -> no reminder -> counters right, and an
opt-out that still works for the patient who did not answer."""

from __future__ import annotations

import re

import pytest

from survey_service.distribution.tables import OptOut, OutboxMessage, SmsContact
from survey_service.invitations.tables import Invitation, RateCounter

from ..distribution.clitools import survey_service, worker_env
from ..distribution.test_pages import csrf_of

pytestmark = pytest.mark.anyio


async def test_answer_then_nothing_more_and_opt_out_still_works(clinic, app_client, database_url):
    clinic.settings_with(sms_reminder_days=3)
    auth = {"authorization": f"Bearer {clinic.key}"}
    today = clinic.today().isoformat()
    visits = [
        {"practice": "P0001", "visit_date": today, "phone": "20 55 01 01", "language": "en"},
        {"practice": "P0001", "visit_date": today, "phone": "+45 20 55 01 02", "language": "en"},
    ]
    async with app_client(clinic.settings) as client:
        posted = await client.post("/api/v1/visits", json=visits, headers=auth)
        assert posted.status_code == 202
        assert [r["status"] for r in posted.json()["results"]] == ["invited", "invited"]

        worker = await survey_service("worker", "--once", env=worker_env(clinic, database_url))
        assert worker.returncode == 0, worker.stderr
        assert not re.search(r"20 ?55 ?01|5501|0101|0102", worker.stdout + worker.stderr)
        links = {
            sms["to"]: re.search(r"/s/[A-Za-z0-9_-]{20}", sms["body"]).group(0)
            for sms in clinic.sent()
        }
        answerer, stopper = links["+4520550101"], links["+4520550102"]

        form = await client.get(answerer)
        answers = {"mini.listened": "4", "_lang": "en", "_csrf_token": csrf_of(form.text)}
        assert (
            await client.post(answerer, data=answers, follow_redirects=False)
        ).status_code == 303
        # This browser remembers it answered (a marker cookie on the link's path)...
        assert "already answered" in (await client.get(answerer, params={"lang": "en"})).text
        # ...but the server keeps nothing of the link: without the marker it is unknown.
        client.cookies.delete("answered", path=answerer)
        assert (await client.get(answerer)).status_code == 404  # nothing of it is left

        ask = await client.get(f"{stopper}/stop?lang=en")
        assert ask.status_code == 200
        done = await client.post(
            f"{stopper}/stop", data={"_lang": "en", "_csrf_token": csrf_of(ask.text)}
        )
        assert done.status_code == 200
    assert await OptOut.count() == 1
    # One live invitation left (the one that opted out may still answer), its
    # number erased, its reminder cancelled; the answered one is gone entirely.
    assert await Invitation.count() == 1
    assert await SmsContact.count().where(SmsContact.phone_sealed.is_not_null()) == 0
    assert {(m["kind"], m["status"]) for m in await OutboxMessage.select()} == {
        ("invitation", "sent"),
        ("reminder", "cancelled"),
    }

    clinic.clock.advance(days=4)
    report = await clinic.worker().run_once()
    assert report.sent == 0 and len(clinic.sent()) == 2  # no reminder to either

    [counts] = await RateCounter.objects()
    assert (counts.invited, counts.sent, counts.answered, counts.opted_out) == (2, 2, 1, 1)

    # Later visits: the one who opted out is not invited; the other is within
    # the duplicate window although nothing of the answered link is left.
    assert (await clinic.visit("+4520550102")).status == "opted_out"
    assert (await clinic.visit("+4520550101")).status == "duplicate"
