"""``survey-service practice``: practice units and their API keys."""

from __future__ import annotations

import click

from survey_service.cli.common import fail, open_database, run
from survey_service.practices.service import SECTORS, PracticeError, add_practice


@click.group()
def practice() -> None:
    """Practice units."""


@practice.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The practice's name as patients know it.")
@click.option("--sector", required=True, type=click.Choice(list(SECTORS)), help="Provider group.")
@click.option("--area", default="", help="Municipality or sub-region.")
def add(code: str, name: str, sector: str, area: str) -> None:
    """Create a practice; its API key is printed on the last line (shown only once)."""
    open_database()
    try:
        created, key = run(add_practice(code, name, sector, area))
    except PracticeError as exc:
        fail(str(exc))
    click.echo(f"Created practice {created.code} ({created.name}, {created.sector}).")
    click.echo("Its API key follows; it is not stored and cannot be shown again.")
    click.echo(key)
