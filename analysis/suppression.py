"""Disclosure control for tables (ANALYSIS_SPEC section 6).

Unit results below the minimum base are suppressed by :mod:`analysis.items`;
this module protects breakdowns (age band, sex, language, ...), where a small
cell could identify a patient, and where hiding one cell alone is useless
because it can be recovered as the total minus the cells still shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._cycles import protect_cycles
from analysis._errors import InputError
from analysis._validate import numeric_score, require_columns, require_frame

__all__ = [
    "MIN_CELL",
    "MIN_UNIT_N",
    "CellSuppression",
    "breakdown",
    "suppress_cells",
]

#: No unit result on fewer respondents than this (GP Patient Survey).
MIN_UNIT_N = 10
#: Breakdown cells with 1 .. MIN_CELL - 1 people are suppressed.
MIN_CELL = 5


@dataclass(frozen=True)
class CellSuppression:
    """Which cells of a count table are hidden, and why.

    Attributes
    ----------
    primary : DataFrame of bool
        Cells hidden because they are small (1 .. min_cell - 1).
    secondary : DataFrame of bool
        Cells hidden so that primary cells cannot be recovered by subtraction.
    """

    primary: pd.DataFrame
    secondary: pd.DataFrame

    @property
    def suppressed(self) -> pd.DataFrame:
        """All hidden cells."""
        return self.primary | self.secondary


def _protect_line(
    counts: np.ndarray, hidden: np.ndarray, secondary: np.ndarray, min_cell: int
) -> bool:
    """Hide the next-smallest cells of one breakdown until subtraction reveals nothing.

    A line is safe when no cell is hidden, or at least two are and together
    they hold at least ``min_cell`` people (else their sum, which is the total
    minus the visible cells, is itself a small count). Returns whether anything
    changed.
    """
    changed = False
    while True:
        n_hidden = int(hidden.sum())
        if n_hidden == 0 or (n_hidden >= 2 and counts[hidden].sum() >= min_cell):
            return changed
        candidates = np.flatnonzero(~hidden & (counts > 0))
        if len(candidates) == 0:
            return changed
        # argmin takes the first of equal counts, so ties resolve to the
        # leftmost column and results are reproducible.
        pick = candidates[np.argmin(counts[candidates])]
        hidden[pick] = True
        secondary[pick] = True
        changed = True


def suppress_cells(
    counts: pd.DataFrame | pd.Series, min_cell: int = MIN_CELL, *, protect_columns: bool = False
) -> CellSuppression:
    """Primary and secondary suppression of a breakdown table.

    Parameters
    ----------
    counts : DataFrame or Series
        Respondent counts. A Series is one breakdown; a DataFrame has one
        breakdown per row (e.g. units x age bands).
    min_cell : int, default 5
        Cells with ``0 < count < min_cell`` are suppressed.
    protect_columns : bool, default False
        Also protect each column, for tables whose column totals are
        published too (e.g. the region's age-band totals). The result then
        passes :func:`analysis.table_is_safe` with row, column and grand
        totals published, except for cells that the totals give away
        whatever is hidden (see Notes).

    Returns
    -------
    CellSuppression
        Boolean masks with the shape and labels of ``counts`` (a one-row
        DataFrame when a Series was given).

    Notes
    -----
    Within each breakdown, after the small cells are hidden, the next-smallest
    non-empty visible cell is hidden as well, repeatedly, until at least two
    cells are hidden and they hold at least ``min_cell`` people together.
    Empty cells are never used as complements here: within one line a hidden
    zero adds nothing to the hidden sum, which the reader can work out. With
    ``protect_columns`` rows and columns are
    protected in turn until neither changes.

    With both sets of totals published that is not enough: a hidden cell
    that lies on no cycle of hidden cells (row, column, row, ... back to the
    start) is pinned by the totals, and can be worked out exactly. So a
    second step checks every hidden cell, small ones first, exactly (a
    maximum flow through the other hidden cells gives how far it can move).
    Each must be able to move, and a small one must be able to reach 0 or
    ``min_cell``. A cell that cannot gets the cheapest cycle that frees it:
    the fewest empty cells (an empty cell is hidden only when no cycle of
    non-empty cells exists), then the smallest total hidden, then the fewest
    cells; if no single cycle suffices, its whole row and column, then the
    whole table. Cells are never hidden in a line whose total is 0, and
    cells the totals pin whatever is hidden (any cell of a one-row table;
    a small cell whose row or column total is below ``min_cell`` and which
    cannot be 0) are left as the first step left them:
    :func:`analysis.unsafe_cells` reports them.

    References
    ----------
    .. [1] ANALYSIS_SPEC.md section 6; Hundepool, A. et al. (2012).
       Statistical Disclosure Control, Wiley, section 5.5 (secondary cell
       suppression).
    """
    frame = counts.to_frame().T if isinstance(counts, pd.Series) else counts
    values = frame.to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any():
        raise InputError("counts must be non-negative numbers without gaps")
    primary = (values > 0) & (values < min_cell)
    hidden = primary.copy()
    secondary = np.zeros_like(primary)
    changed = True
    while changed:
        changed = False
        for i in range(values.shape[0]):
            row_hidden = hidden[i].copy()
            row_secondary = secondary[i].copy()
            if _protect_line(values[i], row_hidden, row_secondary, min_cell):
                hidden[i], secondary[i] = row_hidden, row_secondary
                changed = True
        if not protect_columns:
            break
        for j in range(values.shape[1]):
            col_hidden = hidden[:, j].copy()
            col_secondary = secondary[:, j].copy()
            if _protect_line(values[:, j], col_hidden, col_secondary, min_cell):
                hidden[:, j], secondary[:, j] = col_hidden, col_secondary
                changed = True
    if protect_columns:
        protect_cycles(values, hidden, secondary, primary, min_cell)
    return CellSuppression(
        primary=pd.DataFrame(primary, index=frame.index, columns=frame.columns),
        secondary=pd.DataFrame(secondary, index=frame.index, columns=frame.columns),
    )


def breakdown(
    df: pd.DataFrame,
    *,
    unit: str,
    score: str,
    by: str,
    min_cell: int = MIN_CELL,
    levels: Sequence[object] | None = None,
    protect_columns: bool = False,
) -> pd.DataFrame:
    """Unit scores broken down by a respondent characteristic, with suppression.

    Parameters
    ----------
    df : DataFrame
        One row per respondent.
    unit : str
        Unit column.
    score : str
        Numeric score column (rows with a missing score are not counted).
    by : str
        Breakdown column (age band, sex, language, ...).
    min_cell : int, default 5
        See :func:`suppress_cells`.
    levels : sequence, optional
        All levels of the breakdown, so that empty cells appear as 0.
    protect_columns : bool, default False
        Also protect each level across units, for when the region's totals
        per level are published next to the units' breakdowns.

    Returns
    -------
    DataFrame
        Tidy, one row per unit and level: ``unit, level, n, mean,
        suppressed``. Hidden cells have ``n`` and ``mean`` missing.

    Notes
    -----
    Suppression is applied within each unit's breakdown, because the unit's
    total is published next to it.
    """
    df = require_frame(df)
    require_columns(df, [unit, score, by])
    y = numeric_score(df, score)
    keep = np.isfinite(y) & df[by].notna().to_numpy()
    data = pd.DataFrame(
        {"unit": df[unit].to_numpy()[keep], "level": df[by].to_numpy()[keep], "y": y[keep]}
    )
    grouped = data.groupby(["unit", "level"], sort=True)["y"].agg(["size", "mean"])
    counts = grouped["size"].unstack("level", fill_value=0)
    means = grouped["mean"].unstack("level")
    if levels is not None:
        counts = counts.reindex(columns=list(levels), fill_value=0)
        means = means.reindex(columns=list(levels))
    mask = suppress_cells(counts, min_cell, protect_columns=protect_columns).suppressed
    out = pd.DataFrame(
        {
            "n": counts.stack().astype("Int64"),
            "mean": means.reindex(index=counts.index, columns=counts.columns).stack(),
            "suppressed": mask.stack(),
        }
    )
    out.index.names = ["unit", "level"]
    out.loc[out["suppressed"], ["n", "mean"]] = pd.NA
    return out.reset_index()
