"""Top-box proportions: adjusted by the linear probability model, arcsine funnel."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import InputError, analyse_item, top_box

from ._reference import dersimonian_laird, statsmodels_fixed_effects

Z95 = 1.959964
Z998 = 3.090232


@pytest.fixture(scope="module")
def topbox_data() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n, n_units = 3000, 30
    weights = np.linspace(0.2, 2.0, n_units)
    unit = rng.choice(n_units, size=n, p=weights / weights.sum())
    old = rng.random(n) < np.linspace(0.1, 0.8, n_units)[unit]
    latent = 0.3 * rng.normal(0, 1, n_units)[unit] + 0.5 * old + rng.normal(0, 1, n)
    codes = np.digitize(latent, [-1.5, -0.8, 0.0, 0.6]) + 1
    answer = codes.astype(str).astype(object)
    answer[rng.random(n) < 0.05] = "9"  # not applicable
    return pd.DataFrame(
        {
            "unit": [f"p{j:02d}" for j in unit],
            "age": np.where(old, "65+", "18-64"),
            "sex": rng.choice(["f", "m"], n),
            "q": answer,
        }
    )


def test_top_box_item_by_hand(topbox_data: pd.DataFrame) -> None:
    df = topbox_data.assign(best=top_box(topbox_data["q"]))
    result = analyse_item(
        df, unit="unit", score="best", adjusters=["age", "sex"], measure="proportion", min_n=60
    )
    ref = statsmodels_fixed_effects(df, "unit", "best", ["age", "sex"])
    np.testing.assert_allclose(result.adjusted, ref["adjusted"].to_numpy(), atol=1e-8)
    p0 = ref["mu"]
    assert result.mu == pytest.approx(p0)
    theta0 = math.asin(math.sqrt(p0))
    units = list(ref["adjusted"].index)
    kept = [u for u in units if ref["n"][u] >= 60]
    assert 0 < len(kept) < len(units)
    z = [
        (math.asin(math.sqrt(min(1.0, max(0.0, ref["adjusted"][u])))) - theta0)
        * 2
        * math.sqrt(ref["n"][u])
        for u in kept
    ]
    _, tau2 = dersimonian_laird(z, [1 / (4 * ref["n"][u]) for u in kept])
    assert result.funnel.tau2 == pytest.approx(tau2, rel=1e-8, abs=1e-12)
    frame = result.to_frame().set_index("unit")
    for u in kept:
        n = ref["n"][u]
        for q, lo_col, hi_col in (
            (Z95, "funnel95_low", "funnel95_high"),
            (Z998, "funnel998_low", "funnel998_high"),
        ):
            half = q * math.sqrt(1 / (4 * n) + tau2)
            assert frame.loc[u, lo_col] == pytest.approx(
                math.sin(max(0.0, theta0 - half)) ** 2, abs=1e-10
            )
            assert frame.loc[u, hi_col] == pytest.approx(
                math.sin(min(math.pi / 2, theta0 + half)) ** 2, abs=1e-10
            )
        assert frame.loc[u, "se"] == pytest.approx(ref["se"][u], rel=1e-8)


def test_proportion_scores_must_be_zero_or_one(topbox_data: pd.DataFrame) -> None:
    df = topbox_data.assign(score=topbox_data["q"].map({"5": 100.0, "4": 75.0}))
    with pytest.raises(InputError, match="0/1"):
        analyse_item(df, unit="unit", score="score", measure="proportion")


def _wilson(count: int, n: int, z: float) -> tuple[float, float]:
    """Wilson (1927) score interval, by its closed form."""
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_wilson_interval_of_the_top_box_share(topbox_data: pd.DataFrame) -> None:
    df = topbox_data.assign(best=top_box(topbox_data["q"]))
    result = analyse_item(df, unit="unit", score="best", measure="proportion")
    answered = df[df["best"].notna()]
    counts = answered.groupby("unit")["best"].agg(["sum", "size"])
    assert list(counts.index) == list(result.units)
    low, high = result.wilson_interval()
    np.testing.assert_array_equal(low, result.wilson_low)
    np.testing.assert_array_equal(high, result.wilson_high)
    for j, (count, n) in enumerate(zip(counts["sum"], counts["size"], strict=True)):
        lo, hi = _wilson(int(count), int(n), 1.959963984540054)
        assert low[j] == pytest.approx(lo, abs=1e-12)
        assert high[j] == pytest.approx(hi, abs=1e-12)
        assert low[j] <= count / n <= high[j]
    lo90, hi90 = result.wilson_interval(alpha=0.10)
    assert np.all(lo90 >= low) and np.all(hi90 <= high)


def test_wilson_interval_is_only_for_proportions(topbox_data: pd.DataFrame) -> None:
    df = topbox_data.assign(best=top_box(topbox_data["q"]))
    result = analyse_item(df, unit="unit", score="best")
    with pytest.raises(InputError, match="proportions"):
        result.wilson_interval()
