"""A practice's feedback as its practitioners see it: released periods only.

Everything here reads the stored results of :mod:`survey_service.results`
through its release-aware read functions, so nothing of a period that has not
been released can come out, and nothing is refitted per request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from survey_service.accounts.service import practices_of
from survey_service.accounts.tables import User
from survey_service.errors import NotFound
from survey_service.feedback.charts import TrendPoint
from survey_service.practices.service import get_practice
from survey_service.practices.tables import Practice
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.results.comments import practice_comments
from survey_service.results.service import (
    practice_rate,
    practice_results,
    released_label_method,
    released_periods,
)

__all__ = [
    "CSV_COLUMNS",
    "DomainView",
    "FeedbackView",
    "NoFeedback",
    "csv_rows",
    "practice_feedback",
    "readable_practice",
]

#: The feedback CSV's columns, in this order (a contract: others' scripts read it).
CSV_COLUMNS = (
    "period",
    "domain",
    "item",
    "n",
    "observed",
    "adjusted",
    "se",
    "ci_low",
    "ci_high",
    "reliability",
    "eb",
    "top_box",
    "flag",
    # Added later, so at the end: the 95% Wilson interval of top_box (percent).
    "top_box_low",
    "top_box_high",
)
_NUMBERS = CSV_COLUMNS[4:12]
_BOUNDS = ("top_box_low", "top_box_high")

#: Roles that read every practice's feedback; a practitioner reads their own.
REGION_ROLES = frozenset({"analyst", "admin"})


class NoFeedback(NotFound):
    """No such practice, or not one this user may read (the same answer for both)."""

    code = "no_feedback"
    default_detail = "practice: no feedback here for you"


async def readable_practice(user: User, code: str) -> Practice:
    """The practice ``code`` if ``user`` may read its feedback, else :class:`NoFeedback`.

    Another practice's page answers exactly like a practice that does not exist,
    so a practitioner cannot even learn which codes are real.
    """
    practice = await get_practice(code)
    if practice is None:
        raise NoFeedback()
    if user.role in REGION_ROLES:
        return practice
    if user.role == "practitioner" and code in await practices_of(user.id):
        return practice
    raise NoFeedback()


@dataclass(frozen=True)
class DomainView:
    domain: str
    composite: Mapping[str, Any] | None
    items: Sequence[Mapping[str, Any]]
    trend: Sequence[TrendPoint]


@dataclass(frozen=True)
class FeedbackView:
    practice: Practice
    questionnaire_slug: str
    periods: Sequence[str]
    period: str | None
    domains: Sequence[DomainView] = field(default_factory=tuple)
    rows: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    #: scrubbed, alphabetical; empty below the minimum number of answers
    comments: Sequence[str] = field(default_factory=tuple)
    #: invited and answered in the period (SMS and slips; poster answers have no invitation)
    rate: Mapping[str, int] | None = None
    #: "spec" or "fdr": how the period's labels were made (analysis.multiplicity)
    label_method: str = "spec"

    @property
    def response_rate(self) -> float | None:
        """Answered links as a share of invitations, in percent (None without invitations)."""
        if not self.rate or not self.rate.get("invited"):
            return None
        return 100.0 * self.rate.get("answered", 0) / self.rate["invited"]


def questionnaire_of(practice: Practice, published: PublishedCatalogue) -> str | None:
    """The questionnaire a practice of this sector is surveyed with."""
    questionnaire = published.catalogue.for_sector(practice.sector)
    return questionnaire.slug if questionnaire is not None else None


async def practice_feedback(
    practice: Practice, published: PublishedCatalogue, period: str | None = None
) -> FeedbackView:
    """The released feedback of ``practice``: one period in full, every period as trend.

    ``period`` defaults to the latest released one; a period that is not
    released (or unknown) is :class:`NoFeedback`, like any missing page.
    """
    slug = questionnaire_of(practice, published)
    if slug is None:
        return FeedbackView(practice, "", (), None)
    periods = await released_periods(practice.id, slug)
    if not periods:
        return FeedbackView(practice, slug, (), None)
    chosen = period or periods[-1]
    if chosen not in periods:
        raise NoFeedback(f"period: {chosen} is not a released period of this practice")
    by_period = {label: await practice_results(practice.id, slug, label) for label in periods}
    rows = by_period[chosen]
    domains = []
    for domain in dict.fromkeys(r["domain"] for r in rows):
        composite = next((r for r in rows if r["domain"] == domain and not r["item"]), None)
        items = [r for r in rows if r["domain"] == domain and r["item"]]
        trend = [_trend_point(label, by_period[label], domain) for label in periods]
        domains.append(DomainView(domain, composite, items, trend))
    comments = await practice_comments(published.catalogue, practice, slug, chosen)
    rate = await practice_rate(practice.id, slug, chosen)
    labels = await released_label_method(slug, chosen) or "spec"
    return FeedbackView(
        practice,
        slug,
        tuple(periods),
        chosen,
        tuple(domains),
        tuple(rows),
        tuple(comments),
        rate,
        labels,
    )


def _trend_point(label: str, rows: Sequence[Mapping[str, Any]], domain: str) -> TrendPoint:
    row = next((r for r in rows if r["domain"] == domain and not r["item"]), None)
    if row is None or row["suppressed"] or row["adjusted"] is None:
        return TrendPoint(label, None, note="too few answers" if row else "no result")
    return TrendPoint(label, row["adjusted"], row["ci_low"], row["ci_high"])


def csv_rows(view: FeedbackView) -> list[list[str]]:
    """The CSV of one period: a row per item and per domain composite (item empty).

    A suppressed row keeps its ``n`` and carries no numbers.
    """
    out = [list(CSV_COLUMNS)]
    for row in view.rows:
        numbers, bounds = (
            [
                "" if row["suppressed"] or row.get(name) is None else _fmt(row[name])
                for name in names
            ]
            for names in (_NUMBERS, _BOUNDS)
        )
        out.append(
            [
                view.period or "",
                row["domain"],
                row["item"],
                str(row["n"]),
                *numbers,
                row["flag"],
                *bounds,
            ]
        )
    return out


def _fmt(value: float) -> str:
    """At most six decimals, without float noise (like ``analyse adjust``)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
