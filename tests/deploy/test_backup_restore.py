"""deploy/backup.sh and deploy/restore.sh round-trip a seeded database (PostgreSQL).

A backup is only as good as its restore: the test dumps a database with
responses, results and accounts, restores it into a scratch database and
starts the real service on the copy.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from survey_service.db.scratch import create_scratch_database, drop_scratch_database

from ..servers import running_service

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
TABLES = ("practice", "response", "answer", "report_revision", "report_unit", "account_user")

SEED = """
import asyncio, sys
from survey_service.db import engine_from_url, use_engine
from survey_service.db.migrate import migrate
from survey_service.demo.seed import seed_demo
from survey_service.questionnaires.loader import load_catalogue

async def main():
    use_engine(engine_from_url(sys.argv[1]))
    await migrate()
    await seed_demo(load_catalogue(), links=1, per_unit=(12, 16))

asyncio.run(main())
"""


@pytest.fixture
def two_databases():
    admin = os.environ.get("TEST_DATABASE_URL")
    if not admin:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests not run")
    names = [f"survey_backup_{secrets.token_hex(3)}", f"survey_restore_{secrets.token_hex(3)}"]
    # Unreachable PostgreSQL fails here, never skips.
    urls = [asyncio.run(create_scratch_database(admin, name)) for name in names]
    try:
        yield urls
    finally:
        for name in names:
            asyncio.run(drop_scratch_database(admin, name))


async def _counts(url: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}
    finally:
        await conn.close()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def test_backup_restores_into_a_database_the_service_runs_on(two_databases, tmp_path) -> None:
    source, target = two_databases
    seeded = _run(sys.executable, "-c", SEED, source)
    assert seeded.returncode == 0, seeded.stderr
    before = asyncio.run(_counts(source))
    assert before["response"] > 0 and before["report_unit"] > 0 and before["account_user"] > 0

    dump = tmp_path / "survey.dump"
    backup = _run(str(DEPLOY / "backup.sh"), source, str(dump))
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0 and not (tmp_path / "survey.dump.partial").exists()

    restore = _run(str(DEPLOY / "restore.sh"), str(dump), target)
    assert restore.returncode == 0, restore.stderr
    assert asyncio.run(_counts(target)) == before

    # Restoring again over the now non-empty copy is refused, one line, status 2.
    again = _run(str(DEPLOY / "restore.sh"), str(dump), target)
    assert again.returncode == 2 and "refusing to restore" in again.stderr

    env = {"DATABASE_URL": target, "SURVEY_SERVICE_DATA_DIR": str(tmp_path / "data")}
    migrate = subprocess.run(
        [sys.executable, "-m", "survey_service", "db", "migrate"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    with running_service(["serve"], env, tmp_path / "serve.log", ready_path="/ready") as base:
        assert httpx.get(base + "/ready", timeout=5).status_code == 200
        login = httpx.get(base + "/login", timeout=5)
        assert login.status_code == 200


def test_scripts_refuse_wrong_arguments() -> None:
    for script in ("backup.sh", "restore.sh"):
        result = _run(str(DEPLOY / script))
        assert result.returncode == 2 and result.stderr.startswith("usage:")
