"""The issue's "done when", end to end with the real worker command.

A visit posted to the API, then `survey-service worker --once`: one line in
the file backend whose link opens the survey; answering works once, and
afterwards the link is unknown; the reminder is not sent after an answer; the
phone number was never stored readable and nothing of the link is left.
"""

from __future__ import annotations

import re

import pytest

from survey_service.distribution.tables import OutboxMessage
from survey_service.invitations.tables import RateCounter
from survey_service.invitations.tokens import hash_token
from survey_service.piccolo_app import APP_CONFIG

from .clitools import survey_service, worker_env
from .test_pages import csrf_of

pytestmark = pytest.mark.anyio


async def database_dump() -> str:
    """Every row of every table as text: what a stolen backup would show."""
    rows = []
    for table in APP_CONFIG.table_classes:
        rows += [repr(r) for r in await table.select()]
    return "\n".join(rows)


async def test_visit_to_sms_to_one_answer_to_no_reminder_to_no_number(
    clinic, app_client, database_url
):
    clinic.settings_with(sms_reminder_days=3)
    async with app_client(clinic.settings) as client:
        posted = await client.post(
            "/api/v1/visits",
            json={
                "practice": "P0001",
                "visit_date": clinic.today().isoformat(),
                "phone": "20 12 34 56",
                "language": "en",
            },
            headers={"authorization": f"Bearer {clinic.key}"},
        )
        assert posted.status_code == 202, posted.text

        worker = await survey_service("worker", "--once", env=worker_env(clinic, database_url))
        assert worker.returncode == 0, worker.stderr
        assert "sent 1" in worker.stdout
        [sms] = clinic.sent()
        assert sms["to"] == "+4520123456" and sms["id"]
        # A token may end in "-" or "_", so no \b: the link ends where token characters do.
        pattern = r"http://survey\.test(/s/[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])"
        found = re.search(pattern, sms["body"])
        assert found, sms["body"]
        link = found.group(1)
        token = link.removeprefix("/s/")
        # The worker's own output has no digit of the number, and never the link.
        assert "invitation #" in worker.stderr and "sent via file" in worker.stderr
        assert "3456" not in worker.stderr + worker.stdout
        assert token not in worker.stderr + worker.stdout

        form_page = await client.get(link)
        assert form_page.status_code == 200 and "The doctor listened to me." in form_page.text
        answers = {
            "mini.listened": "5",
            "mini.written": "no",
            "_lang": "en",
            "_csrf_token": csrf_of(form_page.text),
        }
        first = await client.post(link, data=answers, follow_redirects=False)
        assert first.status_code == 303
        # The patient's own browser remembers it answered (a cookie scoped to
        # the link) and is thanked again; the server itself keeps nothing, so
        # to anyone else the answered link is simply unknown.
        again = await client.post(link, data=answers, follow_redirects=False)
        assert again.status_code == 200
        assert "already answered" in again.text or "allerede svaret" in again.text
        from survey_service.web.link_cookies import ANSWERED_COOKIE

        client.cookies.delete(ANSWERED_COOKIE)
        second = await client.post(link, data=answers, follow_redirects=False)
        assert second.status_code == 404

    dump = await database_dump()
    assert "20123456" not in dump  # sealed while it was kept, and gone with the answer
    assert token not in dump and hash_token(token) not in dump
    assert await OutboxMessage.count() == 0  # the pending reminder went with the answer

    clinic.clock.advance(days=4)
    report = await clinic.worker().run_once()
    assert report.claimed == 0 and report.sent == 0
    assert len(clinic.sent()) == 1  # no reminder after the answer
    [counts] = await RateCounter.objects()
    assert (counts.invited, counts.sent, counts.answered) == (1, 1, 1)
