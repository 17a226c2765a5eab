"""What the region's pages read: funnels per tree level, the sector-gap matrix.

Plain reads of one stored revision (docs/results.md, "The region's view").
The functions take a revision id and do not check release or publication:
the caller picks the revision (:func:`released_revision`, or the
publication's own reader). Numbers are NULL wherever a unit is suppressed.
"""

from __future__ import annotations

from typing import Any

from survey_service.practices.service import STRUCTURAL_SECTORS
from survey_service.practices.tree import PRACTICE_LEVEL
from survey_service.results.gaps import GAP_DOMAIN
from survey_service.results.revisions import newest_revisions
from survey_service.results.tables import ReportGap, ReportItem, ReportUnit

__all__ = ["funnel", "gap_matrix", "gap_units", "released_revision"]

_ITEM_COLUMNS = ("level", "domain", "item", "measure", "units", "n", "mu", "s_w", "tau2", "phi")
_UNIT_NUMBERS = ("observed", "adjusted", "se", "ci_low", "ci_high", "reliability", "eb")
#: ``observed_low/high``: the 95% Wilson interval of the unadjusted share ``observed``.
_GAP_NUMBERS = ("observed", "adjusted", "se", "ci_low", "ci_high", "observed_low", "observed_high")
_PRACTICE_COLUMNS = ("id", "code", "name", "sector", "region_area")


async def released_revision(slug: str, period: str) -> int | None:
    """Id of the newest RELEASED revision of questionnaire ``slug`` for ``period``, or None."""
    found = await newest_revisions("released", period=period, questionnaire=slug)
    return found[0].id if found else None


def _with_practice(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Piccolo names joined columns "practice.code"; the pages get plain keys.
    out = []
    for row in rows:
        plain = {k: v for k, v in row.items() if not k.startswith("practice.")}
        plain["practice"] = row["practice.id"]
        for name in _PRACTICE_COLUMNS[1:]:
            plain[name] = row[f"practice.{name}"]
        out.append(plain)
    return sorted(out, key=lambda r: (r["name"].casefold(), r["code"]))


async def funnel(
    revision_id: int, domain: str, item: str, level: str = PRACTICE_LEVEL
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """One funnel plot: the ``report_item`` row and the unit rows at ``level``.

    ``item`` is "" for a domain composite; for a transition use domain
    ``sector_gap`` and item ``from->to`` (the unit rows then come from
    :func:`gap_units`, in percent, while mu stays a share 0..1). ``level`` is
    ``practice`` for the answering units, else a structural sector (``area``,
    ``hospital``, ``department``, ``section``, ``region``). Unit rows carry
    ``n, observed, adjusted, se, ci_low, ci_high`` (+ ``reliability, eb,
    top_box, top_box_low, top_box_high`` for items: the top-box share and its
    Wilson interval), ``flag, suppressed`` and the unit's ``practice``
    (id), ``code, name, sector, region_area``, sorted by name. The item row is
    None when nothing was analysed (fewer than two units, no answers).
    """
    found = await ReportItem.select(*(getattr(ReportItem, c) for c in _ITEM_COLUMNS)).where(
        (ReportItem.revision == revision_id)
        & (ReportItem.level == level)
        & (ReportItem.domain == domain)
        & (ReportItem.item == item)
    )
    parameters = found[0] if found else None
    if domain == GAP_DOMAIN:
        source, _, target = item.partition("->")
        return parameters, await gap_units(revision_id, source, target)
    where = (
        (ReportUnit.revision == revision_id)
        & (ReportUnit.domain == domain)
        & (ReportUnit.item == item)
    )
    # A unit's level is its sector if it is structural, else "practice"
    # (practices.tree.level_of), so the rows of one level never mix with another's.
    if level == PRACTICE_LEVEL:
        where &= ReportUnit.practice.sector.not_in(sorted(STRUCTURAL_SECTORS))
    else:
        where &= ReportUnit.practice.sector == level
    shares = ("top_box", "top_box_low", "top_box_high")
    columns = [getattr(ReportUnit, c) for c in ("n", *_UNIT_NUMBERS, *shares, "flag")]
    columns += [ReportUnit.suppressed]
    columns += [getattr(ReportUnit.practice, c) for c in _PRACTICE_COLUMNS]
    return parameters, _with_practice(await ReportUnit.select(*columns).where(where))


async def gap_matrix(revision_id: int) -> list[dict[str, Any]]:
    """The region's row of every transition (one cell each of the from x to matrix).

    Keys ``from_sector, to_sector, n, observed, adjusted, se, ci_low, ci_high,
    observed_low, observed_high`` (percent with a problem, 0..100, the last two
    the Wilson interval of the unadjusted ``observed``; NULL when suppressed), ``flag``
    (``reference`` when the questionnaire had a single transition) and
    ``suppressed``; sorted by from, then to.
    """
    columns = [getattr(ReportGap, c) for c in ("from_sector", "to_sector", "n", *_GAP_NUMBERS)]
    return (
        await ReportGap.select(*columns, ReportGap.flag, ReportGap.suppressed)
        .where((ReportGap.revision == revision_id) & ReportGap.practice.is_null())
        .order_by(ReportGap.from_sector, ReportGap.to_sector)
    )


async def gap_units(revision_id: int, from_sector: str, to_sector: str) -> list[dict[str, Any]]:
    """Every unit's gap rate on one transition (its funnel), with the unit's details.

    Keys ``n, observed, adjusted, se, ci_low, ci_high, observed_low,
    observed_high`` (percent, NULL when suppressed), ``flag`` (as for items:
    above means MORE problems than expected), ``suppressed``, and ``practice``
    (id), ``code, name, sector, region_area``; sorted by name.
    """
    columns = [getattr(ReportGap, c) for c in ("n", *_GAP_NUMBERS, "flag", "suppressed")]
    columns += [getattr(ReportGap.practice, c) for c in _PRACTICE_COLUMNS]
    rows = await ReportGap.select(*columns).where(
        (ReportGap.revision == revision_id)
        & ReportGap.practice.is_not_null()
        & (ReportGap.from_sector == from_sector)
        & (ReportGap.to_sector == to_sector)
    )
    return _with_practice(rows)
