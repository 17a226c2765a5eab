"""Raw shares with their 95% Wilson interval, in percent, as the build stores them.

Top-box % and reported-problem % are unadjusted shares of 0/1 answers; their
interval is the Wilson score interval of the count out of the answers
(:func:`analysis.proportions.wilson_interval`), which stays inside 0..100 and
keeps its coverage at 0 % and 100 %. The adjusted shares keep the model's
interval and the arcsine funnel (ANALYSIS_SPEC 1 and 4).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from analysis.proportions import wilson_interval

__all__ = ["EMPTY", "share_from_mean", "share_of", "shares_by_unit"]

#: A share that cannot be shown: no answers, or a suppressed unit.
EMPTY: dict[str, float | None] = {"share": None, "low": None, "high": None}


def _percent(value: float) -> float | None:
    return None if math.isnan(value) else 100.0 * float(value)


def share_of(count: int, n: int) -> dict[str, float | None]:
    """``count`` of ``n`` answers as a percentage with its Wilson interval."""
    if n <= 0:
        return dict(EMPTY)
    low, high = wilson_interval(count, n)
    return {"share": 100.0 * count / n, "low": _percent(low[0]), "high": _percent(high[0])}


def share_from_mean(share: float | None, n: int) -> dict[str, float | None]:
    """A stored share (0..1, the mean of 0/1 answers) of ``n`` answers, with its interval.

    ``share * n`` is a whole count up to float rounding; it is rounded so the
    interval is that of the count (as :meth:`analysis.ItemResult.wilson_interval`).
    """
    if share is None or math.isnan(share) or n <= 0:
        return dict(EMPTY)
    return share_of(round(share * n), n)


def shares_by_unit(indicator: pd.Series, unit: pd.Series) -> dict[Any, dict[str, float | None]]:
    """Per unit: the share (%) of 1s among its answered (non-missing) 0/1 values.

    ``indicator`` and ``unit`` share an index; a unit whose values are all
    missing gets :data:`EMPTY`.
    """
    answered = indicator.notna()
    grouped = indicator[answered].groupby(unit[answered])
    counts = grouped.sum()
    sizes = grouped.size()
    count_values, size_values = counts.to_numpy(), sizes.to_numpy()
    low, high = wilson_interval(count_values, size_values)
    out: dict[Any, dict[str, float | None]] = {}
    # Plain arrays in the loop: .iloc per unit cost seconds over a national year.
    for j, key in enumerate(sizes.index):
        n = int(size_values[j])
        out[key] = {
            "share": 100.0 * float(count_values[j]) / n,
            "low": _percent(float(low[j])),
            "high": _percent(float(high[j])),
        }
    return out
