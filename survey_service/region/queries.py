"""Reading the stored results of RELEASED revisions for the region's pages.

Only the newest released revision of each questionnaire and period is ever
read (like the practitioner's pages): a build that has not been released, or
an older revision of a released period, cannot reach these pages. Nothing is
refitted per request: the funnel's parameters are stored with the results
(``ReportItem``) and the units' rows are read as stored, NULL where suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from survey_service.region.filters import NothingReleased
from survey_service.results.gaps import GAP_DOMAIN
from survey_service.results.region import funnel, gap_matrix, gap_units
from survey_service.results.revisions import newest_revisions
from survey_service.results.tables import ReportItem

__all__ = [
    "GAP_DOMAIN",
    "GapCell",
    "ItemParameters",
    "Released",
    "UnitRow",
    "choose_revision",
    "gap_cells",
    "item_parameters",
    "released_revisions",
    "transition_units",
    "unit_rows",
]


@dataclass(frozen=True)
class Released:
    """The newest released revision of one questionnaire for one period."""

    id: int
    questionnaire: str
    period: str
    #: "spec" or "fdr": how its labels were made (RESULTS_LABELS at build time)
    label_method: str = "spec"


@dataclass(frozen=True)
class ItemParameters:
    """What a funnel is drawn from (ANALYSIS_SPEC 4): the target, within SD, overdispersion."""

    level: str
    domain: str
    item: str
    measure: str
    units: int
    n: int
    mu: float | None
    s_w: float | None
    tau2: float | None


@dataclass(frozen=True)
class UnitRow:
    """One unit's stored result joined with what the table shows about the unit."""

    code: str
    name: str
    sector: str
    area: str
    n: int
    adjusted: float | None
    ci_low: float | None
    ci_high: float | None
    flag: str
    suppressed: bool
    #: an unadjusted share (%) with its 95% Wilson interval: the top box of an
    #: item, the reported-problem share of a transition; None for composites,
    #: suppressed units and revisions built before the intervals were stored
    share: float | None = None
    share_low: float | None = None
    share_high: float | None = None


async def released_revisions() -> list[Released]:
    """Every (questionnaire, period) with a released revision: its newest released one,
    sorted by period and questionnaire."""
    return [
        Released(r.id, r.questionnaire, r.period, r.label_method)
        for r in await newest_revisions("released")
    ]


def choose_revision(
    released: Sequence[Released], period: str | None, questionnaire: str | None
) -> Released:
    """The revision a page shows: the asked-for period (default the newest released one)
    and questionnaire (default the first one released for that period)."""
    if not released:
        raise NothingReleased()
    periods = sorted({r.period for r in released})
    chosen_period = period or periods[-1]
    of_period = [r for r in released if r.period == chosen_period]
    if not of_period:
        raise NothingReleased("period", chosen_period)
    if questionnaire is None:
        return of_period[0]
    for revision in of_period:
        if revision.questionnaire == questionnaire:
            return revision
    raise NothingReleased("questionnaire", questionnaire)


async def item_parameters(revision: int) -> list[ItemParameters]:
    """Every stored funnel parameter row of a revision, in the order the build wrote them."""
    rows = (
        await ReportItem.select(
            ReportItem.level,
            ReportItem.domain,
            ReportItem.item,
            ReportItem.measure,
            ReportItem.units,
            ReportItem.n,
            ReportItem.mu,
            ReportItem.s_w,
            ReportItem.tau2,
        )
        .where(ReportItem.revision == revision)
        .order_by(ReportItem.id)
    )
    return [ItemParameters(**row) for row in rows]


async def unit_rows(revision: int, domain: str, item: str, level: str) -> list[UnitRow]:
    """The units' rows of one item (or composite, ``item`` empty) at one tree level."""
    _parameters, rows = await funnel(revision, domain, item, level)
    return [_unit(row) for row in rows]


def _unit(row: dict[str, Any]) -> UnitRow:
    suppressed = bool(row["suppressed"])
    # Belt and braces: a suppressed row's numbers are never shown, even if stored.
    return UnitRow(
        code=row["code"],
        name=row["name"],
        sector=row["sector"],
        area=row["region_area"] or "",
        n=int(row["n"]),
        adjusted=None if suppressed else row["adjusted"],
        ci_low=None if suppressed else row["ci_low"],
        ci_high=None if suppressed else row["ci_high"],
        flag="suppressed" if suppressed else row["flag"],
        suppressed=suppressed,
        **_share_of(row, suppressed),
    )


def _share_of(row: dict[str, Any], suppressed: bool) -> dict[str, float | None]:
    """A unit row's raw share and its Wilson interval (top box for items, observed for gaps)."""
    if "top_box" in row:
        names = ("top_box", "top_box_low", "top_box_high")
    else:
        names = ("observed", "observed_low", "observed_high")
    values = (None, None, None) if suppressed else tuple(row.get(n) for n in names)
    return dict(zip(("share", "share_low", "share_high"), values, strict=True))


@dataclass(frozen=True)
class GapCell:
    """The region's gap rate of one transition, in percent (None where suppressed)."""

    source: str
    target: str
    n: int
    adjusted: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool
    #: the unadjusted share (%) and its 95% Wilson interval
    observed: float | None = None
    observed_low: float | None = None
    observed_high: float | None = None


async def gap_cells(revision: int) -> list[GapCell]:
    """The region's row of every transition: the cells of the from x to matrix."""
    cells = []
    for row in await gap_matrix(revision):
        hidden = bool(row["suppressed"])
        cells.append(
            GapCell(
                source=row["from_sector"],
                target=row["to_sector"],
                n=int(row["n"]),
                adjusted=None if hidden else row["adjusted"],
                ci_low=None if hidden else _share(row["ci_low"]),
                ci_high=None if hidden else _share(row["ci_high"]),
                suppressed=hidden,
                observed=None if hidden else row["observed"],
                observed_low=None if hidden else row.get("observed_low"),
                observed_high=None if hidden else row.get("observed_high"),
            )
        )
    return cells


def _share(value: float | None) -> float | None:
    # The linear model's symmetric interval of a share can cross 0 or 100 with
    # few answers; a share cannot, so the pages show the interval cut there.
    return None if value is None else min(max(value, 0.0), 100.0)


async def transition_units(revision: int, source: str, target: str) -> list[UnitRow]:
    """The units' rows of one transition (its funnel), in percent, intervals within 0..100."""
    units = [_unit(row) for row in await gap_units(revision, source, target)]
    return [replace(u, ci_low=_share(u.ci_low), ci_high=_share(u.ci_high)) for u in units]
