"""Stored region results written directly (deterministic), plus accounts per role.

November 2026 of ``mini`` is released (revision 1); a second, unreleased
revision of November and an unreleased October carry numbers that must never
show. Funnel parameters are round numbers so limits can be computed by hand.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ..feedback.conftest import PASSWORD, csrf_of, logged_in

__all__ = ["PASSWORD", "csrf_of", "logged_in"]

RELEASED = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)

#: code -> (name, sector, area)
UNITS = {
    "P0001": ("Klinik Alfa", "gp", "Aarhus"),
    "P0002": ("Klinik Beta", "gp", "Aarhus"),
    "P0003": ("Klinik Gamma", "gp", "Randers"),
    "P0004": ("Klinik Delta", "gp", "Randers"),
    "P0005": ("Speciallæge Epsilon", "specialist", "Viborg"),
}

#: code -> (n, adjusted, ci_low, ci_high, flag) of the communication composite; None = suppressed
COMPOSITE = {
    "P0001": (40, 85.5, 79.3, 91.7, "as_expected"),
    "P0002": (120, 70.2, 66.6, 73.8, "alarm_below"),
    "P0003": (6, None, None, None, "suppressed"),
    # Stored "above" on 15 answers: the page must not label it (ANALYSIS_SPEC 6).
    "P0004": (15, 95.0, 85.1, 99.9, "above"),
    "P0005": (60, 78.0, 73.0, 83.0, "as_expected"),
}

#: The composite's funnel: mu 80, s_w 20, tau2 4.
MU, S_W, TAU2 = 80.0, 20.0, 4.0


async def _revision(questionnaire: str, period: str, number: int, released: bool) -> int:
    from survey_service.results.tables import ReportRevision

    row = ReportRevision(
        questionnaire=questionnaire,
        period=period,
        revision=number,
        built_at=RELEASED - dt.timedelta(hours=1),
        released_at=RELEASED if released else None,
        responses=241,
    )
    await row.save()
    return row.id


async def _rows(revision: int, ids: dict[str, int], shift: float) -> None:
    from survey_service.results.tables import ReportGap, ReportItem, ReportUnit

    await ReportItem.insert(
        ReportItem(revision=revision, level="practice", domain="communication", item="",
                   measure="mean", units=4, n=241, mu=MU + shift, s_w=S_W, tau2=TAU2, phi=1.4),
        ReportItem(revision=revision, level="practice", domain="communication",
                   item="mini.listened", measure="mean", units=4, n=235, mu=75.0 + shift,
                   s_w=25.0, tau2=0.0, phi=0.9),
        ReportItem(revision=revision, level="practice", domain="sector_gap", item="hospital->gp",
                   measure="proportion", units=2, n=135, mu=0.2, s_w=None, tau2=0.01, phi=2.0),
    )  # fmt: skip
    units = []
    for code, (n, adjusted, low, high, flag) in COMPOSITE.items():
        for item, offset in (("", 0.0), ("mini.listened", -3.0)):
            hidden = adjusted is None
            units.append(
                ReportUnit(
                    revision=revision,
                    practice=ids[code],
                    domain="communication",
                    item=item,
                    n=n if item == "" else max(n - 1, 1),
                    observed=None if hidden else adjusted + 1.0 + shift,
                    adjusted=None if hidden else adjusted + offset + shift,
                    se=None if hidden else (high - low) / 3.92,
                    ci_low=None if hidden else low + offset + shift,
                    ci_high=None if hidden else high + offset + shift,
                    reliability=None if hidden else 0.8,
                    eb=None if hidden else adjusted,
                    flag=flag,
                    suppressed=hidden,
                )
            )
    await ReportUnit.insert(*units)
    await ReportGap.insert(
        ReportGap(revision=revision, practice=None, from_sector="gp", to_sector="hospital",
                  n=200, observed=12.0, adjusted=12.5 + shift, se=2.0, ci_low=8.6, ci_high=16.4),
        ReportGap(revision=revision, practice=None, from_sector="hospital", to_sector="gp",
                  n=135, observed=30.0, adjusted=31.0 + shift, se=3.0, ci_low=25.1, ci_high=36.9),
        ReportGap(revision=revision, practice=None, from_sector="municipality", to_sector="gp",
                  n=7, suppressed=True, flag="suppressed"),
        ReportGap(revision=revision, practice=ids["P0001"], from_sector="hospital",
                  to_sector="gp", n=50, observed=27.0, adjusted=28.0 + shift, se=6.0,
                  ci_low=-3.1, ci_high=39.8, flag="as_expected"),
        ReportGap(revision=revision, practice=ids["P0002"], from_sector="hospital",
                  to_sector="gp", n=80, observed=36.0, adjusted=35.0 + shift, se=5.0,
                  ci_low=25.2, ci_high=44.8, flag="as_expected"),
        ReportGap(revision=revision, practice=ids["P0003"], from_sector="hospital",
                  to_sector="gp", n=5, suppressed=True, flag="suppressed"),
    )  # fmt: skip


@pytest.fixture
async def region(db: str) -> dict[str, int]:
    """The stored rows; returns practice ids by code."""
    from survey_service.practices import add_practice

    ids = {}
    for code, (name, sector, area) in UNITS.items():
        practice, _key = await add_practice(code, name, sector, area)
        ids[code] = practice.id
    await _rows(await _revision("mini", "2026-11", 1, released=True), ids, 0.0)
    # Never released: a newer build of November and all of October (numbers shifted by 7.77).
    await _rows(await _revision("mini", "2026-11", 2, released=False), ids, 7.77)
    await _rows(await _revision("mini", "2026-10", 1, released=False), ids, 7.77)
    return ids


@pytest.fixture
async def accounts(region: dict[str, int]) -> dict[str, str]:
    from survey_service.accounts.service import add_user

    await add_user("gp@example.dk", PASSWORD, "practitioner", ["P0001"])
    await add_user("analyst@example.dk", PASSWORD, "analyst")
    await add_user("admin@example.dk", PASSWORD, "admin")
    return {"gp": "gp@example.dk", "analyst": "analyst@example.dk", "admin": "admin@example.dk"}
