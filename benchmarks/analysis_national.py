"""National-scale benchmark of the analysis package (not a test; prints figures).

(a) A national year: 2.2 million responses, 8,300 units, 25 likert items and
    5 adjusters; wall time and peak memory of the full analysis of every item
    (scoring, case-mix adjustment, funnel limits, reliability, EB, labels).
(b) A 2,000-unit single-item problem solved by statsmodels' dummy-variable
    OLS (``y ~ C(unit) + C(adjuster) ...``) and by the package: ratio of
    times and largest absolute difference of the adjusted scores.

Usage::

    python benchmarks/analysis_national.py            # full run
    python benchmarks/analysis_national.py --small    # quick run, minutes -> seconds
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from analysis import analyse_item, analyse_items, likert_score, synthetic_survey


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


def national(n_responses: int, n_units: int, n_items: int) -> None:
    print(
        f"(a) national year: {n_responses:,} responses, {n_units:,} units, "
        f"{n_items} items, 5 adjusters"
    )
    start = time.perf_counter()
    survey = synthetic_survey(
        n_units=n_units, n_responses=n_responses, items=n_items, seed=2024, truth=False
    )
    generated = time.perf_counter() - start
    rss_data = _peak_rss_mb()
    print(f"    data generated in {generated:.1f} s; peak RSS with data {rss_data:,.0f} MB")

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a dropped adjuster here would be a bug
        results = analyse_items(
            survey.responses,
            unit="unit",
            scores=survey.items,
            adjusters=survey.adjusters,
            scoring=likert_score,
        )
    elapsed = time.perf_counter() - start
    rss = _peak_rss_mb()
    frame = results.to_frame()
    flags = frame["flag"].value_counts()
    print(
        f"    full analysis of {len(results)} items: {elapsed:.2f} s wall, "
        f"{elapsed / len(results):.3f} s per item"
    )
    print(f"    peak RSS of the process (ru_maxrss): {rss:,.0f} MB")
    print(
        f"    {len(frame):,} unit results; flags: "
        + ", ".join(f"{k} {v:,}" for k, v in flags.items())
    )
    print(
        f"    goal: < 15 s and < 1,500 MB -> {'met' if elapsed < 15 and rss < 1500 else 'NOT met'}"
    )


def dummy_ols_versus_within(n_units: int, per_unit: int) -> None:
    n = n_units * per_unit
    print(
        f"(b) single item, {n_units:,} units, {n:,} respondents, 5 adjusters: "
        "statsmodels dummy-variable OLS vs within transformation"
    )
    survey = synthetic_survey(
        n_units=n_units, n_responses=n, items=1, seed=7, truth=False, adjuster_missing=0.0
    )
    df = survey.responses
    data = pd.DataFrame({"unit": df["unit"].astype(str), "y": likert_score(df["q01"])})
    for a in survey.adjusters:
        data[a] = df[a].astype(str)
    data = data.dropna(subset=["y"]).reset_index(drop=True)

    start = time.perf_counter()
    ours = analyse_item(data, unit="unit", score="y", adjusters=survey.adjusters)
    t_ours = time.perf_counter() - start

    start = time.perf_counter()
    rhs = " + ".join(["C(unit)", *(f"C({a})" for a in survey.adjusters)])
    fit = smf.ols(f"y ~ {rhs}", data=data).fit()
    # The adjusted score is the fitted value of each unit at the population's
    # mean case mix: the mean of each adjuster's dummy columns.
    exog_names = fit.model.exog_names
    design_mean = np.asarray(fit.model.exog).mean(axis=0)
    at_mean = np.zeros((len(ours.units), len(exog_names)))
    for k, name in enumerate(exog_names):
        if name == "Intercept":
            at_mean[:, k] = 1.0
        elif name.startswith("C(unit)"):
            level = name.split("[T.", 1)[1].rstrip("]")
            at_mean[:, k] = (ours.units == level).astype(float)
        else:
            at_mean[:, k] = design_mean[k]
    theirs = at_mean @ fit.params.to_numpy()
    t_sm = time.perf_counter() - start

    diff = float(np.max(np.abs(theirs - ours.adjusted)))
    print(f"    statsmodels ols(formula) fit + predict: {t_sm:.2f} s")
    print(f"    analysis.analyse_item (everything):     {t_ours:.3f} s")
    print(
        f"    ratio {t_sm / t_ours:,.0f}x (goal > 100x); largest |difference| of adjusted "
        f"scores {diff:.2e} (goal < 1e-8)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run on small data")
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} cores, {platform.machine()}"
    )
    if args.small:
        national(n_responses=220_000, n_units=830, n_items=5)
        dummy_ols_versus_within(n_units=300, per_unit=25)
    else:
        national(n_responses=2_200_000, n_units=8_300, n_items=25)
        dummy_ols_versus_within(n_units=2_000, per_unit=25)


if __name__ == "__main__":
    main()
