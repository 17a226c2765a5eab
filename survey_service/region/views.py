"""What the region's pages show, assembled from the stored released results.

Handlers call one function here per page and render what it returns; the
words (translations) and the SVG are added by the handler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from analysis.sector_gaps import SECTORS as SECTOR_ORDER
from survey_service.region.filters import FunnelQuery, NothingReleased, SectorQuery
from survey_service.region.queries import (
    GAP_DOMAIN,
    GapCell,
    ItemParameters,
    Released,
    UnitRow,
    choose_revision,
    gap_cells,
    item_parameters,
    released_revisions,
    transition_units,
    unit_rows,
)

__all__ = [
    "FunnelView",
    "SectorView",
    "TransitionView",
    "funnel_view",
    "sector_view",
    "sort_units",
    "transition_view",
]

#: No over/under label below this many answers (ANALYSIS_SPEC 6, the LUP rule).
LABEL_MIN_N = 20
_COMPARISONS = frozenset({"above", "below", "alarm_above", "alarm_below"})


def shown_flag(unit: UnitRow) -> str:
    """The label a page may show: none of over/under below 20 answers, whatever is stored."""
    if unit.suppressed:
        return "suppressed"
    if unit.n < LABEL_MIN_N and unit.flag in _COMPARISONS:
        return "low_reliability"
    return unit.flag


def sort_units(units: Sequence[UnitRow], key: str, direction: str) -> list[UnitRow]:
    """Units in the table's order; units without the number sort last either way.

    Suppressed units sort as one block by name whatever the key: sorting them
    by their exact n would tell apart what the page shows only as "<10".
    """
    shown = [u for u in units if not u.suppressed]
    hidden = sorted((u for u in units if u.suppressed), key=lambda u: (u.name, u.code))
    text_keys = {
        "name": lambda u: (u.name.casefold(), u.code),
        "code": lambda u: (u.code,),
        "sector": lambda u: (u.sector, u.name.casefold()),
        "area": lambda u: (u.area.casefold(), u.name.casefold()),
        "flag": lambda u: (shown_flag(u), u.name.casefold()),
    }
    if key in text_keys:
        ordered = sorted(shown, key=text_keys[key], reverse=direction == "desc")
        return ordered + hidden

    def number(u: UnitRow) -> float | None:
        if key == "n":
            return float(u.n)
        if key == "interval":
            if u.ci_low is None or u.ci_high is None:
                return None
            return u.ci_high - u.ci_low
        return u.adjusted

    present = [u for u in shown if number(u) is not None]
    missing = [u for u in shown if number(u) is None]
    present.sort(key=lambda u: (u.name.casefold(), u.code))  # ties: by name, stably
    present.sort(key=lambda u: number(u) or 0.0, reverse=direction == "desc")
    return present + missing + hidden


@dataclass(frozen=True)
class FunnelView:
    query: FunnelQuery
    revision: Released
    periods: Sequence[str]
    questionnaires: Sequence[str]
    #: every (domain, item) of the revision at the chosen level; item "" is the composite
    measures: Sequence[tuple[str, str]]
    levels: Sequence[str]
    areas: Sequence[str]
    sectors: Sequence[str]
    parameters: ItemParameters
    #: filtered and sorted
    units: Sequence[UnitRow]
    #: every unit of the funnel (the region), before the sector and area filters
    all_units: int = 0

    @property
    def domain(self) -> str:
        return self.parameters.domain

    @property
    def item(self) -> str:
        return self.parameters.item


async def _released_or_404() -> list[Released]:
    released = await released_revisions()
    if not released:
        raise NothingReleased()
    return released


async def funnel_view(query: FunnelQuery) -> FunnelView:
    """The funnel page: one item or composite of one released revision, at one level."""
    released = await _released_or_404()
    revision = choose_revision(released, query.period, query.questionnaire)
    parameters = [
        p for p in await item_parameters(revision.id) if p.domain != GAP_DOMAIN and p.mu is not None
    ]
    if not parameters:  # released, but built before funnels were stored
        raise NothingReleased("measure", "")
    levels = list(dict.fromkeys(p.level for p in parameters))
    if query.level not in levels:
        raise NothingReleased("level", query.level)
    at_level = [p for p in parameters if p.level == query.level]
    measures = [(p.domain, p.item) for p in at_level]
    if query.domain is None:
        chosen = next((p for p in at_level if not p.item), at_level[0])
    else:
        wanted = (query.domain, query.item or "")
        found = next((p for p in at_level if (p.domain, p.item) == wanted), None)
        if found is None:
            raise NothingReleased("measure", "/".join(v for v in wanted if v))
        chosen = found
    units = await unit_rows(revision.id, chosen.domain, chosen.item, query.level)
    picked = [
        u
        for u in units
        if (query.sector is None or u.sector == query.sector)
        and (query.area is None or u.area == query.area)
    ]
    return FunnelView(
        query=query,
        revision=revision,
        periods=sorted({r.period for r in released}, reverse=True),
        questionnaires=[r.questionnaire for r in released if r.period == revision.period],
        measures=measures,
        levels=levels,
        areas=sorted({u.area for u in units if u.area}),
        sectors=[s for s in SECTOR_ORDER if any(u.sector == s for u in units)],
        parameters=chosen,
        units=sort_units(picked, query.sort, query.direction),
        all_units=len(units),
    )


@dataclass(frozen=True)
class SectorView:
    revision: Released
    periods: Sequence[str]
    questionnaires: Sequence[str]
    cells: Sequence[GapCell]
    sources: Sequence[str] = field(default_factory=tuple)
    targets: Sequence[str] = field(default_factory=tuple)

    def cell(self, source: str, target: str) -> GapCell | None:
        return next((c for c in self.cells if (c.source, c.target) == (source, target)), None)


def _ordered(codes: set[str]) -> list[str]:
    return [s for s in SECTOR_ORDER if s in codes] + sorted(codes - set(SECTOR_ORDER))


async def _gap_revision(query: SectorQuery) -> tuple[list[Released], Released, list[GapCell]]:
    released = await _released_or_404()
    revision = choose_revision(released, query.period, query.questionnaire)
    cells = await gap_cells(revision.id)
    if query.questionnaire is None and not cells:
        # The default is the period's questionnaire that asks about transitions.
        for other in (r for r in released if r.period == revision.period):
            cells = await gap_cells(other.id)
            if cells:
                revision = other
                break
    return released, revision, cells


async def sector_view(query: SectorQuery) -> SectorView:
    """The region's from x to matrix of one released revision (possibly empty)."""
    released, revision, cells = await _gap_revision(query)
    return SectorView(
        revision=revision,
        periods=sorted({r.period for r in released}, reverse=True),
        questionnaires=[r.questionnaire for r in released if r.period == revision.period],
        cells=cells,
        sources=_ordered({c.source for c in cells}),
        targets=_ordered({c.target for c in cells}),
    )


@dataclass(frozen=True)
class TransitionView:
    revision: Released
    cell: GapCell
    #: the proportion funnel's parameters (None if the build stored none)
    parameters: ItemParameters | None
    units: Sequence[UnitRow]


async def transition_view(
    query: SectorQuery, source: str, target: str, sort: str = "adjusted", direction: str = "desc"
) -> TransitionView:
    """One transition: the region's cell, the units behind it and their funnel's parameters."""
    _released, revision, cells = await _gap_revision(query)
    cell = next((c for c in cells if (c.source, c.target) == (source, target)), None)
    if cell is None:
        raise NothingReleased("transition", f"{source}->{target}")
    key = f"{source}->{target}"
    parameters = next(
        (
            p
            for p in await item_parameters(revision.id)
            if p.domain == GAP_DOMAIN and p.item == key and p.level == "practice"
        ),
        None,
    )
    units = await transition_units(revision.id, source, target)
    return TransitionView(revision, cell, parameters, sort_units(units, sort, direction))
