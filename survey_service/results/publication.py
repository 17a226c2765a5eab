"""Publishing released results to the public, and the one public shape of them.

Units see a period's results when it is released (``results.service``); the
public sees them only once the period is **published**, at least
``RESULTS_PUBLICATION_DELAY_DAYS`` after that release (LUP gives units a few
weeks first). Publishing stamps ``published_at`` on the newest released
revision of each questionnaire; public pages read the newest *published*
revision, so a revision released later stays out of public view (the older
published one stays) until it is published in turn, after its own delay.

Every public output (page, CSV, JSON) is made of :func:`public_view`: disclosure
control and rounding happen here, once (docs/publication.md):

- fewer than 10 answers: n shown as ``<10``, no number, no label;
- fewer than 20 answers: numbers, but flag ``too_few`` instead of a label;
- means, top-box shares and interval ends rounded to 1 decimal (and kept within
  0..100); a suppressed unit has no top box and no interval either;
- the reference figures (region, provider group) are weighted means over the
  units that are shown, never over a suppressed unit's answers, so no
  suppressed mean can be recovered from a total and the others' numbers;
- roll-up units of the region's tree (an area, the region) are left out;
- comments and response rates are never part of it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis import MIN_UNIT_N
from analysis.compare import MIN_LABEL_N
from survey_service.accounts.service import record_audit
from survey_service.db import write_transaction
from survey_service.errors import Conflict, InvalidInput, NotFound, ServiceError
from survey_service.localtime import LOCAL_ZONE, utc_now
from survey_service.practices.tables import Practice
from survey_service.results.periods import parse_period
from survey_service.results.revisions import newest_revisions
from survey_service.results.tables import ReportRevision, ReportUnit

__all__ = [
    "COLUMNS",
    "DECIMALS",
    "LABELS",
    "BadParameter",
    "NotPublished",
    "NotReleased",
    "PublicPeriod",
    "PublicRow",
    "Published",
    "Reference",
    "TooEarly",
    "public_flag",
    "public_view",
    "publish_period",
    "published_periods",
    "unpublish_period",
]

#: The public CSV's columns, in this order (a contract for people who download it).
COLUMNS = (
    "unit",
    "name",
    "sector",
    "area",
    "questionnaire",
    "item",
    "n",
    "adjusted",
    "ci_low",
    "ci_high",
    "flag",
    "domain",
    # Added later, so at the end: the unadjusted top-box share (%) of an item
    # and its 95% Wilson interval; empty for composites and suppressed units.
    "top_box",
    "top_box_low",
    "top_box_high",
)
#: Published means and interval ends carry this many decimals.
DECIMALS = 1
#: Comparison labels that may be published (n >= 20 and reliable enough).
LABELS = ("above", "below", "alarm_above", "alarm_below", "as_expected", "low_reliability")
#: Scores run from 0 to 100; published numbers stay inside.
SCALE = (0.0, 100.0)
#: What a suppressed unit's n reads as.
FEW = f"<{MIN_UNIT_N}"
_REASON = re.compile(r"[^\x00-\x1f\x7f]{3,500}")


class BadParameter(ServiceError):
    """A malformed parameter of a public page (400, naming it)."""

    status = 400
    code = "bad_parameter"
    default_detail = "a parameter is malformed"


class NotPublished(NotFound):
    """No published results for this period (or no such period): 404 alike."""

    code = "not_published"
    default_detail = "period: no published results"


class NotReleased(NotFound):
    code = "not_released"
    default_detail = "period: nothing has been released for this period"


class TooEarly(Conflict):
    code = "publication_too_early"
    default_detail = "period: too early to publish"


@dataclass(frozen=True)
class Published:
    questionnaire: str
    revision: int
    #: False when this revision was already public
    changed: bool


# --- publishing --------------------------------------------------------------


def _local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_ZONE).date()


async def publish_period(
    period_text: str,
    *,
    delay_days: int,
    slug: str | None = None,
    now: dt.datetime | None = None,
    actor: str = "cli",
) -> list[Published]:
    """Make the newest released revision of each questionnaire of the period public.

    Refused (:class:`TooEarly`, naming the first allowed date) until
    ``delay_days`` after its release (Europe/Copenhagen dates), so units always
    see their results first; :class:`NotReleased` when nothing is released.
    Nothing is stamped unless every questionnaire may be published.
    """
    period = parse_period(period_text)
    revisions = await newest_revisions("released", period=period.label, questionnaire=slug)
    if not revisions:
        which = f" of questionnaire {slug!r}" if slug else ""
        raise NotReleased(f"period: nothing{which} has been released for {period.label}")
    moment = now or utc_now()
    for row in revisions:
        # Released: the reader chose among revisions with a release stamp.
        assert row.released_at is not None
        first = _local_date(row.released_at) + dt.timedelta(days=delay_days)
        if _local_date(moment) < first:
            raise TooEarly(
                f"period: {row.questionnaire} {period.label} can be published from "
                f"{first.isoformat()} ({delay_days} days after its release)"
            )
    done: list[Published] = []
    async with write_transaction():
        for row in revisions:
            changed = row.published_at is None
            if changed:
                await ReportRevision.update({ReportRevision.published_at: moment}).where(
                    ReportRevision.id == row.id
                )
                await record_audit(
                    actor,
                    "report_publish",
                    f"{row.questionnaire} {period.label}",
                    f"revision {row.revision}",
                    at=moment,
                )
            done.append(Published(row.questionnaire, row.revision, changed))
    return done


async def unpublish_period(
    period_text: str,
    *,
    reason: str,
    slug: str | None = None,
    now: dt.datetime | None = None,
    actor: str = "cli",
) -> list[tuple[str, int]]:
    """Take every published revision of the period off the public pages (audited).

    The results stay released to the units. ``reason`` is kept in the audit trail.
    """
    period = parse_period(period_text)
    reason = reason.strip() if isinstance(reason, str) else ""
    if not _REASON.fullmatch(reason):
        raise InvalidInput.of({"reason": "give a reason of 3 to 500 characters on one line"})
    query = ReportRevision.select(ReportRevision.questionnaire, ReportRevision.revision).where(
        (ReportRevision.period == period.label) & ReportRevision.published_at.is_not_null()
    )
    if slug is not None:
        query = query.where(ReportRevision.questionnaire == slug)
    rows = await query
    if not rows:
        raise NotPublished(f"period: {period.label} is not published")
    moment = now or utc_now()
    async with write_transaction():
        for row in rows:
            await ReportRevision.update({ReportRevision.published_at: None}).where(
                (ReportRevision.period == period.label)
                & (ReportRevision.questionnaire == row["questionnaire"])
                & (ReportRevision.revision == row["revision"])
            )
            await record_audit(
                actor,
                "report_unpublish",
                f"{row['questionnaire']} {period.label}",
                f"revision {row['revision']}: {reason}",
                at=moment,
            )
    return sorted((row["questionnaire"], row["revision"]) for row in rows)


# --- reading what is public ---------------------------------------------------


async def _published_revisions(label: str | None = None) -> dict[tuple[str, str], int]:
    """(period, questionnaire) -> id of the newest PUBLISHED revision."""
    return {key: rev for key, (rev, _method) in (await _published(label)).items()}


async def _published(label: str | None = None) -> dict[tuple[str, str], tuple[int, str]]:
    """(period, questionnaire) -> (id, label method) of the newest PUBLISHED revision."""
    return {
        (r.period, r.questionnaire): (r.id, r.label_method)
        for r in await newest_revisions("published", period=label)
    }


def _period_order(label: str) -> tuple[dt.date, str]:
    period = parse_period(label)
    return (period.end_date, period.first_month)


async def published_periods() -> list[str]:
    """Labels of the periods with published results, newest first."""
    labels = {period for period, _slug in await _published_revisions()}
    return sorted(labels, key=_period_order, reverse=True)


def public_flag(n: int, stored_flag: str) -> str:
    """The label the public sees: none below 10 answers, ``too_few`` below 20."""
    if n < MIN_UNIT_N:
        return "suppressed"
    if n < MIN_LABEL_N:
        return "too_few"
    return stored_flag if stored_flag in LABELS else "low_reliability"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), DECIMALS)


def _on_scale(value: float | None) -> float | None:
    """Rounded, and kept on the 0..100 scale: the adjustment and a wide interval can
    reach past its ends, where no score can lie."""
    return None if value is None else _rounded(min(SCALE[1], max(SCALE[0], float(value))))


@dataclass(frozen=True)
class PublicRow:
    """One unit's public result on one item (``item`` empty: the domain composite)."""

    unit: str
    name: str
    sector: str
    area: str
    questionnaire: str
    domain: str
    item: str
    #: the number of answers, or ``"<10"``
    n: int | str
    adjusted: float | None
    ci_low: float | None
    ci_high: float | None
    flag: str
    #: the unadjusted share (%) of the best answer and its 95% Wilson interval
    top_box: float | None = None
    top_box_low: float | None = None
    top_box_high: float | None = None

    @property
    def shown(self) -> bool:
        return self.adjusted is not None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}


@dataclass(frozen=True)
class Reference:
    """A group's figure on one item, over the units SHOWN only (n-weighted)."""

    level: str  # "region" or "sector"
    sector: str  # "" for the region
    questionnaire: str
    domain: str
    item: str
    units: int
    n: int
    mean: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "sector": self.sector,
            "questionnaire": self.questionnaire,
            "domain": self.domain,
            "item": self.item,
            "units": self.units,
            "n": self.n,
            "mean": self.mean,
        }


@dataclass(frozen=True)
class PublicPeriod:
    period: str
    questionnaires: Sequence[str]
    rows: Sequence[PublicRow] = field(default_factory=tuple)
    references: Sequence[Reference] = field(default_factory=tuple)
    #: questionnaire -> how its labels were made: "spec" or "fdr" (RESULTS_LABELS)
    label_methods: Mapping[str, str] = field(default_factory=dict)


def _public_row(stored: dict[str, Any]) -> PublicRow:
    n = int(stored["n"])
    hidden = n < MIN_UNIT_N or bool(stored["suppressed"]) or stored["adjusted"] is None
    return PublicRow(
        unit=stored["code"],
        name=stored["name"],
        sector=stored["sector"],
        area=stored["region_area"] or "",
        questionnaire=stored["questionnaire"],
        domain=stored["domain"],
        item=stored["item"] or "",
        n=FEW if hidden else n,
        adjusted=None if hidden else _on_scale(stored["adjusted"]),
        ci_low=None if hidden else _on_scale(stored["ci_low"]),
        ci_high=None if hidden else _on_scale(stored["ci_high"]),
        flag="suppressed" if hidden else public_flag(n, str(stored["flag"])),
        # Hidden with the score, rounded like it (the share is 0..100 by nature).
        top_box=None if hidden else _on_scale(stored["top_box"]),
        top_box_low=None if hidden else _on_scale(stored["top_box_low"]),
        top_box_high=None if hidden else _on_scale(stored["top_box_high"]),
    )


def _references(stored: Iterable[dict[str, Any]]) -> list[Reference]:
    # Sums over shown units only: a suppressed unit adds nothing to any total,
    # so (total - others) says nothing about it.
    sums: dict[tuple[str, str, str, str, str], list[float]] = {}
    for row in stored:
        n = int(row["n"])
        if n < MIN_UNIT_N or row["suppressed"] or row["adjusted"] is None:
            continue
        for level, sector in (("region", ""), ("sector", row["sector"])):
            key = (level, sector, row["questionnaire"], row["domain"], row["item"] or "")
            acc = sums.setdefault(key, [0.0, 0.0, 0.0])
            acc[0] += 1
            acc[1] += n
            acc[2] += n * float(row["adjusted"])
    return [
        Reference(*key, units=int(units), n=int(n), mean=_rounded(total / n))
        for key, (units, n, total) in sorted(sums.items())
    ]


async def public_view(period_text: str) -> PublicPeriod:
    """The public results of a published period; :class:`NotPublished` otherwise.

    Rows are ordered by questionnaire, provider group, unit name and code (never
    by score: bands and labels, not a league table).
    """
    period = parse_period(period_text)
    revisions = await _published(period.label)
    if not revisions:
        raise NotPublished(f"period: {period.label} has no published results")
    by_id = {rev: slug for (_label, slug), (rev, _method) in revisions.items()}
    methods = {slug: method for (_label, slug), (_rev, method) in revisions.items()}
    # Roll-up units (an area, the region, a hospital over its departments) are
    # never public: their figures pool their children's answers, suppressed
    # children's included, so (roll-up - shown children) would give those back.
    parents = {
        row["parent"]
        for row in await Practice.select(Practice.parent).where(Practice.parent.is_not_null())
    }
    stored = await ReportUnit.select(
        ReportUnit.revision,
        ReportUnit.practice.as_alias("practice_id"),
        ReportUnit.practice.code.as_alias("code"),
        ReportUnit.practice.name.as_alias("name"),
        ReportUnit.practice.sector.as_alias("sector"),
        ReportUnit.practice.region_area.as_alias("region_area"),
        ReportUnit.domain,
        ReportUnit.item,
        ReportUnit.n,
        ReportUnit.adjusted,
        ReportUnit.ci_low,
        ReportUnit.ci_high,
        ReportUnit.flag,
        ReportUnit.suppressed,
        ReportUnit.top_box,
        ReportUnit.top_box_low,
        ReportUnit.top_box_high,
    ).where(ReportUnit.revision.is_in(list(by_id)))
    stored = [row for row in stored if row["practice_id"] not in parents]
    for row in stored:
        row["questionnaire"] = by_id[row["revision"]]
    stored.sort(
        key=lambda r: (
            r["questionnaire"],
            r["sector"],
            r["name"].casefold(),
            r["code"],
            r["domain"],
            r["item"] or "",
        )
    )
    return PublicPeriod(
        period=period.label,
        questionnaires=sorted(set(by_id.values())),
        rows=tuple(_public_row(row) for row in stored),
        references=tuple(_references(stored)),
        label_methods=methods,
    )
