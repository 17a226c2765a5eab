"""``analyse model`` and ``analyse adjust --labels`` against independent computations."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis import analyse_item
from analysis.multiplicity import chance_flags, fdr_labels
from survey_service.cli_analyse import analyse

from ._reference import casemix_frame, statsmodels_fixed_effects

ADJUST = ["age", "health", "sex"]


@pytest.fixture
def responses(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    df = casemix_frame(n_units=15, n=900, seed=5)
    path = tmp_path / "responses.csv"
    df.to_csv(path, index=False)
    return path, df


def _run(args: list[str]):
    return CliRunner().invoke(analyse, args)


def test_model_prints_the_dummy_ols_coefficients(responses) -> None:
    path, df = responses
    result = _run(
        ["model", str(path), "--unit", "unit", "--score", "y", "--adjust", ",".join(ADJUST)]
    )
    assert result.exit_code == 0, result.output
    ref = statsmodels_fixed_effects(df, "unit", "y", ADJUST)
    fit = ref["fit"]
    dummies = [name for name in fit.params.index if name.startswith("d")]
    # The coefficient rows, in the order of the reference's dummies (levels
    # sorted, first level the reference); the summary prints 4 decimals.
    rows = [
        line.split()
        for line in result.stdout.splitlines()
        if re.match(r"(age|health|sex)\[T\.", line)
    ]
    assert len(rows) == len(dummies)
    for row, name in zip(rows, dummies, strict=True):
        assert float(row[1]) == pytest.approx(fit.params[name], abs=6e-4)
        assert float(row[2]) == pytest.approx(fit.bse[name], abs=6e-4)
    residual_df = re.search(r"N - J - p = (\d+)", result.stdout)
    assert residual_df and int(residual_df.group(1)) == int(fit.df_resid)
    assert re.search(r"Imputed adjuster values: .*age \d+", result.stdout)


def test_model_without_adjusters_is_one_line_and_status_2(responses) -> None:
    path, _ = responses
    result = _run(["model", str(path), "--unit", "unit", "--score", "y"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "adjuster" in result.output


def test_adjust_states_the_chance_expected_flags(responses) -> None:
    path, df = responses
    result = _run(["adjust", str(path), "--unit", "unit", "--score", "y", "--adjust", "age"])
    assert result.exit_code == 0, result.output
    counts = chance_flags(analyse_item(df, unit="unit", score="y", adjusters=["age"]))
    assert (
        f"{counts.outside95} of {counts.units} units outside the 95% limits "
        f"({counts.expected95:.1f} expected by chance alone)"
    ) in result.stderr


def test_adjust_fdr_labels_are_the_benjamini_hochberg_ones(responses) -> None:
    path, df = responses
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
            "--labels",
            "fdr",
        ]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = fdr_labels(analyse_item(df, unit="unit", score="y", adjusters=["age"]))
    assert [row["flag"] for row in rows] == list(expected)
    assert np.all([row["flag"] != "" for row in rows])
