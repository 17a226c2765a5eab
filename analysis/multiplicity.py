"""How many labels chance alone gives, and labels controlled for false discoveries.

With thousands of units per item, about 5% lie outside the 95% funnel limits
even when every unit is as good as the region: 8,300 practices give some 400
"below" or "above" points on each item by chance. Two answers, both offered:

* :func:`chance_flags` says, beside the labels, how many units are outside
  each pair of limits and how many would be by chance alone.
* :func:`fdr_labels` gives the labels again with the false discovery rate
  controlled by Benjamini-Hochberg (``statsmodels.stats.multitest``): among
  the units labelled above or below, at most 5% are expected to be chance
  (0.2% for the alarm labels), however many units there are.

Which labels a build stores is a setting; it is stored with the results and
stated wherever labels are shown (ANALYSIS_SPEC 3, docs/analysis.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from statsmodels.stats.multitest import multipletests

from analysis._errors import InputError
from analysis.compare import (
    ABOVE,
    ALARM_ABOVE,
    ALARM_BELOW,
    AS_EXPECTED,
    BELOW,
    LOW_RELIABILITY,
    SUPPRESSED,
)
from analysis.items import ItemResult

__all__ = [
    "LABEL_METHODS",
    "ChanceFlags",
    "chance_flags",
    "fdr_labels",
    "funnel_p_values",
    "labels_by",
]

#: ``spec``: ANALYSIS_SPEC 3 (per-unit limits); ``fdr``: Benjamini-Hochberg.
LABEL_METHODS: tuple[str, ...] = ("spec", "fdr")
#: Two-sided error rates of the 95% and 99.8% limits.
_ALPHA_95 = 0.05
_ALPHA_998 = 0.002


@dataclass(frozen=True)
class ChanceFlags:
    """Units outside the funnel limits of one item, and how many chance explains.

    Attributes
    ----------
    units : int
        Units with limits (the non-suppressed ones).
    outside95, outside998 : int
        Units outside the 95% and the 99.8% limits (either side).
    expected95, expected998 : float
        Units expected outside them if every unit were as the region:
        ``0.05 * units`` and ``0.002 * units``.
    """

    units: int
    outside95: int
    expected95: float
    outside998: int
    expected998: float


def chance_flags(result: ItemResult) -> ChanceFlags:
    """Observed and chance-expected counts of units outside the funnel limits.

    The limits are two-sided, so a unit as good as the region falls outside
    the 95% limits with probability 0.05 whatever its size; the expected
    count is that probability times the number of units with limits.
    """
    funnel = result.funnel
    shown = ~result.suppressed & np.isfinite(funnel.lower95)
    value = _funnel_value(result)
    outside95 = shown & ((value < funnel.lower95) | (value > funnel.upper95))
    outside998 = shown & ((value < funnel.lower998) | (value > funnel.upper998))
    units = int(shown.sum())
    return ChanceFlags(
        units=units,
        outside95=int(outside95.sum()),
        expected95=_ALPHA_95 * units,
        outside998=int(outside998.sum()),
        expected998=_ALPHA_998 * units,
    )


def _funnel_value(result: ItemResult) -> np.ndarray:
    # The value the funnel limits are drawn for: the adjusted score, clipped
    # to 0..1 for proportions as analysis.funnel_proportions does.
    if result.measure == "proportion":
        return np.clip(result.adjusted, 0.0, 1.0)
    return result.adjusted


def funnel_p_values(result: ItemResult) -> np.ndarray:
    """Two-sided p-value per unit of the test the spec's labels make (NaN if suppressed).

    The spec labels a unit when two tests reject: ``|adj - mu| / se > z`` and
    the funnel test with overdispersion, ``|adj - mu| / sqrt(s_w^2 / n +
    tau^2) > z`` (for proportions on the arcsine scale, ``1 / (4 n)`` in
    place of ``s_w^2 / n``). Both reject exactly when the smaller of the two
    |z| does, so the p-value of the pair is that of the smaller |z|.
    """
    fit, funnel = result.casemix, result.funnel
    n = fit.unit_nobs.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_se = np.abs(fit.adjusted - fit.mu) / fit.se
        if result.measure == "proportion":
            angle = np.arcsin(np.sqrt(_funnel_value(result)))
            target = np.arcsin(np.sqrt(funnel.target))
            z_funnel = np.abs(angle - target) / np.sqrt(1.0 / (4.0 * n) + funnel.tau2)
        else:
            z_funnel = np.abs(fit.adjusted - funnel.target) / np.sqrt(
                funnel.s_w**2 / n + funnel.tau2
            )
    z = np.minimum(z_se, z_funnel)
    p = 2.0 * norm.sf(z)
    return np.where(result.suppressed | ~np.isfinite(z), np.nan, p)


def fdr_labels(result: ItemResult, q: float = _ALPHA_95, q_alarm: float = _ALPHA_998) -> np.ndarray:
    """The labels with the false discovery rate controlled (Benjamini-Hochberg).

    Units the spec leaves unlabelled (``suppressed``, ``low_reliability``)
    stay so. The others are tested together: ``above`` / ``below`` where
    Benjamini-Hochberg at level ``q`` rejects the p-value of
    :func:`funnel_p_values`, ``alarm_above`` / ``alarm_below`` where it
    rejects at ``q_alarm``, ``as_expected`` elsewhere.

    References
    ----------
    .. [1] Benjamini, Y. and Hochberg, Y. (1995). Controlling the false
       discovery rate. JRSS B 57, 289-300.
    .. [2] Jones, H. E., Ohlssen, D. I. and Spiegelhalter, D. J. (2008).
       Use of the false discovery rate when comparing the performance of
       healthcare providers. Qual Saf Health Care 17, 128-133.
    """
    if not (0.0 < q_alarm <= q < 1.0):
        raise InputError(f"need 0 < q_alarm <= q < 1, not q={q}, q_alarm={q_alarm}")
    flags = np.array(result.flags, dtype=object)
    tested = ~np.isin(flags, (SUPPRESSED, LOW_RELIABILITY))
    p = funnel_p_values(result)
    tested &= np.isfinite(p)
    labels = flags.copy()
    labels[tested] = AS_EXPECTED
    if not tested.any():
        return labels
    higher = result.adjusted > result.mu
    for level, up, down in ((q, ABOVE, BELOW), (q_alarm, ALARM_ABOVE, ALARM_BELOW)):
        reject = np.zeros(len(flags), dtype=bool)
        reject[tested] = multipletests(p[tested], alpha=level, method="fdr_bh")[0]
        labels[reject & higher] = up
        labels[reject & ~higher] = down
    return labels


def labels_by(result: ItemResult, method: str) -> np.ndarray:
    """The labels of ``method`` (one of :data:`LABEL_METHODS`)."""
    if method == "spec":
        return np.array(result.flags, dtype=object)
    if method == "fdr":
        return fdr_labels(result)
    raise InputError(f"label method must be one of {', '.join(LABEL_METHODS)}, not {method!r}")
