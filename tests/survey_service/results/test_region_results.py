"""The region's stored results: funnel parameters, roll-up over the unit tree, sector gaps.

Every expectation is computed independently with :mod:`analysis` on what an
analyst gets out of the service (the `responses export --scored` file, or the
answer codes of the same frame), never through the build's own helpers.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import analyse_item, read_responses_csv, sector_gaps, transitions_long
from survey_service.practices.tables import Practice
from survey_service.questionnaires.loader import Catalogue
from survey_service.results.frame import read_frame
from survey_service.results.periods import parse_period
from survey_service.results.region import funnel, gap_matrix, gap_units, released_revision
from survey_service.results.service import build_period, release_period
from survey_service.results.tables import ReportGap, ReportItem, ReportRevision, ReportUnit

from .conftest import ADJUST, CATALOGUE_DIR, cli_env, survey_service

pytestmark = pytest.mark.anyio

ADJUSTERS = ADJUST.split(",")
#: The tree the tests hang the seeded practices on: two areas under one region.
AREA_OF = {"P0001": "A1", "P0002": "A1", "P0003": "A2"}
NUMBERS = ("observed", "adjusted", "se", "ci_low", "ci_high")

#: A questionnaire with two transitions: the module's hospital -> GP item (whose
#: "don't know" is not scored) and its own GP -> hospital item.
GAPS_YAML = """\
slug: gaps
version: 1
kind: questionnaire
status: published
title: {da: "Overgange", en: "Hand-overs"}
intro: {da: "Tak fordi du svarer.", en: "Thank you for answering."}
provider_groups: [gp]
adjusters: [age_band]
include:
  - {module: mini-module, version: 1}
sections:
  - id: main
    title: {da: "Henvisningen", en: "The referral"}
    items:
      - id: gaps.hospital_knew
        type: single_choice
        domain: coordination
        transition: {from: gp, to: hospital}
        problem_codes: ["no"]
        answers:
          - {code: "yes", text: {da: "Ja", en: "Yes"}}
          - {code: "no", text: {da: "Nej", en: "No"}}
        text: {da: "Vidste hospitalet, hvorfor du kom?", en: "Did the hospital know why you came?"}
"""


@pytest.fixture(autouse=True)
async def unhook_tree(request: pytest.FixtureRequest):
    """Every parent unhooked after a storage test: ``practice.parent`` is ON DELETE
    RESTRICT, so the next test's bulk delete would fail on a tree."""
    yield
    if "db" in request.fixturenames:
        await Practice.update({Practice.parent: None}, force=True)


async def _hang_on_tree() -> dict[str, int]:
    """Region R1 > areas A1, A2 > the seeded practices (ids by code)."""
    from survey_service.practices import add_practice

    region, _ = await add_practice("R1", "Regionen", "region")
    ids = {"R1": region.id}
    for code in ("A1", "A2"):
        area, _ = await add_practice(code, f"Område {code}", "area")
        ids[code] = area.id
        await Practice.update({Practice.parent: region.id}).where(Practice.id == area.id)
    for code, area_code in AREA_OF.items():
        await Practice.update({Practice.parent: ids[area_code]}).where(Practice.code == code)
    return ids


async def _export(database_url: str, tmp_path: Path, score: str) -> pd.DataFrame:
    """`responses export --scored` of November as `analyse adjust` reads it."""
    export = tmp_path / "scored.csv"
    done = await survey_service(
        "responses", "export", "--questionnaire", "mini", "--period", "2026-11", "--scored",
        "--output", str(export), env=cli_env(database_url),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return read_responses_csv(export, unit="practice", score=score, adjusters=ADJUSTERS)


async def _item(revision: int, level: str, item: str, domain: str) -> dict:
    rows = await ReportItem.select().where(
        (ReportItem.revision == revision)
        & (ReportItem.level == level)
        & (ReportItem.item == item)
        & (ReportItem.domain == domain)
    )
    assert len(rows) == 1, (level, item, rows)
    return rows[0]


def _units_by_code(rows: list[dict]) -> dict[str, dict]:
    return {r["code"]: r for r in rows}


@pytest.mark.parametrize(("item", "domain"), [("mini.listened", "communication")])
async def test_funnel_parameters_and_rollup_equal_analysis_of_the_export(
    seeded, database_url, tmp_path, item, domain
):
    ids = await _hang_on_tree()
    built = await survey_service(
        "report", "build", "--period", "2026-11", "--questionnaire", "mini",
        env=cli_env(database_url),
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    revision = (await ReportRevision.select(ReportRevision.id))[0]["id"]
    table = await _export(database_url, tmp_path, item)

    # Bottom level: the practices, exactly as analysis gives it on the export.
    bottom = analyse_item(table, unit="practice", score=item, adjusters=ADJUSTERS)
    stored = await _item(revision, "practice", item, domain)
    assert stored["measure"] == "mean"
    assert stored["n"] == bottom.nobs and stored["units"] == bottom.funnel.n_used == 2
    for name, want in (
        ("mu", bottom.mu),
        ("s_w", bottom.casemix.s_w),
        ("tau2", bottom.funnel.tau2),
        ("phi", bottom.funnel.phi),
    ):
        assert stored[name] == pytest.approx(want, abs=1e-9), name

    # Area level: the same analysis with the practice replaced by its area.
    by_area = table.assign(area=table["practice"].map(AREA_OF))
    areas = analyse_item(by_area, unit="area", score=item, adjusters=ADJUSTERS)
    parameters, rows = await funnel(revision, domain, item, "area")
    assert parameters is not None and parameters["level"] == "area"
    assert parameters["mu"] == pytest.approx(areas.mu, abs=1e-9)
    assert parameters["s_w"] == pytest.approx(areas.casemix.s_w, abs=1e-9)
    assert parameters["tau2"] == pytest.approx(areas.funnel.tau2, abs=1e-9)
    assert parameters["units"] == 1  # A2 has 6 answers: suppressed, not in the funnel
    expected = areas.to_frame().set_index("unit")
    got = _units_by_code(rows)
    assert set(got) == {"A1", "A2"}
    assert {r["practice"] for r in rows} == {ids["A1"], ids["A2"]}
    for code, row in got.items():
        assert row["n"] == expected.loc[code, "n"]
        assert row["flag"] == expected.loc[code, "flag"]
        for name in (*NUMBERS, "reliability", "eb"):
            want = expected.loc[code, name]
            assert (row[name] is None) if np.isnan(want) else row[name] == pytest.approx(want)
    assert got["A2"]["suppressed"] and got["A2"]["adjusted"] is None
    assert got["A1"]["adjusted"] is not None and not got["A1"]["suppressed"]

    # The region is the one unit of its level: its plain mean, flagged as the reference.
    parameters, rows = await funnel(revision, domain, item, "region")
    (region,) = rows
    scores = table[item].dropna()
    assert region["code"] == "R1" and region["flag"] == "reference"
    assert region["n"] == len(scores) == bottom.nobs
    assert region["adjusted"] == pytest.approx(scores.mean()) == region["observed"]
    se = scores.std(ddof=1) / math.sqrt(len(scores))
    assert region["se"] == pytest.approx(se)
    assert region["ci_low"] == pytest.approx(scores.mean() - 1.959964 * se)
    assert parameters is not None and parameters["mu"] == pytest.approx(bottom.mu)
    assert parameters["tau2"] is None and parameters["units"] == 1

    # The practices' funnel holds the practices only, with their codes.
    parameters, rows = await funnel(revision, domain, item)
    assert parameters is not None and parameters == {k: stored[k] for k in parameters}
    assert sorted(r["code"] for r in rows) == ["P0001", "P0002", "P0003"]
    assert all(r["region_area"] == "Aarhus" and r["sector"] == "gp" for r in rows)


async def test_every_level_suppresses_below_ten_answers(seeded, fixture_catalogue):
    await _hang_on_tree()
    # A1 keeps only P0001's 16 answers after this: A2 (6) and the region (22)
    # are on both sides of the line.
    await Practice.update({Practice.parent: None}).where(Practice.code == "P0002")
    await build_period(fixture_catalogue, "2026-11", "mini")
    revision = (await ReportRevision.select(ReportRevision.id))[0]["id"]
    rows = await ReportUnit.select(
        ReportUnit.n, ReportUnit.suppressed, ReportUnit.flag, ReportUnit.practice.code,
        *(getattr(ReportUnit, name) for name in (*NUMBERS, "reliability", "eb", "top_box")),
    )  # fmt: skip
    assert {r["practice.code"] for r in rows} == {"P0001", "P0002", "P0003", "A1", "A2", "R1"}
    for row in rows:
        numbers = [row[name] for name in (*NUMBERS, "reliability", "eb", "top_box")]
        if row["n"] < 10:
            assert row["suppressed"] and row["flag"] == "suppressed", row
            assert all(v is None for v in numbers), row
        else:
            assert not row["suppressed"] and row["adjusted"] is not None, row
    assert any(r["practice.code"] == "A2" and r["suppressed"] for r in rows)
    # P0002 has no parent: it takes part only at the bottom level.
    area = await _item(revision, "area", "mini.listened", "communication")
    practices = await _item(revision, "practice", "mini.listened", "communication")
    assert area["n"] < practices["n"]


async def _seed_gaps(tmp_path: Path, both: bool = True) -> tuple[Catalogue, dict[str, int]]:
    """The fixture catalogue plus `gaps`, answered in P0001 (16), P0002 (14), P0003 (6);
    with ``both`` False nobody answers the GP -> hospital item."""
    from survey_service.db import write_transaction
    from survey_service.practices import add_practice
    from survey_service.questionnaires import load_catalogue
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.responses.service import store_response

    folder = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, folder)
    (folder / "gaps").mkdir()
    (folder / "gaps" / "1.yaml").write_text(GAPS_YAML, encoding="utf-8")
    catalogue = load_catalogue(folder)
    version = (await sync_catalogue(catalogue))[("gaps", 1)]
    rng = random.Random(11)
    ids: dict[str, int] = {}
    for index, (code, size) in enumerate({"P0001": 16, "P0002": 14, "P0003": 6}.items()):
        practice, _ = await add_practice(code, f"Klinik {code}", "gp", "Aarhus")
        ids[code] = practice.id
        async with write_transaction():
            for n in range(size):
                answers = {
                    "mini.hospital_contact": "yes",
                    "mini.gp_knew": rng.choice(["yes", "yes", "partly", "no", "dont_know"]),
                    "gaps.hospital_knew": rng.choice(
                        ["yes", "no"] if index else ["yes"] * 3 + ["no"]
                    ),
                }
                if not both:
                    del answers["gaps.hospital_knew"]
                if n % 4:
                    answers["casemix.age_band"] = rng.choice(["18-34", "35-64", "65+"])
                await store_response(
                    practice_id=practice.id,
                    questionnaire_version_id=version,
                    channel="sms" if n % 3 else "poster",
                    language="da" if n % 4 else "en",
                    visit_date=dt.date(2026, 11, 1 + n),
                    answers=answers,
                )
    return catalogue, ids


async def test_gap_rates_equal_sector_gaps_in_percent(db, tmp_path):
    catalogue, ids = await _seed_gaps(tmp_path)
    await build_period(catalogue, "2026-11", "gaps")
    revision = (await ReportRevision.select(ReportRevision.id))[0]["id"]

    # Independently: the frame's answer codes through analysis.
    frame = await read_frame(catalogue, "gaps", parse_period("2026-11"))
    codes = frame.codes
    long = transitions_long(
        codes,
        items={"mini.gp_knew": ("hospital", "gp"), "gaps.hospital_knew": ("gp", "hospital")},
        problem_codes={"mini.gp_knew": ["no", "partly"], "gaps.hospital_knew": ["no"]},
        keep=["practice", *ADJUSTERS],
        not_scored=["dont_know"],
    )
    expected = sector_gaps(long, unit="practice", adjusters=ADJUSTERS)
    matrix = await gap_matrix(revision)
    assert [(r["from_sector"], r["to_sector"]) for r in matrix] == [
        ("gp", "hospital"),
        ("hospital", "gp"),
    ]
    want = expected.transitions.set_index(["from_sector", "to_sector"])
    for row in matrix:
        cell = want.loc[(row["from_sector"], row["to_sector"])]
        assert row["n"] == cell["n"] and not row["suppressed"]
        for name in NUMBERS:
            assert row[name] == pytest.approx(100 * cell[name], abs=1e-9), name
    # The rates are adjusted: not just the raw shares.
    assert max(abs(r["adjusted"] - r["observed"]) for r in matrix) > 1e-6
    # Stored as a share with a problem: 100 minus the item's stored score.
    scores = await ReportUnit.select(ReportUnit.practice, ReportUnit.observed).where(
        (ReportUnit.item == "mini.gp_knew") & (ReportUnit.revision == revision)
    )
    units = await gap_units(revision, "hospital", "gp")
    assert {r["code"] for r in units} == set(ids)
    score_of = {r["practice"]: r["observed"] for r in scores}
    funnel_of = expected.units[("hospital", "gp")].to_frame().set_index("unit")
    for row in units:
        assert row["flag"] == funnel_of.loc[row["code"], "flag"]
        if row["code"] == "P0003":
            assert row["suppressed"] and all(row[name] is None for name in NUMBERS)
            continue
        assert row["observed"] == pytest.approx(100 - score_of[row["practice"]])
        for name in NUMBERS:
            assert row[name] == pytest.approx(100 * funnel_of.loc[row["code"], name]), name
    parameters, same = await funnel(revision, "sector_gap", "hospital->gp")
    assert same == units
    assert parameters is not None and parameters["measure"] == "proportion"
    assert parameters["mu"] == pytest.approx(expected.units[("hospital", "gp")].mu)
    assert parameters["tau2"] == pytest.approx(expected.units[("hospital", "gp")].funnel.tau2)
    assert 0 < parameters["mu"] < 1


async def test_a_single_transition_gets_its_plain_share_and_a_unit_funnel(db, tmp_path):
    catalogue, ids = await _seed_gaps(tmp_path, both=False)
    await build_period(catalogue, "2026-11", "gaps")
    revision = (await ReportRevision.select(ReportRevision.id))[0]["id"]
    frame = await read_frame(catalogue, "gaps", parse_period("2026-11"))
    answers = frame.codes["mini.gp_knew"].astype(object)
    scored = answers[answers.isin(["yes", "partly", "no"])]
    problem = 100.0 * scored.isin(["partly", "no"]).astype(float)
    (row,) = await gap_matrix(revision)
    assert (row["from_sector"], row["to_sector"], row["flag"]) == ("hospital", "gp", "reference")
    assert row["n"] == len(scored)
    assert row["observed"] == pytest.approx(problem.mean()) == row["adjusted"]
    assert row["se"] == pytest.approx(problem.std(ddof=1) / math.sqrt(len(scored)))
    units = await gap_units(revision, "hospital", "gp")
    assert {r["code"] for r in units} == set(ids)
    observed = problem.groupby(frame.codes.loc[scored.index, "practice"].astype(str)).mean()
    for unit in units:
        if unit["code"] != "P0003":
            assert unit["observed"] == pytest.approx(observed[unit["code"]])


async def test_released_revision_is_the_newest_released_one(seeded, fixture_catalogue):
    assert await released_revision("mini", "2026-11") is None
    await build_period(fixture_catalogue, "2026-11", "mini")
    assert await released_revision("mini", "2026-11") is None
    await release_period("2026-11", delay_days=0, today=dt.date(2026, 12, 1))
    await build_period(fixture_catalogue, "2026-11", "mini")
    first = await ReportRevision.select(ReportRevision.id).where(ReportRevision.revision == 1)
    assert await released_revision("mini", "2026-11") == first[0]["id"]
    assert await released_revision("mini", "2026-Q4") is None
    # Nothing was answered in the questionnaire's transition item: no gap rows.
    assert await ReportGap.count() == 0


async def test_levels_follow_the_tree_nearest_first():
    from survey_service.practices.tree import Unit
    from survey_service.results.rollup import levels_of

    spec = {
        "R": ("region", None),
        "A": ("area", "R"),
        "H": ("hospital", "R"),
        "D": ("department", "H"),
        "S": ("section", "D"),
        "G1": ("gp", "A"),
        "G2": ("gp", None),
        "X": ("specialist", "S"),
    }
    tree = {
        code: Unit(code=code, name=code, sector=sector, parent=parent, id=i)
        for i, (code, (sector, parent)) in enumerate(spec.items(), 1)
    }
    levels = levels_of(tree, ["G1", "G2", "X", "unknown"])
    assert [level.name for level in levels] == [
        "area",
        "section",
        "department",
        "hospital",
        "region",
    ]
    unit_of = {level.name: dict(level.unit_of) for level in levels}
    assert unit_of["area"] == {"G1": "A"}
    assert unit_of["section"] == {"X": "S"} and unit_of["hospital"] == {"X": "H"}
    # G2 has no parent: it is only compared at the bottom level.
    assert unit_of["region"] == {"G1": "R", "X": "R"}
