"""At most one SMS when nothing can settle a timeout (no delivery reports, no lookup).

GatewayAPI documents no lookup by our reference and no idempotency key, so
without its delivery webhook a timed-out send cannot be told apart from a lost
one. The worker then records it as sent, unconfirmed, and does not send it
again; the reminder is the patient's second chance. Clear failures are still
retried, and with delivery reports (or a provider lookup) a timeout is retried
after a wait, as before. The stand-in GatewayAPI holds a request past the
client's timeout and accepts it afterwards: exactly the ambiguous case.
"""

from __future__ import annotations

import datetime as dt

import pytest

from survey_service.distribution.gateways import (
    AmbiguousGatewayError,
    GatewayApiGateway,
    OutgoingSms,
)
from survey_service.distribution.outbox import UNCONFIRMED_NOTE
from survey_service.distribution.rates import response_rates
from survey_service.distribution.standin import Behaviour, StandinGateway
from survey_service.distribution.tables import OutboxMessage
from survey_service.invitations.tables import RateCounter

from .fakes import ScriptedGateway

pytestmark = pytest.mark.anyio


@pytest.fixture
def standin():
    # A held request is answered (too late) after at most 5 s, or at stop().
    server = StandinGateway(Behaviour(token="t0ken", hold_seconds=5.0, accept_on_timeout=1.0))
    yield server.start()
    server.stop()


def gateway_for(server: StandinGateway) -> GatewayApiGateway:
    return GatewayApiGateway(server.url, "t0ken", "Region", timeout=0.3)


def no_reports(clinic, **changes) -> None:
    clinic.settings_with(
        **{
            "gatewayapi_webhook_secret": "",
            "sms_unknown_outcome_wait_seconds": 600,
            "sms_reminder_days": 3,
            **changes,
        }
    )


async def invitation() -> OutboxMessage:
    [row] = await OutboxMessage.objects().where(OutboxMessage.kind == "invitation")
    return row


async def test_a_timeout_without_reports_is_sent_once_and_counted_unconfirmed(clinic, standin):
    no_reports(clinic)
    await clinic.visit()
    standin.behaviour.script = ["hold"]  # reaches the gateway; the answer comes too late
    gateway = gateway_for(standin)
    report = await clinic.worker(gateway).run_once()
    assert (report.sent, report.unconfirmed, report.retried) == (1, 1, 0)
    assert "sent unconfirmed 1" in report.line()
    row = await invitation()
    assert row.status == "sent" and row.provider_id == ""
    assert row.last_error == UNCONFIRMED_NOTE + "gatewayapi: timeout (the message may have gone)"
    # Hours later, nothing is due for it: the gateway saw exactly one request.
    clinic.clock.advance(hours=2)
    again = await clinic.worker(gateway).run_once()
    await gateway.aclose()
    assert again.claimed == 0
    assert len(standin.requests) == 1
    # The reminder is queued as after any send: the second chance if the first was lost.
    [reminder] = await OutboxMessage.objects().where(OutboxMessage.kind == "reminder")
    assert reminder.status == "pending" and reminder.due_at >= clinic.clock() + dt.timedelta(days=1)
    [counter] = await RateCounter.objects()
    assert (counter.sent, counter.unconfirmed, counter.failed) == (1, 1, 0)
    first = clinic.today().replace(day=1)
    [rates] = await response_rates(clinic.practice.id, first, first + dt.timedelta(days=32))
    assert (rates.sent, rates.unconfirmed) == (1, 1)


async def test_a_gateway_that_never_returns_is_treated_the_same(clinic):
    no_reports(clinic)
    await clinic.visit()
    hanging = ScriptedGateway(TimeoutError())  # what the worker's own time limit raises
    report = await clinic.worker(hanging).run_once()
    assert (report.sent, report.unconfirmed) == (1, 1)
    assert (await invitation()).last_error == UNCONFIRMED_NOTE + "scripted: no answer"
    clinic.clock.advance(hours=2)
    assert (await clinic.worker(hanging).run_once()).claimed == 0
    assert len(hanging.calls) == 1


async def test_a_clear_failure_is_still_retried(clinic, standin):
    no_reports(clinic)
    await clinic.visit()
    standin.behaviour.script = [500]  # refused: the gateway certainly does not have it
    gateway = gateway_for(standin)
    first = await clinic.worker(gateway).run_once()
    assert (first.sent, first.retried, first.unconfirmed) == (0, 1, 0)
    row = await invitation()
    assert row.status == "pending" and row.last_error == "gatewayapi: HTTP 500 code 0x0000"
    clinic.clock.advance(hours=2)
    second = await clinic.worker(gateway).run_once()
    await gateway.aclose()
    assert (second.sent, second.unconfirmed) == (1, 0)
    assert len(standin.requests) == 2 and list(standin.accepted.values()) == [1]
    row = await invitation()
    assert (row.status, row.last_error, row.provider_id) == ("sent", "", "1001")
    [counter] = await RateCounter.objects()
    assert (counter.sent, counter.unconfirmed) == (1, 0)


async def test_with_delivery_reports_a_timeout_waits_for_one_then_is_retried(clinic, standin):
    no_reports(clinic, gatewayapi_webhook_secret="webhook-secret")
    await clinic.visit()
    standin.behaviour.script = ["hold"]
    gateway = gateway_for(standin)
    first = await clinic.worker(gateway).run_once()
    assert (first.sent, first.retried, first.unconfirmed) == (0, 1, 0)
    row = await invitation()
    assert row.status == "pending"
    assert row.due_at - clinic.clock() >= dt.timedelta(seconds=600)  # a report may settle it
    # No report came: after the wait it is sent again (the old behaviour).
    clinic.clock.advance(seconds=3600)
    second = await clinic.worker(gateway).run_once()
    await gateway.aclose()
    assert (second.sent, second.unconfirmed) == (1, 0)
    assert len(standin.requests) == 2
    [counter] = await RateCounter.objects()
    assert (counter.sent, counter.unconfirmed) == (1, 0)


class _AskableGateway(ScriptedGateway):
    """A provider that can be asked whether it has a message (like Twilio)."""

    async def lookup(self, sms: OutgoingSms) -> str | None:
        return None  # it does not: the retry sends


async def test_with_a_provider_lookup_a_timeout_is_asked_about_then_retried(clinic):
    no_reports(clinic)
    await clinic.visit()
    gateway = _AskableGateway(AmbiguousGatewayError("askable: timeout"))
    first = await clinic.worker(gateway).run_once()
    assert (first.retried, first.unconfirmed) == (1, 0)
    assert (await invitation()).due_at - clinic.clock() >= dt.timedelta(seconds=600)
    clinic.clock.advance(seconds=3600)
    second = await clinic.worker(gateway).run_once()
    assert (second.sent, second.unconfirmed) == (1, 0) and len(gateway.calls) == 2
