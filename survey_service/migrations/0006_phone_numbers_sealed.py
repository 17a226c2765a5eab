"""Phone numbers only sealed, keyed hashes only slow and keyed apart from SECRET_KEY.

``sms_contact`` loses ``phone`` (the number in clear), ``phone_key`` (an HMAC
under SECRET_KEY: two core-minutes reverse it) and ``erased_at`` (it dated a
patient's last message) and gains ``phone_sealed`` (AES-256-GCM under
PHONE_KEYS) and ``opt_out_key`` (phones.opt_out_key).

Keys never reach the database, so this migration cannot encrypt or re-key:
it moves the old values into ``sms_legacy`` (and empties ``sms_opt_out``),
and the worker's first sweep carries them over (distribution/legacy.py).
Until then intake and the stop link also consult ``sms_legacy``.

On PostgreSQL the contact table is rewritten so the dropped values leave its
file (dead tuples, the WAL and earlier backups still hold them; see
docs/anonymity.md). SQLite rewrites rows itself on DROP COLUMN, and
``secure_delete`` zeroes the freed space.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T12:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sealed phone numbers, opt-out keys; old values into sms_legacy"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def seal():
        engine = engine_finder()
        sqlite = engine.engine_type == "sqlite"
        key = "id INTEGER PRIMARY KEY NOT NULL" if sqlite else "id SERIAL PRIMARY KEY"
        await engine.run_ddl(
            f"CREATE TABLE sms_legacy ({key}, "
            "contact INTEGER REFERENCES sms_contact (id) ON DELETE CASCADE, "
            "phone VARCHAR(20), phone_key VARCHAR(64))"
        )
        await engine.run_ddl("CREATE INDEX sms_legacy_contact ON sms_legacy (contact)")
        await engine.run_ddl("CREATE INDEX sms_legacy_phone_key ON sms_legacy (phone_key)")
        await engine.run_ddl(
            "INSERT INTO sms_legacy (contact, phone, phone_key) "
            "SELECT id, phone, phone_key FROM sms_contact "
            "WHERE phone IS NOT NULL OR phone_key IS NOT NULL"
        )
        await engine.run_ddl(
            "INSERT INTO sms_legacy (contact, phone, phone_key) "
            "SELECT NULL, NULL, phone_key FROM sms_opt_out"
        )
        await engine.run_ddl("DELETE FROM sms_opt_out")
        # SQLite refuses to drop an indexed column.
        await engine.run_ddl("DROP INDEX sms_contact_phone_key")
        for column in ("phone", "phone_key", "erased_at"):
            await engine.run_ddl(f"ALTER TABLE sms_contact DROP COLUMN {column}")
        await engine.run_ddl("ALTER TABLE sms_contact ADD COLUMN phone_sealed VARCHAR(120)")
        await engine.run_ddl("ALTER TABLE sms_contact ADD COLUMN opt_out_key VARCHAR(64)")
        await engine.run_ddl("CREATE INDEX sms_contact_opt_out_key ON sms_contact (opt_out_key)")
        if not sqlite:
            # DROP COLUMN only hides the values; this rewrites the table without them.
            await engine.run_ddl(
                "ALTER TABLE sms_contact ALTER COLUMN sealed_token TYPE VARCHAR(100) "
                "USING sealed_token::text"
            )

    async def unseal():
        # The numbers stay sealed; only the shape comes back.
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX sms_contact_opt_out_key")
        await engine.run_ddl("ALTER TABLE sms_contact DROP COLUMN opt_out_key")
        await engine.run_ddl("ALTER TABLE sms_contact DROP COLUMN phone_sealed")
        await engine.run_ddl("ALTER TABLE sms_contact ADD COLUMN phone VARCHAR(20)")
        await engine.run_ddl("ALTER TABLE sms_contact ADD COLUMN phone_key VARCHAR(64)")
        await engine.run_ddl("ALTER TABLE sms_contact ADD COLUMN erased_at TIMESTAMPTZ")
        await engine.run_ddl("CREATE INDEX sms_contact_phone_key ON sms_contact (phone_key)")
        await engine.run_ddl("DROP TABLE sms_legacy")

    manager.add_raw(seal)
    manager.add_raw_backwards(unseal)
    return manager
