"""The outbox under faults: leases, killed workers, retries, dead letters, erasure.

Time is a fake clock moved by the tests; a "killed" worker is one that claimed
messages and never finished them (exactly what SIGKILL leaves behind).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt

import pytest

from survey_service.distribution import housekeeping, outbox
from survey_service.distribution.gateways import (
    OutgoingSms,
    PermanentGatewayError,
    TransientGatewayError,
)
from survey_service.distribution.keys import phone_keys
from survey_service.distribution.sealing import open_phone
from survey_service.distribution.tables import OutboxMessage, SmsContact
from survey_service.distribution.worker import RunReport
from survey_service.invitations.tables import Invitation, RateCounter
from survey_service.responses.service import record_response

from .fakes import ScriptedGateway

pytestmark = pytest.mark.anyio


async def message_row() -> OutboxMessage:
    [row] = await OutboxMessage.objects().where(OutboxMessage.kind == "invitation")
    return row


async def test_a_killed_workers_message_is_sent_after_its_lease(clinic):
    await clinic.visit()
    lease = clinic.settings.sms_lease_seconds
    # Worker A claims, starts sending (the gateway accepts) and is killed
    # before it can record the send.
    [held] = await outbox.claim_due(clinic.clock(), 10, lease)
    gateway_a = ScriptedGateway()
    worker_a = clinic.worker(gateway_a)
    details = await worker_a._details([held])
    phone = open_phone(
        details[held.invitation_id].phone_sealed, held.invitation_id, phone_keys(clinic.settings)
    )
    # What A got out before dying:
    await gateway_a.send(OutgoingSms(held.id, phone, "body", held.idempotency_key, held.kind))
    # Within the lease nobody else may take it...
    clinic.clock.advance(seconds=lease - 1)
    worker_b = clinic.worker(ScriptedGateway())
    assert (await worker_b.run_once()).claimed == 0
    # ...after it, worker B does, and sends it (at least once).
    clinic.clock.advance(seconds=2)
    report = await worker_b.run_once()
    assert (report.claimed, report.sent) == (1, 1)
    row = await message_row()
    assert (row.status, row.attempts, row.lease_expiries) == ("sent", 2, 1)
    # The duplicate is real and counted: one lease ran out while claimed.
    assert gateway_a.delivered[0].idempotency_key == worker_b.gateway.delivered[0].idempotency_key
    assert (await housekeeping.outbox_stats()).lease_expiries == 1
    # A late finish by the killed worker's claim is refused, not overwritten.
    assert await outbox.mark_sent(held, clinic.clock(), "late", clinic.settings, None) is False
    assert (await message_row()).provider_id == "gw-1"


async def test_concurrent_claims_never_share_a_message(clinic):
    clinic.settings_with(sms_dedup_days=0)
    for n in range(30):
        await clinic.visit(f"+45201234{n:02d}")
    claims = await asyncio.gather(*(outbox.claim_due(clinic.clock(), 10, 60) for _ in range(4)))
    ids = [m.id for batch in claims for m in batch]
    assert len(ids) == 30 and len(set(ids)) == 30


async def test_postgres_claims_skip_rows_another_worker_holds(clinic, backend):
    if backend == "sqlite":
        pytest.skip("SQLite runs one worker: its write lock serialises claims instead")
    from survey_service.db import piccolo_conf

    clinic.settings_with(sms_dedup_days=0)
    for n in range(6):
        await clinic.visit(f"+45201234{n:02d}")
    async with piccolo_conf.DB.transaction():
        first = await outbox.claim_due(clinic.clock(), 3, 60)  # locks stay held: not committed
        # A second worker, on its own connection (a fresh context has no
        # transaction), neither waits for nor takes the locked rows.
        second = await asyncio.wait_for(
            asyncio.create_task(
                outbox.claim_due(clinic.clock(), 6, 60), context=contextvars.Context()
            ),
            timeout=10,
        )
    assert len(first) == 3 and len(second) == 3
    assert not {m.id for m in first} & {m.id for m in second}


async def test_failures_back_off_exponentially_then_dead_letter(clinic):
    await clinic.visit()
    failing = ScriptedGateway(default=TransientGatewayError("gatewayapi: HTTP 503"))
    worker = clinic.worker(failing)
    delays = []
    for attempt in range(1, 5):
        report = await worker.run_once()
        assert report.claimed == 1, attempt
        row = await message_row()
        if attempt < 4:
            assert row.status == "pending" and row.attempts == attempt
            delay = (row.due_at - clinic.clock()).total_seconds()
            delays.append(delay)
            full = 60 * 2 ** (attempt - 1)
            assert full / 2 <= delay <= full
            assert (await worker.run_once()).claimed == 0  # not due yet
            clinic.clock.advance(seconds=delay)
    assert row.status == "dead" and row.last_error == "gatewayapi: HTTP 503"
    assert len(failing.calls) == 4
    [counter] = await RateCounter.objects()
    assert (counter.sent, counter.failed) == (0, 1)  # a dead letter counts as failed
    # Dead letters keep the number until the link expires, so they can be requeued.
    contact = await SmsContact.objects().first()
    assert contact.phone_sealed is not None
    assert await housekeeping.requeue_dead(clinic.clock()) == 1
    ok = clinic.worker(ScriptedGateway())
    assert (await ok.run_once()).sent == 1
    assert (await SmsContact.objects().first()).phone_sealed is None
    [counter] = await RateCounter.objects()
    assert (counter.sent, counter.failed) == (1, 0)


async def test_a_refused_message_is_dead_at_once(clinic):
    await clinic.visit()
    worker = clinic.worker(ScriptedGateway(PermanentGatewayError("gatewayapi: HTTP 400")))
    report = await worker.run_once()
    assert (report.dead, report.retried) == (1, 0)
    assert (await message_row()).status == "dead"


async def test_a_gateway_bug_is_retried_not_fatal(clinic):
    await clinic.visit()
    worker = clinic.worker(ScriptedGateway(RuntimeError("boom"), TimeoutError()))
    assert (await worker.run_once()).retried == 1
    row = await message_row()
    assert row.status == "pending" and row.last_error == "scripted: RuntimeError"
    clinic.clock.advance(hours=1)
    assert (await worker.run_once()).retried == 1
    assert (await message_row()).last_error == "scripted: no answer"
    clinic.clock.advance(hours=1)
    assert (await worker.run_once()).sent == 1


async def test_a_database_outage_does_not_stop_a_running_worker(clinic, monkeypatch):
    await clinic.visit()
    worker = clinic.worker(ScriptedGateway())
    calls = 0
    real_claim = outbox.claim_due

    async def flaky_claim(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionRefusedError("database restarting")
        if calls == 3:
            stop.set()
        return await real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox, "claim_due", flaky_claim)
    clinic.settings_with(sms_poll_seconds=0.01)
    worker.settings = clinic.settings
    stop = asyncio.Event()
    report = await asyncio.wait_for(worker.run_forever(stop), timeout=10)
    assert report.sent == 1 and calls >= 3


async def test_number_is_erased_after_the_last_message(clinic):
    await clinic.visit()
    await clinic.worker().run_once()  # no reminders configured: the invitation is the last
    contact = await SmsContact.objects().first()
    assert contact.phone_sealed is None and contact.sealed_token is None
    assert contact.opt_out_key is not None  # the stop link works while the link lives


async def test_expired_links_are_not_sent_and_leave_only_a_count(clinic):
    await clinic.visit()
    clinic.clock.advance(days=clinic.settings.token_days, seconds=1)
    worker = clinic.worker(ScriptedGateway())
    report = await worker.run_once()
    assert report.swept.expired == 1 and report.sent == 0
    assert await OutboxMessage.count() == 0
    assert await SmsContact.count() == 0 and await Invitation.count() == 0
    [counter] = await RateCounter.objects()
    assert (counter.invited, counter.sent, counter.expired) == (1, 0, 1)


async def test_an_expired_dead_letter_goes_with_its_link(clinic):
    await clinic.visit()
    await clinic.worker(ScriptedGateway(PermanentGatewayError("gatewayapi: HTTP 400"))).run_once()
    assert (await SmsContact.objects().first()).phone_sealed is not None  # for a requeue
    clinic.clock.advance(days=clinic.settings.token_days, seconds=1)
    assert (await housekeeping.sweep(clinic.clock(), clinic.settings)).expired == 1
    assert await SmsContact.count() == 0 and await OutboxMessage.count() == 0
    [counter] = await RateCounter.objects()
    assert (counter.failed, counter.expired) == (1, 1)


async def test_quiet_hours_hold_messages_until_morning(clinic):
    from survey_service.distribution.timing import LOCAL_ZONE

    clinic.settings_with(sms_quiet_hours="21-08")
    evening = dt.datetime.combine(clinic.today(), dt.time(20, 55), tzinfo=LOCAL_ZONE)
    clinic.clock.now = evening.astimezone(dt.UTC)
    await clinic.visit()  # due at once: 20:55 is outside quiet hours
    clinic.clock.advance(minutes=10)  # but the worker only runs at 21:05
    worker = clinic.worker(ScriptedGateway())
    held = await worker.run_once()
    assert held.claimed == 0 and held.quiet and "quiet hours" in held.line()
    clinic.clock.advance(hours=10, minutes=54)  # 07:59
    assert (await worker.run_once()).claimed == 0
    clinic.clock.advance(minutes=1)  # 08:00
    assert (await worker.run_once()).sent == 1


async def test_reminder_goes_only_to_unanswered_links_and_only_once(clinic):
    clinic.settings_with(sms_reminder_days=3)
    await clinic.visit("+4520123456")
    await clinic.visit("+4520123457")
    await clinic.worker().run_once()
    first = clinic.sent()
    assert [m["kind"] for m in first] == ["invitation", "invitation"]
    assert await SmsContact.count().where(SmsContact.phone_sealed.is_not_null()) == 2
    # The first patient answers: the reminder row goes with the answer.
    token = first[0]["body"].split("/s/")[1].split()[0]
    await record_response(token, {"mini.listened": "5"}, "da")
    assert await OutboxMessage.count().where(OutboxMessage.kind == "reminder") == 1
    clinic.clock.advance(days=3)
    report = await clinic.worker().run_once()
    assert report.sent == 1
    reminders = clinic.sent()[2:]
    assert len(reminders) == 1 and reminders[0]["kind"] == "reminder"
    assert reminders[0]["to"] == first[1]["to"]
    assert token not in reminders[0]["body"]
    # Nothing more, ever, and every number is gone.
    clinic.clock.advance(days=5)
    assert (await clinic.worker().run_once()).claimed == 0
    assert len(clinic.sent()) == 3
    assert await SmsContact.count().where(SmsContact.phone_sealed.is_not_null()) == 0
    kinds = await OutboxMessage.select(OutboxMessage.kind, OutboxMessage.status)
    assert sorted((k["kind"], k["status"]) for k in kinds) == [
        ("invitation", "sent"),
        ("reminder", "sent"),
    ]


async def test_an_answer_arriving_while_the_reminder_is_claimed_stops_it(clinic):
    clinic.settings_with(sms_reminder_days=3)
    await clinic.visit()
    await clinic.worker().run_once()
    clinic.clock.advance(days=3)
    [held] = await outbox.claim_due(clinic.clock(), 10, 60)
    token = clinic.sent()[0]["body"].split("/s/")[1].split()[0]
    await record_response(token, {"mini.listened": "5"}, "da")
    report = RunReport()
    await clinic.worker().process([held], report)
    # The claimed row vanished with the answer: not sent, not an error.
    assert (report.gone, report.sent, report.cancelled, report.lost_leases) == (1, 0, 0, 0)
    assert len(clinic.sent()) == 1
    assert await OutboxMessage.count() == 0


async def test_an_answer_arriving_while_the_gateway_sends_leaves_no_reminder(clinic):
    """The row vanishes between the worker's last check and its finish."""
    clinic.settings_with(sms_reminder_days=3)
    await clinic.visit()

    class AnsweringGateway(ScriptedGateway):
        async def send(self, sms: OutgoingSms) -> str:
            provider_id = await super().send(sms)
            # The patient answers the instant the SMS arrives.
            token = sms.body.split("/s/")[1].split()[0]
            await record_response(token, {"mini.listened": "4"}, "da")
            return provider_id

    report = await clinic.worker(AnsweringGateway()).run_once()
    assert (report.gone, report.sent, report.lost_leases) == (1, 0, 0)
    # No reminder was created, so none can ever be sent.
    assert await OutboxMessage.count() == 0
    clinic.clock.advance(days=4)
    assert (await clinic.worker().run_once()).claimed == 0
    [counter] = await RateCounter.objects()
    assert (counter.invited, counter.sent, counter.answered) == (1, 1, 1)


async def test_after_a_timeout_the_delivery_report_settles_it_instead_of_a_resend(clinic):
    from survey_service.distribution.delivery import record_delivery
    from survey_service.distribution.gateways import AmbiguousGatewayError

    clinic.settings_with(sms_reminder_days=3, sms_unknown_outcome_wait_seconds=600)
    await clinic.visit()
    timing_out = ScriptedGateway(AmbiguousGatewayError("gatewayapi: timeout"))
    assert (await clinic.worker(timing_out).run_once()).retried == 1
    row = await message_row()
    assert row.due_at - clinic.clock() >= dt.timedelta(seconds=600)  # waits for a report
    # The provider did have it: its report (any state) settles the message.
    clinic.clock.advance(seconds=20)
    report = {"id": 555, "status": "ENROUTE", "userref": row.idempotency_key}
    assert await record_delivery(report, clinic.settings, clinic.clock())
    row = await message_row()
    assert (row.status, row.provider_id, row.sent_at) == ("sent", "555", clinic.clock())
    await record_delivery({**report, "status": "DELIVERED"}, clinic.settings, clinic.clock())
    assert (await message_row()).delivery == "delivered"
    clinic.clock.advance(seconds=600)
    again = ScriptedGateway()
    assert (await clinic.worker(again).run_once()).claimed == 0 and again.calls == []
    # ...and the rest follows as for any sent invitation: the reminder is queued.
    assert await OutboxMessage.count().where(OutboxMessage.kind == "reminder") == 1


async def test_without_delivery_reports_a_timeout_is_not_retried(clinic):
    # Nothing could settle it, so a retry would duplicate every message the
    # provider did take: recorded as sent, unconfirmed (test_outbox_unconfirmed.py).
    from survey_service.distribution.gateways import AmbiguousGatewayError

    clinic.settings_with(gatewayapi_webhook_secret="", sms_unknown_outcome_wait_seconds=600)
    await clinic.visit()
    gateway = ScriptedGateway(AmbiguousGatewayError("timeout"))
    assert (await clinic.worker(gateway).run_once()).unconfirmed == 1
    row = await message_row()
    assert row.status == "sent" and row.last_error == outbox.UNCONFIRMED_NOTE + "timeout"
