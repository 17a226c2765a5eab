"""Answered links leave nothing behind; responses keep the visit month only.

* ``rate_counter``: per practice, visit month and channel, the counts the
  response rates are read from (invited, sent, delivered, failed, answered,
  expired, opted out). Filled here from the rows that exist now.
* ``sms_dedup``: "one invitation per patient and window" as keyed hashes with
  the window's first and last day and nothing else (no invitation, no
  practice column). It starts empty: the old keys (HMAC under SECRET_KEY,
  kept on ``sms_contact``) are not of the new construction, so for one
  window after this migration a returning patient may be invited again.
* Answered invitations are deleted with their contact and outbox rows.
* ``response.visit_date`` becomes ``response.visit_month`` (``YYYY-MM``), and
  the database refuses anything else (a CHECK on PostgreSQL, triggers on
  SQLite, whose ADD COLUMN cannot take a CHECK that existing rows fail).
  On PostgreSQL the table is rewritten so that the dropped dates leave its
  file; dead tuples, the WAL and earlier backups still hold them (see
  docs/anonymity.md).

Hand-written SQL for both engines; Piccolo's schema snapshot is not used.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Counters instead of answered invitations; response visit month"

_COUNTER_COLUMNS = """
    month VARCHAR(7) NOT NULL,
    channel VARCHAR(16) NOT NULL,
    invited INTEGER NOT NULL DEFAULT 0,
    sent INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    expired INTEGER NOT NULL DEFAULT 0,
    opted_out INTEGER NOT NULL DEFAULT 0
"""

# What the old rates query counted, per practice, visit month and channel
# (``{month}`` is the engine's YYYY-MM of a date column).
_BACKFILL_INVITATIONS = """
INSERT INTO rate_counter
    (practice, month, channel, invited, sent, delivered, failed, answered, opted_out)
SELECT i.practice, {month}, i.channel,
    COUNT(*),
    SUM(CASE WHEN i.channel <> 'sms' OR m.status = 'sent' THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.delivery = 'delivered' THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.delivery = 'failed' OR m.status = 'dead' THEN 1 ELSE 0 END),
    SUM(CASE WHEN i.used THEN 1 ELSE 0 END),
    SUM(CASE WHEN EXISTS (
        SELECT 1 FROM outbox_message o
        WHERE o.invitation = i.id AND o.status = 'cancelled' AND o.last_error = 'opted out'
    ) THEN 1 ELSE 0 END)
FROM invitation i
LEFT JOIN outbox_message m ON m.invitation = i.id AND m.kind = 'invitation'
GROUP BY i.practice, {month}, i.channel
"""

_BACKFILL_POSTERS = """
INSERT INTO rate_counter (practice, month, channel, answered)
SELECT practice, {month}, 'poster', COUNT(*) FROM response
WHERE channel = 'poster'
GROUP BY practice, {month}
"""

_DELETE_ANSWERED = (
    "DELETE FROM outbox_message WHERE invitation IN (SELECT id FROM invitation WHERE used)",
    "DELETE FROM sms_contact WHERE invitation IN (SELECT id FROM invitation WHERE used)",
    "DELETE FROM invitation WHERE used",
)

_SQLITE_MONTH_OK = (
    "length(NEW.visit_month) = 7 AND NEW.visit_month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' "
    "AND substr(NEW.visit_month, 6, 2) BETWEEN '01' AND '12'"
)


def _month(sqlite: bool, column: str) -> str:
    """SQL for the ``YYYY-MM`` of a date column (SQLite keeps dates as ISO text)."""
    return f"substr({column}, 1, 7)" if sqlite else f"to_char({column}, 'YYYY-MM')"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def counters_and_purge():
        engine = engine_finder()
        sqlite = engine.engine_type == "sqlite"
        key = "id INTEGER PRIMARY KEY NOT NULL" if sqlite else "id SERIAL PRIMARY KEY"
        await engine.run_ddl(
            f"CREATE TABLE rate_counter ({key}, "
            "practice INTEGER NOT NULL REFERENCES practice (id) "
            "ON DELETE CASCADE ON UPDATE CASCADE, "
            f"{_COUNTER_COLUMNS})"
        )
        # The upsert of every count conflicts on exactly this.
        await engine.run_ddl(
            "CREATE UNIQUE INDEX rate_counter_practice_month_channel "
            "ON rate_counter (practice, month, channel)"
        )
        await engine.run_ddl(
            f"CREATE TABLE sms_dedup ({key}, key VARCHAR(64) NOT NULL, "
            "first_day DATE NOT NULL, last_day DATE NOT NULL)"
        )
        await engine.run_ddl("CREATE INDEX sms_dedup_key ON sms_dedup (key)")
        await engine.run_ddl("CREATE INDEX sms_dedup_last_day ON sms_dedup (last_day)")

        await engine.run_ddl(_BACKFILL_INVITATIONS.format(month=_month(sqlite, "i.visit_date")))
        await engine.run_ddl(_BACKFILL_POSTERS.format(month=_month(sqlite, "visit_date")))
        for statement in _DELETE_ANSWERED:
            await engine.run_ddl(statement)

    async def visit_month():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            await engine.run_ddl(
                "ALTER TABLE response ADD COLUMN visit_month VARCHAR(7) NOT NULL DEFAULT ''"
            )
            await engine.run_ddl(
                f"UPDATE response SET visit_month = {_month(True, 'visit_date')}"
            )
            await engine.run_ddl("ALTER TABLE response DROP COLUMN visit_date")
            for event in ("INSERT", "UPDATE OF visit_month"):
                name = "response_visit_month_" + event.split()[0].lower()
                await engine.run_ddl(
                    f"CREATE TRIGGER {name} BEFORE {event} ON response "
                    f"WHEN NOT ({_SQLITE_MONTH_OK}) "
                    "BEGIN SELECT RAISE(ABORT, 'response.visit_month must be YYYY-MM'); END"
                )
            return
        await engine.run_ddl("ALTER TABLE response ADD COLUMN visit_month VARCHAR(7)")
        await engine.run_ddl(f"UPDATE response SET visit_month = {_month(False, 'visit_date')}")
        await engine.run_ddl("ALTER TABLE response DROP COLUMN visit_date")
        await engine.run_ddl("ALTER TABLE response ALTER COLUMN visit_month SET NOT NULL")
        await engine.run_ddl(
            "ALTER TABLE response ADD CONSTRAINT response_visit_month_shape "
            "CHECK (visit_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')"
        )
        # DROP COLUMN only hides the values; a type change with USING rewrites
        # the table into a new file without them.
        await engine.run_ddl(
            "ALTER TABLE response ALTER COLUMN visit_month TYPE VARCHAR(7) "
            "USING visit_month::text"
        )

    async def backwards():
        # Deleted invitations cannot come back; the shapes can.
        engine = engine_finder()
        sqlite = engine.engine_type == "sqlite"
        if sqlite:
            await engine.run_ddl("DROP TRIGGER response_visit_month_insert")
            await engine.run_ddl("DROP TRIGGER response_visit_month_update")
            await engine.run_ddl(
                "ALTER TABLE response ADD COLUMN visit_date DATE NOT NULL DEFAULT CURRENT_DATE"
            )
            await engine.run_ddl("UPDATE response SET visit_date = visit_month || '-01'")
        else:
            await engine.run_ddl("ALTER TABLE response ADD COLUMN visit_date DATE")
            await engine.run_ddl(
                "UPDATE response SET visit_date = to_date(visit_month || '-01', 'YYYY-MM-DD')"
            )
            await engine.run_ddl("ALTER TABLE response ALTER COLUMN visit_date SET NOT NULL")
        await engine.run_ddl("ALTER TABLE response DROP COLUMN visit_month")
        await engine.run_ddl("DROP TABLE sms_dedup")
        await engine.run_ddl("DROP TABLE rate_counter")

    manager.add_raw(counters_and_purge)
    manager.add_raw(visit_month)
    manager.add_raw_backwards(backwards)
    return manager
