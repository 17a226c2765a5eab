"""No full phone number or raw token in logs or errors; responses stay unlinked."""

from __future__ import annotations

import logging
import re

import pytest

from survey_service.distribution.gateways import ConsoleGateway, TransientGatewayError
from survey_service.distribution.rates import response_rates
from survey_service.distribution.tables import OutboxMessage
from survey_service.responses.service import record_response
from survey_service.responses.tables import Response

from .fakes import ScriptedGateway

pytestmark = pytest.mark.anyio

PHONE_DIGITS = "20123456"


async def test_worker_logs_and_console_never_show_number_or_token(clinic, caplog, capsys):
    # Our loggers at their most verbose. (aiosqlite's own DEBUG log prints SQL
    # parameters, numbers included: docs/distribution.md says to keep it off.)
    caplog.set_level(logging.DEBUG, logger="survey_service")
    clinic.settings_with(sms_reminder_days=2)
    await clinic.visit()
    failing = ScriptedGateway(TransientGatewayError("gatewayapi: HTTP 500"), default="ok")
    await clinic.worker(failing).run_once()
    clinic.clock.advance(hours=1)
    await clinic.worker(ConsoleGateway()).run_once()  # sends, prints masked
    clinic.clock.advance(days=3)
    await clinic.worker(ConsoleGateway()).run_once()  # the reminder
    token = failing.calls[0].body.split("/s/")[1].split()[0]
    printed = capsys.readouterr().out
    assert printed.count("SMS ") == 2  # the console printed both messages...
    messages = "\n".join(r.getMessage() for r in caplog.records)
    everything = messages + printed
    assert token not in everything
    # ...and neither it nor any log line has digits of the number: not the
    # whole number, not the last four. Lines name the message id instead.
    assert re.search(r"invitation #\d+ sent via console", messages)
    assert re.search(r"reminder #\d+ sent via console", messages)
    for part in ("3456", "2012", "1234", "+45 "):
        assert part not in everything
    errors = [r["last_error"] for r in await OutboxMessage.select(OutboxMessage.last_error)]
    assert all(PHONE_DIGITS not in e and token not in e for e in errors)


async def test_response_rates_come_from_counters_and_responses_stay_unlinked(clinic):
    clinic.settings_with(sms_dedup_days=0)
    for n in range(3):
        await clinic.visit(f"+452012345{n}")
    await clinic.worker().run_once()
    token = clinic.sent()[0]["body"].split("/s/")[1].split()[0]
    await record_response(token, {"mini.listened": "5"}, "da")
    first = clinic.today().replace(day=1)
    [row] = await response_rates(clinic.practice.id, first, first.replace(year=first.year + 1))
    assert (row.channel, row.invitations, row.sent, row.answered) == ("sms", 3, 3, 1)
    assert row.response_rate == round(1 / 3, 4)
    # The one response has no column that could lead back to an invitation,
    # a message, a phone number or a time of day.
    [response] = await Response.select()
    assert set(response) == {
        "id",
        "practice",
        "questionnaire_version",
        "channel",
        "language",
        "visit_month",
        # drawn at random for the link: says nothing of the patient (migration 0010)
        "module",
    }
