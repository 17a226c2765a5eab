"""Wilson score intervals of raw shares (top-box %, reported-problem %).

A separate small function because stored results keep only the share and the
number of answers of a unit, not a fitted :class:`analysis.ItemResult`: the
build computes the bounds from the answers' counts through this one place.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from statsmodels.stats.proportion import proportion_confint

__all__ = ["wilson_interval"]


def wilson_interval(
    count: ArrayLike, n: ArrayLike, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``count`` successes out of ``n`` answers.

    Parameters
    ----------
    count, n : array-like of int
        Successes and answers per unit; ``0 <= count <= n``.
    alpha : float, default 0.05
        One minus the coverage (0.05: the 95% interval).

    Returns
    -------
    low, high : ndarray of float
        Bounds on the 0..1 scale; NaN where ``n`` is 0 (no answers, no share).

    Notes
    -----
    ``statsmodels.stats.proportion.proportion_confint(method="wilson")``. Unlike
    the Wald interval it stays inside 0..1 and keeps its coverage near 0 % and
    100 % and for small units (Brown, Cai and DasGupta 2001); with ``count`` 0
    the lower bound is exactly 0, with ``count == n`` the upper bound is 1.
    """
    counts = np.atleast_1d(np.asarray(count, dtype=float))
    sizes = np.atleast_1d(np.asarray(n, dtype=float))
    low = np.full(counts.shape, np.nan)
    high = np.full(counts.shape, np.nan)
    some = sizes > 0
    if some.any():
        lo, hi = proportion_confint(counts[some], sizes[some], alpha=alpha, method="wilson")
        low[some] = np.clip(np.asarray(lo, dtype=float), 0.0, 1.0)
        high[some] = np.clip(np.asarray(hi, dtype=float), 0.0, 1.0)
    # Exactly 0 and 1 at the ends (the closed form's value there), not 1 - 1e-16:
    # a share of 100 % must lie inside its own interval.
    low[some & (counts <= 0)] = 0.0
    high[some & (counts >= sizes)] = 1.0
    return low, high
