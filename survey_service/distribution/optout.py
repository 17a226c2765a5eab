"""Opting out: "no more texts" stops every future message to that number.

The SMS carries ``/s/<token>/stop`` next to the survey link. Opting out
records only the number's opt-out key (``sms_opt_out``; keyed with
PHONE_HASH_KEY and slow, see phones.py), cancels whatever is still queued for
it, erases the number wherever it is still stored, and counts ``opted_out``
for each live invitation of that number. Visits reported later for the same
number are not invited (see intake.py).

The stop link works while its invitation exists: once the link is answered
or has expired nothing is left that connects the link to the number (that is
the point), so the link is unknown; the patient can still be opted out by
the operator (``survey-service worker opt-out``).
"""

from __future__ import annotations

import datetime as dt

from survey_service.db import write_transaction
from survey_service.distribution import legacy
from survey_service.distribution.outbox import erase_if_done
from survey_service.distribution.phones import opt_out_key as key_of_digest
from survey_service.distribution.phones import phone_digest_async
from survey_service.distribution.tables import OptOut, OutboxMessage, SmsContact
from survey_service.invitations.counters import bump_for_invitation
from survey_service.invitations.tokens import hash_token, looks_like_token
from survey_service.settings import Settings, load_settings

_RECORD = (
    "INSERT INTO sms_opt_out (phone_key) VALUES ({}) "
    "ON CONFLICT (phone_key) DO NOTHING RETURNING id"
)

_CANCEL = """
UPDATE outbox_message SET status = 'cancelled', last_error = 'opted out',
    lease_until = NULL, claim = NULL
WHERE status IN ('pending', 'dead')
  AND invitation IN (SELECT invitation FROM sms_contact WHERE opt_out_key = {})
"""


async def key_for_token(token: str) -> str | None:
    """The opt-out key of the number an SMS link was sent to, while the link lives."""
    if not looks_like_token(token):
        return None
    row = (
        await SmsContact.select(SmsContact.id, SmsContact.opt_out_key)
        .where(SmsContact.invitation.token_hash == hash_token(token))
        .first()
    )
    if row is None:
        return None
    # A contact from before migration 0006 not yet carried over by the worker.
    return row["opt_out_key"] or await legacy.contact_key(row["id"])


async def opt_out_by_token(token: str, now: dt.datetime) -> bool:
    """Opt out the number behind an SMS link; False if the link is unknown
    (never issued, answered, or expired)."""
    key = await key_for_token(token)
    if key is None:
        return False
    if legacy.is_legacy(key):
        await legacy.opt_out(key)
        return True
    await opt_out_key(key, now)
    return True


async def opt_out_phone(e164: str, settings: Settings | str, now: dt.datetime) -> None:
    """Opt out a number given in full (an operator acting on a phone call).

    ``settings`` may still be the bare SECRET_KEY, as callers passed before
    the hash had keys of its own; the rest then comes from the environment.
    """
    if isinstance(settings, str):
        settings = load_settings()
    await opt_out_key(key_of_digest(await phone_digest_async(e164, settings)), now)


async def opt_out_key(key: str, now: dt.datetime) -> None:
    """Put ``key`` on the opt-out list and stop everything queued for it."""
    async with write_transaction():
        new = await OptOut.raw(_RECORD, key)
        await OutboxMessage.raw(_CANCEL, key)
        # A message a worker holds right now is not touched here; the worker
        # checks the opt-out list just before sending it.
        invitations = sorted(
            r["invitation"]
            for r in await SmsContact.select(SmsContact.invitation).where(
                SmsContact.opt_out_key == key
            )
        )
        for invitation_id in invitations:
            await erase_if_done(invitation_id, now)
        if new:  # counted once, however often the link is followed
            for invitation_id in invitations:
                await bump_for_invitation(invitation_id, opted_out=1)


async def is_opted_out(key: str) -> bool:
    return await OptOut.exists().where(OptOut.phone_key == key)
