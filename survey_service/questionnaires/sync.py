"""Recording published questionnaire versions in the database, immutably."""

from __future__ import annotations

import dataclasses
import json

from survey_service.db import is_postgres, write_transaction
from survey_service.questionnaires.loader import Catalogue, QuestionnaireError
from survey_service.questionnaires.model import Questionnaire
from survey_service.questionnaires.tables import QuestionnaireVersion

#: Key of the PostgreSQL advisory lock that serialises catalogue syncs.
SYNC_LOCK = 0x5375_7276  # "Surv"


def definition_json(q: Questionnaire) -> dict:
    """The expanded definition as plain JSON (kept with results for their wording)."""
    return json.loads(json.dumps(dataclasses.asdict(q), default=list))


async def sync_catalogue(catalogue: Catalogue) -> dict[tuple[str, int], int]:
    """Store new published versions; refuse a published version whose content changed.

    Returns the database id of every published questionnaire version.
    """
    from survey_service.db import piccolo_conf

    ids: dict[tuple[str, int], int] = {}
    changed: list[str] = []
    async with write_transaction():
        if is_postgres(piccolo_conf.DB):
            # Replicas starting together would each read "not stored" and
            # insert, and all but one would die on the unique index. The lock
            # queues them; it is released with the transaction. (SQLite's
            # write_transaction already takes the database's write lock.)
            await QuestionnaireVersion.raw("SELECT pg_advisory_xact_lock({})", SYNC_LOCK)
        stored = {
            (r["slug"], r["version"]): r
            for r in await QuestionnaireVersion.select(
                QuestionnaireVersion.id,
                QuestionnaireVersion.slug,
                QuestionnaireVersion.version,
                QuestionnaireVersion.content_hash,
            )
        }
        for q in catalogue.questionnaires():
            if not q.published:
                continue
            row = stored.get((q.slug, q.version))
            if row is None:
                new = QuestionnaireVersion(
                    slug=q.slug,
                    version=q.version,
                    content_hash=q.content_hash,
                    title=q.title.get("en", q.slug)[:200],
                    definition=definition_json(q),
                )
                await new.save()
                ids[(q.slug, q.version)] = new.id
            elif row["content_hash"] != q.content_hash:
                changed.append(_changed(q))
            else:
                ids[(q.slug, q.version)] = row["id"]
    if changed:
        raise QuestionnaireError(changed)
    return ids


def _changed(q: Questionnaire) -> str:
    return (
        f"{q.source}: published version {q.key} has changed since it was first used; "
        "published versions are immutable, so save the change as a new version"
    )


async def changed_versions(catalogue: Catalogue) -> list[str]:
    """Published versions whose content differs from the hash the database pinned.

    The comparison :func:`sync_catalogue` makes when ``serve`` starts, but
    read-only (``questionnaires validate`` must not pin new versions).
    """
    if not await QuestionnaireVersion.table_exists():
        return []  # not migrated: nothing pinned yet
    pinned = {
        (r["slug"], r["version"]): r["content_hash"]
        for r in await QuestionnaireVersion.select(
            QuestionnaireVersion.slug,
            QuestionnaireVersion.version,
            QuestionnaireVersion.content_hash,
        )
    }
    return [
        _changed(q)
        for q in catalogue.questionnaires()
        if q.published and pinned.get((q.slug, q.version), q.content_hash) != q.content_hash
    ]
