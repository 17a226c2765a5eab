"""The issue's "done when", end to end with the real worker command.

A visit posted to the API, then `survey-service worker --once`: one line in
the file backend whose link opens the survey; answering works once; the
reminder is not sent after an answer; the phone number is gone afterwards.
"""

from __future__ import annotations

import re

import pytest

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
        link = re.search(r"http://survey\.test(/s/[A-Za-z0-9_-]{20})\b", sms["body"]).group(1)
        token = link.removeprefix("/s/")
        # The worker's own output names the patient masked, never the link.
        assert "+45 ****3456" in worker.stderr
        assert "20123456" not in worker.stderr + worker.stdout
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
        second = await client.post(link, data=answers, follow_redirects=False)
        assert second.status_code == 409

    dump = await database_dump()
    assert "+4520123456" in dump  # kept only because a reminder is still pending
    assert token not in dump  # never stored readable

    clinic.clock.advance(days=4)
    report = await clinic.worker().run_once()
    assert report.swept.reminders_cancelled == 1 and report.sent == 0
    assert len(clinic.sent()) == 1  # no reminder after the answer

    dump = await database_dump()
    assert "20123456" not in dump
    assert token not in dump
