"""Bad input gives a documented InputError naming the problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, InputError, analyse_item, analyse_items, read_responses_csv

from ._reference import casemix_frame


@pytest.fixture
def df() -> pd.DataFrame:
    return casemix_frame(n_units=5, n=150, seed=1)


def test_missing_column_is_named(df: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="missing column: 'education'"):
        analyse_item(df, unit="unit", score="y", adjusters=["age", "education"])


def test_non_numeric_score_is_named(df: pd.DataFrame) -> None:
    df["y"] = df["y"].astype(object)
    df.loc[3, "y"] = "good"
    with pytest.raises(InputError, match=r"'y' is not numeric: 'good' in row 4"):
        analyse_item(df, unit="unit", score="y")


def test_all_scores_missing(df: pd.DataFrame) -> None:
    df["y"] = np.nan
    with pytest.raises(InputError, match="no answers"):
        analyse_item(df, unit="unit", score="y")


def test_fewer_than_two_units(df: pd.DataFrame) -> None:
    df["unit"] = "only"
    with pytest.raises(InputError, match="fewer than two units"):
        analyse_item(df, unit="unit", score="y")


def test_infinite_score(df: pd.DataFrame) -> None:
    df.loc[7, "y"] = np.inf
    with pytest.raises(InputError, match="infinite value in row 8"):
        analyse_item(df, unit="unit", score="y")


def test_score_without_variance(df: pd.DataFrame) -> None:
    df["y"] = 50.0
    with pytest.raises(InputError, match="no variance"):
        analyse_item(df, unit="unit", score="y")


def test_score_without_within_unit_variance(df: pd.DataFrame) -> None:
    df["y"] = df["unit"].map({u: 10.0 * i for i, u in enumerate(sorted(df["unit"].unique()))})
    with pytest.raises(InputError, match="within"):
        analyse_item(df, unit="unit", score="y")


def test_empty_unit_cell(df: pd.DataFrame) -> None:
    df.loc[2, "unit"] = None
    with pytest.raises(InputError, match="unit column 'unit' is empty in row 3"):
        analyse_item(df, unit="unit", score="y")


def test_empty_table_and_bad_arguments(df: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="no rows"):
        analyse_item(df.iloc[:0], unit="unit", score="y")
    with pytest.raises(InputError, match="min_n"):
        analyse_item(df, unit="unit", score="y", min_n=0)
    with pytest.raises(InputError, match="measure"):
        analyse_items(df, unit="unit", scores=["y"], measure="median")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="both as score"):
        analyse_items(df, unit="unit", scores=["y"], adjusters=["y"])


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_responses_csv(tmp_path / "absent.csv", unit="u", score="s")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_responses_csv(empty, unit="u", score="s")
    header_only = tmp_path / "header.csv"
    header_only.write_text("u,s\n")
    with pytest.raises(InputError, match="no rows"):
        read_responses_csv(header_only, unit="u", score="s")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"u,s\n\xff\xfe\x00\x81,1\n")
    with pytest.raises(InputError, match="UTF-8"):
        read_responses_csv(binary, unit="u", score="s")
    with pytest.raises(InputError, match="directory"):
        read_responses_csv(tmp_path, unit="u", score="s")


def test_semicolon_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "danish.csv"
    path.write_text("enhed;score;alder\nA;50;18-34\nB;;65+\n", encoding="utf-8")
    df = read_responses_csv(path, unit="enhed", score="score", adjusters=["alder"])
    assert df["score"].tolist()[0] == 50.0 and np.isnan(df["score"].tolist()[1])


def test_errors_share_one_base_class() -> None:
    assert issubclass(InputError, AnalysisError)
    assert issubclass(InputError, ValueError)


def test_csv_missing_codes_are_missing_in_score_and_adjusters(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("unit,s,a\nNA,NA,NA\nx,N/A,N/A\nx,nan,nan\nx,null,null\nx,,\nx,1,NA \n")
    df = read_responses_csv(path, unit="unit", score="s", adjusters=["a"])
    assert df["a"].isna().tolist() == [True] * 5 + [False]
    assert df["a"].iloc[5] == "NA "  # matched exactly: a padded code is text
    assert np.isnan(df["s"].iloc[:5]).all() and df["s"].iloc[5] == 1.0
    assert df["unit"].tolist() == ["NA"] + ["x"] * 5
    other = tmp_path / "other.csv"
    other.write_text("unit,s,a\nx,1,NA\nx,2,N/A\nx,3,-\nx,4,\n")
    custom = read_responses_csv(other, unit="unit", score="s", adjusters=["a"], missing=["-"])
    # Only the listed code and the empty cell are missing now.
    assert custom["a"].isna().tolist() == [False, False, True, True]
