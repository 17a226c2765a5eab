"""Turning answer codes into scores (ANALYSIS_SPEC section 1).

Answer codes arrive as strings (``"1"`` .. ``"5"``, ``"yes"``, ...) or as
numbers; anything that is not a scored code (not applicable, don't know,
skipped) becomes missing, so it drops out of the item rather than counting as
a bad answer (LUP practice).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from analysis._errors import InputError

__all__ = [
    "FFT_POSITIVE_CODES",
    "FFT_SCORED_CODES",
    "LIKERT_CODES",
    "composite_score",
    "fft_percent_positive",
    "fft_positive",
    "indicator",
    "likert_score",
    "top_box",
]

#: Scored codes of a ``likert5`` item, worst to best.
LIKERT_CODES: tuple[str, ...] = ("1", "2", "3", "4", "5")
#: Scored codes of the Friends and Family Test: 1 very good .. 5 very poor (6 = don't know).
FFT_SCORED_CODES: tuple[str, ...] = ("1", "2", "3", "4", "5")
#: FFT codes that count as positive (very good, good).
FFT_POSITIVE_CODES: tuple[str, ...] = ("1", "2")


def _as_codes(values: pd.Series | Sequence[object]) -> pd.Series:
    """Normalise codes to strings so ``5``, ``5.0`` and ``"5"`` are the same answer."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if isinstance(series.dtype, pd.CategoricalDtype):
        # Map the (few) categories instead of millions of cells: this is the
        # difference between milliseconds and seconds on a national table.
        # A trailing None is what code -1 (missing) indexes, also when an item
        # nobody answered has no categories at all.
        cats = np.array([_code_text(c) for c in series.cat.categories] + [None], dtype=object)
        text = cats[series.cat.codes.to_numpy()]
        return pd.Series(text, index=series.index, dtype=object)
    return series.map(_code_text, na_action="ignore").astype(object)


def _code_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(value).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value).strip()


def _mapped(values: pd.Series | Sequence[object], table: dict[str, float]) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if isinstance(series.dtype, pd.CategoricalDtype):
        lookup = np.array(
            [table.get(str(_code_text(c)), np.nan) for c in series.cat.categories] + [np.nan]
        )
        # Code -1 (missing) indexes the trailing NaN.
        return pd.Series(lookup[series.cat.codes.to_numpy()], index=series.index, dtype=float)
    codes = _as_codes(series)
    return codes.map(table).astype(float)


def likert_score(values: pd.Series | Sequence[object]) -> pd.Series:
    """Score a five-point item on 0..100.

    Parameters
    ----------
    values : Series or sequence
        Answer codes ``"1"`` .. ``"5"`` (5 best), as strings or numbers. Any
        other code (not applicable, don't know) and missing cells give NaN.

    Returns
    -------
    Series of float
        ``(k - 1) * 25`` for code ``k``; NaN where the item is not scored.

    Notes
    -----
    Linear 0..100 scoring of an ordinal scale is the LUP and CAHPS convention;
    it makes a one-step change on the scale worth 25 points everywhere.

    References
    ----------
    .. [1] ANALYSIS_SPEC.md section 1; LUP (Landsdækkende Undersøgelse af
       Patientoplevelser) scoring practice.
    """
    return _mapped(values, {code: (k * 25.0) for k, code in enumerate(LIKERT_CODES)})


def top_box(
    values: pd.Series | Sequence[object], best: str = "5", scored: Collection[str] = LIKERT_CODES
) -> pd.Series:
    """Indicator of the best answer: 1.0 for ``best``, 0.0 for other scored codes.

    Parameters
    ----------
    values : Series or sequence
        Answer codes.
    best : str, default "5"
        The top-box code.
    scored : collection of str
        Codes that count as answers; anything else gives NaN.

    Returns
    -------
    Series of float
        1.0, 0.0 or NaN; its mean is the top-box proportion.

    References
    ----------
    .. [1] ANALYSIS_SPEC.md section 1 (top-box % per item).
    """
    return indicator(values, positive=(best,), scored=scored)


def fft_positive(values: pd.Series | Sequence[object]) -> pd.Series:
    """Friends and Family Test answer as 1.0 (very good, good), 0.0, or NaN.

    Parameters
    ----------
    values : Series or sequence
        FFT codes ``"1"`` (very good) .. ``"5"`` (very poor); ``"6"`` (don't
        know) and anything else give NaN.

    Returns
    -------
    Series of float

    References
    ----------
    .. [1] NHS England, Friends and Family Test guidance (2019): % positive =
       very good + good over all valid responses excluding don't know.
    """
    return indicator(values, positive=FFT_POSITIVE_CODES, scored=FFT_SCORED_CODES)


def fft_percent_positive(values: pd.Series | Sequence[object]) -> float:
    """Percentage positive of a set of FFT answers (NaN when none is scored).

    Parameters
    ----------
    values : Series or sequence
        FFT answer codes.

    Returns
    -------
    float
        100 * (very good + good) / (scored answers).
    """
    scored = fft_positive(values).dropna()
    return float(100.0 * scored.mean()) if len(scored) else float("nan")


def indicator(
    values: pd.Series | Sequence[object],
    positive: Collection[str],
    scored: Collection[str] | None = None,
) -> pd.Series:
    """1.0 where the code is in ``positive``, 0.0 for other scored codes, else NaN.

    Parameters
    ----------
    values : Series or sequence
        Answer codes.
    positive : collection of str
        Codes mapped to 1 (e.g. the problem codes of a cross-sector item).
    scored : collection of str, optional
        Codes that count as answers. By default every non-missing code except
        ``"na"`` counts.

    Returns
    -------
    Series of float
    """
    positive_set = {str(p) for p in positive}
    if scored is not None:
        table = {str(c): (1.0 if str(c) in positive_set else 0.0) for c in scored}
        return _mapped(values, table)
    codes = _as_codes(values)
    out = pd.Series(np.where(codes.isin(positive_set), 1.0, 0.0), index=codes.index)
    return out.where(codes.notna() & (codes != "na"))


#: Row length from which numpy's pairwise summation no longer adds strictly in order.
_PAIRWISE_BLOCK = 8


def _numeric_column(column: pd.Series) -> np.ndarray:
    """``pd.to_numeric(column, errors="coerce")`` as float64 (numbers without a copy)."""
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def composite_score(
    scores: pd.DataFrame, items: Sequence[str] | None = None, min_share: float = 0.5
) -> pd.Series:
    """Domain score: a patient's mean over answered items of the domain.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent, item scores already on a common scale (e.g.
        from :func:`likert_score`), NaN where not answered.
    items : sequence of str, optional
        Columns forming the domain (default: all columns).
    min_share : float, default 0.5
        The composite is given only when at least this share of the domain's
        items is answered; otherwise NaN.

    Returns
    -------
    Series of float

    Notes
    -----
    Averaging answered items (rather than requiring all) keeps patients who
    skipped a non-applicable question; requiring half of them keeps a
    composite from resting on one item of a long domain.

    References
    ----------
    .. [1] ANALYSIS_SPEC.md section 1; CAHPS composite scoring instructions.
    """
    cols = list(scores.columns if items is None else items)
    missing = [c for c in cols if c not in scores.columns]
    if missing:
        raise InputError(f"composite items not in the table: {', '.join(map(repr, missing))}")
    if not cols:
        raise InputError("a composite needs at least one item")
    if len(cols) < _PAIRWISE_BLOCK:
        # Column by column: a national year's domain as one float64 block (and
        # its masked copy) was the build's peak memory. numpy sums fewer than 8
        # values of a row strictly left to right, so the sums are the block's.
        count = np.zeros(len(scores), dtype=np.int64)
        total = np.zeros(len(scores), dtype=float)
        for col in cols:
            values = _numeric_column(scores[col])
            answered = np.isfinite(values)
            count += answered
            total += np.where(answered, values, 0.0)
    else:
        block = scores[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        answered = np.isfinite(block)
        count = answered.sum(axis=1)
        total = np.where(answered, block, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    # Compare counts, not a float share, so "at least half" of 3 items is 2.
    enough = count >= np.ceil(min_share * len(cols) - 1e-12)
    enough &= count > 0
    return pd.Series(np.where(enough, mean, np.nan), index=scores.index, dtype=float)
