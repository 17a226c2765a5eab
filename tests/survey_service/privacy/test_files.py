"""No phone number in a dump or in the database's files at any point of the flow,
and nothing of an answered link anywhere.

Checked before the SMS is sent, after it is sent (a reminder still pending,
so the number is still kept: sealed), after the answers and after the
worker's sweep, in the logical dump and in the raw files: SQLite's database
file and write-ahead log, PostgreSQL's table, index and TOAST files (read
after a CHECKPOINT, dead tuples included).
"""

from __future__ import annotations

import random

import pytest

from survey_service.distribution.tables import SmsContact
from survey_service.invitations.tokens import hash_token

from .attacker import (
    Patient,
    answer_in_random_order,
    invite_and_send,
    is_postgres,
    logical_dump,
    phones,
    raw_bytes,
    sweep,
    text_of,
)

pytestmark = pytest.mark.anyio


def _numbers_in(data: str | bytes, patients: list[Patient]) -> list[str]:
    blob = data if isinstance(data, bytes) else data.encode()
    return [form for p in patients for form in p.phone_forms if form.encode() in blob]


async def _assert_no_number(database_url: str, patients: list[Patient], stage: str) -> None:
    dump = text_of(await logical_dump(database_url))
    assert _numbers_in(dump, patients) == [], f"dump, {stage}"
    assert _numbers_in(await raw_bytes(database_url), patients) == [], f"files, {stage}"


async def test_no_phone_number_stored_readable_at_any_time(clinic, database_url):
    clinic.settings_with(sms_reminder_days=3)
    rng = random.Random(7)
    patients = [Patient(k, phone) for k, phone in enumerate(phones(8, rng))]
    for patient in patients:
        await clinic.visit(patient.phone)
    await _assert_no_number(database_url, patients, "before sending")

    await invite_and_send_already_reported(clinic, patients)
    # Reminders pending: the numbers are kept, sealed.
    assert await SmsContact.count().where(SmsContact.phone_sealed.is_not_null()) == len(patients)
    await _assert_no_number(database_url, patients, "after sending")

    await answer_in_random_order(patients, rng)
    await _assert_no_number(database_url, patients, "after answering")
    await sweep(clinic)
    await _assert_no_number(database_url, patients, "after the sweep")


async def invite_and_send_already_reported(clinic, patients: list[Patient]) -> None:
    """:func:`invite_and_send` for visits reported already (fills in the tokens)."""
    report = await clinic.worker().run_once()
    assert report.sent == len(patients)
    by_phone = {p.phone: p for p in patients}
    for sms in clinic.sent():
        by_phone[sms["to"]].token = sms["body"].split("/s/")[1].split()[0]


async def test_nothing_of_an_answered_link_is_left(clinic, database_url):
    clinic.settings_with(sms_reminder_days=3)
    rng = random.Random(11)
    patients = [Patient(k, phone) for k, phone in enumerate(phones(6, rng))]
    await invite_and_send(clinic, patients)
    answered, unanswered = patients[:4], patients[4:]
    await answer_in_random_order(answered, rng)

    tables = await logical_dump(database_url)
    dump = text_of(tables)
    windows = {row["key"] for row in tables["sms_dedup"]}
    for patient in answered:
        # Token, token hash, opt-out key, sealed number and token, idempotency
        # key: all gone. The duplicate window's key is the one thing kept per
        # invitation, answered or not, until the window ends.
        found = {n for n in patient.names - set(patient.phone_forms) if n in dump}
        assert len(found) == 1 and found <= windows, found
    for patient in unanswered:  # a live link keeps its hash (and the attack sees it)
        assert hash_token(patient.token) in dump

    await sweep(clinic)
    files = await raw_bytes(database_url)
    for patient in patients:
        assert patient.token.encode() not in files  # the raw token is never stored
    if not is_postgres(database_url):
        # secure_delete zeroes deleted rows in the database file and the sweep
        # empties the write-ahead log, so SQLite's files keep nothing of them.
        for patient in answered:
            assert hash_token(patient.token).encode() not in files
    # PostgreSQL's files keep dead row versions until their space is reused:
    # an answered link's hash may still be in them (docs/anonymity.md says so;
    # it opens nothing, the link being gone), but never a number (see above).
