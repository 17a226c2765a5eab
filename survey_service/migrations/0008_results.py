"""Stored results: report revisions, per-unit rows and response rates.

Raw SQL that runs on SQLite and PostgreSQL alike (the column type names are
the ones Piccolo itself uses on both). The ID sorts after 0007 (accounts).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T20:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Results: report_revision, report_unit, report_rate"

_COUNTS = ("invited", "sent", "delivered", "failed", "answered", "expired", "opted_out")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        sqlite = engine.engine_type == "sqlite"
        key = "id INTEGER PRIMARY KEY NOT NULL" if sqlite else "id SERIAL PRIMARY KEY"
        await engine.run_ddl(
            f"CREATE TABLE report_revision ({key}, "
            "questionnaire VARCHAR(64) NOT NULL, period VARCHAR(16) NOT NULL, "
            "revision INTEGER NOT NULL, built_at TIMESTAMPTZ NOT NULL, "
            "released_at TIMESTAMPTZ NULL, responses INTEGER NOT NULL DEFAULT 0)"
        )
        # Two builds racing for the same number: the database refuses the second.
        await engine.run_ddl(
            "CREATE UNIQUE INDEX report_revision_number "
            "ON report_revision (questionnaire, period, revision)"
        )
        numbers = ", ".join(
            f"{name} DOUBLE PRECISION NULL"
            for name in ("observed", "adjusted", "se", "ci_low", "ci_high", "reliability", "eb")
        )
        await engine.run_ddl(
            f"CREATE TABLE report_unit ({key}, "
            "revision INTEGER NOT NULL REFERENCES report_revision (id) ON DELETE CASCADE, "
            "practice INTEGER NOT NULL REFERENCES practice (id) ON DELETE RESTRICT, "
            "domain VARCHAR(32) NOT NULL, item VARCHAR(64) NOT NULL DEFAULT '', "
            f"n INTEGER NOT NULL, {numbers}, top_box DOUBLE PRECISION NULL, "
            "flag VARCHAR(20) NOT NULL, suppressed BOOLEAN NOT NULL DEFAULT FALSE, "
            "imputed INTEGER NOT NULL DEFAULT 0)"
        )
        await engine.run_ddl(
            "CREATE INDEX report_unit_revision_practice ON report_unit (revision, practice)"
        )
        counts = ", ".join(f"{name} INTEGER NOT NULL DEFAULT 0" for name in _COUNTS)
        await engine.run_ddl(
            f"CREATE TABLE report_rate ({key}, "
            "revision INTEGER NOT NULL REFERENCES report_revision (id) ON DELETE CASCADE, "
            f"practice INTEGER NOT NULL REFERENCES practice (id) ON DELETE RESTRICT, {counts})"
        )
        await engine.run_ddl(
            "CREATE INDEX report_rate_revision_practice ON report_rate (revision, practice)"
        )

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP TABLE report_rate")
        await engine.run_ddl("DROP TABLE report_unit")
        await engine.run_ddl("DROP TABLE report_revision")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
