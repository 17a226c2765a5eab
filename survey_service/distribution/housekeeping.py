"""Outbox housekeeping: the worker's regular sweep, requeueing, and counts.

The sweep is where the erasure rules that no single send decides are applied:
links that expired unanswered are deleted with their contact and messages
(and counted), numbers no message needs any more are erased, duplicate
windows that have ended are forgotten, numbers sealed under a retired
PHONE_KEYS key are sealed again under the first one, and on SQLite the
write-ahead log is emptied so that deleted rows do not linger in it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.query.functions.aggregate import Count, Sum

from survey_service.db import write_transaction
from survey_service.distribution import legacy
from survey_service.distribution.keys import PhoneKeys, phone_keys
from survey_service.distribution.sealing import SealError, open_phone, seal_phone, sealed_with
from survey_service.distribution.tables import OutboxMessage, SmsContact, SmsDedup
from survey_service.distribution.timing import local_today
from survey_service.invitations.counters import bump, bump_for_invitation, month_of
from survey_service.invitations.tables import Invitation
from survey_service.settings import Settings


@dataclass
class SweepResult:
    #: links that expired unanswered, deleted with their contact and messages
    expired: int = 0
    erased: int = 0
    #: duplicate windows that had ended
    windows_closed: int = 0
    #: numbers sealed again under the first PHONE_KEYS key
    resealed: int = 0
    #: rows carried over from before encryption and the slow hashes (legacy.py)
    upgraded: int = 0


# Messages, then contacts, then invitations: the lock order of every
# transaction that touches one invitation's rows (responses/service.py).
_DELETE_EXPIRED = (
    "DELETE FROM outbox_message WHERE invitation IN "
    "(SELECT id FROM invitation WHERE expires_at <= {})",
    "DELETE FROM sms_contact WHERE invitation IN "
    "(SELECT id FROM invitation WHERE expires_at <= {})",
)
_DELETE_EXPIRED_INVITATIONS = (
    "DELETE FROM invitation WHERE expires_at <= {} RETURNING practice, channel, visit_date"
)

_ERASE_FINISHED = """
UPDATE sms_contact SET phone_sealed = NULL, sealed_token = NULL
WHERE (phone_sealed IS NOT NULL OR sealed_token IS NOT NULL) AND NOT EXISTS (
    SELECT 1 FROM outbox_message m
    WHERE m.invitation = sms_contact.invitation
      AND m.status IN ('pending', 'sending', 'dead')
)
RETURNING id
"""


async def sweep(now: dt.datetime, settings: Settings) -> SweepResult:
    """Housekeeping the worker runs regularly (and before its first claim).

    Deletes links that expired unanswered, with their contact and messages,
    and counts them as ``expired``; erases numbers that are no longer needed;
    forgets duplicate windows that have ended (``last_day`` before today in
    Denmark); seals numbers again under the first key of PHONE_KEYS.
    """
    result = SweepResult(upgraded=await legacy.upgrade(settings))
    keys = phone_keys(settings)
    async with write_transaction():
        for statement in _DELETE_EXPIRED:
            await OutboxMessage.raw(statement, now)
        gone = await Invitation.raw(_DELETE_EXPIRED_INVITATIONS, now)
        result.expired = len(gone)
        result.erased = len(await SmsContact.raw(_ERASE_FINISHED))
        result.windows_closed = len(
            await SmsDedup.delete()
            .where(SmsDedup.last_day < local_today(now))
            .returning(SmsDedup.id)
        )
        result.resealed = await _reseal(keys)
        # Counters last (their rows are shared), in a fixed order so that two
        # sweeps on PostgreSQL take them in the same order.
        expired = Counter((r["practice"], month_of(r["visit_date"]), r["channel"]) for r in gone)
        for (practice, month, channel), n in sorted(expired.items()):
            await bump(practice, month, channel, expired=n)
    await _empty_sqlite_wal()
    return result


async def _reseal(keys: PhoneKeys) -> int:
    """Seal numbers under a retired key again under the first one (key rotation)."""
    rows = await SmsContact.select(
        SmsContact.id, SmsContact.invitation, SmsContact.phone_sealed
    ).where(
        SmsContact.phone_sealed.is_not_null()
        & SmsContact.phone_sealed.not_like(f"{keys.primary}.%")
    )
    resealed = 0
    for row in rows:
        try:
            phone = open_phone(row["phone_sealed"], row["invitation"], keys)
        except SealError:
            continue  # a key no longer configured: the worker dead-letters the message
        await SmsContact.update(
            {SmsContact.phone_sealed: seal_phone(phone, row["invitation"], keys)}
        ).where(SmsContact.id == row["id"])
        resealed += 1
    return resealed


async def _empty_sqlite_wal() -> None:
    """On SQLite, copy the WAL into the database file and truncate it.

    With ``secure_delete`` (db/__init__.py) a deleted row is zeroed in the
    database file, but the write-ahead log still holds the pages as they
    were until it is checkpointed and restarted; TRUNCATE does both. It
    needs no writer to be active: if one is (busy), the next sweep does it.
    """
    engine = OutboxMessage._meta.db
    if isinstance(engine, SQLiteEngine):
        await engine.run_ddl("PRAGMA wal_checkpoint(TRUNCATE)")


async def requeue_dead(now: dt.datetime) -> int:
    """Give dead messages whose number is still kept a fresh set of attempts."""
    async with write_transaction():
        rows = await OutboxMessage.raw(
            """
            UPDATE outbox_message
            SET status = 'pending', attempts = 0, due_at = {}, last_error = ''
            WHERE status = 'dead' AND invitation IN (
                SELECT c.invitation FROM sms_contact c JOIN invitation i ON i.id = c.invitation
                WHERE c.phone_sealed IS NOT NULL AND i.expires_at > {}
            )
            RETURNING id, invitation, kind
            """,
            now,
            now,
        )
        # A dead invitation SMS counted as failed; queued again, it is not (yet).
        for row in sorted(rows, key=lambda r: r["invitation"]):
            if row["kind"] == "invitation":
                await bump_for_invitation(row["invitation"], failed=-1)
    return len(rows)


@dataclass(frozen=True)
class OutboxStats:
    by_state: dict[tuple[str, str], int]
    #: leases that ran out while a message was claimed: each is a possible duplicate
    lease_expiries: int
    #: contacts whose phone number is still stored (sealed)
    numbers_kept: int
    #: of those, how many under each PHONE_KEYS key id (a retired key can go at 0)
    numbers_by_key: dict[str, int] = dataclasses.field(default_factory=dict)


async def outbox_stats() -> OutboxStats:
    rows = await OutboxMessage.select(
        OutboxMessage.kind,
        OutboxMessage.status,
        Count(alias="n"),
        Sum(OutboxMessage.lease_expiries, alias="expiries"),
    ).group_by(OutboxMessage.kind, OutboxMessage.status)
    sealed = await SmsContact.select(SmsContact.phone_sealed).where(
        SmsContact.phone_sealed.is_not_null()
    )
    by_key = Counter(sealed_with(r["phone_sealed"]) for r in sealed)
    return OutboxStats(
        by_state={(r["kind"], r["status"]): r["n"] for r in rows},
        lease_expiries=int(sum(r["expiries"] or 0 for r in rows)),
        numbers_kept=len(sealed),
        numbers_by_key=dict(sorted(by_key.items())),
    )
