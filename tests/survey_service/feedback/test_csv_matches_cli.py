"""The feedback CSV a practitioner downloads holds the numbers an analyst gets from
`responses export --scored` piped through `analyse adjust`, for the same period."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from ..results.conftest import cli_env, survey_service
from ..results.test_export_and_build import ADJUST

pytestmark = pytest.mark.anyio

COLUMNS = ("observed", "adjusted", "se", "ci_low", "ci_high", "reliability", "eb")


async def test_feedback_csv_equals_analyse_adjust_on_the_export(
    accounts, logged_in, database_url, tmp_path
):
    env = cli_env(database_url)
    export = tmp_path / "scored.csv"
    exported = await survey_service(
        "responses", "export", "--questionnaire", "mini", "--period", "2026-11", "--scored",
        "--output", str(export), env=env,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    adjusted = await survey_service(
        "analyse", "adjust", str(export), "--unit", "practice", "--score", "mini.listened",
        "--adjust", ADJUST, env=env,
    )  # fmt: skip
    assert adjusted.returncode == 0, adjusted.stderr
    expected = pd.read_csv(io.StringIO(adjusted.stdout), dtype={"unit": str}).set_index("unit")

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
