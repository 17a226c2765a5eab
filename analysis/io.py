"""Reading an analyst's response file (the CLI's input, ANALYSIS_SPEC section 8)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis._errors import InputError
from analysis._validate import numeric_score, require_columns

__all__ = ["MISSING_CODES", "read_responses_csv"]

#: Cell texts read as missing in score and adjuster columns. Spreadsheet and
#: statistics exports (R, SPSS, Excel, SQL dumps) write a missing value in one
#: of these ways; read as text, ``NA`` would otherwise become an adjuster
#: level of its own and silently change the case-mix model.
MISSING_CODES: tuple[str, ...] = ("NA", "N/A", "nan", "null", "")


def _delimiter(path: Path) -> str:
    # Danish spreadsheet exports use ";" because "," is the decimal mark; a
    # header with semicolons and no commas is such a file.
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    if not header.strip():
        raise InputError(f"{path}: the file is empty")
    return ";" if header.count(";") > 0 and header.count(",") == 0 else ","


def read_responses_csv(
    path: str | Path,
    *,
    unit: str,
    score: str,
    adjusters: Sequence[str] = (),
    missing: Sequence[str] = MISSING_CODES,
) -> pd.DataFrame:
    """Read a CSV of one row per respondent, ready for :func:`analysis.analyse_item`.

    Parameters
    ----------
    path : str or Path
        UTF-8 CSV with a header row (comma or semicolon separated).
    unit, score : str
        Unit and score columns; the score must be numeric, empty cells are
        missing.
    adjusters : sequence of str
        Adjuster columns, read as text (categorical); empty cells are missing.
    missing : sequence of str, default :data:`MISSING_CODES`
        Cell texts that mean "missing" in the score and adjuster columns,
        matched exactly (case and spaces count). The empty cell is always
        missing, also when not listed. The unit column is not affected: only
        an empty unit cell is missing (and is an error), so a unit really
        called ``NA`` keeps its name.

    Returns
    -------
    DataFrame
        The unit and adjuster columns as text, the score as float.

    Raises
    ------
    InputError
        Unreadable or empty file, no data rows, a missing column, a
        non-numeric or infinite score, or no scores at all.

    References
    ----------
    .. [1] pandas.read_csv, ``na_values`` and ``keep_default_na``: with the
       defaults off, only the listed texts are missing (pandas' own default
       list would also take ``None``, ``NULL``, ``-NaN`` and more).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a CSV file")
    codes = sorted({*missing, ""})
    # Per column: the codes apply to the score and adjusters only.
    na_values = {unit: [""], **{name: codes for name in [score, *adjusters]}}
    try:
        sep = _delimiter(path)
        df = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=na_values,
            encoding="utf-8-sig",
        )
    except InputError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: the file is empty") from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "malformed CSV"
        raise InputError(f"{path}: cannot parse CSV ({detail})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(df) == 0:
        raise InputError(f"{path}: the file has a header but no rows")
    require_columns(df, [unit, score, *adjusters])
    df[score] = numeric_score(df, score)
    return df
