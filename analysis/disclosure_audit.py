"""Exact audit of a suppressed count table (ANALYSIS_SPEC section 6).

Hiding a cell protects it only if the numbers still shown (the visible cells
and the published totals) leave it free to take other values. This module
asks, for each hidden cell, the smallest and largest value that any
non-negative table agreeing with everything published could give it, and
judges the table by those ranges. It checks :func:`analysis.suppress_cells`
independently: it knows nothing of cycles or complements, only the
constraints a reader could write down.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analysis._errors import AnalysisError, InputError
from analysis.suppression import MIN_CELL

__all__ = ["AUDIT_COLUMNS", "audit_suppression", "table_is_safe", "unsafe_cells"]

#: Columns of the frame :func:`audit_suppression` returns.
AUDIT_COLUMNS = ("row", "column", "value", "low", "high")


def _count_frame(counts: pd.DataFrame | pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    if isinstance(counts, pd.Series):
        counts = counts.to_frame().T
    if not isinstance(counts, pd.DataFrame):
        raise InputError(f"counts must be a pandas DataFrame, got {type(counts).__name__}")
    if counts.size == 0:
        raise InputError("counts has no cells")
    try:
        values = counts.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise InputError("counts must be numbers") from None
    if not np.isfinite(values).all() or (values < 0).any():
        raise InputError("counts must be non-negative numbers without gaps")
    # The integrality argument below (and the meaning of "a cell of 3
    # people") needs whole numbers.
    if (values != np.rint(values)).any():
        raise InputError("counts must be whole numbers")
    return counts, values


def _hidden_mask(hidden: pd.DataFrame | np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    if isinstance(hidden, pd.DataFrame):
        if not (hidden.index.equals(frame.index) and hidden.columns.equals(frame.columns)):
            raise InputError("hidden must have the rows and columns of counts")
        hidden = hidden.to_numpy()
    mask = np.asarray(hidden)
    if mask.shape != frame.shape:
        raise InputError(f"hidden has shape {mask.shape}, counts has shape {frame.shape}")
    if mask.dtype != bool:
        raise InputError("hidden must be a boolean mask")
    return mask


def _components(
    cells: np.ndarray, shape: tuple[int, int], rows: bool, columns: bool
) -> tuple[int, np.ndarray]:
    """Groups of hidden cells that share a published line, directly or in a chain.

    Cells in different groups appear in no common constraint, so each group is
    a separate, smaller problem.
    """
    m, n = shape
    k = len(cells)
    # Bipartite graph: one node per hidden cell, then one per published line.
    lines = []
    if rows:
        lines.append(k + cells[:, 0])
    if columns:
        lines.append(k + m + cells[:, 1])
    src = np.tile(np.arange(k), len(lines))
    dst = np.concatenate(lines)
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(k + m + n, k + m + n))
    count, labels = connected_components(graph, directed=False)
    return count, labels[:k]


def _solve_blocks(
    systems: list[tuple[np.ndarray, np.ndarray, int]],
) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of one variable for each system ``a x = b``, ``x >= 0``.

    All the small LPs are stacked into one block-diagonal LP, each system
    twice (a block minimising its cell and a block maximising it). Blocks
    share no variable, so an optimum of the sum is an optimum of every block,
    and one solver call replaces two per hidden cell (each call costs about a
    millisecond of set-up, which dominated the audit).
    """
    rows, cols, data, b_eq, c = [], [], [], [], []
    picks = []
    row_offset = col_offset = 0
    for system, rhs, position in systems:
        height, width = system.shape
        r, q = np.nonzero(system)
        for sign in (1.0, -1.0):  # a minimising block, then a maximising one
            rows.append(r + row_offset)
            cols.append(q + col_offset)
            data.append(system[r, q])
            b_eq.append(rhs)
            objective = np.zeros(width)
            objective[position] = sign
            c.append(objective)
            picks.append(col_offset + position)
            row_offset += height
            col_offset += width
    a_eq = coo_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(row_offset, col_offset),
    ).tocsc()
    # Presolve only costs time on these small, already reduced blocks.
    res = linprog(
        np.concatenate(c),
        A_eq=a_eq,
        b_eq=np.concatenate(b_eq),
        bounds=(0, None),
        method="highs",
        options={"presolve": False},
    )
    if res.status != 0:
        # The true table is feasible and every cell lies on a published line
        # (or under the grand total), so this means a solver failure.
        raise AnalysisError(f"the audit's linear program failed: {res.message}")
    found = res.x[np.array(picks, dtype=int).reshape(-1, 2)]
    # Integral by total unimodularity; rint removes the solver's round-off.
    bounds = np.rint(found) + 0.0  # + 0.0 turns -0.0 into 0.0
    if np.abs(found - bounds).max(initial=0.0) > 1e-6:
        raise AnalysisError("the audit's linear program returned a fractional bound")
    return bounds[:, 0], bounds[:, 1]


def audit_suppression(
    counts: pd.DataFrame | pd.Series,
    hidden: pd.DataFrame | np.ndarray,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    grand_total: bool = True,
) -> pd.DataFrame:
    """The range of values each hidden cell could take, given what is published.

    Parameters
    ----------
    counts : DataFrame or Series
        The true counts (whole numbers, non-negative). A Series is one row.
    hidden : DataFrame or ndarray of bool
        Which cells are hidden, with the shape (and, for a DataFrame, the
        labels) of ``counts``; for example ``suppress_cells(counts).suppressed``.
    row_totals, column_totals, grand_total : bool, default True
        Which totals are published next to the visible cells.

    Returns
    -------
    DataFrame
        One row per hidden cell, in row-major order, with columns
        ``row, column`` (the labels), ``value`` (the true count), ``low`` and
        ``high`` (floats; ``high`` is ``inf`` when nothing published bounds
        the cell).

    Notes
    -----
    A reader knows the visible cells, the published totals, and that no
    count is negative. For each hidden cell the audit minimises and then
    maximises it over all tables consistent with that, by linear programming
    (:func:`scipy.optimize.linprog`, HiGHS). The variables are the hidden
    cells; each published row or column total gives one equation (its total
    minus its visible cells). The grand total adds nothing once row or column
    totals are published (it is their sum), so it is an equation of its own
    only when neither is.

    The LP bounds are the exact integer bounds. The equations form the
    incidence matrix of a bipartite graph (rows and columns as nodes, hidden
    cells as edges), or a part of it when only row or only column totals are
    published, or a single row of ones for the grand total alone. Such a
    matrix is totally unimodular, and so is any subset of its rows (one
    redundant equation is dropped). With whole-number right-hand sides every vertex of the
    feasible polytope is therefore integral, and a linear objective attains
    its optimum at a vertex. So ``low`` and ``high`` are counts that some
    whole-number table consistent with the publication really has. Fixing
    one cell keeps the matrix totally unimodular, so every whole number
    between them is attainable too.

    The reader is assumed to know nothing else: in particular not that a
    hidden cell is non-empty, nor which hidden cells are small.

    Hidden cells that share no published line are independent, so each LP
    holds only the cells of one connected group; all of them are solved in a
    single call (see :func:`_solve_blocks`).
    """
    frame, values = _count_frame(counts)
    mask = _hidden_mask(hidden, frame)
    cells = np.argwhere(mask)  # row-major, like values[mask]
    truth = values[mask]
    low = np.zeros(len(cells))
    high = np.full(len(cells), np.inf)
    if row_totals or column_totals:
        count, labels = _components(cells, values.shape, row_totals, column_totals)
    else:
        # Only the grand total (one equation over every hidden cell), or nothing.
        count = 1 if grand_total else 0
        labels = np.zeros(len(cells), dtype=int)
    systems: list[tuple[np.ndarray, np.ndarray, int]] = []
    order: list[int] = []
    for group in range(count):
        members = np.flatnonzero(labels == group)
        if len(members) == 0:  # a published line with no hidden cell
            continue
        sub = cells[members]
        equations: list[np.ndarray] = []
        if row_totals or column_totals:
            for axis, published in ((0, row_totals), (1, column_totals)):
                if published:
                    equations.extend(sub[:, axis] == line for line in np.unique(sub[:, axis]))
        else:
            equations.append(np.ones(len(members), dtype=bool))
        if row_totals and column_totals:
            # In a connected group the row equations and the column equations
            # both sum to the group's total, so one equation is implied by
            # the others; dropping it keeps the solver's basis regular.
            equations.pop()
        a_eq = np.array(equations, dtype=float)
        b_eq = a_eq @ truth[members]
        for position, member in enumerate(members):
            systems.append((a_eq, b_eq, position))
            order.append(int(member))
    if systems:
        low[order], high[order] = _solve_blocks(systems)
    return pd.DataFrame(
        {
            "row": frame.index[cells[:, 0]],
            "column": frame.columns[cells[:, 1]],
            "value": truth.astype(np.int64),
            "low": low,
            "high": high,
        },
        columns=list(AUDIT_COLUMNS),
    )


def unsafe_cells(audit: pd.DataFrame, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """The rows of an audit whose hidden cell is not protected.

    A hidden cell is protected when

    * it is not exactly determined: ``low < high``; and
    * if it is small (``1 <= value < min_cell``, a primary cell), its range
      also reaches outside ``1 .. min_cell - 1``: ``low == 0`` or
      ``high >= min_cell``. Otherwise a reader could tell that a small group
      exists and bound how small it is, which is what suppression is for.

    A table is safe when every hidden cell is protected.
    """
    missing = [c for c in AUDIT_COLUMNS if c not in audit.columns]
    if missing:
        raise InputError(f"not an audit frame; missing columns: {', '.join(missing)}")
    low, high, value = (audit[c].to_numpy(dtype=float) for c in ("low", "high", "value"))
    pinned = low >= high
    boxed = (value >= 1) & (value < min_cell) & (low >= 1) & (high < min_cell)
    return audit[pinned | boxed]


def table_is_safe(
    counts: pd.DataFrame | pd.Series,
    hidden: pd.DataFrame | np.ndarray,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    grand_total: bool = True,
    min_cell: int = MIN_CELL,
) -> bool:
    """Whether every hidden cell is protected (see :func:`unsafe_cells`)."""
    audit = audit_suppression(
        counts,
        hidden,
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=grand_total,
    )
    return unsafe_cells(audit, min_cell).empty
