"""Outbox housekeeping: the worker's regular sweep, requeueing, and counts.

The sweep is where the erasure rules that no single send decides are applied:
reminders of links answered since, messages of expired links, numbers no
message needs any more, and keyed hashes past their use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count, Sum

from survey_service.db import write_transaction
from survey_service.distribution.tables import OutboxMessage, SmsContact
from survey_service.settings import Settings


@dataclass
class SweepResult:
    reminders_cancelled: int = 0
    expired_cancelled: int = 0
    erased: int = 0
    keys_cleared: int = 0


_CANCEL_ANSWERED = """
UPDATE outbox_message SET status = 'cancelled', last_error = 'answered'
WHERE status = 'pending' AND kind = 'reminder'
  AND invitation IN (SELECT id FROM invitation WHERE used)
RETURNING id
"""

_CANCEL_EXPIRED = """
UPDATE outbox_message SET status = 'cancelled', last_error = 'link expired'
WHERE status IN ('pending', 'dead')
  AND invitation IN (SELECT id FROM invitation WHERE expires_at <= {})
RETURNING id
"""

_ERASE_FINISHED = """
UPDATE sms_contact SET phone = NULL, sealed_token = NULL, erased_at = {}
WHERE phone IS NOT NULL AND (
    invitation IN (SELECT id FROM invitation WHERE expires_at <= {})
    OR NOT EXISTS (
        SELECT 1 FROM outbox_message m
        WHERE m.invitation = sms_contact.invitation
          AND m.status IN ('pending', 'sending', 'dead')
    )
)
RETURNING id
"""

_CLEAR_KEYS = """
UPDATE sms_contact SET phone_key = NULL
WHERE phone_key IS NOT NULL AND phone IS NULL
  AND invitation IN (SELECT id FROM invitation WHERE expires_at <= {} AND visit_date < {})
RETURNING id
"""


async def sweep(now: dt.datetime, settings: Settings) -> SweepResult:
    """Housekeeping the worker runs regularly.

    Cancels reminders of answered links (the answer path writes only the
    invitation and the response, never the outbox) and messages of expired
    links; erases numbers that are no longer needed; and forgets the keyed
    hash once neither the duplicate window nor the opt-out link needs it.
    """
    result = SweepResult()
    cutoff = now.date() - dt.timedelta(days=max(settings.sms_dedup_days, 0))
    async with write_transaction():
        result.reminders_cancelled = len(await OutboxMessage.raw(_CANCEL_ANSWERED))
        result.expired_cancelled = len(await OutboxMessage.raw(_CANCEL_EXPIRED, now))
        result.erased = len(await SmsContact.raw(_ERASE_FINISHED, now, now))
        result.keys_cleared = len(await SmsContact.raw(_CLEAR_KEYS, now, cutoff))
    return result


async def requeue_dead(now: dt.datetime) -> int:
    """Give dead messages whose number is still kept a fresh set of attempts."""
    async with write_transaction():
        rows = await OutboxMessage.raw(
            """
            UPDATE outbox_message
            SET status = 'pending', attempts = 0, due_at = {}, last_error = ''
            WHERE status = 'dead' AND invitation IN (
                SELECT c.invitation FROM sms_contact c JOIN invitation i ON i.id = c.invitation
                WHERE c.phone IS NOT NULL AND i.expires_at > {}
            )
            RETURNING id
            """,
            now,
            now,
        )
    return len(rows)


@dataclass(frozen=True)
class OutboxStats:
    by_state: dict[tuple[str, str], int]
    #: leases that ran out while a message was claimed: each is a possible duplicate
    lease_expiries: int
    #: contacts whose phone number is still stored
    numbers_kept: int


async def outbox_stats() -> OutboxStats:
    rows = await OutboxMessage.select(
        OutboxMessage.kind,
        OutboxMessage.status,
        Count(alias="n"),
        Sum(OutboxMessage.lease_expiries, alias="expiries"),
    ).group_by(OutboxMessage.kind, OutboxMessage.status)
    kept = await SmsContact.count().where(SmsContact.phone.is_not_null())
    return OutboxStats(
        by_state={(r["kind"], r["status"]): r["n"] for r in rows},
        lease_expiries=int(sum(r["expiries"] or 0 for r in rows)),
        numbers_kept=kept,
    )
