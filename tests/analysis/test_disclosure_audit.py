"""The exact audit of suppressed tables, against ranges worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import (
    AUDIT_COLUMNS,
    InputError,
    audit_suppression,
    suppress_cells,
    table_is_safe,
    unsafe_cells,
)


def _ranges(audit: pd.DataFrame) -> dict[tuple[object, object], tuple[float, float]]:
    return {(r.row, r.column): (r.low, r.high) for r in audit.itertuples()}


def test_a_single_hidden_cell_in_a_2x2_is_pinned_by_its_totals() -> None:
    counts = pd.DataFrame({"a": [3, 10], "b": [10, 20]}, index=["x", "y"])
    hidden = np.array([[True, False], [False, False]])
    audit = audit_suppression(counts, hidden)
    assert list(audit.columns) == list(AUDIT_COLUMNS)
    assert audit.to_dict("records") == [
        {"row": "x", "column": "a", "value": 3, "low": 3.0, "high": 3.0}
    ]
    assert len(unsafe_cells(audit)) == 1
    assert not table_is_safe(counts, hidden)
    # With no column totals the row total alone still gives it away: 13 - 10.
    assert _ranges(audit_suppression(counts, hidden, column_totals=False)) == {
        ("x", "a"): (3.0, 3.0)
    }
    # With no totals at all the reader learns nothing but "not negative".
    assert _ranges(
        audit_suppression(counts, hidden, row_totals=False, column_totals=False, grand_total=False)
    ) == {("x", "a"): (0.0, np.inf)}


def test_a_2x2_with_every_cell_hidden_has_the_frechet_ranges() -> None:
    # Totals: rows 13, 30; columns 13, 30; grand 43. With everything hidden a
    # cell ranges over max(0, R + C - 43) .. min(R, C).
    counts = pd.DataFrame([[3, 10], [10, 20]])
    hidden = np.ones((2, 2), dtype=bool)
    assert _ranges(audit_suppression(counts, hidden)) == {
        (0, 0): (0.0, 13.0),
        (0, 1): (0.0, 13.0),
        (1, 0): (0.0, 13.0),
        (1, 1): (17.0, 30.0),
    }
    assert table_is_safe(counts, hidden)
    # Row totals only: each row's 13 or 30 can sit anywhere in its row.
    assert _ranges(audit_suppression(counts, hidden, column_totals=False)) == {
        (0, 0): (0.0, 13.0),
        (0, 1): (0.0, 13.0),
        (1, 0): (0.0, 30.0),
        (1, 1): (0.0, 30.0),
    }
    # The grand total alone: any cell could hold all 43.
    only_grand = audit_suppression(counts, hidden, row_totals=False, column_totals=False)
    assert set(_ranges(only_grand).values()) == {(0.0, 43.0)}


def test_a_six_cycle_in_a_3x3_moves_every_cell_by_the_same_step() -> None:
    #      a   b   c
    # r1   4  20  10      hidden: r1a r1b r2b r2c r3c r3a, a cycle through
    # r2  10   3  25      all three rows and columns. Moving r1a by t moves
    # r3  30  15   2      the cycle by +t, -t, +t, -t, +t, -t:
    #   r1a = 4+t, r1b = 20-t, r2b = 3+t, r2c = 25-t, r3c = 2+t, r3a = 30-t,
    # and no cell below zero gives -2 <= t <= 20.
    counts = pd.DataFrame(
        [[4, 20, 10], [10, 3, 25], [30, 15, 2]], index=["r1", "r2", "r3"], columns=list("abc")
    )
    hidden = pd.DataFrame(False, index=counts.index, columns=counts.columns)
    for cell in [("r1", "a"), ("r1", "b"), ("r2", "b"), ("r2", "c"), ("r3", "c"), ("r3", "a")]:
        hidden.loc[cell] = True
    assert _ranges(audit_suppression(counts, hidden)) == {
        ("r1", "a"): (2.0, 24.0),
        ("r1", "b"): (0.0, 22.0),
        ("r2", "b"): (1.0, 23.0),
        ("r2", "c"): (5.0, 27.0),
        ("r3", "a"): (10.0, 32.0),
        ("r3", "c"): (0.0, 22.0),
    }
    assert table_is_safe(counts, hidden)
    # Show r3a, and the cycle is broken: every hidden cell is pinned.
    hidden.loc[("r3", "a")] = False
    audit = audit_suppression(counts, hidden)
    assert (audit["low"] == audit["value"]).all() and (audit["high"] == audit["value"]).all()
    assert len(unsafe_cells(audit)) == 5


def test_a_small_cell_boxed_inside_1_to_4_is_unsafe_though_not_pinned() -> None:
    # Moving the 2x2 block by t: 3+t, 1-t, 1-t, 1+t, so -1 <= t <= 1 and the
    # 3 ranges over 2 .. 4: a reader knows a small group of 2 to 4 exists.
    counts = pd.DataFrame([[3, 1, 40], [1, 1, 40]])
    hidden = np.array([[True, True, False], [True, True, False]])
    audit = audit_suppression(counts, hidden)
    assert _ranges(audit)[(0, 0)] == (2.0, 4.0)
    assert (audit["low"] < audit["high"]).all()
    assert _ranges(audit)[(1, 1)] == (0.0, 2.0)
    assert (audit["low"] < audit["high"]).all()
    # The 1s can be 0, so nobody can tell they exist; the 3 cannot.
    assert unsafe_cells(audit)[["row", "column"]].to_dict("records") == [{"row": 0, "column": 0}]
    # With a threshold of 3 the 3 is no longer small, and merely not pinned is enough.
    assert unsafe_cells(audit, min_cell=3).empty


def test_a_bridge_between_two_cycles_is_pinned_although_every_line_hides_two() -> None:
    # The failure the line-by-line rule missed: every row and column with a
    # hidden cell has at least two, summing to 5 or more, yet the hidden 2 at
    # (r1, c2) joins two separate cycles and lies on none itself.
    counts = pd.DataFrame(
        [[3, 8, 20, 20], [9, 20, 2, 20], [20, 20, 7, 4], [20, 20, 9, 8]],
        index=["r0", "r1", "r2", "r3"],
        columns=["c0", "c1", "c2", "c3"],
    )
    hidden = np.zeros((4, 4), dtype=bool)
    for i, j in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        hidden[i, j] = True
    values = counts.to_numpy()
    for line_values, line_hidden in [
        *zip(values, hidden, strict=True),
        *zip(values.T, hidden.T, strict=True),
    ]:
        if line_hidden.any():
            assert line_hidden.sum() >= 2 and line_values[line_hidden].sum() >= 5
    audit = audit_suppression(counts, hidden)
    assert unsafe_cells(audit)[["row", "column", "low", "high"]].to_dict("records") == [
        {"row": "r1", "column": "c2", "low": 2.0, "high": 2.0}
    ]
    # suppress_cells on the same table leaves nothing pinned.
    assert table_is_safe(counts, suppress_cells(counts, protect_columns=True).suppressed)


def test_what_the_line_rule_alone_published_is_caught() -> None:
    # Every total is at least 10. Alone, the line rule hid the 4, its row
    # complement (r0, b) and its column complement (r1, a); the empty cell
    # was never a complement, and nothing else in row r1 or column b could
    # be hidden. All three hidden cells were then pinned: b = 30 - 0, a = 30 - 0,
    # and the 4 = 34 - 30.
    counts = pd.DataFrame({"a": [4, 30], "b": [30, 0]}, index=["r0", "r1"])
    line_rule_only = np.array([[True, True], [True, False]])
    audit = audit_suppression(counts, line_rule_only)
    assert (audit["low"] == audit["high"]).all()
    assert len(unsafe_cells(audit)) == 3
    fixed = suppress_cells(counts, protect_columns=True)
    assert fixed.suppressed.to_numpy().all()
    assert table_is_safe(counts, fixed.suppressed)


def test_nothing_hidden_gives_an_empty_audit_and_a_safe_table() -> None:
    counts = pd.DataFrame([[5, 6], [7, 8]])
    audit = audit_suppression(counts, np.zeros((2, 2), dtype=bool))
    assert audit.empty and list(audit.columns) == list(AUDIT_COLUMNS)
    assert table_is_safe(counts, np.zeros((2, 2), dtype=bool))


def test_a_series_is_one_row() -> None:
    counts = pd.Series({"a": 3, "b": 9, "c": 20}, name="unit")
    audit = audit_suppression(counts, np.array([[True, True, False]]), column_totals=False)
    assert _ranges(audit) == {("unit", "a"): (0.0, 12.0), ("unit", "b"): (0.0, 12.0)}


@pytest.mark.parametrize(
    ("counts", "hidden", "message"),
    [
        (pd.DataFrame([[1.5, 2]]), np.array([[True, True]]), "whole numbers"),
        (pd.DataFrame([[-1, 2]]), np.array([[True, True]]), "non-negative"),
        (pd.DataFrame([[np.nan, 2]]), np.array([[True, True]]), "non-negative"),
        (pd.DataFrame([["x", 2]]), np.array([[True, True]]), "numbers"),
        (pd.DataFrame([[1, 2]]), np.array([[True, True, True]]), "shape"),
        (pd.DataFrame([[1, 2]]), np.array([[1, 0]]), "boolean"),
        (pd.DataFrame([[1, 2]]), pd.DataFrame([[True, True]], columns=["p", "q"]), "columns"),
        ([[1, 2]], np.array([[True, True]]), "DataFrame"),
        (pd.DataFrame(), np.zeros((0, 0), dtype=bool), "no cells"),
    ],
)
def test_bad_input_is_an_input_error(counts: object, hidden: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        audit_suppression(counts, hidden)  # type: ignore[arg-type]


def test_unsafe_cells_wants_an_audit_frame() -> None:
    with pytest.raises(InputError, match="low"):
        unsafe_cells(pd.DataFrame({"row": [0], "column": [0], "value": [3]}))
