"""Patients' comments for a practice's released period, already scrubbed.

Comments are shown only for a period that is released and in which the
practice has at least :data:`MIN_ANSWERS` responses, so that no comment can be
tied to one visit; they come in alphabetical order, never in the order they
were given (which would line up with visits).
"""

from __future__ import annotations

from survey_service.practices.tables import Practice
from survey_service.questionnaires.loader import Catalogue
from survey_service.responses.tables import Response
from survey_service.results.frame import published_versions
from survey_service.results.periods import parse_period
from survey_service.results.service import released_periods

__all__ = ["MIN_ANSWERS", "practice_comments"]

#: The same minimum as every other result a practitioner sees (ANALYSIS_SPEC).
MIN_ANSWERS = 10


async def practice_comments(
    catalogue: Catalogue, practice: Practice, slug: str, period_label: str
) -> list[str]:
    """The free-text answers of ``practice`` in a released period; [] otherwise."""
    if period_label not in await released_periods(practice.id, slug):
        return []
    period = parse_period(period_label)
    versions = published_versions(catalogue, slug)
    free_text = sorted({item.id for q in versions for item in q.items if item.type == "free_text"})
    numbers = [q.version for q in versions]
    if not free_text or not numbers:
        return []
    marks = ", ".join(["{}"] * len(numbers))
    where = (
        f"r.practice = {{}} AND qv.slug = {{}} AND qv.version IN ({marks}) "
        "AND r.visit_month >= {} AND r.visit_month <= {}"
    )
    args = [practice.id, slug, *numbers, period.first_month, period.last_month]
    counted = await Response.raw(
        "SELECT COUNT(*) AS n FROM response r "
        f"JOIN questionnaire_version qv ON qv.id = r.questionnaire_version WHERE {where}",
        *args,
    )
    if not counted or int(counted[0]["n"]) < MIN_ANSWERS:
        return []
    item_marks = ", ".join(["{}"] * len(free_text))
    rows = await Response.raw(
        "SELECT a.value AS value FROM answer a JOIN response r ON r.id = a.response "
        "JOIN questionnaire_version qv ON qv.id = r.questionnaire_version "
        f"WHERE {where} AND a.item_id IN ({item_marks})",
        *args,
        *free_text,
    )
    texts = [str(row["value"]).strip() for row in rows]
    return sorted((t for t in texts if t), key=str.casefold)
