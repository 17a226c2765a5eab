"""Carrying over what was stored before numbers were encrypted (migration 0006).

Before, ``sms_contact`` held the number in clear and ``phone_key``
(HMAC-SHA256 under SECRET_KEY, reversible in minutes), and the opt-out list
held such keys too. Migration 0006 cannot encrypt or re-key them (keys never
reach the database), so it moves them into ``sms_legacy``:

* ``contact`` set: a live contact's clear number and/or old key;
* ``contact`` NULL: an old opt-out key.

The worker's sweep (:func:`upgrade`, before it claims anything) seals the
numbers under PHONE_KEYS, turns each old key into the new opt-out key (the
old key is the first step of the new digest, see phones.py, so no number is
needed) and deletes the row. Until then intake and the stop link consult
these rows as well, so no opt-out is missed in between. On a database created
after 0006 the table is always empty; a later migration drops it.
"""

from __future__ import annotations

import asyncio

from survey_service.db import write_transaction
from survey_service.distribution.keys import phone_keys
from survey_service.distribution.phones import (
    digest_from_legacy,
    legacy_phone_key,
    opt_out_key,
)
from survey_service.distribution.sealing import seal_phone
from survey_service.distribution.tables import OptOut
from survey_service.settings import Settings

_PREFIX = "legacy:"


async def opted_out(old_key: str) -> bool:
    """Whether an old-style key is on the not yet carried-over opt-out list."""
    rows = await OptOut.raw(
        "SELECT 1 AS found FROM sms_legacy WHERE contact IS NULL AND phone_key = {} LIMIT 1",
        old_key,
    )
    return bool(rows)


async def contact_key(contact_id: int) -> str | None:
    """A not yet carried-over contact's old key, marked as such (see :func:`is_legacy`)."""
    rows = await OptOut.raw(
        "SELECT phone_key FROM sms_legacy WHERE contact = {} AND phone_key IS NOT NULL",
        contact_id,
    )
    return _PREFIX + rows[0]["phone_key"] if rows else None


def is_legacy(key: str) -> bool:
    return key.startswith(_PREFIX)


async def opt_out(marked_key: str) -> None:
    """Opt out by an old key: listed here, carried over with the rest by :func:`upgrade`."""
    old_key = marked_key.removeprefix(_PREFIX)
    async with write_transaction():
        if not await opted_out(old_key):
            await OptOut.raw(
                "INSERT INTO sms_legacy (contact, phone, phone_key) VALUES (NULL, NULL, {})",
                old_key,
            )
        await OptOut.raw(
            "UPDATE outbox_message SET status = 'cancelled', last_error = 'opted out', "
            "lease_until = NULL, claim = NULL WHERE status IN ('pending', 'dead') "
            "AND invitation IN (SELECT c.invitation FROM sms_contact c "
            "JOIN sms_legacy l ON l.contact = c.id WHERE l.phone_key = {})",
            old_key,
        )


async def upgrade(settings: Settings) -> int:
    """Seal and re-key every row of ``sms_legacy``; returns how many were carried over.

    The slow hashes (about 25 ms each) are computed before the transaction,
    so writers wait only for the short write that follows.
    """
    rows = await OptOut.raw(
        "SELECT l.id, l.contact, l.phone, l.phone_key, c.invitation "
        "FROM sms_legacy l LEFT JOIN sms_contact c ON c.id = l.contact ORDER BY l.id"
    )
    if not rows:
        return 0
    keys = phone_keys(settings)

    def rekey(row: dict) -> str | None:
        old = row["phone_key"] or (
            legacy_phone_key(row["phone"], settings.secret_key) if row["phone"] else None
        )
        return opt_out_key(digest_from_legacy(old, settings)) if old else None

    new_keys = await asyncio.to_thread(lambda: [rekey(row) for row in rows])
    async with write_transaction():
        for row, key in zip(rows, new_keys, strict=True):
            if row["contact"] is None:
                if key:
                    await OptOut.raw(
                        "INSERT INTO sms_opt_out (phone_key) VALUES ({}) "
                        "ON CONFLICT (phone_key) DO NOTHING",
                        key,
                    )
            elif row["invitation"] is not None:
                sealed = seal_phone(row["phone"], row["invitation"], keys) if row["phone"] else None
                await OptOut.raw(
                    "UPDATE sms_contact SET opt_out_key = {}, "
                    "phone_sealed = COALESCE(phone_sealed, {}) WHERE id = {}",
                    key,
                    sealed,
                    row["contact"],
                )
            await OptOut.raw("DELETE FROM sms_legacy WHERE id = {}", row["id"])
    return len(rows)
