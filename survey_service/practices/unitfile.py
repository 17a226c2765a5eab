"""Reading a region's unit file (``survey-service units import``).

Columns ``code, name, sector, parent`` in any order (``parent`` is the code of
the unit above, empty at the top). Made for files kept in a spreadsheet:
comma, semicolon (Danish Excel) or tab separated, UTF-8 or Windows-1252.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from survey_service.practices.tree import UnitRow

COLUMNS = ("code", "name", "sector", "parent")
#: Denmark has about 9,300 practice units; a region's file is well below this.
MAX_ROWS = 50_000


class UnitFileError(ValueError):
    """The file as a whole cannot be read; the message says what to fix."""


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV (semicolon separated)" on Danish Windows writes cp1252.
        return data.decode("cp1252", errors="replace")


def read_units(path: Path) -> list[UnitRow]:
    """One :class:`UnitRow` per non-empty row of ``path``, with its line number."""
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise UnitFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise UnitFileError(f"{path}: empty; the first line must name the columns")
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing or unknown:
        problem = f"missing column(s) {', '.join(missing)}" if missing else ""
        if unknown:
            problem += ("; " if problem else "") + f"unknown column(s) {', '.join(unknown)}"
        raise UnitFileError(f"{path}: {problem}; the columns are {', '.join(COLUMNS)}")
    where = {c: header.index(c) for c in COLUMNS}
    rows: list[UnitRow] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise UnitFileError(f"{path}: more than {MAX_ROWS} rows; split the file")
        cell = {c: values[i].strip() if i < len(values) else "" for c, i in where.items()}
        rows.append(
            UnitRow(
                line=reader.line_num,
                code=cell["code"],
                name=cell["name"],
                sector=cell["sector"].lower(),
                parent=cell["parent"] or None,
            )
        )
    return rows
