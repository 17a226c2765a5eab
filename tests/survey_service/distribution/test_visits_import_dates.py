"""`survey-service visits import`: a bad date names every date form a file may use."""

from __future__ import annotations

import datetime as dt

import pytest

from survey_service.distribution.csvfile import DATE_FORMATS, date_problem, read_visits

from .clitools import survey_service

ACCEPTED = "use YYYY-MM-DD, DD-MM-YYYY, DD.MM.YYYY or DD/MM/YYYY"


@pytest.mark.anyio
async def test_bad_dates_name_the_accepted_formats(clinic, database_url, tmp_path):
    today = clinic.today()
    csv = tmp_path / "visits.csv"
    csv.write_text(
        "Dato;Telefon\n"
        f"{today:%d.%m.%Y};20 12 34 56\n"
        f"{today:%Y/%m/%d};20 12 34 57\n"
        "31-02-2026;20 12 34 58\n"
        ";20 12 34 59\n"
        f"{today + dt.timedelta(days=3):%d-%m-%Y};20 12 34 50\n",
        encoding="utf-8",
    )
    result = await survey_service(
        "visits", "import", str(csv), "--practice", "P0001", env={"DATABASE_URL": database_url}
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"{csv}: line 3: visit_date: not a date: '{today:%Y/%m/%d}'; {ACCEPTED} (e.g. 24.11.2026)",
        f"{csv}: line 4: visit_date: not a date: '31-02-2026'; {ACCEPTED} (e.g. 24.11.2026)",
        f"{csv}: line 5: visit_date: missing: give the date as "
        "YYYY-MM-DD, DD-MM-YYYY, DD.MM.YYYY or DD/MM/YYYY",
        f"{csv}: line 6: visit_date: in the future",  # a date, just not a usable one
    ]
    assert result.stdout.startswith("1 invited")


def test_every_named_format_is_read(tmp_path):
    examples = {
        "YYYY-MM-DD": "2026-11-04",
        "DD-MM-YYYY": "04-11-2026",
        "DD.MM.YYYY": "4.11.2026",
        "DD/MM/YYYY": "04/11/2026",
    }
    assert tuple(examples) == DATE_FORMATS
    path = tmp_path / "v.csv"
    path.write_text("visit_date,phone\n" + "".join(f"{v},20123456\n" for v in examples.values()))
    rows = read_visits(path, "P1")
    assert {row["visit_date"] for _, row in rows} == {"2026-11-04"}
    assert all(date_problem(row) is None for _, row in rows)
