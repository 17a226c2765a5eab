"""The tester's pairing attacks, on both databases: no better than chance.

Twenty patients are invited, sent their SMS (file backend) and answer in a
random order. An attacker with a dump (``pg_dump``, or SQLite's rows in rowid
order) lines the responses up against every other table, in stored order and
sorted by each column, whole and split by each low-cardinality column; on the
live PostgreSQL database also by transaction id (``xmin``). Each response's
true author is known to the test from a marker answer, never to the attack.

Before the fix this recovered 20 of 20 (used invitations in answering order);
the control below shows the same attack code still finds that leak.
"""

from __future__ import annotations

import random

import pytest

from survey_service.distribution.tables import OutboxMessage, SmsContact
from survey_service.invitations.tokens import hash_token

from .attacker import (
    Patient,
    answer_in_random_order,
    chance_bound,
    invite_and_send,
    logical_dump,
    pairing_attempts,
    pg_live_rows,
    phones,
    who_is_named,
    xmin_attempts,
)

pytestmark = pytest.mark.anyio

N = 20
SEED = 20261201


async def _answered(clinic) -> tuple[list[Patient], list[Patient]]:
    # With a reminder pending, each answer has a contact (sealed number and
    # token) and an outbox row to take with it.
    clinic.settings_with(sms_reminder_days=3)
    rng = random.Random(SEED)
    patients = [Patient(k, phone) for k, phone in enumerate(phones(N, rng))]
    await invite_and_send(clinic, patients)
    order = await answer_in_random_order(patients, rng)
    # Every reminder went with its answer.
    assert await OutboxMessage.count() == 0 and await SmsContact.count() == 0
    return patients, order


async def test_a_dump_pairs_answers_with_patients_no_better_than_chance(clinic, database_url):
    patients, order = await _answered(clinic)
    dump = await logical_dump(database_url)
    assert len(dump["response"]) == N

    attempts = pairing_attempts(dump, patients)
    best = max(attempts, key=lambda a: a.correct)
    print(f"\n{len(attempts)} line-ups tried; best: {best.how}, {best.correct} of {N}")
    assert best.correct <= chance_bound(N), best
    # The only rows left that name a patient at all are the duplicate
    # windows (keyed, slow hashes), one per invitation, written at intake in
    # visit order: nothing about who answered, or when.
    naming = {
        name
        for name, rows in dump.items()
        if name not in ("response", "answer") and any(who_is_named(r, patients) for r in rows)
    }
    assert naming == {"sms_dedup"}
    assert len(dump["sms_dedup"]) == N

    # Control: the same attack on what the old schema left behind (every
    # answered invitation flagged by an UPDATE, whose new row version goes to
    # the end of the table, so in answering order) pairs every answer.
    old_schema = {
        **dump,
        "invitation": [{"token_hash": hash_token(p.token), "used": "t"} for p in order],
    }
    assert max(a.correct for a in pairing_attempts(old_schema, patients)) == N


async def test_live_transaction_ids_pair_nothing(clinic, backend):
    if backend != "postgres":
        pytest.skip("xmin is PostgreSQL's; SQLite's rowid order is covered by the dump test")
    patients, _order = await _answered(clinic)
    live = await pg_live_rows()
    attempts = xmin_attempts(live, patients)
    assert attempts and all(a.correct == 0 for a in attempts), attempts
    # Control: responses do share their xmin with rows of other tables (the
    # counters, updated in the same transaction), so the join itself works;
    # those rows just name nobody.
    counter_xmins = {r["_xmin"] for r in live["rate_counter"]}
    assert counter_xmins & {r["_xmin"] for r in live["response"]}
