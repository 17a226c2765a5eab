"""Replicas starting together sync the catalogue once, without an error."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.anyio


async def test_concurrent_syncs_store_each_version_once(db, fixture_catalogue) -> None:
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.questionnaires.tables import QuestionnaireVersion

    # Each sync runs in its own transaction (own connection on PostgreSQL):
    # without the lock, both read "not stored" and the second insert fails.
    results = await asyncio.gather(*(sync_catalogue(fixture_catalogue) for _ in range(4)))
    assert all(ids == results[0] for ids in results)
    rows = await QuestionnaireVersion.select(
        QuestionnaireVersion.slug, QuestionnaireVersion.version
    )
    keys = [(row["slug"], row["version"]) for row in rows]
    assert len(keys) == len(set(keys)) == len(results[0]) > 0
