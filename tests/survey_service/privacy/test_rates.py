"""Response rates stay right when every row about a patient is gone.

One month of one practice: SMS invitations that are sent, refused, delivered,
failed, answered, opted out and left to expire, and one sent unconfirmed (a
timeout while delivery reports were off); a QR slip answered; poster answers.
At the end no invitation, contact or message is left, and the counters (read
by the API and by ``survey-service visits rates``) say what happened.
"""

from __future__ import annotations

import pytest

from survey_service.db import write_transaction
from survey_service.distribution.delivery import record_delivery
from survey_service.distribution.gateways import PermanentGatewayError
from survey_service.distribution.housekeeping import sweep
from survey_service.distribution.optout import opt_out_by_token
from survey_service.distribution.rates import RateRow, add_months, response_rates
from survey_service.distribution.slips import issue_slip
from survey_service.distribution.tables import OutboxMessage, SmsContact
from survey_service.invitations.tables import Invitation
from survey_service.responses.service import record_response, store_response

from ..distribution.clitools import survey_service
from ..distribution.fakes import ScriptedGateway

pytestmark = pytest.mark.anyio

PHONES = [f"+45205500{n:02d}" for n in range(6)]


async def _month_of_events(clinic) -> None:
    clinic.settings_with(sms_reminder_days=3)
    for phone in PHONES:
        await clinic.visit(phone)
    await clinic.visit("+4520550099")
    # The provider refuses the last message: dead at once, counted as failed.
    refusing = ScriptedGateway(*["ok"] * 6, PermanentGatewayError("gatewayapi: HTTP 400"))
    await clinic.worker(refusing).run_once()
    assert len(refusing.delivered) == 6
    reports = await OutboxMessage.select(OutboxMessage.idempotency_key).where(
        OutboxMessage.status == "sent"
    )
    keys = {r["idempotency_key"] for r in reports}
    by_phone = {m.to: m for m in refusing.calls}
    # Delivery reports: three delivered, one failed (and reported twice).
    outcomes = ["DELIVERED", "DELIVERED", "DELIVERED", "EXPIRED"]
    for phone, status in zip(PHONES[:4], outcomes, strict=True):
        key = by_phone[phone].idempotency_key
        assert key in keys
        for _ in range(2):
            await record_delivery(
                {"status": status, "userref": key}, clinic.settings, clinic.clock()
            )
    # With the delivery webhook off, a send that times out is recorded as sent,
    # unconfirmed, and not retried (distribution/test_outbox_unconfirmed.py).
    await clinic.visit("+4520550098")
    reports_on = clinic.settings.gatewayapi_webhook_secret
    clinic.settings_with(gatewayapi_webhook_secret="")
    timing_out = ScriptedGateway(TimeoutError())
    assert (await clinic.worker(timing_out).run_once()).unconfirmed == 1
    clinic.settings_with(gatewayapi_webhook_secret=reports_on)
    # Two patients answer, one opts out by the stop link.
    await record_response(_token_of(by_phone[PHONES[0]]), {"mini.listened": "5"}, "da")
    await record_response(_token_of(by_phone[PHONES[1]]), {"mini.listened": "2"}, "en")
    assert await opt_out_by_token(_token_of(by_phone[PHONES[2]]), clinic.clock())
    # A QR slip handed over and answered.
    image, _media = await issue_slip(
        clinic.practice,
        clinic.context,
        visit_date=clinic.today(),
        language=None,
        questionnaire=None,
        fmt="svg",
        now=clinic.clock(),
    )
    [slip] = await Invitation.objects().where(Invitation.channel == "receipt")
    assert image and slip  # its token is only in the image; answer it the hard way:
    await _answer_receipt(slip)
    # Two poster answers.
    for _ in range(2):
        async with write_transaction():
            await store_response(
                practice_id=clinic.practice.id,
                questionnaire_version_id=clinic.context.version_ids[("mini", 1)],
                channel="poster",
                language="da",
                visit_date=clinic.today(),
                answers={"mini.listened": "4"},
            )
    # The rest expires.
    clinic.clock.advance(days=clinic.settings.token_days, seconds=1)
    await sweep(clinic.clock(), clinic.settings)


def _token_of(sms) -> str:
    return sms.body.split("/s/")[1].split()[0]


async def _answer_receipt(slip: Invitation) -> None:
    # The slip's token exists only in the printed image; the test swaps in a
    # token it knows for the stored hash, which is all the database has.
    from survey_service.invitations.tokens import hash_token, new_token

    token = new_token()
    await Invitation.update({Invitation.token_hash: hash_token(token)}).where(
        Invitation.id == slip.id
    )
    await record_response(token, {"mini.listened": "3"}, "da")


EXPECTED = {
    # channel: invitations, sent, delivered, failed, answered, expired, opted out,
    # unconfirmed
    "poster": (0, 0, 0, 0, 2, 0, 0, 0),
    "receipt": (1, 1, 0, 0, 1, 0, 0, 0),
    # 8 invited, 7 sent (1 of them unconfirmed), 1 dead + 1 failed report,
    # 2 answered, the other 6 expired (the opted-out one among them), 1 opted out.
    "sms": (8, 7, 3, 2, 2, 6, 1, 1),
}


def _as_tuple(row: RateRow) -> tuple[int, ...]:
    return (
        row.invitations,
        row.sent,
        row.delivered,
        row.failed,
        row.answered,
        row.expired,
        row.opted_out,
        row.unconfirmed,
    )


async def test_rates_are_right_from_the_counters_alone(clinic, app_client, database_url):
    await _month_of_events(clinic)
    # Nothing about any single patient is left to count from.
    assert await Invitation.count() == 0
    assert await SmsContact.count() == 0 and await OutboxMessage.count() == 0

    first = clinic.today().replace(day=1)
    rows = await response_rates(clinic.practice.id, first, add_months(first, 1))
    assert {r.channel: _as_tuple(r) for r in rows} == EXPECTED
    assert {r.month for r in rows} == {first.isoformat()[:7]}
    sms = next(r for r in rows if r.channel == "sms")
    assert sms.response_rate == round(2 / 7, 4)

    async with app_client(clinic.settings) as client:
        response = await client.get(
            "/api/v1/practices/P0001/response-rates",
            headers={"authorization": f"Bearer {clinic.key}"},
        )
    assert response.status_code == 200
    by_channel = {r["channel"]: r for r in response.json()["rows"]}
    assert by_channel["sms"]["invitations"] == 8 and by_channel["sms"]["answered"] == 2
    assert by_channel["sms"]["unconfirmed"] == 1
    assert by_channel["sms"]["response_rate"] == round(2 / 7, 4)

    # The command's output format is a contract: header, then one line per row;
    # new columns only ever go at the end.
    month = first.isoformat()[:7]
    result = await survey_service(
        "visits",
        "rates",
        "P0001",
        "--from",
        month,
        "--to",
        month,
        env={"DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "month",
        "channel",
        "invited",
        "sent",
        "deliv.",
        "failed",
        "answered",
        "rate",
        "unconfirmed",
    ]
    assert [line.split() for line in lines[1:]] == [
        [month, "poster", "0", "0", "0", "0", "2", "-", "0"],
        [month, "receipt", "1", "1", "0", "0", "1", "100%", "0"],
        [month, "sms", "8", "7", "3", "2", "2", "29%", "1"],
    ]
