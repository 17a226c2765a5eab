"""Reliability of unit scores and empirical-Bayes shrinkage (ANALYSIS_SPEC section 5)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Reliability", "unit_reliability"]


@dataclass(frozen=True)
class Reliability:
    """One-way ANOVA reliability of unit scores.

    Attributes
    ----------
    icc : float
        Intraclass correlation of the adjusted patient scores, floored at 0.
    msb, msw : float
        Between- and within-unit mean squares.
    n0 : float
        Effective unit size of the unbalanced ANOVA.
    reliability : ndarray
        ``R_j = n_j ICC / (1 + (n_j - 1) ICC)`` per unit.
    eb : ndarray
        Empirical-Bayes estimates ``mu + R_j (adj_j - mu)``.
    """

    icc: float
    msb: float
    msw: float
    n0: float
    reliability: np.ndarray
    eb: np.ndarray


def unit_reliability(adjusted: np.ndarray, nobs: np.ndarray, mu: float, s_w2: float) -> Reliability:
    """ICC, unit reliability and empirical-Bayes ("best") estimates.

    Parameters
    ----------
    adjusted : array
        Adjusted unit scores (unit means of the adjusted patient scores).
    nobs : array of int
        Respondents per unit.
    mu : float
        Mean over all respondents.
    s_w2 : float
        Pooled within-unit variance (MSW).

    Returns
    -------
    Reliability

    Notes
    -----
    ``MSB = sum_j n_j (adj_j - mu)^2 / (J - 1)``,
    ``n0 = (N - sum_j n_j^2 / N) / (J - 1)``,
    ``ICC = max(0, (MSB - MSW) / (MSB + (n0 - 1) MSW))``. The reliability is
    the Spearman-Brown step-up of the ICC to the unit's size, and is the
    shrinkage factor of the random-intercept model's BLUP, so ``eb`` pulls
    small, noisy units towards the population mean.

    References
    ----------
    .. [1] Shrout, P. E. and Fleiss, J. L. (1979). Intraclass correlations:
       uses in assessing rater reliability. Psychol Bull 86, 420-428.
    .. [2] Snijders, T. A. B. and Bosker, R. J. (2012). Multilevel Analysis,
       2nd ed., sections 3.3 (ICC) and 4.8 (empirical Bayes estimates).
    .. [3] Lyratzopoulos, G. et al. (2011). How can health care organizations
       be reliably compared? Lessons from a national survey of patient
       experience. Med Care 49, 724-733.
    """
    adjusted = np.asarray(adjusted, dtype=float)
    n = np.asarray(nobs, dtype=float)
    n_units = len(n)
    total = n.sum()
    msb = float(np.sum(n * (adjusted - mu) ** 2) / (n_units - 1))
    msw = float(s_w2)
    n0 = float((total - np.sum(n**2) / total) / (n_units - 1))
    icc = max(0.0, (msb - msw) / (msb + (n0 - 1.0) * msw))
    rel = n * icc / (1.0 + (n - 1.0) * icc)
    eb = mu + rel * (adjusted - mu)
    rel.flags.writeable = False
    eb.flags.writeable = False
    return Reliability(icc=float(icc), msb=msb, msw=msw, n0=n0, reliability=rel, eb=eb)
