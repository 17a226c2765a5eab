"""The practitioner's feedback: their own practice only, released periods only."""

from __future__ import annotations

import csv
import io

import pytest

from survey_service.feedback.service import CSV_COLUMNS

pytestmark = pytest.mark.anyio

#: Every route that shows a practice's feedback, with a {code} to fill in.
ROUTES = (
    "/feedback/{code}",
    "/feedback/{code}?period=2026-11",
    "/feedback/{code}.csv",
    "/feedback/{code}.csv?period=2026-11",
)


async def test_a_practitioner_reads_their_released_feedback(accounts, logged_in):
    async with logged_in(accounts["gp"]) as client:
        page = await client.get("/feedback/P0001")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Klinik P0001" in text and "2026-11" in text
    assert "<svg" in text and "<title>" in text  # the trend chart, with its text alternative
    assert "mini.listened" in text
    assert "2026-10" not in text  # built, never released
    # 12 counted answers + the 10 stored SMS answers; the 6 poster answers had no invitation.
    assert "Svarprocent i 2026-11: 55 % (22 af 40 inviterede patienter svarede)." in text


@pytest.mark.parametrize("route", ROUTES)
async def test_another_practice_answers_404_on_every_route(accounts, logged_in, route):
    async with logged_in(accounts["gp"]) as client:
        other = await client.get(route.format(code="P0002"))
        missing = await client.get(route.format(code="NOPE"))
    assert other.status_code == missing.status_code == 404
    assert "Klinik P0002" not in other.text and "mini.listened" not in other.text


@pytest.mark.parametrize("route", ROUTES)
async def test_not_logged_in_is_sent_to_login_on_every_route(accounts, logged_in, route):
    async with logged_in(None) as client:
        response = await client.get(route.format(code="P0001"), follow_redirects=False)
    assert response.status_code in (302, 303, 401)
    assert "mini.listened" not in response.text


async def test_an_unreleased_period_is_invisible(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        page = await client.get("/feedback/P0001?period=2026-10")
        data = await client.get("/feedback/P0001.csv?period=2026-10")
    assert page.status_code == data.status_code == 404


async def test_practitioner_of_two_practices_switches_and_analyst_reads_all(accounts, logged_in):
    async with logged_in(accounts["two"]) as client:
        first = await client.get("/feedback/P0001")
        second = await client.get("/feedback/P0002")
    assert first.status_code == second.status_code == 200
    assert 'href="/feedback/P0002"' in first.text
    async with logged_in(accounts["analyst"]) as client:
        assert (await client.get("/feedback/P0003")).status_code == 200


async def test_csv_holds_the_stored_results_with_suppression(accounts, logged_in, released):
    from survey_service.results.service import practice_results

    async with logged_in(accounts["analyst"]) as client:
        own = await client.get("/feedback/P0001.csv")
        small = await client.get("/feedback/P0003.csv")
    assert own.status_code == 200 and own.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(own.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    stored = await practice_results(released.practice_ids["P0001"], "mini", "2026-11")
    assert len(rows) - 1 == len(stored) > 0
    by_item = {(r[1], r[2]): r for r in rows[1:]}
    for row in stored:
        line = by_item[(row["domain"], row["item"])]
        assert line[0] == "2026-11" and int(line[3]) == row["n"]
        if row["suppressed"]:
            assert not any(line[4:12])
        else:
            assert float(line[5]) == pytest.approx(row["adjusted"], abs=1e-6)
            assert float(line[8]) == pytest.approx(row["ci_high"], abs=1e-6)
        assert line[12] == row["flag"]
    assert any(not row["suppressed"] for row in stored)
    # P0003 has 6 answers: every row keeps its n and carries no numbers.
    small_rows = list(csv.reader(io.StringIO(small.text)))[1:]
    assert small_rows and all(r[3] and not any(r[4:12]) for r in small_rows)
    assert all(r[12] == "suppressed" for r in small_rows)


async def test_comments_only_for_periods_with_enough_answers(accounts, logged_in):
    from ..results.conftest import SECRET_COMMENT

    async with logged_in(accounts["analyst"]) as client:
        enough = await client.get("/feedback/P0001")  # 16 answers in November
        few = await client.get("/feedback/P0003?lang=en")  # 6 answers
    assert enough.text.count(SECRET_COMMENT) == 16
    assert SECRET_COMMENT not in few.text and "at least 10 answers" in few.text
