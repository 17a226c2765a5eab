"""Which stored revision counts: the newest one per questionnaire and period.

Every reader of stored results picks its revision here (docs/results.md):
releasing stamps the newest *built* revision, units and the region read the
newest *released* one, the public reads the newest *published* one. Older
revisions are never hidden from the table, only from these choices: they stay
in ``report_revision`` for audit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from survey_service.results.tables import ReportRevision

__all__ = ["Among", "Revision", "newest_revisions"]

#: Which revisions compete: every one built, only released ones, only published ones.
Among = Literal["built", "released", "published"]


@dataclass(frozen=True)
class Revision:
    """One ``report_revision`` row (without its counts)."""

    id: int
    questionnaire: str
    period: str
    #: 1, 2, ... per (questionnaire, period)
    revision: int
    #: "spec" or "fdr": how its labels were made (RESULTS_LABELS at build time)
    label_method: str
    released_at: dt.datetime | None
    published_at: dt.datetime | None


async def newest_revisions(
    among: Among, *, period: str | None = None, questionnaire: str | None = None
) -> list[Revision]:
    """The newest revision ``among`` those built, released or published, per
    (questionnaire, period), sorted by period label and questionnaire.

    ``period`` (a label such as ``2026-11``) and ``questionnaire`` (a slug)
    narrow the choice to that period or questionnaire; a pair without any
    such revision is simply absent.
    """
    query = ReportRevision.select(
        ReportRevision.id,
        ReportRevision.questionnaire,
        ReportRevision.period,
        ReportRevision.revision,
        ReportRevision.label_method,
        ReportRevision.released_at,
        ReportRevision.published_at,
    )
    if among == "released":
        query = query.where(ReportRevision.released_at.is_not_null())
    elif among == "published":
        query = query.where(ReportRevision.published_at.is_not_null())
    elif among != "built":
        raise ValueError(f"among: {among!r} is not one of built, released, published")
    if period is not None:
        query = query.where(ReportRevision.period == period)
    if questionnaire is not None:
        query = query.where(ReportRevision.questionnaire == questionnaire)
    newest: dict[tuple[str, str], Revision] = {}
    # Revision numbers are unique per (questionnaire, period) in the database:
    # ordered by them, the last row seen of a pair is its newest.
    for row in await query.order_by(ReportRevision.revision):
        revision = Revision(
            id=int(row["id"]),
            questionnaire=str(row["questionnaire"]),
            period=str(row["period"]),
            revision=int(row["revision"]),
            label_method=str(row["label_method"]),
            released_at=row["released_at"],
            published_at=row["published_at"],
        )
        newest[(revision.period, revision.questionnaire)] = revision
    return [newest[key] for key in sorted(newest)]
