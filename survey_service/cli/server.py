"""``survey-service serve`` and ``survey-service demo``."""

from __future__ import annotations

import logging

import click

from survey_service.cli.common import fail, open_database, run
from survey_service.questionnaires.loader import QuestionnaireError, load_catalogue

_HOST = click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
_PORT = click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)


def _serve(app, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # access_log=False: uvicorn's own access log would print survey tokens and
    # client IPs; the app logs a redacted line per request instead.
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="info",
        workers=workers,
        factory=isinstance(app, str),
    )


def _load_catalogue():
    try:
        return load_catalogue()
    except QuestionnaireError as exc:
        fail(f"questionnaire files are invalid: {exc.problems[0]}")


@click.command()
@_HOST
@_PORT
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (one per core on PostgreSQL; the app is stateless).",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app (run `survey-service db migrate` first)."""
    settings = open_database()
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.web.app import create_app

    catalogue = _load_catalogue()
    try:
        # Refuse to start on a changed published version before serving anything.
        run(sync_catalogue(catalogue))
    except QuestionnaireError as exc:
        fail(exc.problems[0])
    if workers > 1:
        # Each process builds its own app from the same environment.
        _serve("survey_service.web.app:create_app", host, port, workers=workers)
    else:
        _serve(create_app(settings, catalogue), host, port)


@click.command()
@_HOST
@_PORT
@click.option(
    "--links",
    default=5,
    show_default=True,
    type=click.IntRange(0, 100),
    help="How many fresh survey links to print.",
)
def demo(host: str, port: int, links: int) -> None:
    """Migrate, seed a demo region and serve it (SQLite unless DATABASE_URL is set)."""
    from dataclasses import replace

    settings = open_database()  # checks DATABASE_URL before anything imports the engine
    from survey_service.db.migrate import MigrationError, migrate
    from survey_service.demo.seed import seed_demo
    from survey_service.web.app import create_app

    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    settings = replace(settings, public_base_url=base)
    catalogue = _load_catalogue()
    try:
        run(migrate())
    except MigrationError as exc:
        fail(str(exc))
    try:
        summary = run(seed_demo(catalogue, links=links))
    except QuestionnaireError as exc:
        fail(exc.problems[0])
    demo_links = [{"url": f"{base}/s/{token}", "label": label} for label, token in summary.links]
    where = "DATABASE_URL" if settings.database_url else str(settings.sqlite_default_path)
    click.echo(f"Demo database: {where}")
    click.echo(
        f"Demo region: {summary.practices} practices, {summary.responses} responses "
        f"({'seeded now' if summary.seeded else 'already there'})."
    )
    click.echo(f"Open {base}/ in a browser. Survey links to try (each works once):")
    for link in demo_links:
        click.echo(f"  {link['url']}   {link['label']}")
    click.echo(f"API documentation: {base}/schema   OpenAPI: {base}/schema/openapi.json")
    _serve(create_app(settings, catalogue, demo_links=demo_links), host, port)
