"""Scoring rules (ANALYSIS_SPEC section 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import (
    InputError,
    composite_score,
    fft_percent_positive,
    fft_positive,
    indicator,
    likert_score,
    top_box,
)


def test_likert_maps_1_to_5_onto_0_to_100_and_drops_unscored() -> None:
    codes = pd.Series(["1", "2", "3", "4", "5", "9", None, "na", 5, 3.0])
    expected = [0, 25, 50, 75, 100, np.nan, np.nan, np.nan, 100, 50]
    np.testing.assert_array_equal(likert_score(codes).to_numpy(), expected)


def test_likert_on_categorical_equals_likert_on_strings() -> None:
    values = ["5", "4", None, "9", "1", "3"]
    cat = pd.Series(pd.Categorical(values, categories=["1", "2", "3", "4", "5", "9"]))
    np.testing.assert_array_equal(
        likert_score(cat).to_numpy(), likert_score(pd.Series(values)).to_numpy()
    )


def test_top_box_is_share_of_best_answer_among_scored() -> None:
    codes = pd.Series(["5", "4", "5", "9", None, "1"])
    box = top_box(codes)
    np.testing.assert_array_equal(box.to_numpy(), [1, 0, 1, np.nan, np.nan, 0])
    assert box.mean() == pytest.approx(2 / 4)


def test_fft_percent_positive_excludes_dont_know() -> None:
    codes = ["1", "2", "2", "3", "5", "6", "6", None]
    assert fft_percent_positive(codes) == pytest.approx(100 * 3 / 5)
    np.testing.assert_array_equal(
        fft_positive(codes).to_numpy(), [1, 1, 1, 0, 0, np.nan, np.nan, np.nan]
    )


def test_problem_indicator_for_cross_sector_items() -> None:
    codes = pd.Series(["yes", "no", "partly", "na", None])
    np.testing.assert_array_equal(
        indicator(codes, positive=["no", "partly"]).to_numpy(), [0, 1, 1, np.nan, np.nan]
    )


def test_composite_needs_at_least_half_of_the_items() -> None:
    scores = pd.DataFrame(
        {
            "a": [100, 50, np.nan, np.nan, 0],
            "b": [50, np.nan, np.nan, 25, 0],
            "c": [0, np.nan, 75, np.nan, 100],
            "d": [np.nan, 25, np.nan, np.nan, 50],
        }
    )
    comp = composite_score(scores)
    # Row 0: 3 of 4 answered; row 1: 2 of 4 (exactly half); row 2-3: 1 of 4.
    np.testing.assert_allclose(comp.to_numpy(), [50, 37.5, np.nan, np.nan, 37.5])
    three = composite_score(scores, ["a", "b", "c"])
    # 2 of 3 is at least half; 1 of 3 is not.
    np.testing.assert_allclose(three.to_numpy(), [50, np.nan, np.nan, np.nan, 100 / 3])


def test_composite_rejects_unknown_items() -> None:
    with pytest.raises(InputError, match="'zz'"):
        composite_score(pd.DataFrame({"a": [1.0]}), ["a", "zz"])


def test_an_unanswered_categorical_item_scores_as_all_missing() -> None:
    # A frame read category-wise gives an item nobody answered no categories.
    import pandas as pd

    from analysis import indicator, likert_score

    empty = pd.Series([None, None, None], dtype="category")
    assert indicator(empty, positive=("yes",)).isna().all()
    assert likert_score(empty).isna().all()
