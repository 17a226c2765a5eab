"""``survey-service worker``: send the SMS outbox."""

from __future__ import annotations

import asyncio
import logging
import signal

import click

from survey_service.cli.common import fail, open_database, run


@click.group(invoke_without_command=True)
@click.option("--once", is_flag=True, help="Send what is due now, then exit (for cron and tests).")
@click.option("--name", default=None, help="Name in the log (default: host and process).")
@click.pass_context
def worker(ctx: click.Context, once: bool, name: str | None) -> None:
    """Send due SMS invitations and reminders (runs until SIGTERM/SIGINT).

    Several workers may run against PostgreSQL; use one with SQLite.
    """
    if ctx.invoked_subcommand is not None:
        return
    from survey_service.distribution.gateways import GatewayConfigError, make_gateway
    from survey_service.distribution.worker import Worker

    settings = open_database()
    try:
        gateway = make_gateway(settings)
    except GatewayConfigError as exc:
        fail(str(exc))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # One line per HTTP request adds nothing to the worker's own line per message.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sender = Worker(settings, gateway, name=name)
    report = run(_run(sender, once))
    click.echo(report.line())


async def _run(sender, once: bool):
    from survey_service.db import is_postgres, piccolo_conf

    engine = piccolo_conf.DB
    pooled = is_postgres(engine)
    if pooled:
        await engine.start_connection_pool(min_size=1, max_size=sender.settings.sms_batch_size + 2)
    try:
        if once:
            return await sender.run_once()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        logging.getLogger("survey_service.distribution.worker").info(
            "worker %s started (gateway %s)", sender.name, sender.gateway.name
        )
        return await sender.run_forever(stop)
    finally:
        await sender.gateway.aclose()
        if pooled:
            await engine.close_connection_pool()


@worker.command()
def status() -> None:
    """Messages by kind and state, possible duplicates, numbers still stored."""
    from survey_service.distribution.housekeeping import outbox_stats

    open_database()
    stats = run(outbox_stats())
    for (kind, state), n in sorted(stats.by_state.items()):
        click.echo(f"{kind:11} {state:10} {n:8}")
    click.echo(f"possible duplicates (leases that ran out): {stats.lease_expiries}")
    click.echo(f"phone numbers still stored: {stats.numbers_kept}")


@worker.command()
def requeue() -> None:
    """Retry dead messages (after fixing the gateway) while their links are valid."""
    from survey_service.distribution.housekeeping import requeue_dead
    from survey_service.distribution.timing import utc_now

    open_database()
    click.echo(f"{run(requeue_dead(utc_now()))} dead message(s) queued again")


@worker.command("opt-out")
@click.argument("phone")
def opt_out(phone: str) -> None:
    """Stop all messages to PHONE (e.g. a patient who asked by telephone)."""
    from survey_service.distribution.optout import opt_out_phone
    from survey_service.distribution.phones import PhoneError, normalise_phone
    from survey_service.distribution.timing import utc_now

    settings = open_database()
    try:
        e164 = normalise_phone(phone)
    except PhoneError as exc:
        fail(f"PHONE: {exc}")
    run(opt_out_phone(e164, settings, utc_now()))
    click.echo("The number will get no more messages.")
