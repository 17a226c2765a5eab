"""Cross-sector gap rates of one questionnaire's answers (ANALYSIS_SPEC 7).

Items with a ``transition`` (questionnaires/cross-sector) ask whether a
hand-over between two sectors went well. The gap rate is the adjusted share of
patients who reported a problem, so it is ``100 - score`` of the item's stored
score (which is 100 when no problem was reported, results.frame.score_item).
All numbers here are percentages 0..100; the funnel parameters (report_item)
keep mu as a share 0..1, as ``analysis.funnel_proportions`` uses it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis import (
    MIN_UNIT_N,
    AnalysisError,
    AnalysisWarning,
    ItemResult,
    analyse_item,
    sector_gaps,
    transitions_long,
)
from analysis.multiplicity import labels_by
from survey_service.practices.tree import PRACTICE_LEVEL
from survey_service.results.frame import ResponseFrame
from survey_service.results.rollup import REFERENCE, item_row, reference_result
from survey_service.results.shares import share_from_mean

__all__ = ["GAP_DOMAIN", "GapRows", "gap_rows", "transition_items"]

#: ``report_item.domain`` of the transitions' funnel parameters.
GAP_DOMAIN = "sector_gap"
#: Stored in percent; the analysis gives shares.
_NUMBERS = ("observed", "adjusted", "se", "ci_low", "ci_high")
#: The 95% Wilson interval of ``observed`` (the reported-problem share, unadjusted).
_BOUNDS = ("observed_low", "observed_high")


@dataclass
class GapRows:
    """What one frame's transitions give, not yet stored.

    ``region``: one row per transition (``practice`` None); ``units``: per
    transition and unit (``practice`` the unit's code); ``items``: one
    ``report_item`` row per transition with a unit funnel.
    """

    region: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


def transition_items(frame: ResponseFrame) -> dict[str, tuple[str, str]]:
    """Item id -> (from, to) of the frame's scored cross-sector items."""
    return {
        item.id: (item.transition.source, item.transition.target)
        for item in frame.items
        if item.transition is not None and item.problem_codes
    }


def _percent(value: Any) -> float | None:
    number = float(value)
    return None if np.isnan(number) else 100.0 * number


def gap_rows(frame: ResponseFrame, adjusters: Sequence[str], labels: str = "spec") -> GapRows:
    """Regional gap rate of every transition and the per-unit funnels.

    Answers that the item does not score (don't know, not applicable) are left
    out, exactly as the item's score leaves them out. With two or more
    transitions the regional rates come from :func:`analysis.sector_gaps`
    (each transition standardised to the case mix of everyone who answered
    one). With a single transition there is nothing to standardise against:
    its regional row is the observed share with the mean's 95% interval, flag
    ``reference``; its unit funnel is computed the same way sector_gaps does.
    """
    # Only items someone answered: the rest add nothing (and an all-empty
    # column has no answer codes to score).
    items = {i: t for i, t in transition_items(frame).items() if frame.codes[i].notna().any()}
    out = GapRows()
    if not items:
        return out
    by_id = {item.id: item for item in frame.items}
    unscored = {o.code for i in items for o in by_id[i].options if not o.scored}
    long = transitions_long(
        frame.codes,
        items=items,
        problem_codes={i: by_id[i].problem_codes for i in items},
        keep=["practice", *adjusters],
        not_scored=unscored | {"na"},
    )
    if long.empty:
        return out
    long["problem"] = long["problem"].astype(float)
    pairs = sorted(set(zip(long["from_sector"], long["to_sector"], strict=True)))
    units: dict[tuple[str, str], ItemResult] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnalysisWarning)
        if len(pairs) >= 2:
            try:
                gaps = sector_gaps(long, unit="practice", adjusters=adjusters, min_n=MIN_UNIT_N)
            except AnalysisError:
                # e.g. collinear adjusters: no gap results in this revision.
                return out
            for record in gaps.transitions.to_dict("records"):
                row: dict[str, Any] = {
                    "practice": None,
                    "from_sector": str(record["from_sector"]),
                    "to_sector": str(record["to_sector"]),
                    "n": int(record["n"]),
                    "flag": "",
                    "suppressed": bool(record["suppressed"]),
                }
                for name in _NUMBERS:
                    row[name] = None if row["suppressed"] else _percent(record[name])
                row.update(_bounds(None if row["suppressed"] else record["observed"], row["n"]))
                out.region.append(row)
            units = dict(gaps.units)
        else:
            (pair,) = pairs
            out.region.append(_single_region_row(pair, long["problem"]))
            result = _unit_funnel(long, pair, adjusters)
            if result is not None:
                units[pair] = result
    for (source, target), result in units.items():
        out.items.append(
            item_row(result, PRACTICE_LEVEL, GAP_DOMAIN, f"{source}->{target}", "proportion")
        )
        frame_rows = result.to_frame()
        frame_rows["flag"] = labels_by(result, labels)
        # The raw share's Wilson interval, per unit in the order of to_frame's rows.
        frame_rows["observed_low"], frame_rows["observed_high"] = result.wilson_interval()
        for record in frame_rows.to_dict("records"):
            suppressed = record["flag"] == "suppressed"
            row = {
                "practice": str(record["unit"]),
                "from_sector": source,
                "to_sector": target,
                "n": int(record["n"]),
                "flag": str(record["flag"]),
                "suppressed": suppressed,
            }
            for name in (*_NUMBERS, *_BOUNDS):
                row[name] = None if suppressed else _percent(record[name])
            out.units.append(row)
    return out


def _single_region_row(pair: tuple[str, str], problem: pd.Series) -> dict[str, Any]:
    one = reference_result(100.0 * problem, None)
    suppressed = one["adjusted"] is None
    row: dict[str, Any] = {
        "practice": None,
        "from_sector": pair[0],
        "to_sector": pair[1],
        "n": one["n"],
        "flag": REFERENCE,
        "suppressed": suppressed,
    }
    row.update({name: one[name] for name in _NUMBERS})
    observed = one["observed"]
    row.update(_bounds(None if observed is None else float(observed) / 100.0, row["n"]))
    return row


def _bounds(share: float | None, n: int) -> dict[str, float | None]:
    """The Wilson interval (%) of an unadjusted share (0..1) of ``n`` answers."""
    found = share_from_mean(share, n)
    return {"observed_low": found["low"], "observed_high": found["high"]}


def _unit_funnel(
    long: pd.DataFrame, pair: tuple[str, str], adjusters: Sequence[str]
) -> ItemResult | None:
    # The per-transition step of analysis.sector_gaps, for the one-transition case.
    rows = (long["from_sector"] == pair[0]) & (long["to_sector"] == pair[1])
    part = long.loc[rows, ["practice", *adjusters, "problem"]]
    if part["practice"].nunique() < 2:
        return None
    try:
        return analyse_item(
            part,
            unit="practice",
            score="problem",
            adjusters=list(adjusters),
            min_n=MIN_UNIT_N,
            measure="proportion",
        )
    except AnalysisError:
        return None
