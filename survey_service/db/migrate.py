"""Applying Piccolo migrations (``survey-service db migrate``)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from survey_service.db import piccolo_conf


class MigrationError(RuntimeError):
    """A migration failed; the message says which and why."""


async def migrate(quiet: bool = True) -> None:
    """Bring the database selected by DATABASE_URL up to the newest schema."""
    os.environ["PICCOLO_CONF"] = "survey_service.db.piccolo_conf"  # for Piccolo's runner
    from piccolo.apps.migrations.commands.forwards import run_forwards

    engine = piccolo_conf.DB
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers work while a response is being written; the setting
        # is stored in the file, so doing it here covers every later connection.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    out = io.StringIO()
    async with _one_migrator(engine):
        with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
            result = await run_forwards(app_name="survey", migration_id="all")
    if not result.success:
        raise MigrationError(result.message or out.getvalue().strip() or "migration failed")


#: Key of the PostgreSQL advisory lock held while migrating.
MIGRATE_LOCK = 0x4D69_6772  # "Migr"


@contextlib.asynccontextmanager
async def _one_migrator(engine: object) -> AsyncIterator[None]:
    """On PostgreSQL, one ``db migrate`` at a time (containers may all migrate on start).

    Piccolo's runner uses connections of its own, so the lock is a session
    lock on a separate connection, held until the runner is done; a second
    migrator waits, then finds nothing left to apply.
    """
    if not isinstance(engine, PostgresEngine):
        yield
        return
    import asyncpg

    connection = await asyncpg.connect(**engine.config)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATE_LOCK)
        yield
    finally:
        await connection.close()  # closing the session releases the lock


def known_migration_ids() -> list[str]:
    """The ids of the migrations this version of the service ships."""
    folder = Path(__file__).resolve().parent.parent / "migrations"
    ids = []
    for path in sorted(folder.glob("[0-9][0-9][0-9][0-9]_*.py")):
        match = re.search(r'^ID = "([^"]+)"', path.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            ids.append(match.group(1))
    return ids


async def pending_migrations() -> list[str]:
    """Shipped migrations the database has not applied (raises when it is unreachable)."""
    from piccolo.apps.migrations.tables import Migration

    if not await Migration.table_exists():
        return known_migration_ids()
    rows = await Migration.select(Migration.name).where(Migration.app_name == "survey")
    applied = {row["name"] for row in rows}
    return [m for m in known_migration_ids() if m not in applied]
