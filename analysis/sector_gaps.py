"""Cross-sector communication gaps (ANALYSIS_SPEC section 7).

Items such as "Did your GP know what happened at the hospital?" carry a
transition (from-sector, to-sector). The gap rate of a transition is the
case-mix adjusted share of patients reporting a problem; the region's overview
is a from x to matrix of those rates, and each transition also gets the usual
per-unit funnel analysis.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._design import encode
from analysis._errors import InputError
from analysis._validate import numeric_score, require_columns, require_frame
from analysis.casemix import fit_encoded
from analysis.items import ItemResult, analyse_item
from analysis.scoring import indicator
from analysis.suppression import MIN_UNIT_N

__all__ = ["SECTORS", "SectorGaps", "sector_gaps", "transitions_long"]

#: Sector codes in the order the overview lists them.
SECTORS: tuple[str, ...] = (
    "gp",
    "specialist",
    "physiotherapy",
    "chiropractic",
    "psychology",
    "dentistry",
    "podiatry",
    "hospital",
    "psychiatry",
    "municipality",
    "prehospital",
)

_KEY_SEP = "\x1f"  # joins from/to into one unit key; cannot occur in a sector code


@dataclass(frozen=True)
class SectorGaps:
    """Regional and per-unit gap rates of every transition.

    Attributes
    ----------
    matrix : DataFrame
        Adjusted gap rate (0..1), rows ``from_sector``, columns
        ``to_sector``; NaN where there is no transition or it is suppressed.
    transitions : DataFrame
        One row per transition: ``from_sector, to_sector, n, observed,
        adjusted, se, ci_low, ci_high, suppressed``.
    units : mapping of (str, str) to ItemResult
        Per-unit analysis (proportion funnel) of each transition that has
        answers from at least two units and variation within units; other
        transitions have no entry.
    params : Series
        Adjuster coefficients of the regional model.
    """

    matrix: pd.DataFrame
    transitions: pd.DataFrame
    units: Mapping[tuple[str, str], ItemResult]
    params: pd.Series


def _sector_order(values: Collection[str]) -> list[str]:
    known = [s for s in SECTORS if s in values]
    return known + sorted(v for v in values if v not in SECTORS)


def transitions_long(
    df: pd.DataFrame,
    *,
    items: Mapping[str, tuple[str, str]],
    problem_codes: Mapping[str, Collection[str]],
    keep: Sequence[str] = (),
    not_scored: Collection[str] = ("na",),
) -> pd.DataFrame:
    """Reshape cross-sector items to one row per respondent and transition.

    Parameters
    ----------
    df : DataFrame
        One row per respondent, one column per cross-sector item (answer codes).
    items : mapping of str to (str, str)
        Item column to its ``(from_sector, to_sector)``.
    problem_codes : mapping of str to collection of str
        Item column to the codes that count as a problem (the questionnaire's
        ``problem_codes``).
    keep : sequence of str
        Columns carried over (unit, adjusters).
    not_scored : collection of str, default ("na",)
        Codes that mean the item does not apply; such rows are left out.

    Returns
    -------
    DataFrame
        ``keep`` columns plus ``from_sector, to_sector, problem`` (0.0/1.0).
    """
    df = require_frame(df)
    require_columns(df, [*items, *keep])
    frames = []
    for item, (from_sector, to_sector) in items.items():
        if item not in problem_codes:
            raise InputError(f"no problem codes given for item {item!r}")
        codes = df[item]
        problem = indicator(codes, positive=problem_codes[item])
        answered = problem.notna() & ~codes.astype(str).isin({str(c) for c in not_scored})
        part = df.loc[answered, list(keep)].copy()
        part["from_sector"] = from_sector
        part["to_sector"] = to_sector
        part["problem"] = problem[answered].to_numpy()
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def sector_gaps(
    df: pd.DataFrame,
    *,
    unit: str,
    from_sector: str = "from_sector",
    to_sector: str = "to_sector",
    problem: str = "problem",
    adjusters: Sequence[str] = (),
    min_n: int = MIN_UNIT_N,
) -> SectorGaps:
    """Case-mix adjusted gap rates per transition, as a matrix and per unit.

    Parameters
    ----------
    df : DataFrame
        One row per respondent and transition (see :func:`transitions_long`).
    unit : str
        Unit column for the per-unit funnels.
    from_sector, to_sector : str
        Columns naming the transition's sectors.
    problem : str
        0/1 column: the patient reported a problem at this transition.
    adjusters : sequence of str
        Categorical case-mix adjusters.
    min_n : int, default 10
        Transitions (in the matrix) and units (in the funnels) with fewer
        answers are suppressed.

    Returns
    -------
    SectorGaps

    Raises
    ------
    InputError
        As :func:`analysis.analyse_item`, plus fewer than two transitions.

    Notes
    -----
    The regional rates come from the fixed-effects model of
    :func:`analysis.fit_casemix` with the transition in place of the unit, so
    every transition is standardised to the case mix of all patients who
    answered any transition: a transition used mostly by old, sick patients
    (hospital -> municipality) is not made to look worse by its patients alone.
    A patient answering several transitions contributes one row to each; the
    standard errors treat rows as independent.

    References
    ----------
    .. [1] ANALYSIS_SPEC.md section 7; CAHPS patient-mix adjustment (CMS, 2008).
    """
    df = require_frame(df)
    adjusters = list(adjusters)
    require_columns(df, [unit, from_sector, to_sector, problem, *adjusters])
    y = numeric_score(df, problem)
    answered = y[np.isfinite(y)]
    if not np.isin(answered, (0.0, 1.0)).all():
        raise InputError(f"problem column {problem!r} must be 0/1")
    if df[from_sector].isna().any() or df[to_sector].isna().any():
        raise InputError(f"transition columns {from_sector!r}/{to_sector!r} have empty cells")
    key = df[from_sector].astype(str) + _KEY_SEP + df[to_sector].astype(str)
    if key[np.isfinite(y)].nunique() < 2:
        raise InputError("fewer than two transitions have answers")
    frame = pd.DataFrame({"_transition": key.to_numpy()}, index=df.index)
    for a in adjusters:
        frame[a] = df[a]
    fit = fit_encoded(encode(frame, "_transition", adjusters), y, problem)

    pairs = [str(k).split(_KEY_SEP, 1) for k in fit.units]
    suppressed = fit.unit_nobs < min_n
    table = pd.DataFrame(
        {
            "from_sector": [p[0] for p in pairs],
            "to_sector": [p[1] for p in pairs],
            "n": fit.unit_nobs,
            "observed": np.where(suppressed, np.nan, fit.observed),
            "adjusted": np.where(suppressed, np.nan, fit.adjusted),
            "se": np.where(suppressed, np.nan, fit.se),
            "ci_low": np.where(suppressed, np.nan, fit.ci_low),
            "ci_high": np.where(suppressed, np.nan, fit.ci_high),
            "suppressed": suppressed,
        }
    )
    matrix = table.pivot(index="from_sector", columns="to_sector", values="adjusted")
    matrix = matrix.reindex(
        index=_sector_order(set(table["from_sector"])),
        columns=_sector_order(set(table["to_sector"])),
    )
    matrix.index.name, matrix.columns.name = "from_sector", "to_sector"

    units: dict[tuple[str, str], ItemResult] = {}
    sub_key = key.to_numpy()
    for (src, dst), transition in zip(pairs, fit.units, strict=True):
        rows = (sub_key == transition) & np.isfinite(y)
        if df.loc[rows, unit].nunique() < 2:
            continue
        label = f"{src}->{dst}"
        part = df.loc[rows, [unit, *adjusters]].copy()
        part[label] = y[rows]
        try:
            units[(src, dst)] = analyse_item(
                part, unit=unit, score=label, adjusters=adjusters, min_n=min_n, measure="proportion"
            )
        except InputError:
            # e.g. nobody at any unit reported a problem: the regional rate
            # stands, there is just nothing to compare between units.
            continue
    return SectorGaps(matrix=matrix, transitions=table, units=units, params=fit.params)
