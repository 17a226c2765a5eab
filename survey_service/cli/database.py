"""``survey-service db``: schema migrations."""

from __future__ import annotations

import click

from survey_service.cli.common import fail, open_database, run


@click.group()
def db() -> None:
    """Database schema."""


@db.command()
def migrate() -> None:
    """Apply Piccolo migrations to the database of DATABASE_URL."""
    settings = open_database()  # checks DATABASE_URL before anything imports the engine
    from survey_service.db.migrate import MigrationError
    from survey_service.db.migrate import migrate as run_migrations

    try:
        run(run_migrations())
    except MigrationError as exc:
        fail(str(exc))
    click.echo(f"Database is up to date: {_describe(settings.effective_database_url)}")


def _describe(url: str) -> str:
    from survey_service.db import _redact

    return _redact(url)
