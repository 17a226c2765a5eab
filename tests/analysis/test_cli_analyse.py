"""``survey-service analyse adjust`` (ANALYSIS_SPEC section 8)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis import read_responses_csv
from survey_service.cli_analyse import analyse

from ._reference import casemix_frame, statsmodels_fixed_effects

HEADER = [
    "unit",
    "n",
    "observed",
    "adjusted",
    "se",
    "ci_low",
    "ci_high",
    "reliability",
    "eb",
    "funnel95_low",
    "funnel95_high",
    "funnel998_low",
    "funnel998_high",
    "flag",
]
FLAGS = {
    "above",
    "below",
    "alarm_above",
    "alarm_below",
    "as_expected",
    "low_reliability",
    "suppressed",
}


@pytest.fixture
def responses(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    df = casemix_frame(n_units=15, n=700, seed=31)
    small = df["unit"] == "unit07"
    df = pd.concat([df[~small], df[small].head(5)], ignore_index=True)
    path = tmp_path / "responses.csv"
    df.to_csv(path, index=False)
    return path, df


def _run(args: list[str]):
    return CliRunner().invoke(analyse, args)


def test_writes_one_row_per_unit_with_the_contract_columns(responses) -> None:
    path, df = responses
    result = _run(
        ["adjust", str(path), "--unit", "unit", "--score", "y", "--adjust", "age,health,sex"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0].keys()) == HEADER
    ref = statsmodels_fixed_effects(df, "unit", "y", ["age", "health", "sex"])
    assert [r["unit"] for r in rows] == list(ref["adjusted"].index)
    for row in rows:
        assert row["flag"] in FLAGS
        assert int(row["n"]) == ref["n"][row["unit"]]
        if row["flag"] == "suppressed":
            assert all(row[c] == "" for c in HEADER[2:-1])
            continue
        # Printed with 6 decimals: equal to statsmodels up to that rounding.
        assert float(row["adjusted"]) == pytest.approx(ref["adjusted"][row["unit"]], abs=5e-7)
        se = ref["se"][row["unit"]]
        assert float(row["se"]) == pytest.approx(se, abs=5e-7)
        assert float(row["ci_low"]) == pytest.approx(float(row["adjusted"]) - 1.96 * se)
    assert {r["unit"]: r["flag"] for r in rows}["unit07"] == "suppressed"


def test_output_file_and_min_n(responses, tmp_path: Path) -> None:
    path, _ = responses
    out = tmp_path / "out.csv"
    result = _run(
        [
            "adjust",
            str(path),
            "--unit",
            "unit",
            "--score",
            "y",
            "--adjust",
            "age",
            "--min-n",
            "3",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == HEADER
    assert "suppressed" not in set(table["flag"])


def test_single_level_adjuster_warns_on_stderr(responses, tmp_path: Path) -> None:
    path, df = responses
    df.assign(language="da").to_csv(path, index=False)
    result = _run(
        ["adjust", str(path), "--unit", "unit", "--score", "y", "--adjust", "age,language"]
    )
    assert result.exit_code == 0
    assert "language" in result.stderr and result.stderr.startswith("Warning:")


def _bad(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing_column", "missing column: 'education'"),
        ("non_numeric", "not numeric"),
        ("all_missing", "no answers"),
        ("one_unit", "fewer than two units"),
        ("infinite", "infinite"),
        ("empty_file", "empty"),
        ("absent_file", "no such file"),
        ("no_variance", "variance"),
        ("missing_option", "Missing option '--score'"),
        ("bad_min_n", "--min-n"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    responses, tmp_path: Path, case: str, expected: str
) -> None:
    path, df = responses
    adjust = "age"
    extra: list[str] = []
    if case == "missing_column":
        adjust = "age,education"
    elif case == "non_numeric":
        path = _bad(tmp_path, "x.csv", "unit,y,age\nA,50,18-34\nB,very good,65+\n")
    elif case == "all_missing":
        path = _bad(tmp_path, "x.csv", "unit,y,age\nA,,18-34\nB,,65+\n")
    elif case == "one_unit":
        path = _bad(tmp_path, "x.csv", "unit,y,age\nA,50,18-34\nA,75,65+\nA,25,65+\n")
    elif case == "infinite":
        path = _bad(tmp_path, "x.csv", "unit,y,age\nA,inf,18-34\nB,75,65+\n")
    elif case == "empty_file":
        path = _bad(tmp_path, "x.csv", "")
    elif case == "absent_file":
        path = tmp_path / "absent.csv"
    elif case == "no_variance":
        df.assign(y=50).to_csv(path, index=False)
    elif case == "bad_min_n":
        extra = ["--min-n", "zero"]
    args = ["adjust", str(path), "--unit", "unit", "--score", "y", "--adjust", adjust, *extra]
    if case == "missing_option":
        args = ["adjust", str(path), "--unit", "unit"]
    result = _run(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output


def test_through_the_main_cli(responses) -> None:
    cli = pytest.importorskip("survey_service.cli", reason="survey_service.cli not importable yet")
    path, _ = responses
    result = CliRunner().invoke(
        cli.main,
        ["analyse", "adjust", str(path), "--unit", "unit", "--score", "y", "--adjust", "age,sex"],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == HEADER
    assert np.isfinite(table.loc[table["flag"] != "suppressed", "adjusted"]).all()


def _numbers(stdout: str) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(stdout)))
    return [row[c] for row in rows for c in HEADER[2:-1] if row[c] != ""]


def test_numbers_have_at_most_six_decimals_and_no_float_noise(responses) -> None:
    path, _ = responses
    args = ["adjust", str(path), "--unit", "unit", "--score", "y", "--adjust", "age,health"]
    result = _run(args)
    assert result.exit_code == 0, result.output
    cells = _numbers(result.stdout)
    assert cells
    for cell in cells:
        assert "e" not in cell.lower(), cell
        decimals = cell.partition(".")[2]
        assert len(decimals) <= 6 and not decimals.endswith("0"), cell
    # The printed numbers are the library's, rounded to 6 decimals.
    from analysis import analyse_item, read_responses_csv

    full = analyse_item(
        read_responses_csv(path, unit="unit", score="y", adjusters=["age", "health"]),
        unit="unit",
        score="y",
        adjusters=["age", "health"],
    ).to_frame()
    printed = pd.read_csv(io.StringIO(result.stdout))
    shown = full["flag"] != "suppressed"
    for column in HEADER[2:-1]:
        assert np.allclose(printed.loc[shown, column], full.loc[shown, column], rtol=0, atol=5e-7)


def test_a_mean_that_floats_render_noisily_prints_as_its_decimal(tmp_path: Path) -> None:
    # 71.08, 71.09: the binary mean is 71.08500000000001, the decimal one 71.085.
    rows = ["unit,y"] + [f"{u},{v}" for u in ("A", "B") for v in ("71.08", "71.09") * 6]
    path = _bad(tmp_path, "x.csv", "\n".join(rows) + "\n")
    result = _run(["adjust", str(path), "--unit", "unit", "--score", "y"])
    assert result.exit_code == 0, result.output
    observed = {r["unit"]: r["observed"] for r in csv.DictReader(io.StringIO(result.stdout))}
    assert observed == {"A": "71.085", "B": "71.085"}


def test_stderr_counts_rows_without_a_score_and_imputed_values(tmp_path: Path) -> None:
    lines = ["unit,y,age,sex"]
    for u in ("A", "B", "C"):
        for k in range(12):
            lines.append(
                f"{u},{40 + 5 * k + (u == 'B')},{('18-34', '65+')[k % 2]},{'fm'[k % 3 > 0]}"
            )
    lines += ["A,,18-34,f", "B,,,m", "C,,65+,"]  # three rows without a score
    lines += ["A,55,,f", "B,60,,", "C,65,65+,"]  # age missing twice, sex twice
    path = _bad(tmp_path, "x.csv", "\n".join(lines) + "\n")
    result = _run(["adjust", str(path), "--unit", "unit", "--score", "y", "--adjust", "age,sex"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines() == [
        "Note: 3 of 42 rows left out for a missing score; "
        "4 missing adjuster value(s) imputed (age 2, sex 2)",
        "Note: 0 of 3 units outside the 95% limits (0.2 expected by chance alone), "
        "0 outside the 99.8% limits (0.0 expected)",
    ]


def test_an_adjuster_with_more_than_20_levels_warns(responses, tmp_path: Path) -> None:
    path, df = responses
    rng = np.random.default_rng(3)
    df.assign(age_years=rng.integers(18, 95, len(df)).astype(str)).to_csv(path, index=False)
    result = _run(
        ["adjust", str(path), "--unit", "unit", "--score", "y", "--adjust", "age_years,sex"]
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "'age_years' has 77 levels (more than 20)" in warnings[0]
    assert "continuous" in warnings[0]
    # A banded adjuster with few levels gives no warning.
    quiet = _run(["adjust", str(path), "--unit", "unit", "--score", "y", "--adjust", "age,sex"])
    assert not [line for line in quiet.stderr.splitlines() if line.startswith("Warning:")]


def _with_missing_codes(df: pd.DataFrame, path: Path, codes: list[str]) -> pd.DataFrame:
    """Write ``df`` with its missing cells spelled as ``codes`` in turn."""
    text = df.astype(object).copy()
    for col in ("age", "health", "y"):
        where = np.flatnonzero(text[col].isna().to_numpy())
        for k, row in enumerate(where):
            text.iloc[row, text.columns.get_loc(col)] = codes[k % len(codes)]
    text.to_csv(path, index=False)
    return text


def test_missing_codes_in_adjusters_and_score_are_missing(responses, tmp_path: Path) -> None:
    path, df = responses
    coded = tmp_path / "coded.csv"
    text = _with_missing_codes(df, coded, ["NA", "N/A", "nan", "null", ""])
    assert (text["age"] == "NA").any() and (text["y"] == "null").any()
    args = ["--unit", "unit", "--score", "y", "--adjust", "age,health,sex"]
    result = _run(["adjust", str(coded), *args])
    assert result.exit_code == 0, result.output
    # The same table as statsmodels on the frame with real missing values:
    # no "NA" level, no row lost, every code counted as imputed.
    ref = statsmodels_fixed_effects(df, "unit", "y", ["age", "health", "sex"])
    rows = {r["unit"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    for unit_label, adjusted in ref["adjusted"].items():
        if rows[unit_label]["flag"] != "suppressed":
            assert float(rows[unit_label]["adjusted"]) == pytest.approx(adjusted, abs=5e-7)
            assert float(rows[unit_label]["se"]) == pytest.approx(ref["se"][unit_label], abs=5e-7)
    answered = df[df["y"].notna()]
    n_age, n_health = int(answered["age"].isna().sum()), int(answered["health"].isna().sum())
    assert (
        f"{len(df) - len(answered)} of {len(df)} rows left out for a missing score; "
        f"{n_age + n_health} missing adjuster value(s) imputed (age {n_age}, health {n_health})"
    ) in result.stderr
    # The plain file with empty cells gives byte-identical output.
    assert _run(["adjust", str(path), *args]).stdout == result.stdout


def test_missing_option_replaces_the_codes(responses, tmp_path: Path) -> None:
    path, df = responses
    coded = tmp_path / "coded.csv"
    _with_missing_codes(df, coded, ["."])  # SAS's missing value
    args = ["--unit", "unit", "--score", "y", "--adjust", "age,health,sex"]
    own = _run(["adjust", str(coded), *args, "--missing", "."])
    assert own.exit_code == 0, own.output
    assert own.stdout == _run(["adjust", str(path), *args]).stdout
    # Without "." in the list, it is text: a non-numeric score.
    default = _run(["adjust", str(coded), *args])
    assert default.exit_code == 2 and "not numeric" in default.stderr
    # NA is only missing while listed: with --missing . it is a level again.
    na = tmp_path / "na.csv"
    _with_missing_codes(df.dropna(subset=["y"]), na, ["NA"])
    as_level = _run(["adjust", str(na), *args, "--missing", "."])
    frame = read_responses_csv(na, unit="unit", score="y", adjusters=["age"], missing=["."])
    assert (frame["age"] == "NA").any()
    assert as_level.exit_code == 0 and "0 missing adjuster value(s)" in as_level.stderr


def test_missing_codes_do_not_touch_the_unit_column(tmp_path: Path) -> None:
    lines = ["unit,y,age"] + [
        f"{u},{10 * k + (u == 'NA')},{'ab'[k % 2]}" for u in ("NA", "B") for k in range(12)
    ]
    path = _bad(tmp_path, "x.csv", "\n".join(lines) + "\n")
    frame = read_responses_csv(path, unit="unit", score="y", adjusters=["age"])
    assert sorted(frame["unit"].unique()) == ["B", "NA"]


def test_help_documents_the_missing_option() -> None:
    text = _run(["adjust", "--help"]).output
    assert "--missing" in text and "NA,N/A,nan,null" in text
