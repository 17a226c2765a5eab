"""Containers that all run ``db migrate`` on start migrate once (PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys

import pytest

from survey_service.db.migrate import known_migration_ids
from survey_service.db.scratch import create_scratch_database, drop_scratch_database


@pytest.fixture
def fresh_postgres():
    admin = os.environ.get("TEST_DATABASE_URL")
    if not admin:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests not run")
    name = f"survey_migrate_{secrets.token_hex(3)}"
    url = asyncio.run(create_scratch_database(admin, name))  # unreachable: fails, never skips
    try:
        yield url
    finally:
        asyncio.run(drop_scratch_database(admin, name))


async def _applied(url: str) -> list[str]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT name FROM migration WHERE app_name = 'survey'")
    finally:
        await conn.close()
    return [row["name"] for row in rows]


def test_two_migrators_at_once_apply_each_migration_once(fresh_postgres) -> None:
    env = {**os.environ, "DATABASE_URL": fresh_postgres}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "survey_service", "db", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = [process.communicate(timeout=120) for process in processes]
    for process, (_, err) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, err
    applied = asyncio.run(_applied(fresh_postgres))
    assert sorted(applied) == sorted(known_migration_ids())
