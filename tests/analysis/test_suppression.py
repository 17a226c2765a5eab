"""Disclosure control on constructed tables (ANALYSIS_SPEC section 6)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis import InputError, analyse_item, breakdown, suppress_cells

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
