"""``survey-service analyse``: case-mix adjusted results from an analyst's CSV.

Only parsing and writing live here; every number comes from :mod:`analysis`.
Bad input is reported as one line on stderr with exit status 2, like every
other command of the service. On success stderr also says how many rows were
left out for a missing score and how many adjuster values were imputed
(ANALYSIS_SPEC section 2), and warns of adjusters with so many levels that
they are probably continuous.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import IO, Any

import click
import pandas as pd

from analysis import (
    MISSING_CODES,
    UNIT_COLUMNS,
    AnalysisError,
    AnalysisWarning,
    analyse_item,
    read_responses_csv,
)
from analysis.multiplicity import LABEL_METHODS, ChanceFlags, chance_flags, labels_by

__all__ = ["analyse"]

#: More levels than this and an adjuster is probably a continuous column
#: (age in years, income) that would become as many dummies (ANALYSIS_SPEC 2).
MAX_LEVELS = 20
#: Decimals printed: full precision for an analyst, without binary float noise
#: (71.085, not 71.08499999999998; ANALYSIS_SPEC section 8).
DECIMALS = 6


def format_number(value: float) -> str:
    """``value`` with at most :data:`DECIMALS` decimals, trailing zeros dropped."""
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text  # a rounded tiny negative is not "-0"


def many_levels(df: pd.DataFrame, score: str, adjusters: list[str]) -> dict[str, int]:
    """Adjusters with more than :data:`MAX_LEVELS` levels among the rows with a score."""
    scored = df[df[score].notna()]
    counts = {name: int(scored[name].nunique(dropna=True)) for name in adjusters}
    return {name: n for name, n in counts.items() if n > MAX_LEVELS}


def data_note(rows: int, used: int, imputed: dict[str, int]) -> str:
    """The stderr line counting what was left out and what was imputed."""
    total = sum(imputed.values())
    detail = ", ".join(f"{name} {n}" for name, n in imputed.items() if n)
    return (
        f"Note: {rows - used} of {rows} rows left out for a missing score; "
        f"{total} missing adjuster value(s) imputed" + (f" ({detail})" if detail else "")
    )


def chance_note(counts: ChanceFlags) -> str:
    """The stderr line setting the units outside the limits beside what chance gives."""
    return (
        f"Note: {counts.outside95} of {counts.units} units outside the 95% limits "
        f"({counts.expected95:.1f} expected by chance alone), {counts.outside998} outside "
        f"the 99.8% limits ({counts.expected998:.1f} expected)"
    )


class _OneLineError(click.UsageError):
    """A usage error shown as a single ``Error: ...`` line, without the usage banner."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


class _OneLineCommand(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            # Missing options and bad values are bad input too: one line, status 2.
            raise _OneLineError(exc.format_message(), ctx=ctx) from None


@click.group(name="analyse")
def analyse() -> None:
    """Analyse survey responses: case-mix adjustment, funnel limits, reliability."""


_input = click.argument("input_csv", metavar="INPUT.csv", type=click.Path(path_type=Path))
_unit = click.option(
    "--unit", required=True, help="Column identifying the unit (practice, department)."
)
_score = click.option("--score", required=True, help="Numeric score column (0..100 or any scale).")
_adjust = click.option(
    "--adjust",
    "adjust",
    default="",
    metavar="COL[,COL...]",
    help="Comma-separated categorical adjuster columns.",
)
_min_n = click.option(
    "--min-n",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Units with fewer respondents are suppressed.",
)
_missing = click.option(
    "--missing",
    default=",".join(code for code in MISSING_CODES if code),
    show_default=True,
    metavar="CODE[,CODE...]",
    help="Comma-separated cell texts read as missing in the score and adjuster "
    "columns (exact match); an empty cell is always missing.",
)


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _analysed(
    input_csv: Path, unit: str, score: str, adjusters: list[str], min_n: int, missing: str
) -> tuple[pd.DataFrame, Any]:
    """Read and analyse, echoing the library's warnings; bad input is one line, status 2."""
    # "" is always missing (ANALYSIS_SPEC section 8), so --missing "" means
    # only empty cells.
    codes = _names(missing)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AnalysisWarning)
            df = read_responses_csv(
                input_csv, unit=unit, score=score, adjusters=adjusters, missing=codes
            )
            result = analyse_item(df, unit=unit, score=score, adjusters=adjusters, min_n=min_n)
    except AnalysisError as exc:
        raise _OneLineError(str(exc)) from None
    for warning in caught:
        if issubclass(warning.category, AnalysisWarning):
            click.echo(f"Warning: {warning.message}", err=True)
    for name, levels in many_levels(df, score, adjusters).items():
        click.echo(
            f"Warning: adjuster {name!r} has {levels} levels (more than {MAX_LEVELS}): "
            "probably a continuous column; each level becomes a dummy, so band it first",
            err=True,
        )
    return df, result


@analyse.command("adjust", cls=_OneLineCommand)
@_input
@_unit
@_score
@_adjust
@_min_n
@_missing
@click.option(
    "--labels",
    type=click.Choice(LABEL_METHODS),
    default="spec",
    show_default=True,
    help="spec: a unit is labelled when outside its own limits (ANALYSIS_SPEC 3); "
    "fdr: labels controlled for the false discovery rate (Benjamini-Hochberg).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the CSV here instead of standard output.",
)
def adjust(
    input_csv: Path,
    unit: str,
    score: str,
    adjust: str,
    min_n: int,
    missing: str,
    labels: str,
    output: Path | None,
) -> None:
    """Case-mix adjusted score, interval, reliability, EB estimate, funnel limits
    and flag for every unit in INPUT.csv (one row per respondent)."""
    adjusters = _names(adjust)
    df, result = _analysed(input_csv, unit, score, adjusters, min_n, missing)
    click.echo(data_note(len(df), result.nobs, dict(result.casemix.n_imputed)), err=True)
    click.echo(chance_note(chance_flags(result)), err=True)
    table = result.to_frame()[list(UNIT_COLUMNS)]
    table["flag"] = labels_by(result, labels)
    options: dict[str, Any] = {
        "index": False,
        "lineterminator": "\n",
        "float_format": format_number,
    }
    if output is None:
        table.to_csv(sys.stdout, **options)
        return
    try:
        table.to_csv(output, **options)
    except OSError as exc:
        raise _OneLineError(f"{output}: cannot write ({exc.strerror or exc})") from None


@analyse.command("model", cls=_OneLineCommand)
@_input
@_unit
@_score
@_adjust
@_min_n
@_missing
def model(input_csv: Path, unit: str, score: str, adjust: str, min_n: int, missing: str) -> None:
    """The statsmodels summary of the case-mix model of INPUT.csv: adjuster
    coefficients with standard errors, R-squared within units, n and n imputed."""
    adjusters = _names(adjust)
    df, result = _analysed(input_csv, unit, score, adjusters, min_n, missing)
    fit = result.casemix
    if fit.model is None:
        raise _OneLineError("no adjuster left to model (give --adjust, with more than one level)")
    with warnings.catch_warnings():
        # The residual diagnostics (omnibus, Jarque-Bera) would be computed on
        # the compressed design, not on respondents: they are left out below.
        warnings.simplefilter("ignore")
        summary = fit.model.summary(yname=score, title=f"Case-mix model of {score!r}")
    summary.tables = summary.tables[:2]  # header and coefficients
    click.echo(summary)
    click.echo(f"R-squared within units: {format_number(float(fit.model.rsquared))}")
    click.echo(
        f"Units: {fit.n_units}; respondents with a score: {fit.nobs} of {len(df)} rows; "
        f"residual degrees of freedom N - J - p = {fit.df_resid}; "
        f"within-unit SD s_w = {format_number(fit.s_w)}"
    )
    imputed = dict(fit.n_imputed)
    click.echo(
        "Imputed adjuster values: "
        + (", ".join(f"{name} {n}" for name, n in imputed.items()) if imputed else "none")
    )
    if fit.dropped:
        click.echo("Dropped adjusters: " + ", ".join(fit.dropped))
