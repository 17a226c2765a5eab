"""Database engines: one URL picks SQLite or PostgreSQL for every command.

Piccolo tables find their engine through ``survey_service.db.piccolo_conf.DB``;
:func:`use_engine` swaps it at run time (tests run the same code on both
databases in one process).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

__all__ = [
    "DatabaseURLError",
    "engine_from_url",
    "is_postgres",
    "use_engine",
    "write_transaction",
]

log = logging.getLogger("survey_service.db")

#: Seconds a SQLite writer waits for the lock before giving up. Token
#: redemption takes a write lock, so bursts of submissions queue here.
SQLITE_BUSY_TIMEOUT = 30


class SecureDeleteConnection(sqlite3.Connection):
    """A SQLite connection that zeroes what it deletes (``PRAGMA secure_delete``).

    Without it a deleted row (an erased number, an answered link's hash) stays
    readable in the database file's free space. The pragma is per connection,
    and Piccolo opens connections in several places, so it is set here, in the
    connection class every one of them is made with (``factory=`` is passed
    through aiosqlite to :func:`sqlite3.connect`).
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.execute("PRAGMA secure_delete = ON")


class DatabaseURLError(ValueError):
    """DATABASE_URL is malformed or names an unsupported database."""


def engine_from_url(url: str) -> Engine:
    """Build a Piccolo engine from ``sqlite:///ABS/PATH`` or ``postgresql://...``."""
    if not url:
        raise DatabaseURLError("DATABASE_URL is empty")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/") or path == "/":
            raise DatabaseURLError(
                f"DATABASE_URL {url!r}: SQLite needs an absolute path, "
                "e.g. sqlite:///var/lib/survey/survey.sqlite"
            )
        return SQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT, factory=SecureDeleteConnection)
    if scheme in {"postgresql", "postgres"}:
        if not parts.hostname or not parts.path.strip("/"):
            raise DatabaseURLError(
                f"DATABASE_URL {_redact(url)!r}: PostgreSQL needs a host and a database, "
                "e.g. postgresql://survey@127.0.0.1:5432/survey"
            )
        try:
            _ = parts.port
        except ValueError as exc:
            raise DatabaseURLError(f"DATABASE_URL {_redact(url)!r}: bad port") from exc
        return PostgresEngine(config={"dsn": url})
    raise DatabaseURLError(
        f"DATABASE_URL {_redact(url)!r}: unsupported scheme {scheme or '(none)'!r}; "
        "use sqlite:///ABSOLUTE/PATH.sqlite or postgresql://USER@HOST:PORT/DB"
    )


def is_postgres(engine: Engine) -> bool:
    return engine.engine_type in {"postgres", "cockroach"}


def _redact(url: str) -> str:
    """Hide a password in a URL before it goes into a message."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def use_engine(engine: Engine) -> None:
    """Point every table (and Piccolo's migration runner) at ``engine``."""
    from piccolo.apps.migrations.tables import Migration

    from survey_service.db import piccolo_conf

    piccolo_conf.DB = engine
    # Piccolo caches a table's engine on first use; Migration (its own record of
    # applied migrations) must follow too, or it would consult the old database.
    # The tables come from Piccolo's app registry (by name, not by import: the
    # domain packages that define them import this package).
    tables: list[type[Table]] = [
        *piccolo_conf.APP_REGISTRY.get_table_classes("survey"),
        Migration,
    ]
    for table in tables:
        table._meta.db = engine


@contextlib.asynccontextmanager
async def write_transaction(engine: Engine | None = None) -> AsyncIterator[object]:
    """A transaction that takes the write lock at once on SQLite.

    SQLite's default (DEFERRED) upgrades a read to a write lazily, and two such
    transactions can deadlock into SQLITE_BUSY; IMMEDIATE queues writers on the
    busy timeout instead. PostgreSQL needs no such care (row locks).

    It also mends two gaps in Piccolo's transaction when the database goes away
    (security test plan check 16, tests/survey_service/web/test_database_outage.py):

    - a connection whose BEGIN or ROLLBACK fails is given back to the pool (or
      closed); Piccolo keeps it, and a pool that loses all its connections
      this way hangs every request until the service is restarted;
    - once COMMIT has succeeded the transaction is done, even if handing its
      connection back then fails (the pool's reset of the connection raises when
      the database vanished just after the commit): Piccolo raises that error,
      and a stored answer would be reported as not saved.
    """
    from piccolo.engine.sqlite import TransactionType

    from survey_service.db import piccolo_conf

    engine = engine or piccolo_conf.DB
    if isinstance(engine, SQLiteEngine):
        transaction = engine.transaction(transaction_type=TransactionType.immediate)
    else:
        transaction = engine.transaction()
    try:
        active = await transaction.__aenter__()
    except BaseException:
        await _give_back(engine, transaction)
        raise
    try:
        yield active
    except BaseException as exc:
        try:
            await transaction.__aexit__(type(exc), exc, exc.__traceback__)
        except Exception:
            # The rollback failed, so the connection is gone and so is the
            # transaction; what went wrong first is what the caller learns.
            await _give_back(engine, transaction)
        raise
    try:
        await transaction.__aexit__(None, None, None)
    except Exception as exc:
        if not getattr(transaction, "_committed", False):
            await _give_back(engine, transaction)
            raise
        log.warning("connection lost after a committed transaction: %s", type(exc).__name__)
        context = getattr(transaction, "context", None)
        if context is not None:  # Piccolo skips this when the release fails
            with contextlib.suppress(ValueError):
                engine.current_transaction.reset(context)


async def _give_back(engine: Engine, transaction: object) -> None:
    """Return a failed transaction's connection (a no-op if it has none or is nested)."""
    connection = getattr(transaction, "connection", None)
    if connection is None or getattr(transaction, "_parent", None) is not None:
        return
    pool = getattr(engine, "pool", None)
    with contextlib.suppress(Exception):
        if pool is not None:
            await pool.release(connection)  # a broken connection is terminated there
        elif hasattr(connection, "terminate"):
            connection.terminate()
        else:
            await connection.close()
