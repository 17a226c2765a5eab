"""Encoding of units and categorical adjusters as integer codes.

The model never builds a dummy matrix with one row per respondent. Each
adjuster becomes an integer code per respondent (its level, or an extra
"missing" code), and every distinct combination of adjuster codes becomes one
row of a small table. A respondent's dummy row is then a row of that table, so
cross-products are sums over combinations weighted by their counts: the size
of the algebra depends on the number of distinct case mixes (hundreds to a few
thousand), not on the number of respondents (millions).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._errors import InputError, SingleLevelAdjusterWarning


@dataclass(frozen=True)
class Encoded:
    """Integer codes for one table; shared by every item analysed from it."""

    unit_labels: np.ndarray  # object array, one label per unit code
    unit_codes: np.ndarray  # int64 per respondent
    adjusters: tuple[str, ...]
    levels: tuple[np.ndarray, ...]  # per adjuster: labels of codes 0..L-1; code L = missing
    combo_codes: np.ndarray  # int64 per respondent, index into combo_table
    combo_table: np.ndarray  # (n_combos, n_adjusters) adjuster codes of each combination


@dataclass(frozen=True)
class ItemDesign:
    """Dummy coding of the adjusters for the respondents of one item."""

    embeddings: tuple[np.ndarray, ...]  # per kept adjuster: (L + 1, p_a) dummy rows per code
    kept: tuple[int, ...]  # indices into Encoded.adjusters
    names: tuple[str, ...]  # parameter names, "adjuster[T.level]"
    n_imputed: dict[str, int]
    dropped: tuple[str, ...]

    @property
    def n_params(self) -> int:
        return len(self.names)

    def combo_matrix(self, combo_table: np.ndarray) -> np.ndarray:
        """Dummy row of every adjuster combination: (n_combos, p)."""
        blocks = [emb[combo_table[:, a]] for a, emb in zip(self.kept, self.embeddings, strict=True)]
        if not blocks:
            return np.zeros((combo_table.shape[0], 0))
        return np.hstack(blocks)


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for missing) and level labels, in a stable, sorted order."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype(np.int64), np.asarray(
            series.cat.categories, dtype=object
        )
    try:
        codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    except TypeError:
        # Mixed types (numbers and text in one column) cannot be sorted; compare as text.
        text = series.astype(object).where(series.isna(), series.astype(str))
        codes, uniques = pd.factorize(text, sort=True, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def encode(df: pd.DataFrame, unit: str, adjusters: Sequence[str]) -> Encoded:
    unit_codes, unit_labels = _factorize(df[unit])
    if (unit_codes < 0).any():
        row = int(np.flatnonzero(unit_codes < 0)[0])
        raise InputError(f"unit column {unit!r} is empty in row {row + 1}")
    levels: list[np.ndarray] = []
    columns: list[np.ndarray] = []
    for name in adjusters:
        codes, labels = _factorize(df[name])
        codes = np.where(codes < 0, len(labels), codes)  # missing gets the last code
        levels.append(labels)
        columns.append(codes)
    if columns:
        radices = np.array([len(lv) + 1 for lv in levels], dtype=np.int64)
        if float(np.prod(radices.astype(float))) < 2**62:
            key = np.zeros(len(df), dtype=np.int64)
            for codes, radix in zip(columns, radices, strict=True):
                key = key * radix + codes
            unique_keys, combo_codes = np.unique(key, return_inverse=True)
            table = np.empty((len(unique_keys), len(columns)), dtype=np.int64)
            rest = unique_keys.copy()
            for a in range(len(columns) - 1, -1, -1):
                table[:, a] = rest % radices[a]
                rest //= radices[a]
        else:  # pragma: no cover - needs dozens of many-levelled adjusters
            stacked = np.column_stack(columns)
            table, combo_codes = np.unique(stacked, axis=0, return_inverse=True)
    else:
        combo_codes = np.zeros(len(df), dtype=np.int64)
        table = np.zeros((1, 0), dtype=np.int64)
    return Encoded(
        unit_labels=unit_labels,
        unit_codes=unit_codes,
        adjusters=tuple(adjusters),
        levels=tuple(levels),
        combo_codes=np.asarray(combo_codes, dtype=np.int64).ravel(),
        combo_table=table,
    )


def item_design(enc: Encoded, combo_counts: np.ndarray, item: str) -> ItemDesign:
    """Dummy coding for the respondents behind ``combo_counts`` (counts per combination).

    Reference level is the first observed level, as in statsmodels' ``C()``;
    levels absent from this item's respondents get no column. Missing values
    get the mean of each dummy over the respondents who gave the adjuster
    (CAHPS imputation), which leaves the adjuster's mean unchanged.
    """
    embeddings: list[np.ndarray] = []
    kept: list[int] = []
    names: list[str] = []
    n_imputed: dict[str, int] = {}
    dropped: list[str] = []
    for a, name in enumerate(enc.adjusters):
        n_levels = len(enc.levels[a])
        counts = np.bincount(enc.combo_table[:, a], weights=combo_counts, minlength=n_levels + 1)
        n_missing = round(float(counts[n_levels]))
        observed = np.flatnonzero(counts[:n_levels] > 0)
        if len(observed) < 2:
            dropped.append(name)
            warnings.warn(
                SingleLevelAdjusterWarning(
                    f"adjuster {name!r} has a single level for {item!r}; dropped",
                    adjuster=name,
                    reason="single_level",
                ),
                stacklevel=4,
            )
            continue
        dummies = observed[1:]
        emb = np.zeros((n_levels + 1, len(dummies)))
        emb[dummies, np.arange(len(dummies))] = 1.0
        n_given = counts[:n_levels].sum()
        emb[n_levels, :] = counts[dummies] / n_given
        embeddings.append(emb)
        kept.append(a)
        names.extend(f"{name}[T.{enc.levels[a][d]}]" for d in dummies)
        n_imputed[name] = n_missing
    return ItemDesign(
        embeddings=tuple(embeddings),
        kept=tuple(kept),
        names=tuple(names),
        n_imputed=n_imputed,
        dropped=tuple(dropped),
    )
