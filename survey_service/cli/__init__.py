"""The ``survey-service`` command.

Every command that touches the database reads DATABASE_URL (or uses the
embedded SQLite file) through :func:`survey_service.cli.common.open_database`,
and reports bad input as one line with exit status 2.
"""

from __future__ import annotations

import click

from survey_service.cli.audit import audit
from survey_service.cli.database import db
from survey_service.cli.i18n import i18n
from survey_service.cli.practices import practice
from survey_service.cli.qr import qr
from survey_service.cli.questionnaires import questionnaires
from survey_service.cli.report import report
from survey_service.cli.responses import responses
from survey_service.cli.server import demo, serve
from survey_service.cli.units import units
from survey_service.cli.users import user
from survey_service.cli.visits import visits
from survey_service.cli.worker import worker
from survey_service.cli_analyse import analyse


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="survey-service")
def main() -> None:
    """Patient-experience surveys: questionnaires by SMS and QR, anonymous answers,
    case-mix adjusted feedback."""


main.add_command(db)
main.add_command(i18n)
main.add_command(practice)
main.add_command(questionnaires)
main.add_command(serve)
main.add_command(demo)
main.add_command(visits)
main.add_command(worker)
main.add_command(qr)
main.add_command(user)
main.add_command(audit)
main.add_command(responses)
main.add_command(report)
main.add_command(units)

main.add_command(analyse)

__all__ = ["main"]
