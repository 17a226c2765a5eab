"""Synthetic survey responses with a known truth.

Each unit has a true effect and a catchment: some units serve older and
sicker patients, others younger and healthier ones. Patient characteristics
move the answers, so raw unit means mix quality with case mix; the known
truth (each unit's expected score for the whole population's case mix) lets
tests show that adjustment recovers it, and the demo seeds realistic data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from analysis._errors import InputError

__all__ = [
    "ADJUSTER_LEVELS",
    "DEFAULT_ADJUSTERS",
    "NOT_APPLICABLE",
    "SyntheticSurvey",
    "synthetic_survey",
]

#: Levels of each adjuster the generator can produce, in reporting order.
ADJUSTER_LEVELS: Mapping[str, tuple[str, ...]] = {
    "age_band": ("18-34", "35-49", "50-64", "65-79", "80+"),
    "sex": ("female", "male"),
    "general_health": ("excellent", "very_good", "good", "fair", "poor"),
    "mental_health": ("excellent", "very_good", "good", "fair", "poor"),
    "education": ("basic", "vocational", "short", "medium", "long"),
    "channel": ("sms", "poster", "receipt"),
    "language": ("da", "en", "other"),
}
#: The five patient-reported adjusters of the national benchmark.
DEFAULT_ADJUSTERS: tuple[str, ...] = (
    "age_band",
    "sex",
    "general_health",
    "mental_health",
    "education",
)
#: Code of the unscored "not applicable / don't know" answer.
NOT_APPLICABLE = "9"

# Effects on the latent answer scale, per level. Older patients answer more
# positively and sicker ones more negatively (as in LUP and the GP Patient
# Survey), and the health effects dominate, so "older and sicker" catchments
# get lower raw scores than their quality deserves.
_EFFECTS: Mapping[str, np.ndarray] = {
    "age_band": np.array([-0.30, -0.15, 0.0, 0.15, 0.25]),
    "sex": np.array([0.0, -0.05]),
    "general_health": np.array([0.35, 0.20, 0.0, -0.35, -0.70]),
    "mental_health": np.array([0.20, 0.10, 0.0, -0.25, -0.50]),
    "education": np.array([0.15, 0.05, 0.0, -0.05, -0.15]),
    "channel": np.array([0.0, 0.05, 0.10]),
    "language": np.array([0.0, -0.10, -0.30]),
}
# Cut points of the latent answer into codes 1..5.
_CUTS = np.array([-2.0, -1.2, -0.3, 0.7])
_ITEM_CODES = ["1", "2", "3", "4", "5", NOT_APPLICABLE]


@dataclass(frozen=True)
class SyntheticSurvey:
    """Generated responses and the truth behind them.

    Attributes
    ----------
    responses : DataFrame
        One row per respondent: ``unit``, the adjusters (categorical, missing
        where the patient skipped it), and one categorical column per item
        with codes ``"1"`` .. ``"5"``, ``"9"`` (not applicable) or missing.
    true_scores : DataFrame or None
        Index unit, one column per item: the unit's expected 0..100 score if
        it served the whole population's case mix (None when not computed).
    true_effects : DataFrame
        Index unit, one column per item: the unit's effect on the latent scale.
    catchment : Series
        Index unit: case-mix index of the unit's patients (high = older, sicker).
    items, adjusters : tuple of str
        Item and adjuster column names.
    """

    responses: pd.DataFrame
    true_scores: pd.DataFrame | None
    true_effects: pd.DataFrame
    catchment: pd.Series
    items: tuple[str, ...]
    adjusters: tuple[str, ...]


def _cut(latent: np.ndarray, cuts: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.searchsorted(np.asarray(cuts), latent).astype(np.int8)


def _adjuster_codes(
    name: str, frailty: np.ndarray, unit_lang: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    n = len(frailty)
    if name == "age_band":
        return _cut(0.9 * frailty + rng.normal(0, 0.6, n), [-1.2, -0.3, 0.5, 1.3])
    if name == "sex":
        return (rng.random(n) > 0.55).astype(np.int8)
    if name == "general_health":
        return _cut(0.8 * frailty + rng.normal(0, 0.7, n), [-1.2, -0.4, 0.5, 1.3])
    if name == "mental_health":
        return _cut(0.4 * frailty + rng.normal(0, 0.9, n), [-1.2, -0.4, 0.5, 1.3])
    if name == "education":
        return _cut(-0.6 * frailty + rng.normal(0, 0.9, n), [-1.0, -0.3, 0.4, 1.1])
    if name == "channel":
        return _cut(0.5 * frailty + rng.normal(0, 1.0, n), [0.3, 1.2])
    if name == "language":
        u = rng.random(n)
        return np.where(u < unit_lang, 2, np.where(u < unit_lang + 0.04, 1, 0)).astype(np.int8)
    raise InputError(f"unknown adjuster {name!r}; choose from {', '.join(ADJUSTER_LEVELS)}")


def synthetic_survey(
    n_units: int = 200,
    n_responses: int = 20_000,
    items: int | Sequence[str] = 3,
    *,
    adjusters: Sequence[str] = DEFAULT_ADJUSTERS,
    seed: int = 0,
    effect_sd: float = 0.25,
    casemix_sd: float = 1.0,
    item_missing: float = 0.05,
    not_applicable: float = 0.03,
    adjuster_missing: float = 0.02,
    truth: bool = True,
) -> SyntheticSurvey:
    """Generate survey responses with known unit effects and strong case-mix differences.

    Parameters
    ----------
    n_units : int, default 200
        Number of units.
    n_responses : int, default 20000
        Total respondents, spread unevenly over the units (some get very few).
    items : int or sequence of str, default 3
        Number of likert5 items (named ``q01``, ``q02``, ...) or their names.
    adjusters : sequence of str
        Adjuster columns to produce, from :data:`ADJUSTER_LEVELS`.
    seed : int, default 0
        Random seed.
    effect_sd : float, default 0.25
        SD of the true unit effects on the latent scale (residual SD is 1).
    casemix_sd : float, default 1.0
        SD of the units' catchment index; larger means the units' patients
        differ more.
    item_missing, not_applicable, adjuster_missing : float
        Shares of skipped items, "not applicable" answers and skipped adjusters.
    truth : bool, default True
        Compute ``true_scores`` (costs units x distinct case mixes; turn off
        for national-size data).

    Returns
    -------
    SyntheticSurvey

    Notes
    -----
    For respondent i of unit j, a frailty ``f_i = c_j + N(0, 1)`` (c_j the
    catchment) drives age band, health, education and channel. The answer to
    item k is the code of ``b_k + e_jk + l_k x_i' g + N(0, 1)`` cut at fixed
    thresholds, with ``e_jk`` the unit's true effect, ``x_i' g`` the patient's
    case-mix effect and ``l_k`` an item loading. The true score of unit j is
    ``mean_i 25 sum_t Phi(b_k + e_jk + l_k x_i' g - cut_t)`` over all
    respondents i, i.e. the expected 0..100 score for the population's case mix.
    """
    if n_units < 2 or n_responses < n_units:
        raise InputError("need at least two units and one response per unit")
    item_names = (
        tuple(f"q{k + 1:02d}" for k in range(items)) if isinstance(items, int) else tuple(items)
    )
    adjusters = tuple(adjusters)
    for name in adjusters:
        if name not in ADJUSTER_LEVELS:
            raise InputError(f"unknown adjuster {name!r}; choose from {', '.join(ADJUSTER_LEVELS)}")
    rng = np.random.default_rng(seed)

    weights = rng.gamma(1.5, 1.0, n_units)
    sizes = 1 + rng.multinomial(n_responses - n_units, weights / weights.sum())
    unit_codes = np.repeat(np.arange(n_units, dtype=np.int32), sizes)
    n = len(unit_codes)
    catchment = rng.normal(0.0, casemix_sd, n_units)
    unit_lang = np.clip(rng.beta(1.0, 12.0, n_units), 0.0, 0.5)
    frailty = catchment[unit_codes] + rng.normal(0.0, 1.0, n)

    # The case-mix effect uses the true level even where the patient did not
    # report it: missing adjusters hide the case mix, they do not change it.
    casemix_effect = np.zeros(n)
    columns: dict[str, object] = {}
    for name in adjusters:
        codes = _adjuster_codes(name, frailty, unit_lang[unit_codes], rng)
        casemix_effect += _EFFECTS[name][codes]
        reported = np.where(rng.random(n) < adjuster_missing, -1, codes).astype(np.int8)
        columns[name] = pd.Categorical.from_codes(reported, categories=ADJUSTER_LEVELS[name])
    del frailty

    base = rng.uniform(0.0, 0.6, len(item_names))
    loading = rng.uniform(0.7, 1.3, len(item_names))
    common = rng.normal(0.0, effect_sd, n_units)
    effects = common[:, None] * rng.uniform(0.8, 1.2, len(item_names)) + rng.normal(
        0.0, 0.3 * effect_sd, (n_units, len(item_names))
    )
    for k, item in enumerate(item_names):
        latent = base[k] + effects[unit_codes, k] + loading[k] * casemix_effect
        latent += rng.normal(0.0, 1.0, n)
        codes = _cut(latent, _CUTS)
        del latent
        u = rng.random(n)
        codes[u < not_applicable] = 5  # index of "9"
        codes[u > 1.0 - item_missing] = -1
        columns[item] = pd.Categorical.from_codes(codes, categories=_ITEM_CODES)

    labels = [f"u{j:05d}" for j in range(n_units)]
    responses = pd.DataFrame(
        {"unit": pd.Categorical.from_codes(unit_codes, categories=labels), **columns}
    )
    index = pd.Index(labels, name="unit")
    true_scores = None
    if truth:
        values, counts = np.unique(casemix_effect, return_counts=True)
        share = counts / counts.sum()
        scores = np.empty((n_units, len(item_names)))
        for k in range(len(item_names)):
            mean_latent = base[k] + effects[:, k][:, None] + loading[k] * values[None, :]
            expected = 25.0 * ndtr(mean_latent[:, :, None] - _CUTS[None, None, :]).sum(axis=2)
            scores[:, k] = expected @ share
        true_scores = pd.DataFrame(scores, index=index, columns=list(item_names))
    return SyntheticSurvey(
        responses=responses,
        true_scores=true_scores,
        true_effects=pd.DataFrame(effects, index=index, columns=list(item_names)),
        catchment=pd.Series(catchment, index=index, name="catchment"),
        items=item_names,
        adjusters=adjusters,
    )
