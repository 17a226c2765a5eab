"""The outbox: claiming due messages with a lease, and recording what happened.

States (docs/distribution.md)::

    pending --claim--> sending --gateway accepted--> sent [--report--> delivered | failed]
       ^                  |--timed out, nothing can settle it--> sent (unconfirmed)
       ^                  |--refused, or attempts used up--> dead --requeue--> pending
       |                  |--failed, attempts left: due again after backoff--> pending
       |                  '--lease ran out (worker died): claimable again
    pending/sending/dead --a delivery report names it--> sent   (settle_as_sent)
    pending/sending/dead --opted out--> cancelled
    any state --answered / link expired--> deleted, with the invitation

A message can vanish at any moment (its link answered or expired): every
finish here is an UPDATE that then matches no row, and the worker reads that
as "gone", never as an error.

A claim sets ``lease_until``; a worker that dies mid-send simply never
finishes, and once the lease has run out any worker claims the message again
(at-least-once). Each finish is conditional on the claim token, so a worker
whose lease ran out cannot overwrite the result of the worker that took over.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from survey_service.db import is_postgres, write_transaction
from survey_service.distribution.tables import (
    CANCELLED,
    DEAD,
    INVITATION,
    PENDING,
    REMINDER,
    SENDING,
    SENT,
    OutboxMessage,
    SmsContact,
)
from survey_service.distribution.timing import QuietHours, reminder_at, retry_delay
from survey_service.invitations.counters import bump_for_invitation
from survey_service.invitations.tables import Invitation
from survey_service.settings import Settings

#: ``last_error`` of a message recorded as sent after a timeout nothing could settle
UNCONFIRMED_NOTE = "sent, unconfirmed: "


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds until its lease runs out."""

    id: int
    invitation_id: int
    kind: str
    language: str
    attempts: int
    idempotency_key: str
    claim: str


_CLAIM = """
UPDATE outbox_message
SET status = 'sending', claim = {}, lease_until = {}, attempts = attempts + 1,
    lease_expiries = lease_expiries + CASE WHEN status = 'sending' THEN 1 ELSE 0 END
WHERE id IN (
    SELECT id FROM outbox_message
    WHERE (status = 'pending' AND due_at <= {}) OR (status = 'sending' AND lease_until <= {})
    ORDER BY due_at
    LIMIT {}
    %s
)
RETURNING id, invitation, kind, language, attempts, idempotency_key
"""


async def claim_due(now: dt.datetime, limit: int, lease_seconds: float) -> list[Claimed]:
    """Claim up to ``limit`` due messages (and ones whose lease ran out).

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets concurrent workers each take
    different rows without waiting for one another. SQLite: the IMMEDIATE
    transaction makes claims one at a time (one worker is the supported setup).
    """
    claim = secrets.token_hex(16)
    lease_until = now + dt.timedelta(seconds=lease_seconds)
    postgres = is_postgres(OutboxMessage._meta.db)
    sql = _CLAIM % ("FOR UPDATE SKIP LOCKED" if postgres else "")
    async with write_transaction():
        rows = await OutboxMessage.raw(sql, claim, lease_until, now, now, limit)
    return [
        Claimed(
            id=r["id"],
            invitation_id=r["invitation"],
            kind=r["kind"],
            language=r["language"],
            attempts=r["attempts"],
            idempotency_key=r["idempotency_key"],
            claim=claim,
        )
        for r in sorted(rows, key=lambda r: r["id"])
    ]


def _held(message: Claimed):
    return (
        (OutboxMessage.id == message.id)
        & (OutboxMessage.claim == message.claim)
        & (OutboxMessage.status == SENDING)
    )


async def mark_sent(
    message: Claimed,
    now: dt.datetime,
    provider_id: str,
    settings: Settings,
    quiet: QuietHours | None,
    unconfirmed: str = "",
) -> bool:
    """Record a send; schedule the one reminder; erase the number if nothing is left.

    ``unconfirmed``: why the send is only presumed (a timeout nothing can
    settle); kept as the row's note and counted apart, so the region sees how
    many "sent" are guesses.

    False when the message is no longer this worker's: another worker took it
    over after the lease ran out, or it is gone (see :func:`exists`).
    """
    note = f"{UNCONFIRMED_NOTE}{unconfirmed}" if unconfirmed else ""
    async with write_transaction():
        done = (
            await OutboxMessage.update(
                {
                    OutboxMessage.status: SENT,
                    OutboxMessage.sent_at: now,
                    OutboxMessage.provider_id: provider_id[:64],
                    OutboxMessage.last_error: note[:200],
                    OutboxMessage.lease_until: None,
                    OutboxMessage.claim: None,
                }
            )
            .where(_held(message))
            .returning(OutboxMessage.id)
        )
        if not done:
            return False
        await _after_sent(
            message.invitation_id,
            message.kind,
            message.language,
            now,
            settings,
            quiet,
            unconfirmed=bool(unconfirmed),
        )
    return True


async def settle_as_sent(
    idempotency_key: str,
    provider_id: str,
    now: dt.datetime,
    settings: Settings,
    quiet: QuietHours | None,
) -> bool:
    """Record a send learnt from the provider's delivery report.

    After a timeout the worker cannot know whether the provider took the
    message; a report naming our key says it did, so the message is done and
    is not sent a second time. True if this changed the message.
    """
    values: dict[Column | str, Any] = {
        OutboxMessage.status: SENT,
        OutboxMessage.sent_at: now,
        OutboxMessage.provider_id: provider_id[:64],
        OutboxMessage.last_error: "",
        OutboxMessage.lease_until: None,
        OutboxMessage.claim: None,
    }
    returning = (OutboxMessage.invitation, OutboxMessage.kind, OutboxMessage.language)
    async with write_transaction():
        # Apart, because a dead letter was counted as failed and is not any more.
        done = await (
            OutboxMessage.update(values)
            .where(
                (OutboxMessage.idempotency_key == idempotency_key)
                & OutboxMessage.status.is_in([PENDING, SENDING])
            )
            .returning(*returning)
        )
        revived = await (
            OutboxMessage.update(values)
            .where(
                (OutboxMessage.idempotency_key == idempotency_key) & (OutboxMessage.status == DEAD)
            )
            .returning(*returning)
        )
        for row in done + revived:
            await _after_sent(
                row["invitation"],
                row["kind"],
                row["language"],
                now,
                settings,
                quiet,
                was_dead=row in revived,
            )
    return bool(done or revived)


async def _after_sent(
    invitation_id: int,
    kind: str,
    language: str,
    now: dt.datetime,
    settings: Settings,
    quiet: QuietHours | None,
    was_dead: bool = False,
    unconfirmed: bool = False,
) -> None:
    if kind == INVITATION:
        # Also after an unconfirmed send: if the invitation never arrived, the
        # reminder is the patient's second chance (and not a duplicate).
        await _schedule_reminder(invitation_id, language, now, settings, quiet)
    await erase_if_done(invitation_id, now)
    if kind == INVITATION:  # the rates count invitation SMS; last: see counters.bump
        await bump_for_invitation(
            invitation_id, sent=1, failed=-1 if was_dead else 0, unconfirmed=int(unconfirmed)
        )


async def _schedule_reminder(
    invitation_id: int,
    language: str,
    now: dt.datetime,
    settings: Settings,
    quiet: QuietHours | None,
) -> None:
    # Created only once the invitation SMS has gone out, so a reminder can
    # never overtake it, and the unique (invitation, kind) index makes "at most
    # one reminder" a property of the database.
    if not settings.sms_reminder_days:
        return
    invitation = (
        await Invitation.select(Invitation.expires_at).where(Invitation.id == invitation_id).first()
    )
    if invitation is None:
        return
    due = reminder_at(now, settings.sms_reminder_days, invitation["expires_at"], quiet)
    if due is None:
        return
    if await OutboxMessage.exists().where(
        (OutboxMessage.invitation == invitation_id) & (OutboxMessage.kind == REMINDER)
    ):
        return
    await OutboxMessage(
        invitation=invitation_id,
        kind=REMINDER,
        language=language,
        status=PENDING,
        due_at=due,
        idempotency_key=uuid.uuid4().hex,
        created_at=now,
    ).save()


async def mark_failed(
    message: Claimed,
    now: dt.datetime,
    error: str,
    settings: Settings,
    quiet: QuietHours | None,
    rng: random.Random | None = None,
    permanent: bool = False,
    min_wait: float = 0.0,
) -> str:
    """Schedule a retry with backoff (at least ``min_wait`` seconds), or
    dead-letter; returns the new state."""
    if permanent or message.attempts >= settings.sms_max_attempts:
        state, due = DEAD, None
    else:
        state = PENDING
        due = now + max(
            retry_delay(
                message.attempts,
                settings.sms_retry_base_seconds,
                settings.sms_retry_max_seconds,
                rng,
            ),
            dt.timedelta(seconds=min_wait),
        )
        if quiet:
            due = quiet.next_allowed(due)
    values: dict[Column | str, Any] = {
        OutboxMessage.status: state,
        OutboxMessage.last_error: error[:200],
        OutboxMessage.lease_until: None,
        OutboxMessage.claim: None,
    }
    if due is not None:
        values[OutboxMessage.due_at] = due
    async with write_transaction():
        done = await OutboxMessage.update(values).where(_held(message)).returning(OutboxMessage.id)
        if done and state == DEAD and message.kind == INVITATION:
            await bump_for_invitation(message.invitation_id, failed=1)
    return state if done else "lost"


async def cancel(message: Claimed, now: dt.datetime, reason: str) -> bool:
    async with write_transaction():
        done = (
            await OutboxMessage.update(
                {
                    OutboxMessage.status: CANCELLED,
                    OutboxMessage.last_error: reason,
                    OutboxMessage.lease_until: None,
                    OutboxMessage.claim: None,
                }
            )
            .where(_held(message))
            .returning(OutboxMessage.id)
        )
        if done:
            await erase_if_done(message.invitation_id, now)
    return bool(done)


_ERASE_IF_DONE = """
UPDATE sms_contact SET phone_sealed = NULL, sealed_token = NULL
WHERE invitation = {} AND (phone_sealed IS NOT NULL OR sealed_token IS NOT NULL)
  AND NOT EXISTS (
    SELECT 1 FROM outbox_message m
    WHERE m.invitation = {} AND m.status IN ('pending', 'sending', 'dead')
)
"""


async def erase_if_done(invitation_id: int, now: dt.datetime) -> None:
    """Erase the sealed number and token once no message needs them.

    A dead message keeps them until the link expires, so an operator can
    requeue it after fixing the gateway; the sweep deletes everything then.
    (``now`` is unused since erasure is no longer time-stamped: the time a
    number was erased said when the patient's last message went.)
    """
    await SmsContact.raw(_ERASE_IF_DONE, invitation_id, invitation_id)


async def exists(message_id: int) -> bool:
    """Whether a message is still there (its link neither answered nor expired)."""
    return await OutboxMessage.exists().where(OutboxMessage.id == message_id)
