"""Reading a daily visits file (``survey-service visits import``).

Made for files a person exports from a practice system or keeps in a
spreadsheet: comma, semicolon (Danish Excel) or tab separated, UTF-8 or
Windows-1252, Danish or English column names, dates as 2026-11-24, 24-11-2026,
24.11.2026 or 24/11/2026. Each row becomes the same dict the API takes, so
both paths are checked by the same code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from survey_service.distribution.intake import MAX_BATCH

#: column name (lower case) -> field
COLUMNS = {
    "visit_date": "visit_date",
    "date": "visit_date",
    "dato": "visit_date",
    "besøgsdato": "visit_date",
    "phone": "phone",
    "mobile": "phone",
    "telephone": "phone",
    "telefon": "phone",
    "mobil": "phone",
    "telefonnummer": "phone",
    "language": "language",
    "sprog": "language",
    "questionnaire": "questionnaire",
    "spørgeskema": "questionnaire",
}
REQUIRED = ("visit_date", "phone")
MAX_ROWS = 50 * MAX_BATCH

_DMY = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")
#: The ways of writing a visit date that a file may use (see _iso_date).
DATE_FORMATS = ("YYYY-MM-DD", "DD-MM-YYYY", "DD.MM.YYYY", "DD/MM/YYYY")


class CsvError(ValueError):
    """The file as a whole cannot be read; the message says what to fix."""


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV (semicolon separated)" on Danish Windows writes cp1252.
        return data.decode("cp1252", errors="replace")


def _iso_date(value: str) -> str:
    """``value`` as YYYY-MM-DD when it is a day-first date, else as written.

    A day-first value that is no date (31-02-2026) is kept as written, so
    the problem reported quotes the cell, not a rewritten form of it.
    """
    match = _DMY.match(value.strip())
    if not match:
        return value.strip()
    day, month, year = match.groups()
    iso = f"{year}-{int(month):02d}-{int(day):02d}"
    return iso if _is_iso_date(iso) else value.strip()


def _is_iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def date_problem(row: dict[str, str]) -> str | None:
    """What is wrong with a row's visit date as written in the file, if its form is.

    The checks shared with the API speak of YYYY-MM-DD only, while a file
    may use any of :data:`DATE_FORMATS`; this names them all. None when the
    cell is a date (whatever else is wrong with it is said by those checks).
    """
    accepted = ", ".join(DATE_FORMATS[:-1]) + f" or {DATE_FORMATS[-1]}"
    value = row.get("visit_date")
    if value is None:
        return f"missing: give the date as {accepted}"
    if not _is_iso_date(value):
        return f"not a date: {value!r}; use {accepted} (e.g. 24.11.2026)"
    return None


def read_visits(path: Path, practice_code: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, visit dict) for every non-empty row of ``path``."""
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise CsvError(f"{path}: cannot read: {exc.strerror or exc}") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CsvError(f"{path}: empty; the first line must name the columns")
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader)]
    fields = [COLUMNS.get(h) for h in header]
    unknown = [h for h, f in zip(header, fields, strict=True) if f is None and h]
    if unknown:
        raise CsvError(
            f"{path}: unknown column(s) {', '.join(unknown)}; use visit_date, phone, "
            "language, questionnaire"
        )
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        raise CsvError(f"{path}: missing column(s) {', '.join(missing)}")
    rows: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise CsvError(f"{path}: more than {MAX_ROWS} rows; split the file")
        row: dict[str, str] = {"practice": practice_code}
        for field, value in zip(fields, values, strict=False):
            if field and value.strip():
                row[field] = _iso_date(value) if field == "visit_date" else value.strip()
        rows.append((reader.line_num, row))
    return rows
