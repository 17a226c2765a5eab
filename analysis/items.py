"""The whole per-item analysis: adjust, funnel, reliability, label, suppress.

This is the entry point the web layer, the CLI and the national batch call;
each step lives in its own module and is usable on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from analysis._design import Encoded, encode
from analysis._errors import InputError
from analysis._validate import numeric_values, require_columns, require_frame
from analysis.casemix import CasemixFit, fit_encoded
from analysis.compare import (
    MIN_LABEL_N,
    MIN_RELIABILITY,
    PRECISE_RELIABILITY,
    SUPPRESSED,
    classify_units,
)
from analysis.funnel import FunnelLimits, funnel_means, funnel_proportions
from analysis.reliability import Reliability, unit_reliability
from analysis.suppression import MIN_UNIT_N

__all__ = [
    "UNIT_COLUMNS",
    "ItemResult",
    "ItemResults",
    "Measure",
    "SharedDesign",
    "analyse_item",
    "analyse_items",
    "shared_design",
]

Measure = Literal["mean", "proportion"]

#: Columns of :meth:`ItemResult.to_frame`, in the order of the CLI's output.
UNIT_COLUMNS: tuple[str, ...] = (
    "unit",
    "n",
    "observed",
    "adjusted",
    "se",
    "ci_low",
    "ci_high",
    "reliability",
    "eb",
    "funnel95_low",
    "funnel95_high",
    "funnel998_low",
    "funnel998_high",
    "flag",
)


@dataclass(frozen=True)
class ItemResult:
    """Everything computed for one item or composite.

    Attributes
    ----------
    item : str
        Score column analysed.
    measure : {"mean", "proportion"}
        Whether funnel limits are for means or (arcsine) proportions.
    casemix : CasemixFit
        The fixed-effects fit: raw and adjusted scores, se, params, s_w.
    funnel : FunnelLimits
        Limits at each unit's n, with overdispersion.
    reliability : Reliability
        ICC, unit reliability and empirical-Bayes estimates.
    flags : ndarray of str
        Comparison label per unit (see :data:`analysis.FLAGS`).
    min_n : int
        Minimum respondents for a unit result.
    """

    item: str
    measure: str
    casemix: CasemixFit
    funnel: FunnelLimits
    reliability: Reliability
    flags: np.ndarray
    min_n: int

    @property
    def nobs(self) -> int:
        """Respondents with a score."""
        return self.casemix.nobs

    @property
    def units(self) -> np.ndarray:
        """Unit labels."""
        return self.casemix.units

    @property
    def adjusted(self) -> np.ndarray:
        """Case-mix adjusted unit scores (also for suppressed units)."""
        return self.casemix.adjusted

    @property
    def se(self) -> np.ndarray:
        """Standard errors of the adjusted scores."""
        return self.casemix.se

    @property
    def params(self) -> pd.Series:
        """Adjuster coefficients."""
        return self.casemix.params

    @property
    def mu(self) -> float:
        """Population mean (the comparison target)."""
        return self.casemix.mu

    @property
    def suppressed(self) -> np.ndarray:
        """Units whose results must not be shown."""
        return self.flags == SUPPRESSED

    @property
    def low_precision(self) -> np.ndarray:
        """Units with a published label of reliability between 0.70 and 0.80."""
        r = self.reliability.reliability
        return (
            (~self.suppressed)
            & (r >= MIN_RELIABILITY)
            & (r < PRECISE_RELIABILITY)
            & (self.casemix.unit_nobs >= MIN_LABEL_N)
        )

    def wilson_interval(self, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
        """Wilson score interval of each unit's raw share (top-box %, FFT positive).

        Parameters
        ----------
        alpha : float, default 0.05
            One minus the coverage (0.05 gives the 95% interval of
            ANALYSIS_SPEC section 1).

        Returns
        -------
        low, high : ndarray
            Bounds on the 0..1 scale for the unobserved share, one per unit,
            around ``casemix.observed`` (the unadjusted share). Like
            ``adjusted``, suppressed units' values are returned but must not
            be published.

        Raises
        ------
        InputError
            The item was not analysed with ``measure="proportion"``.

        Notes
        -----
        Computed by ``statsmodels.stats.proportion.proportion_confint`` with
        ``method="wilson"``; unlike the Wald interval it stays inside 0..1
        and keeps its coverage for shares near 0 or 1 and for small units.

        References
        ----------
        .. [1] Wilson, E. B. (1927). Probable inference, the law of
           succession, and statistical inference. JASA 22, 209-212.
        .. [2] Brown, L. D., Cai, T. T. and DasGupta, A. (2001). Interval
           estimation for a binomial proportion. Statistical Science 16,
           101-133.
        """
        if self.measure != "proportion":
            raise InputError(
                f"{self.item!r}: Wilson intervals are for proportions, not {self.measure!r}"
            )
        n = self.casemix.unit_nobs
        # observed is a mean of 0/1 answers, so observed * n is a count up to
        # rounding; round it so statsmodels gets the integer it assumes.
        count = np.rint(self.casemix.observed * n)
        low, high = proportion_confint(count, n, alpha=alpha, method="wilson")
        return np.asarray(low, dtype=float), np.asarray(high, dtype=float)

    @property
    def wilson_low(self) -> np.ndarray:
        """Lower end of the 95% Wilson interval of the raw share (proportions only)."""
        return self.wilson_interval()[0]

    @property
    def wilson_high(self) -> np.ndarray:
        """Upper end of the 95% Wilson interval of the raw share (proportions only)."""
        return self.wilson_interval()[1]

    def to_frame(self, *, extra: bool = False) -> pd.DataFrame:
        """One row per unit, numbers blank where the unit is suppressed.

        Parameters
        ----------
        extra : bool, default False
            Add ``item, z, low_precision`` after the standard columns.

        Returns
        -------
        DataFrame
            Columns :data:`UNIT_COLUMNS` (plus extras); suppressed units keep
            ``unit``, ``n`` and ``flag`` and have NaN elsewhere.
        """
        fit = self.casemix
        hide = self.suppressed
        numbers = {
            "observed": fit.observed,
            "adjusted": fit.adjusted,
            "se": fit.se,
            "ci_low": fit.ci_low,
            "ci_high": fit.ci_high,
            "reliability": self.reliability.reliability,
            "eb": self.reliability.eb,
            "funnel95_low": self.funnel.lower95,
            "funnel95_high": self.funnel.upper95,
            "funnel998_low": self.funnel.lower998,
            "funnel998_high": self.funnel.upper998,
        }
        frame = pd.DataFrame({"unit": fit.units, "n": fit.unit_nobs})
        for name, values in numbers.items():
            frame[name] = np.where(hide, np.nan, values)
        frame["flag"] = self.flags
        if extra:
            frame["item"] = self.item
            frame["z"] = np.where(hide, np.nan, self.funnel.z)
            frame["low_precision"] = self.low_precision
        return frame


@dataclass(frozen=True)
class ItemResults:
    """Results of many items analysed from one table.

    Attributes
    ----------
    results : mapping of str to ItemResult
        In the order the items were given.
    """

    results: Mapping[str, ItemResult]

    def __getitem__(self, item: str) -> ItemResult:
        return self.results[item]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per item and unit, with ``item, z, low_precision``."""
        frames = [r.to_frame(extra=True) for r in self.results.values()]
        return pd.concat(frames, ignore_index=True)


def _check_proportion(values: np.ndarray, item: str) -> None:
    answered = values[np.isfinite(values)]
    if not np.isin(answered, (0.0, 1.0)).all():
        bad = answered[~np.isin(answered, (0.0, 1.0))][0]
        raise InputError(f"score column {item!r} must be 0/1 for proportions, found {bad!r}")


def _analyse_scores(y: np.ndarray, enc: Encoded, item: str, measure: str, min_n: int) -> ItemResult:
    fit = fit_encoded(enc, y, item)
    n = fit.unit_nobs
    shown = n >= min_n
    if measure == "mean":
        funnel = funnel_means(fit.adjusted, n, fit.s_w, fit.mu, include=shown, se=fit.se)
    else:
        funnel = funnel_proportions(fit.adjusted, n, fit.mu, include=shown)
    rel = unit_reliability(fit.adjusted, n, fit.mu, fit.s_w**2)
    flags = classify_units(n, fit.adjusted, fit.se, fit.mu, funnel, rel.reliability, min_n=min_n)
    flags.flags.writeable = False
    return ItemResult(
        item=item,
        measure=measure,
        casemix=fit,
        funnel=funnel,
        reliability=rel,
        flags=flags,
        min_n=min_n,
    )


@dataclass(frozen=True)
class SharedDesign:
    """Units and adjusters of one table, encoded once for many score series.

    :meth:`analyse` gives exactly what :func:`analyse_item` gives on the table
    with that series as its score column (the same codes, hence the same
    design, fit and numbers), without factorizing the unit and every adjuster
    again for each item: a national build analyses dozens of series of one
    table, and the encoding was half of each item's cost.
    """

    index: pd.Index
    encoded: Encoded
    min_n: int

    def analyse(
        self, score: pd.Series, *, item: str = "score", measure: Measure = "mean"
    ) -> ItemResult:
        """One series (aligned on the table's index; other rows are ignored)."""
        if measure not in ("mean", "proportion"):
            raise InputError(f"measure must be 'mean' or 'proportion', not {measure!r}")
        if not score.index.equals(self.index):
            score = score.reindex(self.index)
        y = numeric_values(score, item)
        if measure == "proportion":
            _check_proportion(y, item)
        return _analyse_scores(y, self.encoded, item, measure, self.min_n)


def shared_design(
    df: pd.DataFrame, *, unit: str, adjusters: Sequence[str] = (), min_n: int = MIN_UNIT_N
) -> SharedDesign:
    """Encode ``df``'s unit and adjuster columns once (see :class:`SharedDesign`)."""
    df = require_frame(df)
    adjusters = list(adjusters)
    if min_n < 1:
        raise InputError(f"min_n must be at least 1, not {min_n}")
    require_columns(df, [unit, *adjusters])
    return SharedDesign(index=df.index, encoded=encode(df, unit, adjusters), min_n=min_n)


def analyse_items(
    df: pd.DataFrame,
    *,
    unit: str,
    scores: Sequence[str],
    adjusters: Sequence[str] = (),
    min_n: int = MIN_UNIT_N,
    measure: Measure = "mean",
    scoring: Callable[[pd.Series], pd.Series] | None = None,
) -> ItemResults:
    """Analyse many score columns of one response table.

    Parameters
    ----------
    df : DataFrame
        One row per respondent.
    unit : str
        Unit column.
    scores : sequence of str
        Score columns (items or composites), each analysed on its own
        respondents (rows where it is not missing).
    adjusters : sequence of str
        Categorical case-mix adjuster columns.
    min_n : int, default 10
        Units with fewer respondents are ``suppressed``; they still count in
        mu, beta and s_w.
    measure : {"mean", "proportion"}
        ``"proportion"`` for 0/1 scores (top-box, FFT positive, problem
        indicators): arcsine funnel limits.
    scoring : callable, optional
        Applied to each score column first, e.g. :func:`analysis.likert_score`
        or :func:`analysis.top_box` on answer codes. Scoring inside the loop
        keeps one item's floats in memory at a time instead of all of them.

    Returns
    -------
    ItemResults

    Raises
    ------
    InputError
        See :func:`analyse_item`.

    Notes
    -----
    Units and adjusters are encoded once; each item then costs a handful of
    passes of group sums over its respondents, which is what makes a national
    year (millions of responses, thousands of units) take seconds.
    """
    df = require_frame(df)
    scores = list(scores)
    adjusters = list(adjusters)
    if measure not in ("mean", "proportion"):
        raise InputError(f"measure must be 'mean' or 'proportion', not {measure!r}")
    if min_n < 1:
        raise InputError(f"min_n must be at least 1, not {min_n}")
    if not scores:
        raise InputError("no score columns given")
    overlap = set(scores) & ({unit} | set(adjusters))
    if overlap:
        raise InputError(f"column used both as score and as unit/adjuster: {sorted(overlap)}")
    require_columns(df, [unit, *adjusters, *scores])
    enc = encode(df, unit, adjusters)
    results: dict[str, ItemResult] = {}
    for item in scores:
        column = df[item] if scoring is None else scoring(df[item])
        y = numeric_values(column, item)
        if measure == "proportion":
            _check_proportion(y, item)
        results[item] = _analyse_scores(y, enc, item, measure, min_n)
    return ItemResults(results=results)


def analyse_item(
    df: pd.DataFrame,
    *,
    unit: str,
    score: str,
    adjusters: Sequence[str] = (),
    min_n: int = MIN_UNIT_N,
    measure: Measure = "mean",
) -> ItemResult:
    """Case-mix adjusted unit results for one item or composite.

    Parameters
    ----------
    df : DataFrame
        One row per respondent.
    unit : str
        Unit column (practice, department, municipality, ...).
    score : str
        Numeric score column (0..100 or any scale; 0/1 for proportions).
    adjusters : sequence of str
        Categorical adjuster columns (age band, sex, self-rated health, ...).
    min_n : int, default 10
        Minimum respondents for a unit result.
    measure : {"mean", "proportion"}
        Funnel limits for means, or arcsine limits for 0/1 scores.

    Returns
    -------
    ItemResult
        Raw and adjusted scores, se, 95% interval, reliability, EB estimate,
        funnel limits at 95% and 99.8%, and a label per unit;
        :meth:`ItemResult.to_frame` gives the tidy table.

    Raises
    ------
    InputError
        Missing column, non-numeric or infinite score, all scores missing,
        fewer than two units, no within-unit variance, collinear adjusters.

    Warns
    -----
    SingleLevelAdjusterWarning
        An adjuster with a single observed level is dropped.
    AdjusterDroppedWarning
        A dummy that does not vary within units is dropped.

    Notes
    -----
    Steps: :func:`analysis.fit_casemix` (CAHPS fixed-effects adjustment),
    :func:`analysis.funnel_means` or :func:`analysis.funnel_proportions`
    (Spiegelhalter funnel with DerSimonian-Laird overdispersion over the
    non-suppressed units), :func:`analysis.unit_reliability` (ICC, Spearman-Brown,
    empirical Bayes), :func:`analysis.classify_units` (labels). For
    proportions the adjustment is the linear probability model, as in CAHPS
    top-box scoring.

    References
    ----------
    .. [1] CAHPS Hospital Survey (HCAHPS) Mode and Patient-Mix Adjustment, CMS, 2008.
    .. [2] Spiegelhalter, D. J. (2005). Funnel plots for comparing
       institutional performance. Statistics in Medicine 24, 1185-1202.
    """
    return analyse_items(
        df, unit=unit, scores=[score], adjusters=adjusters, min_n=min_n, measure=measure
    )[score]
