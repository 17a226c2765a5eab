"""``survey-service practice rotate-key``: a new API key, the old one dead at once."""

from __future__ import annotations

import pytest

from .test_cli import run_cli

pytestmark = pytest.mark.anyio


async def test_rotation_replaces_the_key_and_is_audited(db) -> None:
    from survey_service.accounts.tables import AuditEvent
    from survey_service.practices.service import add_practice, practice_for_api_key

    _, old = await add_practice("R0001", "Rotationsklinikken", "gp")
    result = run_cli("practice", "rotate-key", "R0001", env={"DATABASE_URL": db})
    assert result.returncode == 0, result.stderr
    new = result.stdout.strip().splitlines()[-1]
    assert new.startswith("sk_") and new != old
    assert await practice_for_api_key(old) is None
    found = await practice_for_api_key(new)
    assert found is not None and found.code == "R0001"
    events = await AuditEvent.select().where(AuditEvent.action == "api_key_rotated")
    assert [(e["actor"], e["target"]) for e in events] == [("cli", "R0001")]
    assert new not in str(events), "the key itself is never in the audit trail"


async def test_unknown_practice_is_one_line_with_status_2(db) -> None:
    result = run_cli("practice", "rotate-key", "NOPE", env={"DATABASE_URL": db})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["Error: practice code 'NOPE': no such practice"]
