"""An attacker who wants a suppressed unit's mean back from the public JSON.

For one item (or composite) of one questionnaire, the attacker knows only what is
published:

- every shown unit's n and its adjusted mean and interval ends, each rounded to
  ``decimals`` (so the true value lies within half a unit of the last decimal),
  interval ends cut to 0..100 (a cut end says only that it lies at or past it);
- that each suppressed unit has 1..9 answers and a mean somewhere in 0..100;
- every reference row (region, provider group) with its n and rounded mean, read
  as the n-weighted mean of the units it covers. A reference whose n exceeds the
  shown units' n covers suppressed answers too: that is the leak
  (N·mu - sum n·mean) / n_suppressed, and the attacker uses it;
- the labels: over the region (``above``, ``alarm_above``) means
  adjusted - 1.96·se > mu, under means adjusted + 1.96·se < mu, where mu is the
  mean over ALL respondents (suppressed ones included), which equals the
  n-weighted mean of all units' adjusted scores (the within estimator keeps it),
  and se = (ci_high - ci_low) / 3.92.

For every total of suppressed answers compatible with that, a linear program
gives the range of the suppressed units' summed n·mean; splitting it between the
target (1..9 answers) and the others gives the target's smallest and largest
mean, and the attacker's tightest interval is the hull over the totals. Giving the attacker
the hull over ALL consistent worlds of this model is the strongest attacker the
model allows, so a wide interval here is a real bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog

Z = 1.959964
OVER = ("above", "alarm_above")
UNDER = ("below", "alarm_below")


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def _key(row: Mapping[str, Any]) -> tuple[str, str, str]:
    return (row["questionnaire"], row["domain"], row["item"])


def keys(document: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Every (questionnaire, domain, item) with at least one suppressed unit."""
    return sorted({_key(r) for r in document["rows"] if r["n"] == "<10"})


def attack(
    document: Mapping[str, Any], key: tuple[str, str, str], target: str, max_n: int = 9
) -> Interval:
    """The tightest interval for ``target``'s mean on ``key`` from the published numbers."""
    half = 0.5 * 10 ** -int(document.get("decimals", 1))
    rows = [r for r in document["rows"] if _key(r) == key]
    shown = [r for r in rows if r["n"] != "<10"]
    hidden = [r["unit"] for r in rows if r["n"] == "<10"]
    assert target in hidden
    refs = [
        r
        for r in document.get("references", [])
        if (r["questionnaire"], r["domain"], r["item"]) == key and r.get("mean") is not None
    ]
    n_shown = sum(r["n"] for r in shown)
    masses = []
    for ref in refs:
        covered = [r for r in shown if ref["level"] == "region" or r["sector"] == ref["sector"]]
        mass = ref["n"] - sum(r["n"] for r in covered)
        assert mass >= 0, "a reference never covers fewer answers than the units shown"
        if mass:
            # The attacker knows which suppressed units a group reference can cover;
            # this model pools them, which is exact for a region-wide reference.
            group = {
                r["unit"] for r in rows if ref["level"] == "region" or r["sector"] == ref["sector"]
            }
            assert set(hidden) <= group, "references with hidden answers cover every hidden unit"
            masses.append((ref, mass))
    flagged = [r for r in shown if r["flag"] in OVER + UNDER]
    if not masses and not flagged:
        return Interval(0.0, 100.0)  # nothing published links the hidden means to anything

    # For a total suppressed mass M the constraints only see S, the sum of the
    # suppressed units' n·mean: an LP gives S's range; any S in it can be split
    # between the target (n_t answers) and the others (M - n_t), each in 0..100.
    count = len(hidden)
    low, high = np.inf, -np.inf
    J, F = len(shown), len(flagged)
    size = J + F + 1  # t_1..t_J (shown adjusted), se_1..se_F (flagged), S
    for mass in range(count, max_n * count + 1):
        if any(pinned != mass for _ref, pinned in masses):
            continue
        total = n_shown + mass
        bounds = [(r["adjusted"] - half, r["adjusted"] + half) for r in shown]
        for r in flagged:
            # Interval ends are cut to 0..100: a cut end only says "at or past the scale".
            width = r["ci_high"] - r["ci_low"]
            cut = r["ci_low"] <= 0.0 or r["ci_high"] >= 100.0
            upper = None if cut else (width + 2 * half) / (2 * Z)
            bounds.append((max(0.0, (width - 2 * half) / (2 * Z)), upper))
        bounds.append((0.0, 100.0 * mass))
        a_ub: list[np.ndarray] = []
        b_ub: list[float] = []
        weights = np.zeros(size)  # sum of all n·mean = total·mu
        weights[:J] = [r["n"] for r in shown]
        weights[-1] = 1.0
        for f, r in enumerate(flagged):
            j = shown.index(r)
            for side, ci in ((-1, "ci_low"), (1, "ci_high")):
                row = np.zeros(size)  # |t_j + side·Z·se_j - ci| <= half
                row[j], row[J + f] = 1.0, side * Z
                if side < 0 and r[ci] <= 0.0:  # cut at 0: the end is below half
                    a_ub.append(row)
                    b_ub.append(half)
                elif side > 0 and r[ci] >= 100.0:  # cut at 100: the end is above 100 - half
                    a_ub.append(-row)
                    b_ub.append(-(100.0 - half))
                else:
                    a_ub += [row, -row]
                    b_ub += [r[ci] + half, -(r[ci] - half)]
            # over: total·(t_j - Z·se_j) >= total·mu; under: total·(t_j + Z·se_j) <= total·mu
            sign = 1.0 if r["flag"] in OVER else -1.0
            row = weights.copy()
            row[j] -= total
            row[J + f] += sign * total * Z
            a_ub.append(sign * row)
            b_ub.append(0.0)
        for ref, _pinned in masses:
            a_ub += [weights, -weights]
            b_ub += [ref["n"] * (ref["mean"] + half), -ref["n"] * (ref["mean"] - half)]
        objective = np.zeros(size)
        objective[-1] = 1.0
        ends = []
        for sense in (1.0, -1.0):
            result = linprog(
                sense * objective,
                A_ub=np.array(a_ub) if a_ub else None,
                b_ub=np.array(b_ub) if b_ub else None,
                bounds=bounds,
                method="highs",
            )
            if result.status == 2:  # no world with this mass fits what is published
                break
            assert result.status == 0, result.message
            ends.append(result.x[-1])
        if len(ends) < 2:
            continue
        s_low, s_high = ends
        for n_t in range(max(1, mass - max_n * (count - 1)), min(max_n, mass - (count - 1)) + 1):
            others = mass - n_t
            low = min(low, max(0.0, s_low - 100.0 * others) / n_t)
            high = max(high, min(100.0 * n_t, s_high) / n_t)
    assert low <= high, "the published numbers admit at least the true world"
    return Interval(float(low), float(high))


def naive_document(
    units: Sequence[tuple[str, int, float]], hidden: Sequence[tuple[str, int, float]]
) -> dict[str, Any]:
    """What a careless publication would print: the region's mean over ALL answers."""
    everyone = [*units, *hidden]
    total = sum(n for _u, n, _m in everyone)
    mu = sum(n * m for _u, n, m in everyone) / total
    key = {"questionnaire": "q", "domain": "d", "item": "i", "sector": "gp", "flag": "too_few"}
    rows = [
        {**key, "unit": u, "n": n, "adjusted": round(m, 1), "ci_low": 0.0, "ci_high": 100.0}
        for u, n, m in units
    ]
    rows += [{**key, "unit": u, "n": "<10", "adjusted": None} for u, _n, _m in hidden]
    reference = {"level": "region", "sector": "", "n": total, "mean": round(mu, 1)}
    return {
        "decimals": 1,
        "rows": rows,
        "references": [{**reference, "questionnaire": "q", "domain": "d", "item": "i"}],
    }
