"""Case-mix adjustment against statsmodels' dummy-variable OLS (ANALYSIS_SPEC section 2)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import (
    AdjusterDroppedWarning,
    InputError,
    SingleLevelAdjusterWarning,
    analyse_item,
    fit_casemix,
)

from ._reference import casemix_frame, statsmodels_fixed_effects

ADJUSTERS = ["age", "health", "sex"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return casemix_frame()


def test_adjusted_scores_equal_statsmodels_with_unit_dummies(data: pd.DataFrame) -> None:
    ref = statsmodels_fixed_effects(data, "unit", "y", ADJUSTERS)
    fit = fit_casemix(data, unit="unit", score="y", adjusters=ADJUSTERS)
    assert list(fit.units) == list(ref["adjusted"].index)
    np.testing.assert_allclose(fit.adjusted, ref["adjusted"].to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.observed, ref["observed"].to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_array_equal(fit.unit_nobs, ref["n"].to_numpy())
    np.testing.assert_allclose(fit.params.to_numpy(), ref["beta"], rtol=0, atol=1e-8)
    assert fit.df_resid == ref["df_resid"]
    assert fit.s_w == pytest.approx(np.sqrt(ref["mse_resid"]), rel=1e-10)
    np.testing.assert_allclose(fit.se, np.sqrt(ref["mse_resid"] / ref["n"].to_numpy()), rtol=1e-10)
    assert fit.mu == pytest.approx(ref["mu"], rel=1e-12)
    # Case mix does differ between units here, so the test is not trivially passing.
    assert np.max(np.abs(fit.adjusted - fit.observed)) > 1.0


def test_interval_is_adjusted_plus_minus_1_96_se(data: pd.DataFrame) -> None:
    fit = fit_casemix(data, unit="unit", score="y", adjusters=ADJUSTERS)
    np.testing.assert_allclose(fit.ci_low, fit.adjusted - 1.96 * fit.se)
    np.testing.assert_allclose(fit.ci_high, fit.adjusted + 1.96 * fit.se)


def test_missing_adjusters_are_imputed_and_counted(data: pd.DataFrame) -> None:
    fit = fit_casemix(data, unit="unit", score="y", adjusters=ADJUSTERS)
    answered = data[data["y"].notna()]
    assert dict(fit.n_imputed) == {
        "age": int(answered["age"].isna().sum()),
        "health": int(answered["health"].isna().sum()),
        "sex": 0,
    }
    assert fit.n_imputed["age"] > 0
    # Every respondent with a score is used: none dropped for a missing adjuster.
    assert fit.nobs == len(answered)


def test_without_adjusters_adjusted_is_raw_mean(data: pd.DataFrame) -> None:
    ref = statsmodels_fixed_effects(data, "unit", "y", [])
    fit = fit_casemix(data, unit="unit", score="y")
    np.testing.assert_allclose(fit.adjusted, ref["observed"].to_numpy(), atol=1e-10)
    assert fit.s_w == pytest.approx(np.sqrt(ref["mse_resid"]), rel=1e-10)


def test_unit_with_population_case_mix_keeps_its_raw_mean() -> None:
    # Every unit has exactly the same case mix (each age x sex cell once per
    # unit), so no adjustment can apply even though the adjusters matter.
    rng = np.random.default_rng(5)
    rows = []
    for j in range(8):
        for age in ("young", "mid", "old"):
            for sex in ("f", "m"):
                for _ in range(3):
                    score = 50 + 4 * j + 10 * (age == "old") + rng.normal(0, 5)
                    rows.append((f"u{j}", age, sex, score))
    df = pd.DataFrame(rows, columns=["unit", "age", "sex", "y"])
    fit = fit_casemix(df, unit="unit", score="y", adjusters=["age", "sex"])
    np.testing.assert_allclose(fit.adjusted, df.groupby("unit")["y"].mean().to_numpy(), atol=1e-9)
    assert abs(fit.params["age[T.old]"] - 10) < 3


def test_units_all_equal_answers_are_legitimate() -> None:
    df = casemix_frame(n_units=6, n=300, seed=3)
    df.loc[df["unit"] == "unit00", "y"] = 75.0
    ref = statsmodels_fixed_effects(df, "unit", "y", ADJUSTERS)
    fit = fit_casemix(df, unit="unit", score="y", adjusters=ADJUSTERS)
    np.testing.assert_allclose(fit.adjusted, ref["adjusted"].to_numpy(), atol=1e-8)
    assert fit.observed[0] == 75.0


def test_single_level_adjuster_is_dropped_with_a_named_warning(data: pd.DataFrame) -> None:
    df = data.assign(language="da")
    with pytest.warns(SingleLevelAdjusterWarning, match="'language'") as record:
        fit = fit_casemix(df, unit="unit", score="y", adjusters=[*ADJUSTERS, "language"])
    assert record[0].message.adjuster == "language"
    assert fit.dropped == ("language",)
    ref = fit_casemix(data, unit="unit", score="y", adjusters=ADJUSTERS)
    np.testing.assert_allclose(fit.adjusted, ref.adjusted, atol=1e-12)


def test_adjuster_constant_within_units_is_dropped(data: pd.DataFrame) -> None:
    # The channel is fixed per unit: the unit effects absorb it entirely.
    units = sorted(data["unit"].unique())
    channel = {u: ("sms" if i % 2 else "poster") for i, u in enumerate(units)}
    df = data.assign(channel=data["unit"].map(channel))
    with pytest.warns(AdjusterDroppedWarning, match="channel"):
        fit = fit_casemix(df, unit="unit", score="y", adjusters=[*ADJUSTERS, "channel"])
    ref = statsmodels_fixed_effects(data, "unit", "y", ADJUSTERS)
    np.testing.assert_allclose(fit.adjusted, ref["adjusted"].to_numpy(), atol=1e-8)


def test_numeric_adjuster_is_treated_as_categorical(data: pd.DataFrame) -> None:
    codes = {"18-34": 1, "35-64": 2, "65-79": 3, "80+": 4}
    df = data.assign(age_code=data["age"].map(codes))
    ref = statsmodels_fixed_effects(data, "unit", "y", ["age"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_casemix(df, unit="unit", score="y", adjusters=["age_code"])
    np.testing.assert_allclose(fit.adjusted, ref["adjusted"].to_numpy(), atol=1e-8)


def test_collinear_adjusters_are_an_input_error(data: pd.DataFrame) -> None:
    df = data.dropna(subset=["age"]).assign(age_copy=lambda d: d["age"] + "!")
    with pytest.raises(InputError, match="collinear"):
        fit_casemix(df, unit="unit", score="y", adjusters=["age", "age_copy"])


def test_unit_missing_from_an_item_is_left_out() -> None:
    df = casemix_frame(n_units=5, n=200, seed=9)
    df.loc[df["unit"] == "unit04", "y"] = np.nan
    result = analyse_item(df, unit="unit", score="y", adjusters=["sex"])
    assert "unit04" not in set(result.units)
    assert len(result.units) == 4
