"""A split questionnaire's module items, missing by design, still give the right adjusted scores.

Each patient gets the core plus one rotating module drawn at random with fixed
weights (docs/questionnaire-format.md), so a module item is answered by a
random quarter of a practice's patients. Missing completely at random by
construction: the case-mix adjustment on those answers estimates the same
adjusted unit score as it would with every patient, only less precisely.

The simulation answers everything, masks the module item by a random
assignment, runs the same adjustment the results build uses
(:func:`analysis.fit_casemix`), and checks the masked estimates against the
full-data ones and against the truth: unbiased, and covered by their intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import fit_casemix

UNITS = 30
PER_UNIT = 240
WEIGHT = 0.25  # one of four modules, as gp-experience/4
REPLICATIONS = 12
AGE_EFFECT = {"18-34": -10.0, "35-49": -4.0, "50-64": 4.0, "65+": 12.0}
HEALTH_EFFECT = {"good": 8.0, "fair": 0.0, "poor": -14.0}


def _patients(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Every patient's answer to one module item (0..100), with the true unit effects.

    Practices differ in case mix (older, sicker lists), so adjustment matters.
    """
    effects = rng.normal(0, 6, UNITS)
    rows = []
    for j in range(UNITS):
        old = (j % 5) / 5  # share of older patients rises across practices
        ages = rng.choice(
            list(AGE_EFFECT), PER_UNIT, p=[0.4 - 0.3 * old, 0.3, 0.2, 0.1 + 0.3 * old]
        )
        health = rng.choice(
            list(HEALTH_EFFECT), PER_UNIT, p=[0.5 - 0.3 * old, 0.3, 0.2 + 0.3 * old]
        )
        score = (
            70
            + effects[j]
            + np.array([AGE_EFFECT[a] for a in ages])
            + np.array([HEALTH_EFFECT[h] for h in health])
            + rng.normal(0, 18, PER_UNIT)
        )
        rows.append(pd.DataFrame({"unit": f"P{j:02d}", "age": ages, "health": health, "y": score}))
    return pd.concat(rows, ignore_index=True), effects


def _masked(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The item as stored: only patients drawn for its module answered it."""
    drawn = rng.random(len(df)) < WEIGHT
    out = df.copy()
    out.loc[~drawn, "y"] = np.nan
    return out


def test_module_items_masked_by_the_rotation_keep_their_adjusted_scores() -> None:
    rng = np.random.default_rng(20261202)
    covered_full = covered_truth = total = 0
    differences: list[np.ndarray] = []
    adjustment = 0.0
    for _ in range(REPLICATIONS):
        df, effects = _patients(rng)
        masked = _masked(df, rng)
        assert 0.2 < masked["y"].notna().mean() < 0.3
        full = fit_casemix(df, unit="unit", score="y", adjusters=["age", "health"])
        part = fit_casemix(masked, unit="unit", score="y", adjusters=["age", "health"])
        assert list(part.units) == list(full.units)
        # About a quarter of the answers: the intervals are about twice as wide.
        assert 1.6 < float(np.median(part.se / full.se)) < 2.4
        inside = (part.ci_low <= full.adjusted) & (full.adjusted <= part.ci_high)
        covered_full += int(inside.sum())
        # The truth: the unit effect at the population's case mix. Both fits
        # share the intercept, so compare effects centred on their means.
        truth = effects - effects.mean()
        centred = part.adjusted - part.adjusted.mean()
        covered_truth += int((np.abs(centred - truth) <= 1.96 * part.se).sum())
        total += UNITS
        differences.append(part.adjusted - full.adjusted)
        adjustment = max(adjustment, float(np.max(np.abs(full.adjusted - full.observed))))
    # Case mix differs enough between practices that adjusting changes scores.
    assert adjustment > 2.0
    assert covered_full / total >= 0.9
    assert covered_truth / total >= 0.9
    # No bias: the mean difference is within three of its standard errors of 0.
    diff = np.concatenate(differences)
    assert abs(diff.mean()) < 3 * diff.std(ddof=1) / np.sqrt(len(diff))
