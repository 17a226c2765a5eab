"""Funnel-plot control limits with overdispersion (ANALYSIS_SPEC section 4).

Limits are drawn around the population target at each unit's own size; the
overdispersion (additive random effect tau^2) widens them so that ordinary
between-unit variation that no patient-level model explains does not light up
half the units as outliers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._errors import InputError

__all__ = [
    "Z_95",
    "Z_998",
    "FunnelLimits",
    "Overdispersion",
    "funnel_means",
    "funnel_proportions",
    "overdispersion",
]

#: Two-sided 95% normal quantile.
Z_95 = 1.959964
#: Two-sided 99.8% normal quantile.
Z_998 = 3.090232

_WINSOR = 0.10


@dataclass(frozen=True)
class Overdispersion:
    """Multiplicative and additive overdispersion of a set of z-scores.

    Attributes
    ----------
    phi : float
        Mean squared winsorised z-score.
    tau2 : float
        DerSimonian-Laird between-unit variance (0 when ``I phi < I - 1``).
    n_units : int
        Units used (I).
    """

    phi: float
    tau2: float
    n_units: int


def overdispersion(z: np.ndarray, variances: np.ndarray, winsor: float = _WINSOR) -> Overdispersion:
    """Winsorised phi and DerSimonian-Laird tau^2.

    Parameters
    ----------
    z : array
        Unit z-scores against the target (only the units to be used).
    variances : array
        Within-unit sampling variances ``s_j^2`` of the same units, on the
        scale of the z-score's numerator.
    winsor : float, default 0.10
        Share winsorised in each tail.

    Returns
    -------
    Overdispersion

    Notes
    -----
    z is clipped to its ``winsor`` and ``1 - winsor`` percentiles (linear
    interpolation), ``phi = mean(z_w^2)`` and, with ``w = 1 / s^2``,
    ``tau^2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w))``.
    With fewer than two units there is no between-unit variance to estimate
    and tau^2 is 0.

    References
    ----------
    .. [1] Spiegelhalter, D. J. (2005). Handling over-dispersion of
       performance indicators. Quality and Safety in Health Care 14, 347-351.
    .. [2] DerSimonian, R. and Laird, N. (1986). Meta-analysis in clinical
       trials. Controlled Clinical Trials 7, 177-188.
    .. [3] Chris Mainey, FunnelPlotR (R package), ``phi_func`` and ``tau_func``.
    """
    z = np.asarray(z, dtype=float)
    variances = np.asarray(variances, dtype=float)
    n_units = len(z)
    if n_units == 0:
        return Overdispersion(phi=float("nan"), tau2=0.0, n_units=0)
    lo, hi = np.percentile(z, [100 * winsor, 100 * (1 - winsor)])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    if n_units < 2 or n_units * phi < n_units - 1:
        return Overdispersion(phi=phi, tau2=0.0, n_units=n_units)
    w = 1.0 / variances
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (n_units * phi - (n_units - 1)) / denom) if denom > 0 else 0.0
    return Overdispersion(phi=phi, tau2=float(tau2), n_units=n_units)


@dataclass(frozen=True)
class FunnelLimits:
    """Funnel limits at each unit's size.

    Attributes
    ----------
    measure : str
        ``"mean"`` or ``"proportion"``.
    target : float
        Population value the funnel is centred on (mu or p0).
    s_w : float
        Within-unit SD (means only; NaN for proportions).
    phi, tau2 : float
        Overdispersion, see :func:`overdispersion`.
    n_used : int
        Units that entered the overdispersion estimate.
    z : ndarray
        Unit z-scores (NaN for units not used).
    lower95, upper95, lower998, upper998 : ndarray
        Limits at each unit's n (NaN for units not used).
    """

    measure: str
    target: float
    s_w: float
    phi: float
    tau2: float
    n_used: int
    z: np.ndarray
    lower95: np.ndarray
    upper95: np.ndarray
    lower998: np.ndarray
    upper998: np.ndarray

    def curve(self, nobs: np.ndarray | list[float]) -> pd.DataFrame:
        """Limits on a grid of sizes, for drawing the funnel.

        Parameters
        ----------
        nobs : array of float
            Unit sizes.

        Returns
        -------
        DataFrame
            Columns ``n, lower95, upper95, lower998, upper998``.
        """
        n = np.asarray(nobs, dtype=float)
        cols = {"n": n}
        for label, zq in (("95", Z_95), ("998", Z_998)):
            lo, hi = _limits(self.measure, self.target, self.s_w, self.tau2, n, zq)
            cols[f"lower{label}"] = lo
            cols[f"upper{label}"] = hi
        return pd.DataFrame(cols)


def _limits(
    measure: str, target: float, s_w: float, tau2: float, n: np.ndarray, zq: float
) -> tuple[np.ndarray, np.ndarray]:
    if measure == "mean":
        half = zq * np.sqrt(s_w**2 / n + tau2)
        return target - half, target + half
    theta = np.arcsin(np.sqrt(target))
    half = zq * np.sqrt(1.0 / (4.0 * n) + tau2)
    # The angle lives in [0, pi/2]; past either end the limit is 0 or 1.
    lower = np.sin(np.clip(theta - half, 0.0, np.pi / 2)) ** 2
    upper = np.sin(np.clip(theta + half, 0.0, np.pi / 2)) ** 2
    return lower, upper


def _include_mask(n: np.ndarray, include: np.ndarray | None) -> np.ndarray:
    if include is None:
        return np.ones(len(n), dtype=bool)
    include = np.asarray(include, dtype=bool)
    if include.shape != n.shape:
        raise InputError("include must have one entry per unit")
    return include


def _build(
    measure: str,
    target: float,
    s_w: float,
    z_all: np.ndarray,
    var_all: np.ndarray,
    n: np.ndarray,
    use: np.ndarray,
) -> FunnelLimits:
    od = overdispersion(z_all[use], var_all[use])
    nan = np.full(len(n), np.nan)
    z = np.where(use, z_all, np.nan)
    limits = {}
    for label, zq in (("95", Z_95), ("998", Z_998)):
        lo, hi = _limits(measure, target, s_w, od.tau2, n, zq)
        limits[f"lower{label}"] = np.where(use, lo, nan)
        limits[f"upper{label}"] = np.where(use, hi, nan)
    for arr in (z, *limits.values()):
        arr.flags.writeable = False
    return FunnelLimits(
        measure=measure,
        target=float(target),
        s_w=float(s_w),
        phi=od.phi,
        tau2=od.tau2,
        n_used=od.n_units,
        z=z,
        **limits,
    )


def funnel_means(
    adjusted: np.ndarray,
    nobs: np.ndarray,
    s_w: float,
    target: float,
    include: np.ndarray | None = None,
    se: np.ndarray | None = None,
) -> FunnelLimits:
    """Funnel limits for unit means.

    Parameters
    ----------
    adjusted : array
        Unit scores (case-mix adjusted).
    nobs : array of int
        Respondents per unit.
    s_w : float
        Pooled within-unit SD.
    target : float
        The population mean mu.
    include : array of bool, optional
        Units that enter the overdispersion estimate and get limits (the
        non-suppressed ones); default all.
    se : array, optional
        Standard errors of the adjusted scores, including the uncertainty of
        the case-mix adjustment (:attr:`analysis.CasemixFit.se`); default
        ``s_w / sqrt(n_j)``.

    Returns
    -------
    FunnelLimits

    Notes
    -----
    ``z_j = (adj_j - mu) / se_j`` and the DerSimonian-Laird weights are
    ``w_j = 1 / se_j^2`` (ANALYSIS_SPEC sections 2 and 4). The limits are a
    curve in n, ``mu +/- z_q sqrt(s_w^2 / n + tau^2)``: they do not depend
    on a unit's case mix, which is what lets one funnel be drawn for all.

    References
    ----------
    .. [1] Spiegelhalter, D. J. (2005). Funnel plots for comparing
       institutional performance. Statistics in Medicine 24, 1185-1202.
    .. [2] Spiegelhalter, D. J. (2005). Handling over-dispersion of
       performance indicators. Qual Saf Health Care 14, 347-351.
    """
    adjusted = np.asarray(adjusted, dtype=float)
    n = np.asarray(nobs, dtype=float)
    use = _include_mask(n, include)
    if se is None:
        var = s_w**2 / n
    else:
        var = np.asarray(se, dtype=float) ** 2
        if var.shape != n.shape:
            raise InputError("se must have one entry per unit")
    z = (adjusted - target) / np.sqrt(var)
    return _build("mean", target, s_w, z, var, n, use)


def funnel_proportions(
    proportions: np.ndarray, nobs: np.ndarray, target: float, include: np.ndarray | None = None
) -> FunnelLimits:
    """Funnel limits for unit proportions on the arcsine-square-root scale.

    Parameters
    ----------
    proportions : array
        Unit proportions in [0, 1] (adjusted ones are clipped to that range).
    nobs : array of int
        Respondents per unit.
    target : float
        Population proportion p0.
    include : array of bool, optional
        Units that enter the overdispersion estimate and get limits.

    Returns
    -------
    FunnelLimits

    Notes
    -----
    ``Y_j = asin(sqrt(p_j))`` has variance ``1 / (4 n_j)`` whatever p is;
    ``z_j = (Y_j - asin(sqrt(p0))) * 2 sqrt(n_j)``; limits
    ``sin^2(asin(sqrt(p0)) +/- z_q sqrt(1 / (4 n_j) + tau^2))``.

    References
    ----------
    .. [1] Spiegelhalter, D. J. (2005). Handling over-dispersion of
       performance indicators. Qual Saf Health Care 14, 347-351 (appendix,
       variance-stabilising transforms).
    """
    p = np.clip(np.asarray(proportions, dtype=float), 0.0, 1.0)
    n = np.asarray(nobs, dtype=float)
    if not 0.0 <= target <= 1.0:
        raise InputError(f"target proportion {target!r} is outside 0..1")
    use = _include_mask(n, include)
    var = 1.0 / (4.0 * n)
    z = (np.arcsin(np.sqrt(p)) - np.arcsin(np.sqrt(target))) / np.sqrt(var)
    return _build("proportion", target, float("nan"), z, var, n, use)
