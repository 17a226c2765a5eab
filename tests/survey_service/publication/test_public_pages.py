"""The public pages, CSV and JSON: no login, published periods only, disclosure control."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from survey_service.results.publication import COLUMNS

from ..results.conftest import SECRET_COMMENT

pytestmark = pytest.mark.anyio

PUBLIC = (
    "/results",
    "/results?period=2026-11",
    "/results?period=2026-11&domain=communication",
    "/results?period=2026-11&lang=en",
    "/results/2026-11.csv",
    "/results/2026-11.json",
    "/results/methods",
    "/results/methods?lang=en",
)


async def _get_all(public_client, paths=PUBLIC) -> dict[str, str]:
    async with public_client() as client:
        pages = {path: await client.get(path) for path in paths}
    for path, response in pages.items():
        assert response.status_code == 200, (path, response.text[:500])
    return {path: response.text for path, response in pages.items()}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_results_are_public_without_login(published, public_client):
    pages = await _get_all(public_client)
    index = pages["/results"]
    assert "Klinik P0001" in index and "Klinik P0002" in index and "2026-11" in index
    assert 'lang="da"' in index and 'lang="en"' in pages["/results?period=2026-11&lang=en"]
    assert "Metode" not in pages["/results/methods?lang=en"]


@pytest.mark.parametrize("period", ["2026-10", "2026-12", "2025", "2026-Q4"])
async def test_unpublished_released_and_unknown_periods_answer_404(
    published, public_client, period
):
    async with public_client() as client:
        for path in (
            f"/results/{period}.csv",
            f"/results/{period}.json",
            f"/results?period={period}",
        ):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert "Klinik P0001" not in response.text and "P0001" not in response.text


async def test_a_released_but_unpublished_period_answers_404(released, public_client):
    async with public_client() as client:
        for path in ("/results/2026-11.csv", "/results/2026-11.json", "/results?period=2026-11"):
            assert (await client.get(path)).status_code == 404, path
        index = await client.get("/results")
    assert index.status_code == 200 and "P0001" not in index.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/results?period=2026-13", "period"),
        ("/results?period=yesterday", "period"),
        ("/results?period=2026-11&period=2026-10", "period"),
        ("/results?q=" + "x" * 101, "q"),
        ("/results?q=%3Cscript%3E", "q"),
        ("/results?domain=DROP%20TABLE", "domain"),
        ("/results?period=2026-11&domain=nosuchdomain", "domain"),
        ("/results/2026-13.csv", "period"),
        ("/results/soon.json", "period"),
    ],
)
async def test_malformed_parameters_answer_400_naming_them(published, public_client, path, field):
    async with public_client() as client:
        response = await client.get(path)
    assert response.status_code == 400, response.text[:300]
    assert f"{field}:" in response.text


async def test_search_by_name_or_code(crowd, public_client):
    async with public_client() as client:
        by_code = await client.get("/results?q=b200")
        by_name = await client.get("/results?q=enhed%20b201")
        nothing = await client.get("/results?q=zzz")
    assert "Enhed B200" in by_code.text and "Enhed A100" not in by_code.text
    assert "Enhed B201" in by_name.text and "Enhed B200" not in by_name.text
    assert nothing.status_code == 200 and "Enhed" not in nothing.text


async def test_units_are_listed_by_name_not_by_score(crowd, public_client):
    pages = await _get_all(public_client, ["/results?lang=en"])
    text = pages["/results?lang=en"]
    gp = ["A100", "B200", "B201", "B202", "B204", "B205", "D400", "F600", "H800"]
    assert all(f"Enhed {code}" in text for code in gp)
    positions = [text.index(f"Enhed {code}") for code in gp]
    assert positions == sorted(positions)


async def test_suppressed_units_show_less_than_10_and_no_numbers_anywhere(crowd, public_client):
    from survey_service.results.tables import ReportUnit

    pages = await _get_all(public_client)
    rows = _csv(pages["/results/2026-11.csv"])
    document = json.loads(pages["/results/2026-11.json"])
    stored = await ReportUnit.select(ReportUnit.n, ReportUnit.practice.code.as_alias("code"))
    small = {row["code"] for row in stored if row["n"] < 10}
    assert {"F600", "G700", "H800"} <= small
    for line in [*rows, *document["rows"]]:
        if line["unit"] in small and str(line["n"]) == "<10":
            assert line["adjusted"] in ("", None) and line["ci_low"] in ("", None)
            assert line["ci_high"] in ("", None) and line["flag"] == "suppressed"
    suppressed = [line for line in rows if line["n"] == "<10"]
    assert {line["unit"] for line in suppressed} >= {"F600", "G700", "H800"}
    for line in rows:  # never an exact small n
        assert line["n"] == "<10" or int(line["n"]) >= 10
    for line in document["rows"]:
        assert line["n"] == "<10" or line["n"] >= 10
    for ref in document["references"]:
        assert ref["n"] >= 10
    # On the page: the small units' rows say <10 and carry no score.
    page = pages["/results"]
    for code in ("F600", "G700", "H800"):
        row = page.split(f"Enhed {code}", 1)[1].split("</tr>", 1)[0]
        assert '">&lt;10</td>' in row and '">–</td>' in row
        assert not re.search(r"\d[.,]\d", row), row  # no score, no interval


async def test_no_label_below_20_answers(crowd, public_client):
    pages = await _get_all(public_client)
    rows = _csv(pages["/results/2026-11.csv"])
    labels = {"above", "below", "alarm_above", "alarm_below", "as_expected"}
    for line in rows:
        if line["n"] == "<10":
            assert line["flag"] == "suppressed"
        elif int(line["n"]) < 20:
            assert line["flag"] == "too_few", line
    assert any(line["flag"] in labels for line in rows)  # the big units do get labels
    for line in json.loads(pages["/results/2026-11.json"])["rows"]:
        if line["n"] == "<10" or line["n"] < 20:
            assert line["flag"] not in labels


async def test_no_comments_or_response_rates_anywhere_public(published, public_client):
    pages = await _get_all(public_client)
    for path, text in pages.items():
        assert SECRET_COMMENT not in text and "12345678" not in text, path
        assert "mini.comment" not in text, path
        assert "invited" not in text and "Svarprocent" not in text, path


async def test_public_csv_equals_the_stored_results_after_rounding(crowd, public_client):
    from survey_service.results.tables import ReportUnit

    pages = await _get_all(public_client, ["/results/2026-11.csv", "/results/2026-11.json"])
    header = pages["/results/2026-11.csv"].splitlines()[0].split(",")
    assert tuple(header) == COLUMNS
    rows = _csv(pages["/results/2026-11.csv"])
    stored = await ReportUnit.select(
        ReportUnit.practice.code.as_alias("code"),
        ReportUnit.domain,
        ReportUnit.item,
        ReportUnit.n,
        ReportUnit.adjusted,
        ReportUnit.ci_low,
        ReportUnit.ci_high,
        ReportUnit.flag,
    )
    assert len(rows) == len(stored) > 0
    by_key = {(r["code"], r["domain"], r["item"]): r for r in stored}
    for line in rows:
        row = by_key[(line["unit"], line["domain"], line["item"])]
        assert line["questionnaire"] == "mini" and line["area"] == "Randers"
        if row["n"] < 10:
            assert line["n"] == "<10" and not line["adjusted"]
            continue
        assert int(line["n"]) == row["n"]
        for name in ("adjusted", "ci_low", "ci_high"):
            on_scale = min(100.0, max(0.0, row[name]))  # interval ends past the scale are cut
            assert line[name] == f"{round(on_scale, 1):.1f}", (name, line, row)
            assert abs(float(line[name]) - on_scale) <= 0.05 + 1e-9
        if row["n"] >= 20:
            assert line["flag"] == row["flag"]
    # The JSON carries the same rows as the CSV, numbers as numbers.
    document = json.loads(pages["/results/2026-11.json"])
    assert len(document["rows"]) == len(rows)
    for item, line in zip(document["rows"], rows, strict=True):
        for name in COLUMNS:
            value = item[name]
            text = (
                ""
                if value is None
                else (f"{value:.1f}" if isinstance(value, float) else str(value))
            )
            assert text == line[name], (name, item, line)


async def test_methods_page_in_danish_names_the_real_settings(published, public_client):
    pages = await _get_all(public_client, ["/results/methods", "/results/methods?lang=en"])
    danish, english = pages["/results/methods"], pages["/results/methods?lang=en"]
    assert 'lang="da"' in danish
    assert "21 days" in english and "30 minutes" in english and "14 days" in english
    assert "21 dage" in danish and "30 minutter" in danish


async def test_roll_up_units_are_never_public(crowd, public_client):
    """A unit with units below it pools their answers, suppressed ones too."""
    from survey_service.practices.tables import Practice

    await Practice.update({Practice.parent: crowd["A100"]}).where(Practice.code == "F600")
    try:
        pages = await _get_all(public_client, ["/results", "/results/2026-11.csv"])
    finally:  # the tables are emptied in key order before the next test
        await Practice.update({Practice.parent: None}).where(Practice.code == "F600")
    assert "A100" not in pages["/results"] and "A100" not in pages["/results/2026-11.csv"]
    assert "Enhed B200" in pages["/results"]


async def test_danish_pages_write_decimal_commas(crowd, public_client):
    pages = await _get_all(public_client, ["/results", "/results?lang=en"])
    assert re.search(r"<strong>\d+,\d</strong>", pages["/results"])
    assert re.search(r"<strong>\d+\.\d</strong>", pages["/results?lang=en"])
