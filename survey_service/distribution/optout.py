"""Opting out: "no more texts" stops every future message to that number.

The SMS carries ``/s/<token>/stop`` next to the survey link. Opting out
records only the number's keyed hash (``sms_opt_out``), cancels whatever is
still queued for it, and erases the number wherever it is still stored. Visits
reported later for the same number are not invited (see intake.py).
"""

from __future__ import annotations

import datetime as dt

from survey_service.db import write_transaction
from survey_service.distribution.outbox import erase_if_done
from survey_service.distribution.phones import phone_key
from survey_service.distribution.tables import OptOut, OutboxMessage, SmsContact
from survey_service.invitations.tokens import hash_token, looks_like_token

_RECORD = "INSERT INTO sms_opt_out (phone_key) VALUES ({}) ON CONFLICT (phone_key) DO NOTHING"

_CANCEL = """
UPDATE outbox_message SET status = 'cancelled', last_error = 'opted out',
    lease_until = NULL, claim = NULL
WHERE status IN ('pending', 'dead')
  AND invitation IN (SELECT invitation FROM sms_contact WHERE phone_key = {})
RETURNING invitation
"""


async def key_for_token(token: str) -> str | None:
    """The keyed hash of the number an SMS link was sent to, if still known."""
    if not looks_like_token(token):
        return None
    row = (
        await SmsContact.select(SmsContact.phone_key)
        .where(SmsContact.invitation.token_hash == hash_token(token))
        .first()
    )
    return row["phone_key"] if row else None


async def opt_out_by_token(token: str, now: dt.datetime) -> bool:
    """Opt out the number behind an SMS link; False if the link is unknown
    (or so old that its number's hash has been forgotten)."""
    key = await key_for_token(token)
    if key is None:
        return False
    await opt_out_key(key, now)
    return True


async def opt_out_phone(e164: str, secret: str, now: dt.datetime) -> None:
    """Opt out a number given in full (an operator acting on a phone call)."""
    await opt_out_key(phone_key(e164, secret), now)


async def opt_out_key(key: str, now: dt.datetime) -> None:
    async with write_transaction():
        await OptOut.raw(_RECORD, key)
        cancelled = await OutboxMessage.raw(_CANCEL, key)
        # A message a worker holds right now is not touched here; the worker
        # checks the opt-out list just before sending it.
        for invitation_id in {r["invitation"] for r in cancelled}:
            await erase_if_done(invitation_id, now)


async def is_opted_out(key: str) -> bool:
    return await OptOut.exists().where(OptOut.phone_key == key)
