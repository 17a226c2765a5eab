"""Indexes Piccolo columns cannot declare: one message per (invitation, kind),
and the worker's claim query (due messages by status and time)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T12:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Outbox: unique (invitation, kind), claim index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        # The database, not the code, guarantees "at most one reminder".
        await engine.run_ddl(
            "CREATE UNIQUE INDEX outbox_message_invitation_kind "
            "ON outbox_message (invitation, kind)"
        )
        await engine.run_ddl(
            "CREATE INDEX outbox_message_status_due ON outbox_message (status, due_at)"
        )

    async def drop_indexes():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX outbox_message_status_due")
        await engine.run_ddl("DROP INDEX outbox_message_invitation_kind")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
