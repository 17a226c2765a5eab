"""Shared set-up for the outbox benchmarks: a private PostgreSQL database,
queued invitations, worker processes and the stand-in gateway."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

SECRET = secrets.token_hex(16)
os.environ["SECRET_KEY"] = SECRET
os.environ.setdefault("PICCOLO_CONF", "survey_service.db.piccolo_conf")

GATEWAY_TOKEN = "bench-token"


def admin_url(cli_value: str | None) -> str:
    url = cli_value or os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgres"):
        sys.exit(
            "give a PostgreSQL URL: --database-url or TEST_DATABASE_URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    return url


def bench_settings():
    from survey_service.settings import load_settings

    return dataclasses.replace(
        load_settings(),
        secret_key=SECRET,
        sms_delay_minutes=0,
        sms_quiet_hours="",
        sms_reminder_days=None,
        sms_dedup_days=0,
    )


async def prepare(url: str, messages: int) -> None:
    """Migrate, create a practice and queue ``messages`` invitation SMS (due now)."""
    from survey_service.db import engine_from_url, use_engine
    from survey_service.db.migrate import migrate
    from survey_service.distribution.intake import IntakeContext, Visit, register_visit
    from survey_service.distribution.timing import local_today, utc_now
    from survey_service.practices.service import add_practice
    from survey_service.questionnaires.loader import load_catalogue
    from survey_service.questionnaires.sync import sync_catalogue

    engine = engine_from_url(url)
    use_engine(engine)
    await migrate()
    catalogue = load_catalogue()
    ids = await sync_catalogue(catalogue)
    practice, _ = await add_practice("BENCH", "Lægehuset Benchmark", "gp")
    context = IntakeContext(settings=bench_settings(), catalogue=catalogue, version_ids=ids)
    today = local_today(utc_now())
    await engine.start_connection_pool(min_size=4, max_size=8)
    try:
        sem = asyncio.Semaphore(8)

        async def one(n: int) -> None:
            async with sem:
                visit = Visit(practice="BENCH", visit_date=today, phone=f"+4520{n:06d}")
                await register_visit(visit, practice, context, utc_now())

        await asyncio.gather(*(one(n) for n in range(messages)))
    finally:
        await engine.close_connection_pool()


def worker_env(url: str, gateway_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "SMS_BACKEND": "gatewayapi",
        "GATEWAYAPI_URL": gateway_url,
        "GATEWAYAPI_TOKEN": GATEWAY_TOKEN,
        "SMS_DELAY_MINUTES": "0",
        "SMS_QUIET_HOURS": "",
        "SMS_REMINDER_DAYS": "",
        "PUBLIC_BASE_URL": "https://survey.rm.dk",
        **extra,
    }


def start_worker(env: dict[str, str], name: str, log_dir: Path) -> subprocess.Popen:
    log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "survey_service", "worker", "--name", name],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for proc in workers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in workers:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
