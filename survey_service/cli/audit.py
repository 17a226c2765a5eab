"""``survey-service audit``: the audit trail of logins and account changes."""

from __future__ import annotations

import datetime as dt

import click

from survey_service.accounts.service import list_audit
from survey_service.cli.common import fail, open_database, run


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("list")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Only events from this day on.")
def list_(since: str | None) -> None:
    """Print events, newest first: time (UTC), who, what, account, details."""
    try:
        since_date = dt.date.fromisoformat(since) if since else None
    except ValueError:
        fail(f"--since {since!r}: write YYYY-MM-DD")
    open_database()
    for event in run(list_audit(since_date, limit=100_000)):
        at = event.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        click.echo(f"{at}\t{event.actor}\t{event.action}\t{event.target}\t{event.detail}")
