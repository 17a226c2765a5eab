"""``survey-service report``: build and release stored results (docs/results.md)."""

from __future__ import annotations

import sys

import click

from survey_service.cli.common import fail, load_catalogue_or_fail, open_database, run
from survey_service.errors import ServiceError

__all__ = ["report"]


def _checked_period(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A malformed period is one line and status 2 before anything is opened."""
    from survey_service.results.periods import parse_period

    try:
        parse_period(value)
    except ServiceError as exc:
        fail(exc.detail)
    return value


_PERIOD = click.option(
    "--period", required=True, callback=_checked_period, help="YYYY-MM, YYYY-Qn or YYYY."
)
_QUESTIONNAIRE = click.option(
    "--questionnaire", "slug", default=None, help="Only this questionnaire."
)


@click.group()
def report() -> None:
    """Stored results per period: build a revision, release it, publish it."""


@report.command("build")
@_PERIOD
@_QUESTIONNAIRE
def build(period: str, slug: str | None) -> None:
    """Compute the results of a period and store them as a new revision."""
    from survey_service.results.service import build_period

    settings = open_database()
    catalogue = load_catalogue_or_fail(settings)
    try:
        if sys.stderr.isatty():
            with click.progressbar(
                length=1, label="Building", file=sys.stderr, show_pos=True, show_eta=True
            ) as bar:

                def progress(done: int, total: int) -> None:
                    bar.length = total  # known once the answers are read
                    bar.update(done - bar.pos)

                built = run(
                    build_period(
                        catalogue, period, slug, progress=progress, labels=settings.results_labels
                    )
                )
        else:
            built = run(build_period(catalogue, period, slug, labels=settings.results_labels))
    except ServiceError as exc:
        fail(exc.detail)
    for one in built:
        click.echo(
            f"Built {one.questionnaire} {one.period} revision {one.revision}: "
            f"{one.responses} response(s), {one.rows} unit result(s) (not released)."
        )


@report.command("release")
@_PERIOD
@_QUESTIONNAIRE
def release(period: str, slug: str | None) -> None:
    """Release the newest revision of a period that has ended."""
    from survey_service.results.service import release_period

    settings = open_database()
    try:
        released = run(
            release_period(period, delay_days=settings.results_release_delay_days, slug=slug)
        )
    except ServiceError as exc:
        fail(exc.detail)
    for questionnaire, revision in released:
        click.echo(f"Released {questionnaire} {period} revision {revision}.")


@report.command("publish")
@_PERIOD
@_QUESTIONNAIRE
def publish(period: str, slug: str | None) -> None:
    """Publish a released period on /results (RESULTS_PUBLICATION_DELAY_DAYS after release)."""
    from survey_service.results.publication import publish_period

    settings = open_database()
    try:
        published = run(
            publish_period(period, delay_days=settings.results_publication_delay_days, slug=slug)
        )
    except ServiceError as exc:
        fail(exc.detail)
    for one in published:
        state = "Published" if one.changed else "Already public:"
        click.echo(f"{state} {one.questionnaire} {period} revision {one.revision}.")


@report.command("unpublish")
@_PERIOD
@_QUESTIONNAIRE
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
def unpublish(period: str, slug: str | None, reason: str) -> None:
    """Take a published period off /results (units keep seeing it)."""
    from survey_service.results.publication import unpublish_period

    open_database()
    try:
        done = run(unpublish_period(period, reason=reason, slug=slug))
    except ServiceError as exc:
        fail(exc.detail)
    for questionnaire, revision in done:
        click.echo(f"Unpublished {questionnaire} {period} revision {revision}.")
