"""``rate_counter.unconfirmed``: invitation SMS counted as sent without confirmation.

Without delivery reports and without a provider that can be asked, a send
that timed out is recorded as sent and not repeated (at most one copy; the
reminder is the patient's second chance). This count lets the region see how
many of the ``sent`` invitations are such guesses. Existing rows start at 0.

Raw SQL that runs on SQLite and PostgreSQL alike; the ID sorts after 0011
and depends on no migration after 0005, which made the table (it only adds a column).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "rate_counter.unconfirmed: sends after a timeout, not retried"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def add():
        await engine_finder().run_ddl(
            "ALTER TABLE rate_counter ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0"
        )

    async def drop():
        await engine_finder().run_ddl("ALTER TABLE rate_counter DROP COLUMN unconfirmed")

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
