"""A response holds the visit's month, never its day, on both databases."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from survey_service.db import write_transaction
from survey_service.responses.service import record_response, store_response
from survey_service.responses.tables import Response

from .attacker import logical_dump

pytestmark = pytest.mark.anyio

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


async def test_no_day_precise_date_in_the_response_table(clinic, database_url):
    today = clinic.today()
    for days_ago in (0, 3, 17, 29):
        day = (today - dt.timedelta(days=days_ago)).isoformat()
        await clinic.visit(f"+452055{days_ago:04d}", visit_date=day)
    await clinic.worker().run_once()
    for sms in clinic.sent():
        await record_response(sms["body"].split("/s/")[1].split()[0], {"mini.listened": "3"}, "da")
    # The poster path and the demo seeding store through the same function.
    async with write_transaction():
        await store_response(
            practice_id=clinic.practice.id,
            questionnaire_version_id=clinic.context.version_ids[("mini", 1)],
            channel="poster",
            language="da",
            visit_date=today,
            answers={"mini.listened": "4"},
        )
    dump = await logical_dump(database_url)
    assert len(dump["response"]) == 5
    for row in dump["response"]:
        assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", row["visit_month"]), row
        assert not any(ISO_DAY.search(value) for value in row.values()), row
    months = {row["visit_month"] for row in dump["response"]}
    assert months <= {today.isoformat()[:7], (today - dt.timedelta(days=29)).isoformat()[:7]}


@pytest.mark.parametrize("value", ["2026-11-20", "2026-13", "26-11", "", "2026-11-20T10:00"])
async def test_the_database_refuses_anything_but_a_month(survey, value):
    """Migration 0005's CHECK (PostgreSQL) and triggers (SQLite): no code path can
    store a day by mistake."""
    with pytest.raises(Exception, match=r"visit_month|too long"):
        await Response.raw(
            "INSERT INTO response (id, practice, questionnaire_version, channel, language, "
            "visit_month) VALUES ({}, {}, {}, 'sms', 'da', {})",
            uuid.uuid4(),
            survey.practice.id,
            survey.version.id,
            value,
        )
    assert await Response.count() == 0
