"""The feedback page and its CSV show the top-box share with its 95% Wilson interval.

Expected bounds come from the stored answer codes, counted here, through
``statsmodels.stats.proportion.proportion_confint`` (not the build's code).
"""

from __future__ import annotations

import csv
import html
import io

import pytest
from statsmodels.stats.proportion import proportion_confint

from survey_service.feedback.service import CSV_COLUMNS

pytestmark = pytest.mark.anyio

#: The columns the CSV had before the interval: others' scripts read them by position.
OLD_COLUMNS = (
    "period", "domain", "item", "n", "observed", "adjusted", "se", "ci_low", "ci_high",
    "reliability", "eb", "top_box", "flag",
)  # fmt: skip


async def _top_box_counts(fixture_catalogue, code: str) -> tuple[int, int]:
    from survey_service.results.frame import read_frame
    from survey_service.results.periods import parse_period

    frame = await read_frame(fixture_catalogue, "mini", parse_period("2026-11"))
    codes = frame.codes
    answers = codes.loc[codes["practice"].astype(str) == code, "mini.listened"].astype(object)
    answered = answers[answers.isin(["1", "2", "3", "4", "5"])]
    return int((answered == "5").sum()), len(answered)


def _wilson(count: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
    return 100.0 * low, 100.0 * high


async def test_csv_ends_with_the_wilson_bounds_of_the_top_box(
    accounts, logged_in, fixture_catalogue
):
    assert CSV_COLUMNS[: len(OLD_COLUMNS)] == OLD_COLUMNS
    assert CSV_COLUMNS[len(OLD_COLUMNS) :] == ("top_box_low", "top_box_high")
    async with logged_in(accounts["analyst"]) as client:
        own = await client.get("/feedback/P0001.csv")
        small = await client.get("/feedback/P0003.csv")
    lines = list(csv.reader(io.StringIO(own.text)))
    assert tuple(lines[0]) == CSV_COLUMNS
    rows = {line[2]: dict(zip(CSV_COLUMNS, line, strict=True)) for line in lines[1:]}
    count, n = await _top_box_counts(fixture_catalogue, "P0001")
    low, high = _wilson(count, n)
    line = rows["mini.listened"]
    assert int(line["n"]) == n
    assert float(line["top_box"]) == pytest.approx(100.0 * count / n, abs=1e-6)
    assert float(line["top_box_low"]) == pytest.approx(low, abs=1e-6)
    assert float(line["top_box_high"]) == pytest.approx(high, abs=1e-6)
    # A composite has no top box: both bounds empty.
    composite = next(r for key, r in rows.items() if key == "")
    assert composite["top_box_low"] == composite["top_box_high"] == ""
    # Suppressed (6 answers): no top box and no interval either.
    small_lines = list(csv.reader(io.StringIO(small.text)))[1:]
    assert small_lines and all(line[-2:] == ["", ""] for line in small_lines)


@pytest.mark.parametrize(
    ("lang", "sign"), [("da", "\N{NO-BREAK SPACE}%"), ("en", "%")], ids=["da", "en"]
)
async def test_page_shows_the_top_box_with_its_interval(
    accounts, logged_in, fixture_catalogue, lang, sign
):
    count, n = await _top_box_counts(fixture_catalogue, "P0001")
    low, high = _wilson(count, n)
    share = 100.0 * count / n
    async with logged_in(accounts["gp"]) as client:
        page = await client.get(f"/feedback/P0001?lang={lang}")
    assert page.status_code == 200, page.text
    shown = f"{round(share)}{sign} ({round(low)}–{round(high)}{sign})"
    assert shown in html.unescape(page.text)
    assert "Wilson" in page.text
