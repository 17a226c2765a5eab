"""Comparison labels from constructed numbers (ANALYSIS_SPEC sections 3 and 6)."""

from __future__ import annotations

import numpy as np

from analysis import FunnelLimits, classify_units


def _funnel(
    lo95: list[float], hi95: list[float], lo998: list[float], hi998: list[float]
) -> FunnelLimits:
    k = len(lo95)
    return FunnelLimits(
        measure="mean",
        target=60.0,
        s_w=20.0,
        phi=1.0,
        tau2=0.0,
        n_used=k,
        z=np.zeros(k),
        lower95=np.array(lo95),
        upper95=np.array(hi95),
        lower998=np.array(lo998),
        upper998=np.array(hi998),
    )


def test_labels_follow_the_rules() -> None:
    #          supp   lowN   lowR   alarm+ above  below  inside sig-but-inside  alarm-
    n = np.array([9, 15, 100, 100, 100, 100, 100, 400, 100])
    adjusted = np.array([90.0, 90.0, 90.0, 75.0, 67.0, 52.0, 62.0, 63.0, 40.0])
    se = np.array([2.0] * 9)
    se[7] = 1.0  # |63 - 60| / 1 = 3 > 1.96, yet inside the widened funnel
    reliability = np.array([0.9, 0.9, 0.6, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    funnel = _funnel(lo95=[54.0] * 9, hi95=[66.0] * 9, lo998=[50.0] * 9, hi998=[70.0] * 9)
    flags = classify_units(n, adjusted, se, 60.0, funnel, reliability, min_n=10)
    assert list(flags) == [
        "suppressed",
        "low_reliability",
        "low_reliability",
        "alarm_above",
        "above",
        "below",
        "as_expected",
        "as_expected",
        "alarm_below",
    ]


def test_outside_funnel_but_not_significant_is_as_expected() -> None:
    # A funnel narrower than the interval (cannot happen with one s_w, but can
    # for proportions where se and the arcsine limits differ) needs both tests.
    funnel = _funnel([59.0], [61.0], [58.0], [62.0])
    flags = classify_units(
        np.array([100]), np.array([63.0]), np.array([5.0]), 60.0, funnel, np.array([0.9])
    )
    assert list(flags) == ["as_expected"]
