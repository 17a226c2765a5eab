"""``survey-service user``: staff accounts (add, disable, list)."""

from __future__ import annotations

import sys

import click

from survey_service.accounts.service import ROLES, add_user, disable_account, list_users
from survey_service.accounts.sessions import make_session_store
from survey_service.cli.common import fail, open_database, run
from survey_service.errors import ServiceError


@click.group()
def user() -> None:
    """Staff accounts: practitioners, analysts and administrators."""


def _interactive() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    """Asked twice on a terminal; otherwise the first line of standard input."""
    if _interactive():
        value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return value
    return sys.stdin.readline().rstrip("\r\n")


@user.command("add")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice(list(ROLES)), help="What the user may see."
)
@click.option(
    "--practice",
    "practices",
    multiple=True,
    metavar="CODE",
    help="A practice the practitioner belongs to (repeat for several).",
)
def add(email: str, role: str, practices: tuple[str, ...]) -> None:
    """Create an account; the password is read from standard input."""
    open_database()
    password = _read_password()
    try:
        created = run(add_user(email, password, role, practices, actor="cli"))
    except ServiceError as exc:
        fail(exc.detail)
    where = f" ({', '.join(dict.fromkeys(practices))})" if practices else ""
    click.echo(f"Created {created.role} {created.email}{where}.")


@user.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Refuse the account's logins from now on and end its sessions."""
    settings = open_database()

    async def go() -> str:
        store = make_session_store(settings.redis_url)
        try:
            # The same use case as the admin page's button: disable, then end the sessions.
            disabled = await disable_account(email, store, actor="cli")
        finally:
            await store.close()
        return disabled.email

    try:
        done = run(go())
    except ServiceError as exc:
        fail(exc.detail)
    click.echo(f"Disabled {done}.")


@user.command("list")
def list_() -> None:
    """Every account: email, role, active or disabled, practices."""
    open_database()
    for account in run(list_users()):
        state = "active" if account.active else "disabled"
        codes = ",".join(account.practices) or "-"
        click.echo(f"{account.email}\t{account.role}\t{state}\t{codes}")
