"""``survey-service practice``: practice units and their API keys."""

from __future__ import annotations

import click

from survey_service.cli.common import fail, open_database, run
from survey_service.practices.service import SECTORS, PracticeError, add_practice, rotate_api_key


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


@practice.command("rotate-key")
@click.argument("code")
def rotate_key(code: str) -> None:
    """Give a practice a new API key (printed on the last line); the old key stops at once."""
    from survey_service.accounts.service import record_audit

    open_database()

    async def rotate() -> str:
        key = await rotate_api_key(code)
        await record_audit("cli", "api_key_rotated", code, "")
        return key

    try:
        key = run(rotate())
    except PracticeError as exc:
        fail(str(exc))
    click.echo(f"Practice {code} has a new API key; the old one no longer works.")
    click.echo("The new key follows; it is not stored and cannot be shown again.")
    click.echo(key)
