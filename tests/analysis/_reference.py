"""Independent reference computations for the analysis tests.

Everything here is computed the slow, obvious way (statsmodels with explicit
unit dummies, plain Python loops) and shares no code with :mod:`analysis`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf


def imputed_dummies(df: pd.DataFrame, adjusters: Sequence[str]) -> pd.DataFrame:
    """Treatment dummies (first sorted level dropped); a missing value gets the
    mean of each dummy over the rows where the adjuster is known."""
    blocks = []
    for a_index, name in enumerate(adjusters):
        col = df[name].astype(object)
        known = col.notna()
        levels = sorted(col[known].unique(), key=str)
        for l_index, level in enumerate(levels[1:]):
            dummy = (col == level).astype(float)
            dummy[~known] = dummy[known].mean()
            dummy.name = f"d{a_index}_{l_index}"
            blocks.append(dummy)
    if not blocks:
        return pd.DataFrame(index=df.index)
    return pd.concat(blocks, axis=1)


def statsmodels_fixed_effects(
    df: pd.DataFrame, unit: str, score: str, adjusters: Sequence[str]
) -> dict[str, object]:
    """Adjusted unit scores from ``ols("y ~ C(unit) + dummies")`` predicted at the mean case mix."""
    data = df[df[score].notna()].copy()
    dummies = imputed_dummies(data, adjusters)
    frame = pd.concat(
        [pd.DataFrame({"u": data[unit].astype(str), "y": data[score].astype(float)}), dummies],
        axis=1,
    )
    rhs = " + ".join(["C(u)", *dummies.columns])
    fit = smf.ols(f"y ~ {rhs}", data=frame).fit()
    units = sorted(frame["u"].unique())
    at_mean = pd.DataFrame({"u": units})
    for col in dummies.columns:
        at_mean[col] = dummies[col].mean()
    prediction = fit.get_prediction(at_mean)
    adjusted = pd.Series(np.asarray(prediction.predicted_mean), index=units)
    return {
        "adjusted": adjusted,
        # Standard error of the standardised prediction alpha_j + xbar' beta.
        "se": pd.Series(np.asarray(prediction.se_mean), index=units),
        "fit": fit,
        "observed": frame.groupby("u")["y"].mean(),
        "n": frame.groupby("u").size(),
        "beta": fit.params[list(dummies.columns)].to_numpy(),
        "mse_resid": float(fit.mse_resid),
        "df_resid": float(fit.df_resid),
        "mu": float(frame["y"].mean()),
    }


def percentile_linear(values: Sequence[float], q: float) -> float:
    """Percentile with linear interpolation between order statistics (type 7)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def dersimonian_laird(z: Sequence[float], s2: Sequence[float]) -> tuple[float, float]:
    """phi and tau^2 by the spec's recipe, with loops."""
    lo = percentile_linear(z, 0.10)
    hi = percentile_linear(z, 0.90)
    total = 0.0
    for value in z:
        clipped = min(max(value, lo), hi)
        total += clipped * clipped
    count = len(z)
    phi = total / count
    if count * phi < count - 1:
        return phi, 0.0
    sum_w = 0.0
    sum_w2 = 0.0
    for variance in s2:
        sum_w += 1.0 / variance
        sum_w2 += 1.0 / variance**2
    tau2 = (count * phi - (count - 1)) / (sum_w - sum_w2 / sum_w)
    return phi, max(0.0, tau2)


def casemix_frame(
    n_units: int = 30,
    n: int = 900,
    seed: int = 0,
    missing_adjuster: float = 0.08,
    missing_score: float = 0.05,
) -> pd.DataFrame:
    """Small data with case mix that differs by unit, and missing values."""
    rng = np.random.default_rng(seed)
    units = np.array([f"unit{j:02d}" for j in range(n_units)])
    catchment = rng.normal(0, 1, n_units)
    u = rng.integers(0, n_units, n)
    frail = catchment[u] + rng.normal(0, 1, n)
    age = np.array(["18-34", "35-64", "65-79", "80+"])[np.digitize(frail, [-0.8, 0.4, 1.2])]
    health = np.array(["good", "fair", "poor"])[np.digitize(frail + rng.normal(0, 1, n), [0, 1])]
    sex = rng.choice(["female", "male"], n)
    effect = rng.normal(0, 5, n_units)
    y = (
        60
        + effect[u]
        + 6 * (age == "80+")
        + 3 * (age == "65-79")
        - 8 * (health == "poor")
        - 3 * (health == "fair")
        + rng.normal(0, 15, n)
    )
    df = pd.DataFrame({"unit": units[u], "age": age, "health": health, "sex": sex, "y": y})
    df.loc[rng.random(n) < missing_adjuster, "age"] = None
    df.loc[rng.random(n) < missing_adjuster, "health"] = None
    df.loc[rng.random(n) < missing_score, "y"] = np.nan
    return df
