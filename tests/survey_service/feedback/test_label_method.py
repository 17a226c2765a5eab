"""RESULTS_LABELS=fdr: the build stores Benjamini-Hochberg labels and says so."""

from __future__ import annotations

import datetime as dt

import pytest

from ..results.conftest import export_and_adjust

pytestmark = pytest.mark.anyio


async def test_fdr_labels_are_stored_stated_and_equal_the_cli(
    seeded, fixture_catalogue, logged_in, database_url, tmp_path
):
    from survey_service.accounts.service import add_user
    from survey_service.practices.tables import Practice
    from survey_service.results.service import build_period, release_period
    from survey_service.results.tables import ReportRevision, ReportUnit

    from .conftest import PASSWORD

    [built] = await build_period(fixture_catalogue, "2026-11", "mini", labels="fdr")
    await release_period("2026-11", delay_days=0, today=dt.date(2026, 12, 2))
    [revision] = await ReportRevision.select().where(ReportRevision.revision == built.revision)
    assert revision["label_method"] == "fdr"

    expected = await export_and_adjust(database_url, tmp_path, "mini.listened", labels="fdr")
    codes = {r["id"]: r["code"] for r in await Practice.select(Practice.id, Practice.code)}
    stored = await ReportUnit.select(ReportUnit.practice, ReportUnit.flag).where(
        (ReportUnit.revision == revision["id"]) & (ReportUnit.item == "mini.listened")
    )
    flags = {codes[r["practice"]]: r["flag"] for r in stored}
    assert flags == expected["flag"].to_dict()

    await add_user("fdr@example.dk", PASSWORD, "analyst")
    async with logged_in("fdr@example.dk") as client:
        page = await client.get("/feedback/P0001?period=2026-11&lang=en")
    assert page.status_code == 200
    assert "allow for the number of practices compared" in page.text


async def test_spec_labels_say_what_chance_does(released, accounts, logged_in):
    async with logged_in(accounts["gp"]) as client:
        page = await client.get("/feedback/P0001?lang=en")
    assert page.status_code == 200
    assert "about 1 in 20 is still labelled above or below by chance" in page.text
