"""The ``survey-service`` command.

Every command that touches the database reads DATABASE_URL (or uses the
embedded SQLite file) through :func:`survey_service.cli.common.open_database`,
and reports bad input as one line with exit status 2.

Subcommands are imported when they are used, not when the command starts:
``analyse`` pulls in statsmodels and pandas (about a second of imports), which
``visits import`` or ``qr poster`` never need.
"""

from __future__ import annotations

import importlib

import click

#: command name -> "module:attribute" of its click command or group
COMMANDS: dict[str, str] = {
    "db": "survey_service.cli.database:db",
    "i18n": "survey_service.cli.i18n:i18n",
    "practice": "survey_service.cli.practices:practice",
    "questionnaires": "survey_service.cli.questionnaires:questionnaires",
    "serve": "survey_service.cli.server:serve",
    "demo": "survey_service.cli.server:demo",
    "visits": "survey_service.cli.visits:visits",
    "worker": "survey_service.cli.worker:worker",
    "qr": "survey_service.cli.qr:qr",
    "user": "survey_service.cli.users:user",
    "audit": "survey_service.cli.audit:audit",
    "responses": "survey_service.cli.responses:responses",
    "report": "survey_service.cli.report:report",
    "units": "survey_service.cli.units:units",
    "analyse": "survey_service.cli_analyse:analyse",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{COMMANDS[cmd_name]} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="survey-service")
def main() -> None:
    """Patient-experience surveys: questionnaires by SMS and QR, anonymous answers,
    case-mix adjusted feedback."""


__all__ = ["main"]
