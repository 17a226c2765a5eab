"""``survey-service serve`` and ``survey-service demo``."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import socket
from typing import TYPE_CHECKING, Any

import click

from survey_service.cli.common import fail, load_catalogue_or_fail, open_database, run
from survey_service.questionnaires.loader import QuestionnaireError
from survey_service.settings import Settings

if TYPE_CHECKING:
    from survey_service.distribution.worker import Worker

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

    from survey_service.cli.nodelay import HTTP_PROTOCOL

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # access_log=False: uvicorn's own access log would print survey tokens and
    # client IPs; the app logs a redacted line per request instead.
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from
    # 127.0.0.1, so anything on this machine could rotate its address past the
    # link guard; the app reads the header itself, only from TRUSTED_PROXIES.
    # http=HTTP_PROTOCOL: Nagle off on every connection, also with --workers
    # (see cli/nodelay.py: 40 ms per page otherwise).
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        proxy_headers=False,
        log_level="info",
        workers=workers,
        http=HTTP_PROTOCOL,
        factory=isinstance(app, str),
    )


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

    catalogue = load_catalogue_or_fail(settings)
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


def demo_base_url(settings: Settings, host: str, port: int) -> str:
    """The demo's public base URL: PUBLIC_BASE_URL when it was set, else where it listens.

    Links, QR posters, slips and SMS all use it, so with ``--port 9000`` they
    open the demo on 9000, and behind a proxy PUBLIC_BASE_URL still wins.
    """
    if "PUBLIC_BASE_URL" in settings.explicit:
        return settings.public_base_url
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # listening everywhere: this machine is reachable here
    elif ":" in host:
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port}"


def check_port_free(host: str, port: int) -> None:
    """Fail in one line unless ``host:port`` can be listened on.

    Run before migrating and seeding, so a second demo on a busy port stops at
    once, not after that work with uvicorn's own error and exit status 1. The
    port is released again for uvicorn; losing a race for it is then uvicorn's
    error, which is rare enough for a demo.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        fail(f"--host {host}: {exc.strerror or exc}")
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn does: a port only in TIME_WAIT from a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is in use; stop what runs there or use --port")
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _demo_settings(settings: Settings, base: str) -> Settings:
    """The demo's settings: its base URL, and SMS sent at once unless configured.

    A 30-minute delay and night-time quiet hours make sense for patients, not
    for someone trying the demo; explicitly set values are kept.
    """
    explicit = settings.explicit
    return dataclasses.replace(
        settings,
        public_base_url=base,
        sms_delay_minutes=settings.sms_delay_minutes if "SMS_DELAY_MINUTES" in explicit else 0,
        sms_quiet_hours=settings.sms_quiet_hours if "SMS_QUIET_HOURS" in explicit else None,
    )


class _WithWorker:
    """The app plus an SMS worker in the same process and event loop (the demo).

    The worker starts once the app's start-up is done (database pool up,
    catalogue synced) and stops before the app shuts down, so it never uses a
    closed pool.
    """

    def __init__(self, app: Any, worker: Worker) -> None:
        self.app = app
        self.worker = worker
        self._stop = asyncio.Event()
        self._task: asyncio.Task[Any] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def on_send(message: Any) -> None:
            if message["type"] == "lifespan.startup.complete":
                self._task = asyncio.create_task(self.worker.run_forever(self._stop))
            await send(message)

        async def on_receive() -> Any:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and self._task is not None:
                self._stop.set()
                await self._task
                await self.worker.gateway.aclose()
            return message

        await self.app(scope, on_receive, on_send)


def _demo_worker(settings: Settings) -> Worker:
    from survey_service.distribution.gateways import (
        ConsoleGateway,
        GatewayConfigError,
        make_gateway,
    )
    from survey_service.distribution.worker import Worker

    try:
        # The console shows whole links in the demo: they are there to be opened.
        gateway = (
            ConsoleGateway(show_links=True)
            if settings.sms_backend == "console"
            else make_gateway(settings)
        )
    except GatewayConfigError as exc:
        fail(str(exc))
    return Worker(settings, gateway, name="demo")


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
    """Migrate, seed a demo region and serve it (SQLite unless DATABASE_URL is set).

    Links, posters and SMS use http://HOST:PORT unless PUBLIC_BASE_URL is set.
    SMS are sent from this process; the console backend prints them, links whole.
    """
    check_port_free(host, port)  # before any work: a busy port is the commonest mistake
    settings = open_database()  # checks DATABASE_URL before anything imports the engine
    from survey_service.db.migrate import MigrationError, migrate
    from survey_service.demo.region import DEMO_UNITS
    from survey_service.demo.seed import seed_demo
    from survey_service.distribution.qr import poster_url
    from survey_service.web.app import create_app

    base = demo_base_url(settings, host, port)
    settings = _demo_settings(settings, base)
    catalogue = load_catalogue_or_fail(settings)
    worker = _demo_worker(settings)
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
    postered = next((u for u in DEMO_UNITS if catalogue.for_sector(u.sector) is not None), None)
    if postered is not None:
        click.echo(
            f"Waiting-room poster survey of {postered.code}: {poster_url(base, postered.code)}"
        )
    click.echo(f"API documentation: {base}/schema   OpenAPI: {base}/schema/openapi.json")
    if summary.periods:
        click.echo(
            f"Feedback released for {', '.join(summary.periods)}: log in at {base}/login, "
            f"then {base}/feedback/L1001"
        )
    click.echo("Demo accounts (DEMO ONLY: never use these passwords anywhere else):")
    for email, role, password in summary.accounts:
        click.echo(f"  {role:12} {email:26} password: {password}")
    click.echo(
        f"SMS ({worker.gateway.name}) are sent from this process. To see one: "
        "SMS_DELAY_MINUTES=0 SMS_QUIET_HOURS= survey-service visits import FILE.csv "
        f"--practice {DEMO_UNITS[0].code}"
    )
    app = create_app(settings, catalogue, demo_links=demo_links)
    _serve(_WithWorker(app, worker), host, port)
