"""Staff accounts: users, practice memberships, sessions, login throttles, audit.

``account_audit_event`` is append-only: a trigger refuses UPDATE on both
engines (deleting is left to retention jobs and tests).

Hand-written SQL for both engines; Piccolo's schema snapshot is not used.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T18:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Staff accounts, sessions, login throttles and the audit trail"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        sqlite = engine.engine_type == "sqlite"
        key = "id INTEGER PRIMARY KEY NOT NULL" if sqlite else "id SERIAL PRIMARY KEY"
        now = "CURRENT_TIMESTAMP"
        await engine.run_ddl(
            f"CREATE TABLE account_user ({key}, "
            "email VARCHAR(254) NOT NULL UNIQUE, password_hash VARCHAR(200) NOT NULL, "
            "role VARCHAR(16) NOT NULL, active BOOLEAN NOT NULL DEFAULT TRUE, "
            f"created_at TIMESTAMPTZ NOT NULL DEFAULT {now}, "
            "CHECK (role IN ('practitioner', 'analyst', 'admin')))"
        )
        # "user" is a reserved word in PostgreSQL; quoted, both engines accept it.
        user = '"user"'
        await engine.run_ddl(
            f"CREATE TABLE account_membership ({key}, "
            f"{user} INTEGER NOT NULL REFERENCES account_user (id) ON DELETE CASCADE, "
            "practice INTEGER NOT NULL REFERENCES practice (id) ON DELETE RESTRICT, "
            f"UNIQUE ({user}, practice))"
        )
        await engine.run_ddl(
            f"CREATE TABLE account_session ({key}, id_hash VARCHAR(64) NOT NULL UNIQUE, "
            f"{user} INTEGER NOT NULL REFERENCES account_user (id) ON DELETE CASCADE, "
            "created_at TIMESTAMPTZ NOT NULL, last_seen TIMESTAMPTZ NOT NULL)"
        )
        await engine.run_ddl(f"CREATE INDEX account_session_user ON account_session ({user})")
        await engine.run_ddl(
            f"CREATE TABLE account_login_throttle ({key}, key VARCHAR(300) NOT NULL UNIQUE, "
            "failures INTEGER NOT NULL DEFAULT 0, last_failure_ms BIGINT NOT NULL DEFAULT 0)"
        )
        await engine.run_ddl(
            f"CREATE TABLE account_audit_event ({key}, at TIMESTAMPTZ NOT NULL, "
            "actor VARCHAR(254) NOT NULL, action VARCHAR(40) NOT NULL, "
            "target VARCHAR(254) NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '')"
        )
        await engine.run_ddl("CREATE INDEX account_audit_event_at ON account_audit_event (at)")
        if sqlite:
            await engine.run_ddl(
                "CREATE TRIGGER account_audit_event_append_only BEFORE UPDATE "
                "ON account_audit_event BEGIN "
                "SELECT RAISE(ABORT, 'audit events are append-only'); END"
            )
        else:
            await engine.run_ddl(
                "CREATE FUNCTION account_audit_event_append_only() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'audit events are append-only'; END $$"
            )
            await engine.run_ddl(
                "CREATE TRIGGER account_audit_event_append_only BEFORE UPDATE "
                "ON account_audit_event FOR EACH ROW "
                "EXECUTE FUNCTION account_audit_event_append_only()"
            )

    async def drop():
        engine = engine_finder()
        for table in (
            "account_audit_event",
            "account_login_throttle",
            "account_session",
            "account_membership",
            "account_user",
        ):
            await engine.run_ddl(f"DROP TABLE {table}")
        if engine.engine_type != "sqlite":
            await engine.run_ddl("DROP FUNCTION account_audit_event_append_only()")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
