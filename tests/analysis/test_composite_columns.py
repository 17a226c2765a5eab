"""The composite summed column by column equals the one-block computation, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import composite_score


def _block_reference(scores: pd.DataFrame, min_share: float) -> np.ndarray:
    # The former computation: the whole domain as one float64 block.
    block = scores.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    answered = np.isfinite(block)
    count = answered.sum(axis=1)
    total = np.where(answered, block, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    enough = (count >= np.ceil(min_share * scores.shape[1] - 1e-12)) & (count > 0)
    return np.where(enough, mean, np.nan)


@pytest.mark.parametrize("k", [1, 2, 5, 7, 8, 13])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_equals_the_block_computation(k: int, dtype: type) -> None:
    rng = np.random.default_rng(k)
    # Arbitrary reals (not multiples of 25), so a different summation order would show.
    values = rng.normal(50, 30, size=(4000, k)).astype(dtype)
    values[rng.random(values.shape) < 0.3] = np.nan
    scores = pd.DataFrame(values, columns=[f"i{j}" for j in range(k)])
    got = composite_score(scores, min_share=0.5).to_numpy()
    expected = _block_reference(scores, 0.5)
    np.testing.assert_array_equal(got, expected)  # NaN where NaN, and equal bits elsewhere
    assert np.isnan(got).any() and np.isfinite(got).any()


def test_mixed_columns_are_coerced_as_before() -> None:
    scores = pd.DataFrame(
        {
            "num": [100.0, np.nan, 50.0, 0.0],
            "text": ["75", "x", None, "25"],
            "flag": [True, False, True, False],
        }
    )
    got = composite_score(scores, min_share=0.5).to_numpy()
    np.testing.assert_array_equal(got, _block_reference(scores, 0.5))
