"""Synthetic data with a known truth: adjustment must get closer to it than raw means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import analyse_items, likert_score, synthetic_survey


@pytest.fixture(scope="module")
def survey():
    return synthetic_survey(n_units=120, n_responses=36_000, items=2, seed=12)


def test_units_differ_strongly_in_case_mix(survey) -> None:
    df = survey.responses
    old = df["age_band"].isin(["65-79", "80+"]).groupby(df["unit"], observed=True).mean()
    top = survey.catchment.sort_values().index
    young_units, old_units = top[:20], top[-20:]
    assert old[old_units].mean() - old[young_units].mean() > 0.3


def test_adjusted_scores_are_closer_to_the_truth_than_raw_means(survey) -> None:
    df = survey.responses.copy()
    for item in survey.items:
        df[item] = likert_score(df[item])
    results = analyse_items(df, unit="unit", scores=survey.items, adjusters=survey.adjusters)
    for item in survey.items:
        res = results[item]
        truth = survey.true_scores[item].reindex(res.units).to_numpy()
        shown = ~res.suppressed
        rmse_raw = np.sqrt(np.mean((res.casemix.observed - truth)[shown] ** 2))
        rmse_adj = np.sqrt(np.mean((res.adjusted - truth)[shown] ** 2))
        rmse_eb = np.sqrt(np.mean((res.reliability.eb - truth)[shown] ** 2))
        print(f"\n{item}: RMSE raw {rmse_raw:.2f}, adjusted {rmse_adj:.2f}, EB {rmse_eb:.2f}")
        assert rmse_adj < 0.75 * rmse_raw
        assert rmse_eb <= rmse_adj
        # Adjusted ranks agree better with the truth as well.
        corr_raw = np.corrcoef(res.casemix.observed[shown], truth[shown])[0, 1]
        corr_adj = np.corrcoef(res.adjusted[shown], truth[shown])[0, 1]
        assert corr_adj > corr_raw


def test_generator_is_reproducible_and_well_formed(survey) -> None:
    again = synthetic_survey(n_units=120, n_responses=36_000, items=2, seed=12)
    pd.testing.assert_frame_equal(survey.responses, again.responses)
    df = survey.responses
    assert len(df) == 36_000
    assert df["unit"].nunique() == 120
    codes = set(df["q01"].dropna().unique())
    assert codes <= {"1", "2", "3", "4", "5", "9"} and "9" in codes
    assert 0.01 < df["age_band"].isna().mean() < 0.04
    assert survey.true_scores.shape == (120, 2)
    assert survey.true_scores.to_numpy().min() > 0 and survey.true_scores.to_numpy().max() < 100
