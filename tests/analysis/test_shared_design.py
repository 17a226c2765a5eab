"""One encoding for many score series gives exactly the one-item analysis.

``report build`` encodes a table's units and adjusters once
(:func:`analysis.shared_design`) and analyses every item and composite from it;
these tests hold it to :func:`analysis.analyse_item` run on the table with that
score column, number for number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import InputError, analyse_item, shared_design
from analysis.items import Measure

from ._reference import casemix_frame

ADJUSTERS = ["age", "health", "sex"]
NUMBERS = ["n", "observed", "adjusted", "se", "ci_low", "ci_high", "reliability", "eb"]


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    frame = casemix_frame(n_units=25, n=2000, seed=21)
    rng = np.random.default_rng(5)
    # Items with their own missing patterns: each is fitted on other respondents.
    frame["y2"] = frame["y"] * 0.4 + rng.normal(0, 12, len(frame))
    frame.loc[rng.random(len(frame)) < 0.3, "y2"] = np.nan
    frame["top"] = (frame["y"] > 70).astype(float)
    frame.loc[frame["y"].isna() | (rng.random(len(frame)) < 0.1), "top"] = np.nan
    return frame


def _one_at_a_time(
    table: pd.DataFrame, score: pd.Series, measure: Measure = "mean"
) -> pd.DataFrame:
    alone = table[["unit", *ADJUSTERS]].copy()
    alone["score"] = score  # aligned on the index, as the build did before
    result = analyse_item(
        alone,
        unit="unit",
        score="score",
        adjusters=ADJUSTERS,
        measure=measure,
    )
    return result.to_frame()


def _assert_same(shared: pd.DataFrame, alone: pd.DataFrame) -> None:
    assert list(shared["unit"]) == list(alone["unit"])
    assert list(shared["flag"]) == list(alone["flag"])
    for name in NUMBERS:
        np.testing.assert_allclose(
            shared[name].to_numpy(float), alone[name].to_numpy(float), rtol=0, atol=1e-10
        )


@pytest.mark.parametrize("item", ["y", "y2"])
def test_each_item_equals_its_own_analysis(df: pd.DataFrame, item: str) -> None:
    design = shared_design(df, unit="unit", adjusters=ADJUSTERS)
    result = design.analyse(df[item])
    alone = analyse_item(df, unit="unit", score=item, adjusters=ADJUSTERS)
    _assert_same(result.to_frame(), alone.to_frame())
    assert result.nobs == alone.nobs
    assert result.casemix.params.to_dict() == pytest.approx(
        alone.casemix.params.to_dict(), abs=1e-10
    )
    assert result.casemix.s_w == pytest.approx(alone.casemix.s_w, abs=1e-10)
    assert result.funnel.tau2 == pytest.approx(alone.funnel.tau2, abs=1e-10)


def test_proportions_equal_their_own_analysis(df: pd.DataFrame) -> None:
    design = shared_design(df, unit="unit", adjusters=ADJUSTERS)
    result = design.analyse(df["top"], measure="proportion")
    _assert_same(result.to_frame(), _one_at_a_time(df, df["top"], "proportion"))


def test_a_subset_table_takes_its_rows_of_a_longer_series(df: pd.DataFrame) -> None:
    # The roll-up analyses a relabelled subset of the rows with the full score series.
    subset = df[df["unit"] < "unit15"].copy()
    subset["unit"] = np.where(subset["unit"] < "unit07", "north", "south")
    subset.loc[subset.index[::3], "unit"] = "east"
    design = shared_design(subset, unit="unit", adjusters=ADJUSTERS)
    result = design.analyse(df["y2"]).to_frame()
    assert set(result["unit"]) == {"north", "south", "east"}
    _assert_same(result, _one_at_a_time(subset, df["y2"]))
    assert int(result["n"].sum()) == int(df.loc[subset.index, "y2"].notna().sum())


def test_float32_scores_give_the_float64_numbers(df: pd.DataFrame) -> None:
    # The build keeps whole-number scores as float32; the fit reads them as float64.
    whole = (df["y"] // 25 * 25).clip(0, 100)
    design = shared_design(df, unit="unit", adjusters=ADJUSTERS)
    small = design.analyse(whole.astype(np.float32)).to_frame()
    _assert_same(small, design.analyse(whole).to_frame())


def test_bad_input_is_refused_with_the_field(df: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="missing column: 'nope'"):
        shared_design(df, unit="unit", adjusters=["nope"])
    with pytest.raises(InputError, match="min_n"):
        shared_design(df, unit="unit", adjusters=ADJUSTERS, min_n=0)
    design = shared_design(df, unit="unit", adjusters=ADJUSTERS)
    with pytest.raises(InputError, match=r"'score'.*0/1"):
        design.analyse(df["y"], measure="proportion")
    with pytest.raises(InputError, match="measure"):
        design.analyse(df["y"], measure="median")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no answers"):
        design.analyse(pd.Series(np.nan, index=df.index))
