"""Wilson intervals of raw shares: report_unit.top_box_low/high, report_gap.observed_low/high.

Additive and nullable: revisions built before this migration keep NULL bounds
(their pages show the share without an interval until the period is rebuilt).
Raw SQL that runs on SQLite and PostgreSQL alike. The ID sorts after 0011.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T03:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Wilson intervals: report_unit.top_box_low/high, report_gap.observed_low/high"

_COLUMNS = (
    ("report_unit", "top_box_low"),
    ("report_unit", "top_box_high"),
    ("report_gap", "observed_low"),
    ("report_gap", "observed_high"),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for table, column in _COLUMNS:
            await engine.run_ddl(
                f"ALTER TABLE {table} ADD COLUMN {column} DOUBLE PRECISION NULL DEFAULT NULL"
            )

    async def drop():
        engine = engine_finder()
        for table, column in reversed(_COLUMNS):
            await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
