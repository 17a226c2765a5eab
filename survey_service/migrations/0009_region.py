"""The region's view: the unit tree, publication, funnel parameters, sector gaps.

Raw SQL that runs on SQLite and PostgreSQL alike. The ID sorts after 0008.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Region: practice.parent, report_revision.published_at and label_method, "
    "report_item, report_gap"
)

_NUMBERS = ("observed", "adjusted", "se", "ci_low", "ci_high")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        sqlite = engine.engine_type == "sqlite"
        key = "id INTEGER PRIMARY KEY NOT NULL" if sqlite else "id SERIAL PRIMARY KEY"
        await engine.run_ddl(
            "ALTER TABLE practice ADD COLUMN parent INTEGER NULL DEFAULT NULL "
            "REFERENCES practice (id) ON DELETE RESTRICT"
        )
        await engine.run_ddl("CREATE INDEX practice_parent ON practice (parent)")
        await engine.run_ddl(
            "ALTER TABLE report_revision ADD COLUMN published_at TIMESTAMPTZ NULL DEFAULT NULL"
        )
        await engine.run_ddl(
            "ALTER TABLE report_revision ADD COLUMN label_method VARCHAR(16) NOT NULL "
            "DEFAULT 'spec'"
        )
        await engine.run_ddl(
            f"CREATE TABLE report_item ({key}, "
            "revision INTEGER NOT NULL REFERENCES report_revision (id) ON DELETE CASCADE, "
            "level VARCHAR(32) NOT NULL DEFAULT 'practice', domain VARCHAR(32) NOT NULL, "
            "item VARCHAR(64) NOT NULL DEFAULT '', measure VARCHAR(16) NOT NULL DEFAULT 'mean', "
            "units INTEGER NOT NULL DEFAULT 0, n INTEGER NOT NULL DEFAULT 0, "
            "mu DOUBLE PRECISION NULL, s_w DOUBLE PRECISION NULL, "
            "tau2 DOUBLE PRECISION NULL, phi DOUBLE PRECISION NULL)"
        )
        await engine.run_ddl("CREATE INDEX report_item_revision ON report_item (revision)")
        numbers = ", ".join(f"{name} DOUBLE PRECISION NULL" for name in _NUMBERS)
        await engine.run_ddl(
            f"CREATE TABLE report_gap ({key}, "
            "revision INTEGER NOT NULL REFERENCES report_revision (id) ON DELETE CASCADE, "
            "practice INTEGER NULL REFERENCES practice (id) ON DELETE RESTRICT, "
            "from_sector VARCHAR(32) NOT NULL, to_sector VARCHAR(32) NOT NULL, "
            f"n INTEGER NOT NULL, {numbers}, flag VARCHAR(20) NOT NULL DEFAULT '', "
            "suppressed BOOLEAN NOT NULL DEFAULT FALSE)"
        )
        await engine.run_ddl("CREATE INDEX report_gap_revision ON report_gap (revision)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP TABLE report_gap")
        await engine.run_ddl("DROP TABLE report_item")
        await engine.run_ddl("ALTER TABLE report_revision DROP COLUMN label_method")
        await engine.run_ddl("ALTER TABLE report_revision DROP COLUMN published_at")
        await engine.run_ddl("DROP INDEX practice_parent")
        await engine.run_ddl("ALTER TABLE practice DROP COLUMN parent")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
