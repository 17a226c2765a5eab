"""Migrations 0005 and 0006 on a database filled the old way, then the worker's
carry-over: nothing is lost that is needed, nothing is kept that is not."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from survey_service.db import engine_from_url, use_engine
from survey_service.db.scratch import create_scratch_database, drop_scratch_database
from survey_service.distribution.housekeeping import sweep
from survey_service.distribution.keys import phone_keys
from survey_service.distribution.phones import legacy_phone_key, opt_out_key, phone_digest
from survey_service.distribution.sealing import open_phone
from survey_service.invitations.tables import Invitation
from survey_service.settings import load_settings

pytestmark = pytest.mark.anyio

BEFORE = "2026-11-23T12:10:01:000000"  # 0004, the last migration of the old shape
LIVE_PHONE = "+4520550201"
OPTED_OUT_PHONE = "+4520550299"


@pytest.fixture
async def old_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database migrated only up to 0004."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    admin = os.environ.get("TEST_DATABASE_URL", "")
    name = f"survey_migration_{os.getpid()}_{secrets.token_hex(3)}"
    if backend == "postgres":
        url = await create_scratch_database(admin, name)
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    use_engine(engine_from_url(url))
    result = await run_forwards(app_name="survey", migration_id=BEFORE)
    assert result.success, result.message
    try:
        yield url
    finally:
        if backend == "postgres":
            await drop_scratch_database(admin, name)


async def _sql(statement: str, *args: object) -> list[dict]:
    return await Invitation.raw(statement, *args)


async def _fill_the_old_way(secret: str) -> None:
    await _sql(
        "INSERT INTO practice (code, name, sector, region_area, active) "
        "VALUES ('P1', 'Lægehuset', 'gp', '', true)"
    )
    await _sql(
        "INSERT INTO questionnaire_version (slug, version, content_hash, title, definition) "
        "VALUES ('mini', 1, 'x', 'Mini', {})",
        "{}",
    )
    later = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    for token_hash, channel, used in (("a" * 64, "sms", True), ("b" * 64, "sms", False)):
        await _sql(
            "INSERT INTO invitation (token_hash, practice, questionnaire_version, channel, "
            "language, visit_date, expires_at, used) VALUES ({}, 1, 1, {}, '', {}, {}, {})",
            token_hash,
            channel,
            dt.date(2026, 11, 20),
            later,
            used,
        )
    await _sql(
        "INSERT INTO outbox_message (invitation, kind, language, status, due_at, "
        "idempotency_key, created_at, delivery) VALUES "
        "(1, 'invitation', 'da', 'sent', {}, 'k1', {}, 'delivered'), "
        "(2, 'invitation', 'da', 'sent', {}, 'k2', {}, ''), "
        "(2, 'reminder', 'da', 'pending', {}, 'k3', {}, '')",
        *[later] * 6,
    )
    await _sql(
        "INSERT INTO sms_contact (invitation, phone, sealed_token, phone_key) VALUES "
        "(1, NULL, NULL, {}), (2, {}, 'sealed', {})",
        legacy_phone_key("+4520550200", secret),
        LIVE_PHONE,
        legacy_phone_key(LIVE_PHONE, secret),
    )
    await _sql(
        "INSERT INTO sms_opt_out (phone_key) VALUES ({})",
        legacy_phone_key(OPTED_OUT_PHONE, secret),
    )
    for day, channel in (("2026-11-20", "sms"), ("2026-11-03", "sms"), ("2026-10-05", "poster")):
        await _sql(
            "INSERT INTO response (id, practice, questionnaire_version, channel, language, "
            "visit_date) VALUES ({}, 1, 1, {}, 'da', {})",
            secrets.token_hex(16),
            channel,
            dt.date.fromisoformat(day),
        )


async def test_old_data_is_migrated_and_carried_over(old_database, tmp_path):
    from survey_service.db.migrate import migrate

    settings = dataclasses.replace(load_settings(), data_dir=tmp_path)
    await _fill_the_old_way(settings.secret_key)
    await migrate()

    # 0005: months, not days; the answered invitation gone, its funnel counted.
    responses = await _sql("SELECT * FROM response ORDER BY visit_month")
    assert [r["visit_month"] for r in responses] == ["2026-10", "2026-11", "2026-11"]
    assert all("visit_date" not in r for r in responses)
    assert [r["token_hash"] for r in await _sql("SELECT token_hash FROM invitation")] == ["b" * 64]
    assert len(await _sql("SELECT id FROM outbox_message")) == 2  # the live one's two
    counters = {
        r["channel"]: (r["month"], r["invited"], r["sent"], r["delivered"], r["answered"])
        for r in await _sql("SELECT * FROM rate_counter")
    }
    assert counters == {"sms": ("2026-11", 2, 2, 1, 1), "poster": ("2026-10", 0, 0, 0, 1)}

    # 0006: no clear number and no SECRET_KEY-only hash left in the tables.
    contact = (await _sql("SELECT * FROM sms_contact"))[0]
    assert "phone" not in contact and "phone_key" not in contact and "erased_at" not in contact
    assert await _sql("SELECT * FROM sms_opt_out") == []
    assert len(await _sql("SELECT * FROM sms_legacy")) == 2  # the live contact, the opt-out

    # The worker's first sweep seals and re-keys them, then forgets the old values.
    result = await sweep(dt.datetime.now(dt.UTC), settings)
    assert result.upgraded == 2
    assert await _sql("SELECT * FROM sms_legacy") == []
    contact = (await _sql("SELECT * FROM sms_contact"))[0]
    sealed = contact["phone_sealed"]
    assert LIVE_PHONE not in sealed
    assert open_phone(sealed, contact["invitation"], phone_keys(settings)) == LIVE_PHONE
    assert contact["opt_out_key"] == opt_out_key(phone_digest(LIVE_PHONE, settings))
    [opt_out] = await _sql("SELECT phone_key FROM sms_opt_out")
    assert opt_out["phone_key"] == opt_out_key(phone_digest(OPTED_OUT_PHONE, settings))
