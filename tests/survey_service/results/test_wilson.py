"""Top-box and gap shares are stored with their 95% Wilson interval.

The expectation is computed independently: the answer counts straight from
the stored answer codes, through ``statsmodels.stats.proportion.proportion_confint``
(never through the build's helpers). Counts of 0 and of n are included: there
the Wilson interval touches 0 % or 100 % and a Wald interval would collapse.
"""

from __future__ import annotations

import datetime as dt

import pytest
from statsmodels.stats.proportion import proportion_confint

from survey_service.results.frame import read_frame
from survey_service.results.periods import parse_period
from survey_service.results.region import gap_matrix, gap_units
from survey_service.results.service import build_period
from survey_service.results.tables import ReportRevision, ReportUnit

from .test_region_results import _hang_on_tree, _seed_gaps

pytestmark = pytest.mark.anyio

#: mini.listened answers per practice: all best, none best, mixed, too few.
ANSWERS = {
    "P0001": ["5"] * 12,
    "P0002": ["4", "3", "2", "4", "1", "3", "4", "2", "3", "4", "na"],
    "P0003": ["5", "4", "5", "3", "5", "2", "5", "4", "na", "5", "1", "4"],
    "P0004": ["5"] * 6,
}


def wilson(count: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
    return 100.0 * low, 100.0 * high


@pytest.fixture
async def top_box_seeded(db: str, fixture_catalogue) -> None:
    from survey_service.db import write_transaction
    from survey_service.practices import add_practice
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.responses.service import store_response

    version = (await sync_catalogue(fixture_catalogue))[("mini", 1)]
    for code, answers in ANSWERS.items():
        practice, _key = await add_practice(code, f"Klinik {code}", "gp", "Aarhus")
        async with write_transaction():
            for n, answer in enumerate(answers):
                await store_response(
                    practice_id=practice.id,
                    questionnaire_version_id=version,
                    channel="sms" if n % 3 else "poster",
                    language="da" if n % 4 else "en",
                    visit_date=dt.date(2026, 11, 1 + n),
                    answers={"mini.listened": answer, "casemix.age_band": "35-64"},
                )


async def test_top_box_bounds_equal_proportion_confint(top_box_seeded, fixture_catalogue):
    await _hang_on_tree()  # P0001-P0003 under areas A1 and A2 under R1; P0004 hangs free
    await build_period(fixture_catalogue, "2026-11", "mini")
    rows = await ReportUnit.select(
        ReportUnit.practice.code, ReportUnit.n, ReportUnit.suppressed, ReportUnit.top_box,
        ReportUnit.top_box_low, ReportUnit.top_box_high,
    ).where(ReportUnit.item == "mini.listened")  # fmt: skip
    stored = {r["practice.code"]: r for r in rows}
    members = {
        **{code: [code] for code in ANSWERS},
        "A1": ["P0001", "P0002"],
        "A2": ["P0003"],
        "R1": ["P0001", "P0002", "P0003"],
    }
    checked = set()
    for unit, codes in members.items():
        answered = [a for code in codes for a in ANSWERS[code] if a != "na"]
        count, n = answered.count("5"), len(answered)
        row = stored[unit]
        assert row["n"] == n, unit
        if n < 10:
            assert row["suppressed"], unit
            assert row["top_box"] is None and row["top_box_low"] is None, unit
            assert row["top_box_high"] is None, unit
            continue
        low, high = wilson(count, n)
        assert row["top_box"] == pytest.approx(100.0 * count / n), unit
        assert row["top_box_low"] == pytest.approx(low, abs=1e-9), unit
        assert row["top_box_high"] == pytest.approx(high, abs=1e-9), unit
        assert row["top_box_low"] <= row["top_box"] <= row["top_box_high"]
        checked.add(unit)
    assert checked == {"P0001", "P0002", "P0003", "A1", "A2", "R1"}
    # Count n and count 0: the interval reaches 100 % and 0 % and is not empty.
    assert stored["P0001"]["top_box_high"] == pytest.approx(100.0)
    assert stored["P0001"]["top_box_low"] < 100.0 - 10.0
    assert stored["P0002"]["top_box_low"] == pytest.approx(0.0, abs=1e-12)
    assert stored["P0002"]["top_box_high"] > 10.0
    assert stored["P0004"]["suppressed"]
    # Composites have no top box, and so no interval.
    composites = await ReportUnit.select(ReportUnit.top_box_low).where(ReportUnit.item == "")
    assert composites and all(r["top_box_low"] is None for r in composites)


async def test_gap_bounds_equal_proportion_confint(db, tmp_path):
    catalogue, _ids = await _seed_gaps(tmp_path)
    await build_period(catalogue, "2026-11", "gaps")
    revision = (await ReportRevision.select(ReportRevision.id))[0]["id"]
    frame = await read_frame(catalogue, "gaps", parse_period("2026-11"))
    codes = frame.codes
    # Problem answers and scored answers per transition, by hand from the codes.
    items = {
        ("hospital", "gp"): ("mini.gp_knew", {"no", "partly"}, {"yes", "no", "partly"}),
        ("gp", "hospital"): ("gaps.hospital_knew", {"no"}, {"yes", "no"}),
    }
    matrix = {(r["from_sector"], r["to_sector"]): r for r in await gap_matrix(revision)}
    assert set(matrix) == set(items)
    for pair, (item, problems, scored) in items.items():
        answers = codes.loc[codes[item].isin(scored), [item, "practice"]]
        count, n = int(answers[item].isin(problems).sum()), len(answers)
        row = matrix[pair]
        assert row["n"] == n
        low, high = wilson(count, n)
        assert row["observed_low"] == pytest.approx(low, abs=1e-9), pair
        assert row["observed_high"] == pytest.approx(high, abs=1e-9), pair
        for unit in await gap_units(revision, *pair):
            mine = answers[answers["practice"].astype(str) == unit["code"]]
            if unit["suppressed"]:
                assert len(mine) < 10
                assert unit["observed_low"] is None and unit["observed_high"] is None
                continue
            low, high = wilson(int(mine[item].isin(problems).sum()), len(mine))
            assert unit["observed_low"] == pytest.approx(low, abs=1e-9), (pair, unit["code"])
            assert unit["observed_high"] == pytest.approx(high, abs=1e-9), (pair, unit["code"])


async def test_a_single_transition_region_row_has_its_wilson_interval(db, tmp_path):
    catalogue, _ids = await _seed_gaps(tmp_path, both=False)
    await build_period(catalogue, "2026-11", "gaps")
    revision = (await ReportRevision.select(ReportRevision.id))[0]["id"]
    frame = await read_frame(catalogue, "gaps", parse_period("2026-11"))
    answers = frame.codes["mini.gp_knew"].astype(object)
    scored = answers[answers.isin(["yes", "partly", "no"])]
    (row,) = await gap_matrix(revision)
    low, high = wilson(int(scored.isin(["partly", "no"]).sum()), len(scored))
    assert row["observed_low"] == pytest.approx(low, abs=1e-9)
    assert row["observed_high"] == pytest.approx(high, abs=1e-9)
