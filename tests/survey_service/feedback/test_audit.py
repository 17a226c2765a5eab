"""Builds and releases leave their trace in the audit trail (who, what, when)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_build_and_release_are_audited(released):
    from survey_service.accounts.service import list_audit

    events = [(e.actor, e.action, e.target) for e in await list_audit()]
    assert ("cli", "report_build", "mini 2026-11") in events
    assert ("cli", "report_release", "mini 2026-11") in events
    assert ("cli", "report_build", "mini 2026-10") in events
    assert ("cli", "report_release", "mini 2026-10") not in events
