"""One row per (slug, version): Piccolo columns cannot say so themselves."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique questionnaire version per slug"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX questionnaire_version_slug_version "
            "ON questionnaire_version (slug, version)"
        )

    async def drop_index():
        await engine_finder().run_ddl("DROP INDEX questionnaire_version_slug_version")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
