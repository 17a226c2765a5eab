"""Disclosure control on constructed tables (ANALYSIS_SPEC section 6)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis import (
    InputError,
    analyse_item,
    audit_suppression,
    breakdown,
    suppress_cells,
    table_is_safe,
    unsafe_cells,
)
from analysis import suppression as suppression_module

from ._reference import casemix_frame


def test_a_single_small_cell_takes_the_next_smallest_with_it() -> None:
    counts = pd.Series({"18-34": 12, "35-64": 40, "65-79": 3, "80+": 9}, name="unit A")
    res = suppress_cells(counts)
    assert res.primary.loc["unit A"].to_dict() == {
        "18-34": False,
        "35-64": False,
        "65-79": True,
        "80+": False,
    }
    assert res.secondary.loc["unit A"].to_dict() == {
        "18-34": False,
        "35-64": False,
        "65-79": False,
        "80+": True,
    }


def test_two_tiny_cells_are_not_enough_when_their_sum_is_small() -> None:
    # 1 + 2 = 3 people could still be recovered as a group: hide one more.
    counts = pd.DataFrame({"a": [1], "b": [2], "c": [30], "d": [20]})
    res = suppress_cells(counts)
    assert res.suppressed.iloc[0].tolist() == [True, True, False, True]
    assert res.secondary.iloc[0].tolist() == [False, False, False, True]


def test_two_small_cells_that_sum_to_five_protect_each_other() -> None:
    counts = pd.DataFrame({"a": [2], "b": [3], "c": [30]})
    res = suppress_cells(counts)
    assert res.suppressed.iloc[0].tolist() == [True, True, False]
    assert not res.secondary.to_numpy().any()


def test_zero_cells_are_neither_suppressed_nor_used_as_complement() -> None:
    counts = pd.DataFrame({"a": [0], "b": [4], "c": [7], "d": [50]})
    res = suppress_cells(counts)
    assert res.suppressed.iloc[0].tolist() == [False, True, True, False]


def test_nothing_small_nothing_hidden() -> None:
    counts = pd.DataFrame({"a": [5, 6], "b": [50, 0]})
    assert not suppress_cells(counts).suppressed.to_numpy().any()


def _recoverable(counts: np.ndarray, hidden: np.ndarray) -> bool:
    """Whether any hidden cell of a row can be derived from the total and the visible cells."""
    for row, mask in zip(counts, hidden, strict=True):
        if mask.sum() == 1:
            return True
        if mask.any() and row[mask].sum() < 5:
            return True
    return False


@pytest.mark.parametrize("seed", range(20))
def test_no_hidden_cell_can_be_recovered_from_row_totals(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.choice([0, 1, 2, 3, 4, 5, 8, 13, 30], size=(6, 5))
    res = suppress_cells(pd.DataFrame(counts))
    hidden = res.suppressed.to_numpy()
    primary = (counts > 0) & (counts < 5)
    assert (hidden[primary]).all()
    # Rows that have nothing to complement with (everything small) are the
    # only ones allowed to stay recoverable.
    for i in range(counts.shape[0]):
        row_ok = not _recoverable(counts[i : i + 1], hidden[i : i + 1])
        nothing_left = not ((counts[i] > 0) & ~hidden[i]).any()
        assert row_ok or nothing_left


def test_column_protection_also_covers_column_totals() -> None:
    counts = pd.DataFrame({"a": [3, 20, 20], "b": [20, 20, 21], "c": [20, 30, 25]})
    rows_only = suppress_cells(counts).suppressed.to_numpy()
    both = suppress_cells(counts, protect_columns=True).suppressed.to_numpy()
    assert _recoverable(counts.to_numpy().T, rows_only.T)
    assert not _recoverable(counts.to_numpy(), both)
    assert not _recoverable(counts.to_numpy().T, both.T)


def test_negative_counts_are_rejected() -> None:
    with pytest.raises(InputError):
        suppress_cells(pd.DataFrame({"a": [-1]}))


def test_breakdown_hides_small_cells_and_their_complement() -> None:
    rows = (
        [("A", "da", 70.0)] * 30
        + [("A", "en", 50.0)] * 3
        + [("A", "other", 60.0)] * 8
        + [("B", "da", 80.0)] * 25
        + [("B", "en", 40.0)] * 12
        + [("B", "other", 55.0)] * 6
    )
    df = pd.DataFrame(rows, columns=["unit", "language", "score"])
    table = breakdown(df, unit="unit", score="score", by="language").set_index(["unit", "level"])
    assert bool(table.loc[("A", "en"), "suppressed"])
    assert bool(table.loc[("A", "other"), "suppressed"])
    assert pd.isna(table.loc[("A", "en"), "n"]) and np.isnan(table.loc[("A", "en"), "mean"])
    assert table.loc[("A", "da"), "n"] == 30 and table.loc[("A", "da"), "mean"] == 70.0
    assert not table.loc["B", "suppressed"].any()
    assert table.loc[("B", "other"), "mean"] == 55.0


def test_units_below_min_n_are_suppressed_but_still_count() -> None:
    df = casemix_frame(n_units=12, n=500, seed=21)
    small = df["unit"] == "unit03"
    df = pd.concat([df[~small], df[small].head(6)], ignore_index=True)
    full = analyse_item(df, unit="unit", score="y", adjusters=["age"], min_n=10)
    frame = full.to_frame().set_index("unit")
    row = frame.loc["unit03"]
    assert row["flag"] == "suppressed"
    assert row["n"] == int(df.loc[df["unit"] == "unit03", "y"].notna().sum())
    assert row.drop(["n", "flag"]).isna().all()
    # mu and s_w include the suppressed unit's respondents.
    assert full.mu == pytest.approx(df["y"].mean())
    # Unit size thresholds are inclusive: exactly min_n is shown.
    n_all = dict(zip(full.units, full.casemix.unit_nobs, strict=True))
    at_threshold = analyse_item(df, unit="unit", score="y", min_n=n_all["unit03"])
    assert dict(zip(at_threshold.units, at_threshold.flags, strict=True))["unit03"] != "suppressed"


def test_every_combination_of_two_small_cells_is_protected() -> None:
    for a, b in itertools.product(range(1, 5), repeat=2):
        counts = pd.DataFrame({"x": [a], "y": [b], "z": [40], "w": [9]})
        hidden = suppress_cells(counts).suppressed.to_numpy()
        assert not _recoverable(counts.to_numpy(), hidden), (a, b)


def _random_table(rng: np.random.Generator, *, totals_at_least: int = 0) -> np.ndarray:
    """A count table of 2-6 x 2-7 cells, some empty, some small, the rest 5 and up.

    With ``totals_at_least`` every row and column total is at least that
    (drawn again until it is): the tables on which the line rule alone
    failed.
    """
    m, n = int(rng.integers(2, 7)), int(rng.integers(2, 8))
    empty, small, mean = rng.uniform(0, 0.4), rng.uniform(0.1, 0.5), rng.uniform(5, 40)
    while True:
        u = rng.random((m, n))
        big = 5 + rng.poisson(mean, (m, n))
        table = np.where(u < empty, 0, np.where(u < empty + small, rng.integers(1, 5, (m, n)), big))
        if (table.sum(axis=0) >= totals_at_least).all() and (
            table.sum(axis=1) >= totals_at_least
        ).all():
            return table


def _unsafe(counts: np.ndarray, hidden: np.ndarray) -> set[tuple[int, int]]:
    bad = unsafe_cells(audit_suppression(pd.DataFrame(counts), hidden))
    return set(zip(bad["row"], bad["column"], strict=True))


def test_every_random_table_passes_the_exact_audit_with_both_totals_published() -> None:
    rng = np.random.default_rng(20261201)
    strict = 0
    for k in range(1000):
        # Half the tables have every total >= 10 (the kind that failed
        # before); the other half may have small or empty totals.
        counts = _random_table(rng, totals_at_least=10 if k % 2 else 0)
        res = suppress_cells(pd.DataFrame(counts), protect_columns=True)
        hidden = res.suppressed.to_numpy()
        primary = (counts > 0) & (counts < 5)
        assert (hidden == (res.primary.to_numpy() | res.secondary.to_numpy())).all()
        assert (res.primary.to_numpy() == primary).all()
        unsafe = _unsafe(counts, hidden)
        if (counts.sum(axis=0) >= 10).all() and (counts.sum(axis=1) >= 10).all():
            strict += 1
            assert not unsafe, (counts, hidden, unsafe)
        elif unsafe:
            # Only cells that the totals give away whatever is hidden.
            assert unsafe <= _unsafe(counts, np.ones_like(hidden)), (counts, hidden, unsafe)
    assert strict >= 500


def test_the_random_sample_holds_tables_the_line_rule_alone_left_exposed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Guards the test above: without the cycle step, some of the same
    # tables fail the audit.
    monkeypatch.setattr(suppression_module, "protect_cycles", lambda *args: None)
    rng = np.random.default_rng(20261201)
    exposed = 0
    for k in range(300):
        counts = _random_table(rng, totals_at_least=10 if k % 2 else 0)
        if k % 2:
            hidden = suppress_cells(pd.DataFrame(counts), protect_columns=True).suppressed
            exposed += bool(_unsafe(counts, hidden.to_numpy()))
    assert exposed >= 3


def test_without_column_protection_rows_pass_the_audit_of_row_totals() -> None:
    rng = np.random.default_rng(7)
    for _ in range(100):
        counts = _random_table(rng, totals_at_least=10)
        hidden = suppress_cells(pd.DataFrame(counts)).suppressed.to_numpy()
        audit = audit_suppression(pd.DataFrame(counts), hidden, column_totals=False)
        # Rows whose only non-empty cells are small have nothing to hide with.
        stuck = {i for i in range(len(counts)) if not (counts[i] >= 5).any()}
        assert set(unsafe_cells(audit)["row"]) <= stuck


def test_a_pinned_cell_takes_the_smallest_cell_that_closes_a_cycle() -> None:
    # The line rule hides two separate cycles, rows 0, 3 x columns 0, 3 and
    # rows 1, 2 x columns 1, 2, joined by the 6 at (1, 0), which also covers
    # the 4 in its row. That 6 lies on no cycle, so the totals give it away.
    # Any visible cell between the two blocks closes a cycle through it:
    # 30, 11 (row 0), 8, 9 (row 3), 30, 20 (column 0 and 3 of row 2), 20 (row
    # 1); the 8 is the smallest.
    counts = pd.DataFrame([[11, 30, 11, 1], [6, 4, 7, 20], [30, 9, 3, 20], [1, 8, 9, 6]])
    res = suppress_cells(counts, protect_columns=True)
    line_rule = [[1, 0, 0, 1], [1, 1, 1, 0], [0, 1, 1, 0], [1, 0, 0, 1]]
    assert len(unsafe_cells(audit_suppression(counts, np.array(line_rule, dtype=bool)))) == 1
    expected = [row[:] for row in line_rule]
    expected[3][1] = 1
    assert res.suppressed.to_numpy().astype(int).tolist() == expected
    assert table_is_safe(counts, res.suppressed)


def test_the_cycle_step_uses_an_empty_cell_only_when_nothing_else_closes_a_cycle() -> None:
    counts = pd.DataFrame({"a": [15, 0], "b": [1, 30], "c": [2, 9]})
    res = suppress_cells(counts, protect_columns=True)
    # The line rule leaves the 15 alone in column a; only the empty cell
    # below it can put it on a cycle.
    assert res.secondary.to_numpy().astype(int).tolist() == [[1, 0, 0], [1, 1, 1]]
    assert table_is_safe(counts, res.suppressed)
    # Rows only: empty cells are never complements.
    assert not suppress_cells(counts).suppressed.loc[1, "a"]


def test_column_protection_is_deterministic() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        counts = pd.DataFrame(_random_table(rng, totals_at_least=10))
        first = suppress_cells(counts, protect_columns=True).suppressed
        second = suppress_cells(counts.copy(), protect_columns=True).suppressed
        assert first.equals(second)


def test_a_one_row_table_with_column_totals_cannot_be_protected_and_is_not_hidden_wholesale() -> (
    None
):
    # Each column total equals its only cell, so no suppression helps; the
    # cycle step leaves the table as the line rule left it, and the audit
    # says so.
    counts = pd.DataFrame({"a": [3], "b": [10], "c": [20], "d": [40]})
    res = suppress_cells(counts, protect_columns=True)
    assert res.suppressed.iloc[0].tolist() == [True, True, False, False]
    assert not table_is_safe(counts, res.suppressed)


def test_when_no_single_cycle_is_enough_the_cells_row_and_column_are_hidden() -> None:
    # The line rule hides all but the empty cell, and the 2 is pinned by its
    # column (2 - 0). Hiding the empty cell frees it, but only by combining
    # two cycles, through each of the 1s (neither alone can absorb 2): no
    # single cycle does, so the fallback hides the 2's row and column.
    counts = pd.DataFrame({"a": [2, 0], "b": [20, 1], "c": [4, 1]})
    line_rule = np.array([[True, True, True], [False, True, True]])
    assert not table_is_safe(counts, line_rule)
    res = suppress_cells(counts, protect_columns=True)
    assert res.suppressed.to_numpy().all()
    audit = audit_suppression(counts, res.suppressed).set_index(["row", "column"])
    assert (audit.loc[(0, "a"), "low"], audit.loc[(0, "a"), "high"]) == (0.0, 2.0)
    assert table_is_safe(counts, res.suppressed)
