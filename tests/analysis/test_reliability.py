"""ICC, unit reliability and empirical Bayes (ANALYSIS_SPEC section 5)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from analysis import analyse_item, unit_reliability

from ._reference import casemix_frame, statsmodels_fixed_effects


def test_icc_and_reliability_by_hand_on_adjusted_scores() -> None:
    df = casemix_frame(n_units=25, n=1000, seed=4)
    adjusters = ["age", "health", "sex"]
    ref = statsmodels_fixed_effects(df, "unit", "y", adjusters)
    result = analyse_item(df, unit="unit", score="y", adjusters=adjusters)
    units = list(ref["adjusted"].index)
    mu = ref["mu"]
    big_n = sum(ref["n"][u] for u in units)
    n_units = len(units)
    msb = sum(ref["n"][u] * (ref["adjusted"][u] - mu) ** 2 for u in units) / (n_units - 1)
    msw = ref["mse_resid"]
    n0 = (big_n - sum(ref["n"][u] ** 2 for u in units) / big_n) / (n_units - 1)
    icc = max(0.0, (msb - msw) / (msb + (n0 - 1) * msw))
    assert 0 < icc < 1
    assert result.reliability.icc == pytest.approx(icc, rel=1e-8)
    assert result.reliability.n0 == pytest.approx(n0, rel=1e-12)
    for j, u in enumerate(units):
        n = ref["n"][u]
        r = n * icc / (1 + (n - 1) * icc)
        assert result.reliability.reliability[j] == pytest.approx(r, rel=1e-8)
        assert result.reliability.eb[j] == pytest.approx(
            mu + r * (ref["adjusted"][u] - mu), abs=1e-8
        )


def test_icc_is_floored_at_zero() -> None:
    # Unit means closer together than chance allows: MSB < MSW.
    rel = unit_reliability(np.array([50.0, 50.1, 49.9]), np.array([30, 30, 30]), 50.0, 400.0)
    assert rel.icc == 0.0
    np.testing.assert_array_equal(rel.reliability, 0.0)
    np.testing.assert_array_equal(rel.eb, 50.0)


def _balanced(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_units, per_unit = 20, 15
    effect = rng.normal(0, 6, n_units)
    unit = np.repeat(np.arange(n_units), per_unit)
    y = 65 + effect[unit] + rng.normal(0, 18, n_units * per_unit)
    return pd.DataFrame({"unit": [f"u{j:02d}" for j in unit], "y": y})


# Seeds 3 and 8 are data on which statsmodels 0.15 with method="lbfgs" alone
# returns a zero random-intercept variance (issue 10239); seed 7 is benign.
@pytest.mark.parametrize("seed", [3, 7, 8])
def test_eb_equals_mixedlm_random_intercepts_on_balanced_data(seed: int) -> None:
    df = _balanced(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' convergence chatter
        # Not lbfgs alone: statsmodels issue 10239 (a variance on the boundary
        # gives zero random effects while reporting convergence).
        mixed = smf.mixedlm("y ~ 1", df, groups=df["unit"]).fit(
            reml=True, method=["powell", "lbfgs"]
        )
    assert mixed.converged
    sigma_u2 = float(mixed.cov_re.iloc[0, 0])
    assert sigma_u2 > 1e-3 * mixed.scale, "fit ended on the boundary; the check is void"
    blup = {
        g: float(mixed.fe_params["Intercept"] + re.iloc[0])
        for g, re in mixed.random_effects.items()
    }

    result = analyse_item(df, unit="unit", score="y", min_n=1)
    eb = dict(zip(result.units, result.reliability.eb, strict=True))
    raw = dict(zip(result.units, result.casemix.observed, strict=True))
    # MixedLM's optimiser stops about 1e-4 (relative) from the REML optimum,
    # which the ANOVA estimator equals exactly on balanced data; the
    # tolerances allow for that and nothing more. Shrinkage itself moves
    # estimates by whole points, far beyond them.
    assert max(abs(raw[g] - blup[g]) for g in blup) > 1.0
    for g, value in blup.items():
        assert eb[g] == pytest.approx(value, abs=5e-3)
    n = 15
    icc = sigma_u2 / (sigma_u2 + mixed.scale)
    assert result.reliability.icc == pytest.approx(icc, rel=1e-3)
    assert result.reliability.reliability[0] == pytest.approx(
        n * icc / (1 + (n - 1) * icc), rel=1e-3
    )
    assert math.isclose(result.reliability.msw, mixed.scale, rel_tol=1e-4)


def test_icc_zero_where_mixedlm_variance_is_on_the_boundary() -> None:
    df = _balanced(1)  # between-unit mean square below the within one
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mixed = smf.mixedlm("y ~ 1", df, groups=df["unit"]).fit(
            reml=True, method=["powell", "lbfgs"]
        )
    assert float(mixed.cov_re.iloc[0, 0]) < 1e-4
    result = analyse_item(df, unit="unit", score="y", min_n=1)
    assert result.reliability.icc == 0.0
    np.testing.assert_allclose(result.reliability.eb, result.mu)
