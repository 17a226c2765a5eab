"""Split questionnaires: the rotating module an invitation and a response were given.

Nullable ``module`` (``slug/version``, "" when the questionnaire has no
rotation) on ``invitation`` and ``response``; rows from before stay NULL,
which reads as "every item of the version was offered". Raw SQL that runs on
SQLite and PostgreSQL alike. The ID sorts after 0009.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Rotation: invitation.module, response.module"

_TABLES = ("invitation", "response")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for table in _TABLES:
            await engine.run_ddl(
                f"ALTER TABLE {table} ADD COLUMN module VARCHAR(64) NULL DEFAULT NULL"
            )

    async def drop():
        engine = engine_finder()
        for table in reversed(_TABLES):
            await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN module")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
