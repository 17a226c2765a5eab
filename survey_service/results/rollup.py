"""Results of the units above the answering ones: area, hospital, department, region.

Each level of the region's tree (``practice.parent``) gets its own adjusted
comparison with the same methods as the bottom level: every response is
relabelled as its unit's ancestor at that level and the very same per-item
analysis (:func:`survey_service.results.service.unit_rows`) runs on the
relabelled table. Nothing is averaged from the units' results, so an area's
score is the adjusted mean of its patients, not a mean of its practices' means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis import MIN_UNIT_N, Z_95, ItemResult
from survey_service.practices.tree import PRACTICE_LEVEL, Unit, ancestors, level_of
from survey_service.results.shares import share_of

__all__ = ["REFERENCE", "Level", "item_row", "levels_of", "reference_result", "relabel"]

#: Flag of the only unit of a level (the region): it is the whole comparison
#: population, so there is nothing to compare it with.
REFERENCE = "reference"


@dataclass(frozen=True)
class Level:
    """One tree level above the answering units.

    ``unit_of`` maps each answering unit's code to its ancestor's code at this
    level; answering units without an ancestor at the level are absent (their
    answers do not take part at that level).
    """

    name: str
    unit_of: Mapping[str, str]

    @property
    def units(self) -> list[str]:
        return sorted(set(self.unit_of.values()))


def levels_of(tree: Mapping[str, Unit], codes: Sequence[str]) -> list[Level]:
    """The roll-up levels of the answering units ``codes``, nearest level first.

    A level is named after the sector of the structural ancestors that form it
    (``area``, ``section``, ``department``, ``hospital``, ``region``: what
    :func:`survey_service.practices.tree.level_of` calls them). When a unit has
    two ancestors of the same sector the nearer one counts. Codes missing from
    the tree and units without a parent take part only at the bottom level.
    """
    by_level: dict[str, dict[str, str]] = {}
    depth: dict[str, list[int]] = {}
    for code in sorted(set(codes)):
        if code not in tree:
            continue
        for step, above in enumerate(ancestors(tree, code), start=1):
            name = level_of(tree[above])
            if name == PRACTICE_LEVEL:
                # A surveyed unit above another one: not a roll-up level.
                continue
            mapping = by_level.setdefault(name, {})
            if code not in mapping:
                mapping[code] = above
                depth.setdefault(name, []).append(step)
    order = sorted(by_level, key=lambda name: (sum(depth[name]) / len(depth[name]), name))
    return [Level(name, by_level[name]) for name in order]


def relabel(scored: pd.DataFrame, columns: Sequence[str], level: Level) -> pd.DataFrame:
    """``scored[columns]`` of the responses that take part at ``level``, with the
    ``practice`` column holding the ancestor's code (the row index is kept, so
    score series of the full table line up with it)."""
    unit = scored["practice"].map(dict(level.unit_of))
    keep = unit.notna()
    table = scored.loc[keep, list(dict.fromkeys(["practice", *columns]))].copy()
    table["practice"] = unit[keep].astype(str)
    return table


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def item_row(
    result: ItemResult, level: str, domain: str, item_id: str, measure: str
) -> dict[str, Any]:
    """The ``report_item`` row of one analysis (any level): what a funnel plot needs.

    mu and s_w are NULL when fewer than 10 respondents answered at the level
    (every unit is then suppressed, and the mean would be one of theirs); s_w
    is NULL for proportions, whose funnel does not use it (ANALYSIS_SPEC 4).
    """
    hidden = result.nobs < MIN_UNIT_N
    return {
        "level": level,
        "domain": domain,
        "item": item_id,
        "measure": measure,
        "units": int(result.funnel.n_used),
        "n": int(result.nobs),
        "mu": None if hidden else _number(float(result.mu)),
        "s_w": None if hidden or measure != "mean" else _number(float(result.casemix.s_w)),
        "tau2": _number(float(result.funnel.tau2)),
        "phi": _number(float(result.funnel.phi)),
    }


def reference_result(score: pd.Series, top: pd.Series | None) -> dict[str, float | int | None]:
    """The one unit's result when a level has a single unit (ANALYSIS_SPEC 2-3 need two).

    Its case mix is the population's, so the adjusted score is the observed
    mean; the interval is the mean's 95% interval, ``mean +/- 1.96 sd/sqrt(n)``.
    Numbers are None below the minimum n, exactly as for a suppressed unit.
    """
    answered = score.dropna().astype(float)
    n = len(answered)
    result: dict[str, float | int | None] = {"n": n, "mu": None, "s_w": None}
    for name in ("observed", "adjusted", "se", "ci_low", "ci_high"):
        result[name] = None
    result.update(top_box=None, top_box_low=None, top_box_high=None)
    if n < MIN_UNIT_N:
        return result
    mean = float(answered.mean())
    sd = float(answered.std(ddof=1))
    se = sd / math.sqrt(n)
    result.update(
        mu=mean,
        s_w=sd,
        observed=mean,
        adjusted=mean,
        se=se,
        ci_low=mean - Z_95 * se,
        ci_high=mean + Z_95 * se,
    )
    if top is not None:
        shown = top[answered.index].dropna()
        share = share_of(int(shown.sum()), len(shown))
        result.update(top_box=share["share"], top_box_low=share["low"], top_box_high=share["high"])
    return result
