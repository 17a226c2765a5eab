"""Comparison labels against the population (ANALYSIS_SPEC sections 3 and 6).

Labels are codes, never prose: the web layer translates them.
"""

from __future__ import annotations

import numpy as np

from analysis.funnel import Z_95, FunnelLimits

__all__ = [
    "ABOVE",
    "ALARM_ABOVE",
    "ALARM_BELOW",
    "AS_EXPECTED",
    "BELOW",
    "FLAGS",
    "LOW_RELIABILITY",
    "MIN_LABEL_N",
    "MIN_RELIABILITY",
    "PRECISE_RELIABILITY",
    "SUPPRESSED",
    "classify_units",
]

ABOVE = "above"
BELOW = "below"
ALARM_ABOVE = "alarm_above"
ALARM_BELOW = "alarm_below"
AS_EXPECTED = "as_expected"
LOW_RELIABILITY = "low_reliability"
SUPPRESSED = "suppressed"
#: Every label :func:`classify_units` can return.
FLAGS: tuple[str, ...] = (
    ABOVE,
    BELOW,
    ALARM_ABOVE,
    ALARM_BELOW,
    AS_EXPECTED,
    LOW_RELIABILITY,
    SUPPRESSED,
)

#: No over/under label below this many respondents (LUP department rule).
MIN_LABEL_N = 20
#: No comparative label below this reliability.
MIN_RELIABILITY = 0.70
#: Below this reliability a published label is marked "low precision".
PRECISE_RELIABILITY = 0.80


def classify_units(
    nobs: np.ndarray,
    adjusted: np.ndarray,
    se: np.ndarray,
    mu: float,
    funnel: FunnelLimits,
    reliability: np.ndarray,
    *,
    min_n: int = 10,
    min_label_n: int = MIN_LABEL_N,
    min_reliability: float = MIN_RELIABILITY,
) -> np.ndarray:
    """The over / under / as-expected label of each unit.

    Parameters
    ----------
    nobs : array of int
        Respondents per unit.
    adjusted, se : array
        Adjusted unit scores and their standard errors.
    mu : float
        Population value (mean or proportion).
    funnel : FunnelLimits
        Limits at each unit's n.
    reliability : array
        Unit reliabilities R_j.
    min_n : int, default 10
        Below this, ``suppressed``.
    min_label_n : int, default 20
        Below this, ``low_reliability``.
    min_reliability : float, default 0.70
        Below this, ``low_reliability``.

    Returns
    -------
    ndarray of str
        One of :data:`FLAGS` per unit.

    Notes
    -----
    A unit is ``above`` / ``below`` when ``|adj - mu| / se > 1.96`` *and* it
    lies outside the 95% funnel limit with overdispersion, and
    ``alarm_above`` / ``alarm_below`` when it is also outside the 99.8% limit
    (for means that implies ``|z| > 3.09``; for proportions, whose limits
    are on the arcsine scale, the se test is kept explicitly). Requiring both
    keeps large units with a trivial but "significant" difference from being
    labelled once overdispersion is accounted for.

    References
    ----------
    .. [1] ANALYSIS_SPEC.md sections 3 and 6 (LUP "over / under / som
       forventet"; GP Patient Survey minimum base of 10).
    .. [2] Spiegelhalter, D. J. (2005). Funnel plots for comparing
       institutional performance. Statistics in Medicine 24, 1185-1202.
    """
    n = np.asarray(nobs)
    adjusted = np.asarray(adjusted, dtype=float)
    diff = adjusted - mu
    with np.errstate(divide="ignore", invalid="ignore"):
        significant = np.abs(diff) / np.asarray(se, dtype=float) > Z_95
    flags = np.full(len(n), AS_EXPECTED, dtype=object)
    flags[significant & (adjusted > funnel.upper95)] = ABOVE
    flags[significant & (adjusted < funnel.lower95)] = BELOW
    flags[significant & (adjusted > funnel.upper998)] = ALARM_ABOVE
    flags[significant & (adjusted < funnel.lower998)] = ALARM_BELOW
    flags[(n < min_label_n) | (np.asarray(reliability) < min_reliability)] = LOW_RELIABILITY
    flags[n < min_n] = SUPPRESSED
    return flags
