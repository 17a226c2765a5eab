"""Applying Piccolo migrations (``survey-service db migrate``)."""

from __future__ import annotations

import contextlib
import io
import os

from piccolo.engine.sqlite import SQLiteEngine

from survey_service import piccolo_conf


class MigrationError(RuntimeError):
    """A migration failed; the message says which and why."""


async def migrate(quiet: bool = True) -> None:
    """Bring the database selected by DATABASE_URL up to the newest schema."""
    os.environ.setdefault("PICCOLO_CONF", "survey_service.piccolo_conf")
    from piccolo.apps.migrations.commands.forwards import run_forwards

    engine = piccolo_conf.DB
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers work while a response is being written; the setting
        # is stored in the file, so doing it here covers every later connection.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="survey", migration_id="all")
    if not result.success:
        raise MigrationError(result.message or out.getvalue().strip() or "migration failed")
