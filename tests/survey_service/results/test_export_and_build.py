"""Exporting responses and building, releasing and reading stored results."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest

from survey_service.results.frame import BASE_COLUMNS, read_frame
from survey_service.results.periods import parse_period
from survey_service.results.service import (
    NoAnswers,
    NotEnded,
    build_period,
    practice_results,
    release_period,
    released_periods,
)
from survey_service.results.tables import ReportRate, ReportRevision, ReportUnit

from .conftest import SECRET_COMMENT, cli_env, export_and_adjust, survey_service

pytestmark = pytest.mark.anyio

ITEM_COLUMNS = [
    "mini.listened",
    "mini.written",
    "mini.written_clear",
    "mini.overall",
    "mini.visits",
    "mini.hospital_contact",
    "mini.gp_knew",
    "casemix.age_band",
]


async def test_frame_has_one_row_per_response_of_the_period(seeded, fixture_catalogue):
    frame = await read_frame(fixture_catalogue, "mini", parse_period("2026-11"))
    assert len(frame.codes) == seeded.responses
    assert list(frame.codes.columns) == [*BASE_COLUMNS, *ITEM_COLUMNS]
    assert set(frame.codes["period"]) == {"2026-11"}
    quarter = await read_frame(fixture_catalogue, "mini", parse_period("2026-Q4"))
    assert len(quarter.codes) == seeded.responses + 3
    # The case-mix item feeds the adjuster column; unanswered stays empty.
    # Categorical columns: compared as plain text, missing as "".
    age_band = frame.codes["age_band"].astype(object).fillna("")
    assert (age_band == frame.codes["casemix.age_band"].astype(object).fillna("")).all()
    assert frame.codes["age_band"].isna().any()
    assert frame.codes["sex"].isna().all()


async def test_export_codes_and_scores_in_order_without_free_text(seeded, database_url, tmp_path):
    out = tmp_path / "codes.csv"
    env = cli_env(database_url)
    result = await survey_service(
        "responses", "export", "--questionnaire", "mini", "--period", "2026-11",
        "--output", str(out), env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"Exported {seeded.responses} response(s)."
    text = out.read_text(encoding="utf-8")
    assert SECRET_COMMENT not in text and "12345678" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [*BASE_COLUMNS, *ITEM_COLUMNS]
    assert len(rows) == seeded.responses
    assert {r["mini.listened"] for r in rows} <= {"1", "2", "3", "4", "5", "na"}
    assert rows[0]["practice"] == "P0001" and rows[0]["sector"] == "gp"
    assert rows[0]["region_area"] == "Aarhus" and rows[0]["questionnaire"] == "mini"

    scored = await survey_service(
        "responses", "export", "--questionnaire", "mini", "--period", "2026-11", "--scored",
        env=env,
    )  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    assert SECRET_COMMENT not in scored.stdout
    scores = pd.read_csv(io.StringIO(scored.stdout), dtype={"practice": str})
    codes = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(scores.columns) == list(codes.columns)
    expected = {"1": 0, "2": 25, "3": 50, "4": 75, "5": 100}
    for code, score in zip(codes["mini.listened"], scores["mini.listened"], strict=True):
        assert (pd.isna(score) and code == "na") or expected[code] == score
    for code, score in zip(codes["mini.overall"], scores["mini.overall"], strict=True):
        assert (pd.isna(score) and code == "6") or score == (100 if code in ("1", "2") else 0)
    # Numbers and case-mix answers are not scores.
    assert scores["mini.visits"].isna().all() and scores["casemix.age_band"].isna().all()
    assert (scores["age_band"].fillna("") == codes["age_band"]).all()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--questionnaire", "nope", "--period", "2026-11"), "questionnaire"),
        (("--questionnaire", "mini", "--period", "2026-13"), "period"),
    ],
)
async def test_export_bad_input_is_one_line_exit_2(seeded, database_url, args, needle):
    result = await survey_service("responses", "export", *args, env=cli_env(database_url))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert needle in result.stderr and result.stdout == ""


async def test_each_build_stores_a_new_revision(seeded, fixture_catalogue):
    first = await build_period(fixture_catalogue, "2026-11", "mini")
    second = await build_period(fixture_catalogue, "2026-11", "mini")
    assert [b.revision for b in first + second] == [1, 2]
    revisions = await ReportRevision.select().order_by(ReportRevision.revision)
    assert [r["revision"] for r in revisions] == [1, 2]
    assert all(r["released_at"] is None for r in revisions)
    assert all(r["responses"] == seeded.responses for r in revisions)
    units = await ReportUnit.select().where(ReportUnit.revision == revisions[0]["id"])
    assert {u["item"] for u in units} >= {"mini.listened", "mini.overall", ""}
    small = [u for u in units if u["practice"] == seeded.practice_ids["P0003"]]
    assert small and all(u["suppressed"] and u["adjusted"] is None for u in small)
    assert all(u["flag"] == "suppressed" for u in small)
    rates = await ReportRate.select().where(ReportRate.revision == revisions[0]["id"])
    answered = {r["practice"]: r["answered"] for r in rates}
    # Every third answer came through the poster, which has no invitation: the rate's
    # funnel counts only the others (16 -> 10, 14 -> 9, 6 -> 4).
    assert answered == {
        seeded.practice_ids["P0001"]: 10,
        seeded.practice_ids["P0002"]: 9,
        seeded.practice_ids["P0003"]: 4,
    }


async def test_a_period_without_answers_stores_nothing(seeded, fixture_catalogue, database_url):
    with pytest.raises(NoAnswers):
        await build_period(fixture_catalogue, "2025-01", "mini")
    result = await survey_service(
        "report", "build", "--period", "2025-01", env=cli_env(database_url)
    )
    assert result.returncode == 2 and "no answers" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert await ReportRevision.count() == 0


async def test_unreleased_results_are_invisible(seeded, fixture_catalogue):
    practice = seeded.practice_ids["P0001"]
    await build_period(fixture_catalogue, "2026-11", "mini")
    assert await released_periods(practice, "mini") == []
    assert await practice_results(practice, "mini", "2026-11") == []
    await release_period("2026-11", delay_days=0, today=dt.date(2026, 12, 1))
    # A newer build after the release stays invisible until it is released.
    await build_period(fixture_catalogue, "2026-11", "mini")
    assert await released_periods(practice, "mini") == ["2026-11"]
    rows = await practice_results(practice, "mini", "2026-11")
    assert rows and {r["item"] for r in rows} >= {"mini.listened", ""}
    released = await ReportRevision.select().where(ReportRevision.released_at.is_not_null())
    assert [r["revision"] for r in released] == [1]
    assert await practice_results(practice, "mini", "2026-Q4") == []


async def test_release_is_refused_before_the_period_ends(seeded, fixture_catalogue, database_url):
    await build_period(fixture_catalogue, "2026-11", "mini")
    with pytest.raises(NotEnded):
        await release_period("2026-11", delay_days=0, today=dt.date(2026, 11, 30))
    with pytest.raises(NotEnded):
        await release_period("2026-11", delay_days=3, today=dt.date(2026, 12, 3))
    result = await survey_service(
        "report", "release", "--period", "2999-12", env=cli_env(database_url)
    )
    assert result.returncode == 2 and "period" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert await ReportRevision.count().where(ReportRevision.released_at.is_not_null()) == 0
    ok = await survey_service(
        "report", "release", "--period", "2026-11",
        env=cli_env(database_url, RESULTS_RELEASE_DELAY_DAYS="0"),
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert await ReportRevision.count().where(ReportRevision.released_at.is_not_null()) == 1


async def test_stored_results_equal_analyse_adjust_on_the_export(seeded, database_url, tmp_path):
    env = cli_env(database_url)
    built = await survey_service(
        "report", "build", "--period", "2026-11", "--questionnaire", "mini", env=env
    )
    assert built.returncode == 0, built.stderr
    expected = await export_and_adjust(database_url, tmp_path, "mini.listened")
    codes = await ReportUnit.select(ReportUnit.practice, ReportUnit.practice.code)
    code_of = {r["practice"]: r["practice.code"] for r in codes}
    stored = pd.DataFrame(await ReportUnit.select().where(ReportUnit.item == "mini.listened"))
    stored["unit"] = stored["practice"].map(code_of)
    stored = stored.set_index("unit").loc[expected.index]
    assert list(stored["flag"]) == list(expected["flag"])
    assert list(stored["n"]) == list(expected["n"])
    for column in ("observed", "adjusted", "se", "ci_low", "ci_high", "reliability", "eb"):
        got = stored[column].astype(float).to_numpy()
        want = expected[column].astype(float).to_numpy()
        assert got == pytest.approx(want, abs=1e-6, nan_ok=True), column
    # The adjustment did something: it is not just the raw means.
    shown = expected[expected["flag"] != "suppressed"]
    assert (shown["adjusted"] - shown["observed"]).abs().max() > 1e-3


async def test_build_reports_progress_per_item_and_composite(seeded, fixture_catalogue):
    from survey_service.results.service import build_period

    ticks: list[tuple[int, int]] = []
    await build_period(
        fixture_catalogue, "2026-11", "mini", progress=lambda d, t: ticks.append((d, t))
    )
    assert ticks and ticks[-1][0] == ticks[-1][1] == len(ticks)
    assert [d for d, _ in ticks] == list(range(1, len(ticks) + 1))
