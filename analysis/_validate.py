"""Input checks shared by the public functions; each raises a one-line InputError."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from analysis._errors import InputError


def require_frame(df: object) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise InputError("the table has no rows")
    return df


def require_columns(df: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise InputError(f"missing column{'s' if len(missing) > 1 else ''}: {names}")


def numeric_score(df: pd.DataFrame, column: str) -> np.ndarray:
    """The score column as float64 with NaN for missing; rejects text and infinities."""
    return numeric_values(df[column], column)


def numeric_values(series: pd.Series, column: str) -> np.ndarray:
    """As :func:`numeric_score`, for a Series named ``column`` in messages."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna()
        # Blank strings are missing answers, not text.
        bad &= series.astype(str).str.strip() != ""
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"score column {column!r} is not numeric: {series.iloc[position]!r} "
                f"in row {position + 1}"
            )
        values = converted.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(values).any():
        position = int(np.flatnonzero(np.isinf(values))[0])
        raise InputError(f"score column {column!r} has an infinite value in row {position + 1}")
    if not np.isfinite(values).any():
        raise InputError(f"score column {column!r} has no answers (all missing)")
    return values
