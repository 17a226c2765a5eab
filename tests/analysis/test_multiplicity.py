"""Chance-expected flags and Benjamini-Hochberg labels, against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from analysis import analyse_item, likert_score, synthetic_survey
from analysis.multiplicity import chance_flags, fdr_labels, funnel_p_values, labels_by


def _null_item(units: int = 400, seed: int = 3) -> pd.DataFrame:
    """Every unit alike: any label is chance."""
    rng = np.random.default_rng(seed)
    n = rng.integers(30, 120, size=units)
    unit = np.repeat([f"u{i:03d}" for i in range(units)], n)
    score = rng.normal(70.0, 20.0, size=len(unit))
    return pd.DataFrame({"unit": unit, "score": score})


def _hand_bh(p: np.ndarray, q: float) -> np.ndarray:
    """Benjamini-Hochberg step-up, written out: reject the k smallest, k the
    largest rank with p_(k) <= k q / m."""
    m = len(p)
    order = np.argsort(p)
    passing = [rank for rank in range(1, m + 1) if p[order[rank - 1]] <= rank * q / m]
    reject = np.zeros(m, dtype=bool)
    if passing:
        reject[order[: max(passing)]] = True
    return reject


@pytest.fixture(scope="module")
def survey_result():
    survey = synthetic_survey(n_units=150, n_responses=15_000, items=1, seed=11, effect_sd=0.5)
    df = survey.responses.copy()
    df["score"] = likert_score(df["q01"])
    return analyse_item(df, unit="unit", score="score", adjusters=["age_band", "sex"])


def test_chance_counts_match_the_stored_limits(survey_result) -> None:
    table = survey_result.to_frame()
    shown = table[table["flag"] != "suppressed"]
    out95 = (shown["adjusted"] < shown["funnel95_low"]) | (
        shown["adjusted"] > shown["funnel95_high"]
    )
    out998 = (shown["adjusted"] < shown["funnel998_low"]) | (
        shown["adjusted"] > shown["funnel998_high"]
    )
    counts = chance_flags(survey_result)
    assert counts.units == len(shown)
    assert counts.outside95 == int(out95.sum()) and counts.outside998 == int(out998.sum())
    assert counts.expected95 == pytest.approx(0.05 * len(shown))
    assert counts.expected998 == pytest.approx(0.002 * len(shown))


def test_p_values_agree_with_the_spec_labels(survey_result) -> None:
    p = funnel_p_values(survey_result)
    flags = survey_result.flags
    labelled = np.isin(flags, ("above", "below", "alarm_above", "alarm_below"))
    assert labelled.any(), "the synthetic units differ enough for some labels"
    assert (p[labelled] < 0.05).all()
    assert (p[flags == "as_expected"] >= 0.05 - 1e-12).all()
    alarm = np.isin(flags, ("alarm_above", "alarm_below"))
    assert (p[alarm] < 0.002).all()
    assert np.isnan(p[flags == "suppressed"]).all()


def test_p_value_by_hand_for_one_unit(survey_result) -> None:
    fit, funnel = survey_result.casemix, survey_result.funnel
    j = int(np.flatnonzero(survey_result.flags != "suppressed")[0])
    z_se = abs(fit.adjusted[j] - fit.mu) / fit.se[j]
    z_funnel = abs(fit.adjusted[j] - fit.mu) / np.sqrt(
        funnel.s_w**2 / fit.unit_nobs[j] + funnel.tau2
    )
    expected = 2 * (1 - norm.cdf(min(z_se, z_funnel)))
    assert funnel_p_values(survey_result)[j] == pytest.approx(expected, rel=1e-9)


def test_fdr_labels_equal_a_hand_computed_benjamini_hochberg(survey_result) -> None:
    p = funnel_p_values(survey_result)
    flags = survey_result.flags
    tested = ~np.isin(flags, ("suppressed", "low_reliability"))
    labels = fdr_labels(survey_result)
    higher = survey_result.adjusted > survey_result.mu
    reject = np.zeros(len(p), dtype=bool)
    reject[tested] = _hand_bh(p[tested], 0.05)
    alarm = np.zeros(len(p), dtype=bool)
    alarm[tested] = _hand_bh(p[tested], 0.002)
    expected = np.where(tested, "as_expected", flags).astype(object)
    expected[reject & higher], expected[reject & ~higher] = "above", "below"
    expected[alarm & higher], expected[alarm & ~higher] = "alarm_above", "alarm_below"
    assert list(labels) == list(expected)
    # Step-up controls more strictly than per-unit tests: never more labels.
    assert (labels[tested] != "as_expected").sum() <= (flags[tested] != "as_expected").sum()


def test_fdr_removes_the_chance_labels_of_identical_units() -> None:
    result = analyse_item(_null_item(), unit="unit", score="score")
    counts = chance_flags(result)
    # Per-unit limits label about 5% of identical units; BH about none.
    assert counts.outside95 >= 5
    assert abs(counts.outside95 - counts.expected95) < 4 * np.sqrt(counts.expected95)
    fdr = fdr_labels(result)
    assert (np.isin(fdr, ("above", "below", "alarm_above", "alarm_below"))).sum() <= 1


def test_unknown_label_method_is_refused(survey_result) -> None:
    from analysis import AnalysisError

    assert list(labels_by(survey_result, "spec")) == list(survey_result.flags)
    with pytest.raises(AnalysisError, match="label method"):
        labels_by(survey_result, "bonferroni")
