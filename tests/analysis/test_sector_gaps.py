"""Cross-sector gap rates and the from x to matrix (ANALYSIS_SPEC section 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import InputError, sector_gaps, transitions_long

from ._reference import statsmodels_fixed_effects

TRANSITIONS = {
    "xs.hosp_gp": ("hospital", "gp"),
    "xs.gp_hosp": ("gp", "hospital"),
    "xs.hosp_mun": ("hospital", "municipality"),
    "xs.psy_gp": ("psychiatry", "gp"),
}
PROBLEM = ["no", "partly"]


@pytest.fixture(scope="module")
def wide() -> pd.DataFrame:
    rng = np.random.default_rng(17)
    n = 2400
    unit = rng.integers(0, 12, n)
    old = rng.random(n) < np.linspace(0.15, 0.75, 12)[unit]
    data = {"practice": [f"gp{j:02d}" for j in unit], "age": np.where(old, "65+", "18-64")}
    rates = {"xs.hosp_gp": 0.15, "xs.gp_hosp": 0.10, "xs.hosp_mun": 0.30, "xs.psy_gp": 0.25}
    for item, base in rates.items():
        p = base + 0.10 * old + 0.05 * (unit % 3 == 0)
        problem = rng.random(n) < p
        answer = np.where(problem, rng.choice(PROBLEM, n), "yes").astype(object)
        answer[rng.random(n) < 0.3] = "na"
        answer[rng.random(n) < 0.1] = None
        data[item] = answer
    frame = pd.DataFrame(data)
    # Only a handful answered about psychiatry -> GP: suppressed in the matrix.
    frame.loc[frame.index[8:], "xs.psy_gp"] = None
    return frame


def _long(wide: pd.DataFrame) -> pd.DataFrame:
    return transitions_long(
        wide,
        items=TRANSITIONS,
        problem_codes=dict.fromkeys(TRANSITIONS, PROBLEM),
        keep=["practice", "age"],
    )


def test_long_format_keeps_answered_rows_only(wide: pd.DataFrame) -> None:
    long = _long(wide)
    answered = wide["xs.hosp_gp"].isin(["yes", "no", "partly"])
    part = long[(long["from_sector"] == "hospital") & (long["to_sector"] == "gp")]
    assert len(part) == int(answered.sum())
    assert part["problem"].mean() == pytest.approx(
        wide.loc[answered, "xs.hosp_gp"].isin(PROBLEM).mean()
    )


@pytest.mark.filterwarnings("ignore::analysis.AdjusterDroppedWarning")
def test_matrix_holds_case_mix_adjusted_rates(wide: pd.DataFrame) -> None:
    long = _long(wide)
    gaps = sector_gaps(long, unit="practice", adjusters=["age"], min_n=10)
    keyed = long.assign(transition=long["from_sector"] + ">" + long["to_sector"])
    ref = statsmodels_fixed_effects(keyed, "transition", "problem", ["age"])
    m = gaps.matrix
    assert list(m.index) == ["gp", "hospital", "psychiatry"]
    assert list(m.columns) == ["gp", "hospital", "municipality"]
    for key, value in ref["adjusted"].items():
        src, dst = key.split(">")
        if ref["n"][key] < 10:
            assert np.isnan(m.loc[src, dst])
        else:
            assert m.loc[src, dst] == pytest.approx(value, abs=1e-8)
    assert np.isnan(m.loc["gp", "gp"])  # no such transition
    assert np.isnan(m.loc["psychiatry", "gp"])  # suppressed: too few answers
    row = gaps.transitions.set_index(["from_sector", "to_sector"]).loc[("psychiatry", "gp")]
    assert bool(row["suppressed"]) and row["n"] < 10


@pytest.mark.filterwarnings("ignore::analysis.AdjusterDroppedWarning")
def test_each_transition_gets_a_per_unit_funnel(wide: pd.DataFrame) -> None:
    long = _long(wide)
    gaps = sector_gaps(long, unit="practice", adjusters=["age"])
    assert ("hospital", "municipality") in gaps.units
    res = gaps.units[("hospital", "municipality")]
    assert res.measure == "proportion"
    part = long[(long["from_sector"] == "hospital") & (long["to_sector"] == "municipality")]
    ref = statsmodels_fixed_effects(part, "practice", "problem", ["age"])
    np.testing.assert_allclose(res.adjusted, ref["adjusted"].to_numpy(), atol=1e-8)


def test_single_transition_is_an_input_error(wide: pd.DataFrame) -> None:
    long = _long(wide)
    one = long[(long["from_sector"] == "hospital") & (long["to_sector"] == "gp")]
    with pytest.raises(InputError, match="two transitions"):
        sector_gaps(one, unit="practice")
