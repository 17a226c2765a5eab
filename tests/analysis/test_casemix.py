"""Case-mix adjustment against statsmodels' dummy-variable OLS (ANALYSIS_SPEC section 2)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis import (
    AdjusterDroppedWarning,
    InputError,
    SingleLevelAdjusterWarning,
    analyse_item,
    fit_casemix,
)

from ._reference import casemix_frame, imputed_dummies, statsmodels_fixed_effects

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
    # se of the standardised prediction alpha_j + xbar' beta in the dummy OLS.
    np.testing.assert_allclose(fit.se, ref["se"].to_numpy(), rtol=0, atol=1e-8)
    # The adjustment adds variance wherever a unit's case mix differs.
    naive = np.sqrt(ref["mse_resid"] / ref["n"].to_numpy())
    assert np.all(fit.se >= naive - 1e-12)
    assert np.max(fit.se / naive) > 1.01
    assert fit.mu == pytest.approx(ref["mu"], rel=1e-12)
    # Case mix does differ between units here, so the test is not trivially passing.
    assert np.max(np.abs(fit.adjusted - fit.observed)) > 1.0


def test_adjusted_scores_are_unchanged_by_the_statsmodels_fit(data: pd.DataFrame) -> None:
    # Saved from the normal-equation implementation before the fit moved to
    # statsmodels OLS; the move must not change a published number.
    before = pd.read_csv(Path(__file__).parent / "data" / "casemix_adjusted_before.csv")
    fit = fit_casemix(data, unit="unit", score="y", adjusters=ADJUSTERS)
    assert list(fit.units) == list(before["unit"])
    np.testing.assert_allclose(fit.adjusted, before["adjusted"].to_numpy(), rtol=0, atol=1e-10)


def test_model_is_the_within_regression_in_statsmodels(data: pd.DataFrame) -> None:
    fit = fit_casemix(data, unit="unit", score="y", adjusters=ADJUSTERS)
    ref = statsmodels_fixed_effects(data, "unit", "y", ADJUSTERS)
    dummy_fit = ref["fit"]
    # The within regression built row by row: every respondent, demeaned by unit.
    answered = data[data["y"].notna()]
    x = imputed_dummies(answered, ADJUSTERS)
    x_w = x - x.groupby(answered["unit"]).transform("mean")
    y_w = answered["y"] - answered.groupby("unit")["y"].transform("mean")
    rows = sm.OLS(y_w.to_numpy(), x_w.to_numpy()).fit()
    model = fit.model
    assert model is not None
    assert list(model.params.index) == list(fit.params.index)
    np.testing.assert_allclose(model.params.to_numpy(), rows.params, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.params.to_numpy(), rows.params, rtol=0, atol=1e-9)
    assert model.ssr == pytest.approx(rows.ssr, rel=1e-10)
    assert model.rsquared == pytest.approx(rows.rsquared, rel=1e-9)
    assert model.nobs == len(answered)
    # Degrees of freedom corrected for the J absorbed unit effects: N - J - p,
    # as in the dummy-variable OLS (the N-row within fit alone would say N - p).
    assert model.df_resid == dummy_fit.df_resid == fit.df_resid
    assert rows.df_resid == fit.df_resid + fit.n_units
    assert model.scale == pytest.approx(dummy_fit.mse_resid, rel=1e-10)
    assert model.scale == pytest.approx(fit.s_w**2, rel=1e-12)
    names = [c for c in dummy_fit.params.index if c.startswith("d")]
    np.testing.assert_allclose(
        model.cov_params().to_numpy(), dummy_fit.cov_params().loc[names, names], rtol=1e-8
    )
    np.testing.assert_allclose(model.bse.to_numpy(), dummy_fit.bse[names], rtol=1e-8)
    np.testing.assert_allclose(model.pvalues.to_numpy(), dummy_fit.pvalues[names], rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # diagnostics of the compressed rows
        text = str(model.summary())
    assert "age[T.80+]" in text and f"{len(answered)}" in text


def test_se_is_the_prediction_se_of_statsmodels_t_test() -> None:
    # Independent of get_prediction: the same contrast through t_test.
    df = casemix_frame(n_units=8, n=240, seed=21)
    ref = statsmodels_fixed_effects(df, "unit", "y", ADJUSTERS)
    dummy_fit = ref["fit"]
    fit = fit_casemix(df, unit="unit", score="y", adjusters=ADJUSTERS)
    x = imputed_dummies(df[df["y"].notna()], ADJUSTERS)
    for j, unit_label in enumerate(fit.units):
        contrast = pd.Series(0.0, index=dummy_fit.params.index)
        contrast["Intercept"] = 1.0
        if j:
            contrast[f"C(u)[T.{unit_label}]"] = 1.0
        for col in x.columns:
            contrast[col] = x[col].mean()
        test = dummy_fit.t_test(contrast.to_numpy()[None, :])
        assert fit.adjusted[j] == pytest.approx(float(test.effect[0]), abs=1e-8)
        assert fit.se[j] == pytest.approx(float(test.sd[0, 0]), abs=1e-8)


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
    # No adjustment, no extra variance: se is s_w / sqrt(n_j).
    np.testing.assert_allclose(fit.se, ref["se"].to_numpy(), rtol=1e-10)
    assert fit.model is None


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
    # d_j = 0 for every unit, so the adjustment adds no variance.
    np.testing.assert_allclose(fit.se, fit.s_w / np.sqrt(fit.unit_nobs), rtol=1e-10)


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
    np.testing.assert_allclose(fit.se, ref["se"].to_numpy(), atol=1e-8)


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
