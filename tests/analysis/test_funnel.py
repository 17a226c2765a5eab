"""Funnel limits with DerSimonian-Laird overdispersion, checked by hand (spec section 4)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from analysis import analyse_item, funnel_means, funnel_proportions, overdispersion

from ._reference import casemix_frame, dersimonian_laird, statsmodels_fixed_effects

Z95 = 1.959964
Z998 = 3.090232


def test_overdispersion_matches_a_hand_computation() -> None:
    rng = np.random.default_rng(2)
    z = list(rng.normal(0, 2.0, 37))
    s2 = list(rng.uniform(1.0, 9.0, 37))
    phi, tau2 = dersimonian_laird(z, s2)
    od = overdispersion(np.array(z), np.array(s2))
    assert od.n_units == 37
    assert od.phi == pytest.approx(phi, rel=1e-12)
    assert od.tau2 == pytest.approx(tau2, rel=1e-12)
    assert tau2 > 0


def test_no_overdispersion_gives_tau2_zero() -> None:
    # z-scores this small give I * phi < I - 1.
    z = np.array([0.1, -0.2, 0.3, -0.1, 0.05, 0.2, -0.3, 0.0, 0.15, -0.05])
    od = overdispersion(z, np.ones(10))
    assert od.n_units * od.phi < od.n_units - 1
    assert od.tau2 == 0.0


def test_mean_funnel_limits_of_an_item_by_hand() -> None:
    df = casemix_frame(n_units=40, n=1600, seed=11)
    adjusters = ["age", "health", "sex"]
    ref = statsmodels_fixed_effects(df, "unit", "y", adjusters)
    min_n = 38
    result = analyse_item(df, unit="unit", score="y", adjusters=adjusters, min_n=min_n)
    s_w = math.sqrt(ref["mse_resid"])
    mu = ref["mu"]
    units = list(ref["adjusted"].index)
    kept = [u for u in units if ref["n"][u] >= min_n]
    assert 5 < len(kept) < len(units), "the test needs both suppressed and shown units"
    # z and the DL weights use the se of the standardised prediction from
    # statsmodels' dummy OLS, which includes the adjustment's uncertainty.
    z = [(ref["adjusted"][u] - mu) / ref["se"][u] for u in kept]
    s2 = [ref["se"][u] ** 2 for u in kept]
    phi, tau2 = dersimonian_laird(z, s2)
    assert result.funnel.n_used == len(kept)
    assert result.funnel.tau2 == pytest.approx(tau2, rel=1e-8, abs=1e-10)
    assert result.funnel.phi == pytest.approx(phi, rel=1e-8)
    frame = result.to_frame().set_index("unit")
    for u in units:
        row = frame.loc[u]
        if u not in kept:
            assert row["flag"] == "suppressed"
            assert math.isnan(row["funnel95_low"]) and math.isnan(row["adjusted"])
            continue
        half95 = Z95 * math.sqrt(s_w**2 / ref["n"][u] + tau2)
        half998 = Z998 * math.sqrt(s_w**2 / ref["n"][u] + tau2)
        assert row["funnel95_low"] == pytest.approx(mu - half95, abs=1e-8)
        assert row["funnel95_high"] == pytest.approx(mu + half95, abs=1e-8)
        assert row["funnel998_low"] == pytest.approx(mu - half998, abs=1e-8)
        assert row["funnel998_high"] == pytest.approx(mu + half998, abs=1e-8)


def test_mean_funnel_from_arrays() -> None:
    adjusted = np.array([70.0, 55.0, 62.0, 64.0, 80.0, 40.0, 61.0, 66.0, 59.0, 63.0, 90.0])
    n = np.array([100, 50, 200, 30, 400, 60, 25, 80, 120, 45, 5])
    include = n >= 10
    s_w, mu = 20.0, 62.5
    res = funnel_means(adjusted, n, s_w, mu, include=include)
    z = [(a - mu) / (s_w / math.sqrt(k)) for a, k, i in zip(adjusted, n, include, strict=True) if i]
    s2 = [s_w**2 / k for k, i in zip(n, include, strict=True) if i]
    _, tau2 = dersimonian_laird(z, s2)
    assert res.tau2 == pytest.approx(tau2, rel=1e-12)
    assert np.isnan(res.lower95[-1]) and np.isnan(res.z[-1])
    assert res.upper998[0] == pytest.approx(mu + Z998 * math.sqrt(s_w**2 / 100 + tau2))
    curve = res.curve([100.0])
    assert curve.loc[0, "upper998"] == pytest.approx(res.upper998[0])


def test_proportion_funnel_is_on_the_arcsine_scale() -> None:
    p = np.array([0.80, 0.60, 0.72, 0.95, 0.50, 0.70, 0.66, 0.75, 0.71, 0.69, 1.0, 0.0])
    n = np.array([120, 80, 300, 40, 60, 200, 90, 150, 110, 70, 30, 25])
    p0 = 0.71
    res = funnel_proportions(p, n, p0)
    theta0 = math.asin(math.sqrt(p0))
    z = [
        (math.asin(math.sqrt(pj)) - theta0) * 2 * math.sqrt(nj) for pj, nj in zip(p, n, strict=True)
    ]
    s2 = [1 / (4 * nj) for nj in n]
    _, tau2 = dersimonian_laird(z, s2)
    assert tau2 > 0
    assert res.tau2 == pytest.approx(tau2, rel=1e-12)
    for j, nj in enumerate(n):
        half = Z95 * math.sqrt(1 / (4 * nj) + tau2)
        lo = math.sin(max(0.0, theta0 - half)) ** 2
        hi = math.sin(min(math.pi / 2, theta0 + half)) ** 2
        assert res.lower95[j] == pytest.approx(lo, abs=1e-12)
        assert res.upper95[j] == pytest.approx(hi, abs=1e-12)
        assert res.z[j] == pytest.approx(z[j], abs=1e-10)


def test_dersimonian_laird_tau2_matches_statsmodels_combine_effects() -> None:
    # Without winsorising and with z taken against the inverse-variance
    # weighted mean, I * phi is Cochran's Q, so the spec's tau^2 is the
    # textbook DerSimonian-Laird estimate.
    from statsmodels.stats.meta_analysis import combine_effects

    rng = np.random.default_rng(17)
    positive = 0
    for k in (5, 12, 40, 80):
        variances = rng.uniform(0.5, 4.0, k)
        effects = rng.normal(0.0, np.sqrt(variances + 1.5))
        w = 1.0 / variances
        pooled = float(np.sum(w * effects) / np.sum(w))
        z = (effects - pooled) / np.sqrt(variances)
        od = overdispersion(z, variances, winsor=0.0)
        with warnings.catch_warnings():
            # statsmodels does not truncate tau^2 at 0 and then takes the
            # square root of a negative HKSJ variance, which it warns about.
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = combine_effects(effects, variances, method_re="dl")
        truncated = max(0.0, float(ref.tau2))
        assert od.tau2 == pytest.approx(truncated, rel=1e-10, abs=1e-14)
        assert od.n_units * od.phi == pytest.approx(float(ref.q), rel=1e-10)
        positive += od.tau2 > 0
    assert positive >= 2, "the test needs cases with overdispersion"
