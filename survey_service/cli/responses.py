"""``survey-service responses export``: one questionnaire's responses as CSV or FHIR."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click
import pandas as pd

from survey_service.accounts.service import record_audit
from survey_service.cli.common import fail, load_catalogue_or_fail, open_database, run
from survey_service.errors import ServiceError

if TYPE_CHECKING:
    from survey_service.questionnaires.loader import Catalogue
    from survey_service.results.frame import ResponseFrame

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
    help="Write the CSV (or the FHIR JSON) here instead of standard output.",
)
@click.option(
    "--format",
    "form",
    type=click.Choice(["csv", "fhir"]),
    default="csv",
    show_default=True,
    help="csv: one row per response; fhir: a FHIR R5 Bundle of QuestionnaireResponses.",
)
def export(slug: str, period: str | None, scored: bool, output: Path | None, form: str) -> None:
    """One row per response: practice, case mix, one column per item (no free text).

    With --format fhir: one anonymous QuestionnaireResponse per response
    (visit month, no ids, no dates, no free text; docs/fhir.md).
    """
    from survey_service.results.frame import read_frame
    from survey_service.results.periods import ALL_TIME, parse_period

    if form == "fhir" and scored:
        fail("--scored: FHIR answers are answer codes; scores are CSV only")
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
    if form == "fhir":
        _export_fhir(frame, catalogue, settings.public_base_url, chosen.label, output)
        return
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


def _export_fhir(
    frame: ResponseFrame, catalogue: Catalogue, base_url: str, label: str, output: Path | None
) -> None:
    from survey_service.results.fhir import response_entries

    entries = response_entries(frame, catalogue, base_url)
    try:
        handle = sys.stdout if output is None else output.open("w", encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write ({exc.strerror or exc})")
    try:
        total = _write_bundle(entries, handle)
    finally:
        if output is not None:
            handle.close()
    click.echo(f"Exported {total} response(s).", err=True)
    run(record_audit("cli", "responses_export", frame.slug, f"{label}, {total} rows, fhir"))


def _write_bundle(entries: Iterator[dict[str, Any]], handle: TextIO) -> int:
    """Write a collection Bundle entry by entry: the JSON is never one huge string."""
    from survey_service.results.fhir import checked

    # The same Bundle as results.fhir.bundle_of, written entry by entry.
    handle.write('{"resourceType": "Bundle", "type": "collection"')
    total = 0
    for entry in checked(entries):
        handle.write(
            (', "entry": [\n' if total == 0 else ",\n") + json.dumps(entry, ensure_ascii=False)
        )
        total += 1
    # FHIR JSON has no empty arrays: no answers, no "entry" at all.
    handle.write("\n]}\n" if total else "}\n")
    return total


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
