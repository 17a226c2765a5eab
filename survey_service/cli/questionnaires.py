"""``survey-service questionnaires``: check and list questionnaire files."""

from __future__ import annotations

from pathlib import Path

import click

from survey_service.cli.common import fail
from survey_service.questionnaires.loader import (
    QuestionnaireError,
    default_directory,
    load_catalogue,
)


@click.group()
def questionnaires() -> None:
    """Questionnaire files."""


_DIR = click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder of <slug>/<version>.yaml files (default: the shipped ones).",
)


@questionnaires.command()
@_DIR
def validate(directory: Path | None) -> None:
    """Check every questionnaire file; each problem names file, item and fault."""
    directory = directory or default_directory()
    if not directory.is_dir():
        fail(f"--directory {directory}: no such folder")
    try:
        catalogue = load_catalogue(directory)
    except QuestionnaireError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        fail(f"{len(exc.problems)} problem(s) in {directory}")
    click.echo(f"{len(catalogue)} file(s) valid in {directory}")


@questionnaires.command("list")
@_DIR
def list_(directory: Path | None) -> None:
    """List questionnaires and modules with their versions."""
    try:
        catalogue = load_catalogue(directory)
    except QuestionnaireError as exc:
        fail(
            exc.problems[0]
            + (f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else "")
        )
    for q in catalogue:
        title = q.title.get("en", "") if q.title else "(module)"
        groups = ",".join(q.provider_groups) or "-"
        click.echo(
            f"{q.key:24} {q.kind:13} {q.status:9} {len(q.items):3} items  {groups:40} {title}"
        )
