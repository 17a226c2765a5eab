"""``survey-service responses export``: one questionnaire's responses as CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import click
import pandas as pd

from survey_service.accounts.service import record_audit
from survey_service.cli.common import fail, load_catalogue_or_fail, open_database, run
from survey_service.errors import ServiceError

__all__ = ["responses"]

#: Rows written per chunk: the progress bar moves and memory stays flat.
CHUNK = 5000


@click.group()
def responses() -> None:
    """Anonymous responses."""


@responses.command("export")
@click.option("--questionnaire", "slug", required=True, help="Questionnaire slug.")
@click.option("--period", default=None, help="YYYY-MM, YYYY-Qn or YYYY (default: every month).")
@click.option("--scored", is_flag=True, help="0..100 scores instead of answer codes.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the CSV here instead of standard output.",
)
def export(slug: str, period: str | None, scored: bool, output: Path | None) -> None:
    """One row per response: practice, case mix, one column per item (no free text)."""
    from survey_service.results.frame import read_frame
    from survey_service.results.periods import ALL_TIME, parse_period

    try:
        chosen = ALL_TIME if period is None else parse_period(period)
    except ServiceError as exc:
        fail(exc.detail)
    settings = open_database()
    catalogue = load_catalogue_or_fail(settings)
    try:
        frame = run(read_frame(catalogue, slug, chosen))
    except ServiceError as exc:
        fail(exc.detail)
    table = frame.scored() if scored else frame.codes
    try:
        handle = sys.stdout if output is None else output.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        fail(f"{output}: cannot write ({exc.strerror or exc})")
    try:
        _write(table, handle)
    finally:
        if output is not None:
            handle.close()
    # Exports leave the service with patients' answers: the audit trail says so.
    detail = f"{chosen.label}, {len(table)} rows{', scored' if scored else ''}"
    run(record_audit("cli", "responses_export", slug, detail))


def _write(table: pd.DataFrame, handle: TextIO) -> None:
    options: dict[str, Any] = {"index": False, "lineterminator": "\n", "float_format": _number}
    total = len(table)
    table.iloc[:0].to_csv(handle, **options)
    if sys.stderr.isatty():
        with click.progressbar(length=total, label="Exporting", file=sys.stderr) as bar:
            for start in range(0, total, CHUNK):
                chunk = table.iloc[start : start + CHUNK]
                chunk.to_csv(handle, header=False, **options)
                bar.update(len(chunk))
    else:
        for start in range(0, total, CHUNK):
            table.iloc[start : start + CHUNK].to_csv(handle, header=False, **options)
        click.echo(f"Exported {total} response(s).", err=True)


def _number(value: float) -> str:
    # Scores are multiples of 25 or 100: no binary float noise in the file.
    return f"{value:.6f}".rstrip("0").rstrip(".")
