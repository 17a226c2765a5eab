"""``survey-service questionnaires``: check and list questionnaire files."""

from __future__ import annotations

from pathlib import Path

import click

from survey_service.cli.common import fail, open_database, run
from survey_service.questionnaires.loader import (
    QuestionnaireError,
    default_directory,
    load_catalogue,
)
from survey_service.questionnaires.sync import changed_versions
from survey_service.settings import Settings, SettingsError, load_settings


@click.group()
def questionnaires() -> None:
    """Questionnaire files."""


_DIR = click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder of <slug>/<version>.yaml files "
    "(default: SURVEY_QUESTIONNAIRE_DIR, else the shipped ones, as `serve` uses).",
)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


def _has_database(settings: Settings) -> bool:
    """Whether ``serve`` would find a database to hold pins.

    The default SQLite file is only looked at, never created: validating files
    on a machine without the service must not leave a database behind.
    """
    return bool(settings.database_url) or settings.sqlite_default_path.exists()


@questionnaires.command()
@_DIR
def validate(directory: Path | None) -> None:
    """Check every questionnaire file; each problem names file, item and fault.

    Checks what `serve` would load: the same folder and, when there is a
    database, that no published version differs from the one it pinned.
    """
    settings = _settings()
    directory = directory or default_directory(settings)
    if not directory.is_dir():
        fail(f"--directory {directory}: no such folder")
    try:
        catalogue = load_catalogue(directory)
    except QuestionnaireError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        fail(f"{len(exc.problems)} problem(s) in {directory}")
    click.echo(f"{len(catalogue)} file(s) valid in {directory}")
    if not _has_database(settings):
        click.echo("No database yet: published versions not compared with pinned ones.")
        return
    where = "DATABASE_URL" if settings.database_url else str(settings.sqlite_default_path)
    open_database()
    changed = run(changed_versions(catalogue))
    if changed:
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        fail(changed[0] + more)
    click.echo(f"Published versions match those pinned in {where}.")


@questionnaires.command("list")
@_DIR
def list_(directory: Path | None) -> None:
    """List questionnaires and modules with their versions."""
    try:
        catalogue = load_catalogue(directory, settings=_settings())
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
