"""The per-item entry points and their tidy tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis import UNIT_COLUMNS, analyse_item, analyse_items

from ._reference import casemix_frame


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    frame = casemix_frame(n_units=20, n=1200, seed=13)
    rng = np.random.default_rng(3)
    frame["y2"] = frame["y"] * 0.5 + rng.normal(0, 10, len(frame))
    frame.loc[rng.random(len(frame)) < 0.2, "y2"] = np.nan
    return frame


def test_many_items_equal_items_one_at_a_time(df: pd.DataFrame) -> None:
    both = analyse_items(df, unit="unit", scores=["y", "y2"], adjusters=["age", "health"])
    assert list(both) == ["y", "y2"] and len(both) == 2
    for item in ("y", "y2"):
        single = analyse_item(df, unit="unit", score=item, adjusters=["age", "health"])
        pd.testing.assert_frame_equal(both[item].to_frame(), single.to_frame())
    long = both.to_frame()
    assert set(long["item"]) == {"y", "y2"}
    assert len(long) == len(both["y"].units) + len(both["y2"].units)
    # Each item uses its own respondents: y2 has fewer.
    assert both["y2"].nobs < both["y"].nobs


def test_frame_columns_and_numbers(df: pd.DataFrame) -> None:
    res = analyse_item(df, unit="unit", score="y", adjusters=["age"], min_n=55)
    frame = res.to_frame()
    assert tuple(frame.columns) == UNIT_COLUMNS
    shown = frame[frame["flag"] != "suppressed"]
    assert len(shown) < len(frame)
    np.testing.assert_allclose(shown["ci_high"] - shown["ci_low"], 2 * 1.96 * shown["se"])
    # EB lies between the adjusted score and mu.
    lo = np.minimum(shown["adjusted"], res.mu)
    hi = np.maximum(shown["adjusted"], res.mu)
    assert ((shown["eb"] >= lo - 1e-12) & (shown["eb"] <= hi + 1e-12)).all()
    extra = res.to_frame(extra=True)
    assert {"item", "z", "low_precision"} <= set(extra.columns)


def test_results_are_frozen(df: pd.DataFrame) -> None:
    res = analyse_item(df, unit="unit", score="y")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.item = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.adjusted[0] = 0.0


def test_low_precision_marks_published_units_between_070_and_080() -> None:
    # ICC about 0.05, so reliability crosses 0.70 near n = 45 and 0.80 near
    # n = 76: unit sizes from 8 to 160 give every case.
    rng = np.random.default_rng(19)
    sizes = np.linspace(8, 160, 40).astype(int)
    unit = np.repeat(np.arange(40), sizes)
    y = 60 + rng.normal(0, 3.4, 40)[unit] + rng.normal(0, 15, len(unit))
    df = pd.DataFrame({"unit": [f"u{j:02d}" for j in unit], "y": y})
    res = analyse_item(df, unit="unit", score="y")
    icc = res.reliability.icc
    n = res.casemix.unit_nobs
    r = n * icc / (1 + (n - 1) * icc)
    expected = (r >= 0.70) & (r < 0.80) & (n >= 20)
    assert expected.any() and (~expected & (n >= 20)).any()
    np.testing.assert_array_equal(res.low_precision, expected)
    flags = dict(zip(n, res.flags, strict=True))
    assert all(flags[k] != "low_reliability" for k in n[expected])
