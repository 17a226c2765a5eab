"""The feedback CSV a practitioner downloads holds the numbers an analyst gets from
`responses export --scored` piped through `analyse adjust`, for the same period."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from ..results.conftest import export_and_adjust

pytestmark = pytest.mark.anyio

COLUMNS = ("observed", "adjusted", "se", "ci_low", "ci_high", "reliability", "eb")


async def test_feedback_csv_equals_analyse_adjust_on_the_export(
    accounts, logged_in, database_url, tmp_path
):
    expected = await export_and_adjust(database_url, tmp_path, "mini.listened")

    compared = 0
    async with logged_in(accounts["analyst"]) as client:
        for code in expected.index:
            response = await client.get(f"/feedback/{code}.csv?period=2026-11")
            assert response.status_code == 200, code
            rows = list(csv.DictReader(io.StringIO(response.text)))
            [row] = [r for r in rows if r["item"] == "mini.listened"]
            want = expected.loc[code]
            assert row["flag"] == want["flag"] and int(row["n"]) == int(want["n"])
            for column in COLUMNS:
                if pd.isna(want[column]):
                    assert row[column] == "", (code, column)
                else:
                    assert float(row[column]) == pytest.approx(float(want[column]), abs=1e-6)
                    compared += 1
    assert compared >= 2 * len(COLUMNS)  # at least two practices with numbers
