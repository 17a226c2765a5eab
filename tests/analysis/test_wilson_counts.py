"""analysis.proportions.wilson_interval: counts in, statsmodels' Wilson interval out."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis.proportions import wilson_interval


def test_equals_proportion_confint_including_both_ends() -> None:
    counts, sizes = [0, 1, 7, 12, 30], [11, 10, 20, 12, 30]
    low, high = wilson_interval(counts, sizes)
    for j, (count, n) in enumerate(zip(counts, sizes, strict=True)):
        want = proportion_confint(count, n, alpha=0.05, method="wilson")
        assert (low[j], high[j]) == pytest.approx(want, abs=1e-15)
    # Exactly at the ends, so a share of 0 % or 100 % lies inside its interval.
    assert low[0] == 0.0 and high[3] == 1.0 and high[4] == 1.0
    assert 0.0 < high[0] < 0.3 and 0.7 < low[3] < 1.0


def test_alpha_and_no_answers() -> None:
    low90, high90 = wilson_interval([5], [20], alpha=0.10)
    assert (low90[0], high90[0]) == pytest.approx(
        proportion_confint(5, 20, alpha=0.10, method="wilson")
    )
    low, high = wilson_interval([0, 3], [0, 6])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert low[1] < 0.5 < high[1]
