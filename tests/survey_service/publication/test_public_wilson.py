"""The public CSV and JSON carry each item's top-box share with its 95% Wilson
interval, rounded like every public number, and hidden with the score.

Expected: the unit's answers counted from the stored codes, through
``statsmodels.stats.proportion.proportion_confint`` (independent of the build).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from statsmodels.stats.proportion import proportion_confint

from survey_service.results.publication import COLUMNS

pytestmark = pytest.mark.anyio

#: The public CSV's columns before the top box: a contract, never reordered.
OLD_COLUMNS = (
    "unit", "name", "sector", "area", "questionnaire", "item", "n", "adjusted", "ci_low",
    "ci_high", "flag", "domain",
)  # fmt: skip


async def _counts(fixture_catalogue) -> dict[str, tuple[int, int]]:
    from survey_service.results.frame import read_frame
    from survey_service.results.periods import parse_period

    frame = await read_frame(fixture_catalogue, "mini", parse_period("2026-11"))
    codes = frame.codes
    answered = codes[codes["mini.listened"].isin(["1", "2", "3", "4", "5"])]
    out = {}
    for unit, rows in answered.groupby(answered["practice"].astype(str)):
        out[str(unit)] = (int((rows["mini.listened"] == "5").sum()), len(rows))
    return out


async def test_public_top_box_interval_is_wilson_rounded_and_hidden_with_the_score(
    crowd, public_client, fixture_catalogue
):
    assert COLUMNS[: len(OLD_COLUMNS)] == OLD_COLUMNS
    assert COLUMNS[len(OLD_COLUMNS) :] == ("top_box", "top_box_low", "top_box_high")
    async with public_client() as client:
        text = (await client.get("/results/2026-11.csv")).text
        document = json.loads((await client.get("/results/2026-11.json")).text)
    lines = [line for line in csv.DictReader(io.StringIO(text)) if line["item"] == "mini.listened"]
    counts = await _counts(fixture_catalogue)
    assert {line["unit"] for line in lines} == set(counts)
    seen = {"hidden": 0, "zero": 0, "shown": 0}
    for line in lines:
        count, n = counts[line["unit"]]
        if n < 10:
            assert line["n"] == "<10"
            assert line["top_box"] == line["top_box_low"] == line["top_box_high"] == ""
            seen["hidden"] += 1
            continue
        low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
        assert line["top_box"] == f"{round(100.0 * count / n, 1):.1f}", line
        assert line["top_box_low"] == f"{round(100.0 * low, 1):.1f}", line
        assert line["top_box_high"] == f"{round(100.0 * high, 1):.1f}", line
        seen["zero" if count == 0 else "shown"] += 1
    assert seen["hidden"] and seen["shown"]
    # Composites have no top box; the JSON says so with nulls, never with a number.
    for row in document["rows"]:
        if not row["item"] or row["n"] == "<10":
            assert row["top_box"] is None and row["top_box_low"] is None, row
            assert row["top_box_high"] is None, row
