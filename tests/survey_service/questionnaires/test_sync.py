"""Published versions are pinned in the database by content hash (both databases)."""

from __future__ import annotations

import dataclasses

import pytest

from survey_service.questionnaires import Catalogue, QuestionnaireError
from survey_service.questionnaires.sync import sync_catalogue
from survey_service.questionnaires.tables import QuestionnaireVersion

pytestmark = pytest.mark.anyio


async def test_sync_is_idempotent_and_refuses_changed_published_versions(db, fixture_catalogue):
    first = await sync_catalogue(fixture_catalogue)
    again = await sync_catalogue(fixture_catalogue)
    assert first == again and set(first) == {("mini", 1)}
    assert await QuestionnaireVersion.count() == 1

    mini = fixture_catalogue.get("mini", 1)
    tampered = Catalogue([dataclasses.replace(mini, content_hash="0" * 64)])
    with pytest.raises(QuestionnaireError, match="published version mini/1 has changed"):
        await sync_catalogue(tampered)
    row = await QuestionnaireVersion.select(QuestionnaireVersion.content_hash).first()
    assert row["content_hash"] == mini.content_hash
