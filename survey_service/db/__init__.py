"""Database engines: one URL picks SQLite or PostgreSQL for every command.

Piccolo tables find their engine through ``survey_service.piccolo_conf.DB``;
:func:`use_engine` swaps it at run time (tests run the same code on both
databases in one process).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

__all__ = [
    "DatabaseURLError",
    "engine_from_url",
    "is_postgres",
    "use_engine",
    "write_transaction",
]

#: Seconds a SQLite writer waits for the lock before giving up. Token
#: redemption takes a write lock, so bursts of submissions queue here.
SQLITE_BUSY_TIMEOUT = 30


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
        return SQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT)
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

    from survey_service import piccolo_conf
    from survey_service.piccolo_app import APP_CONFIG

    piccolo_conf.DB = engine
    # Piccolo caches a table's engine on first use; Migration (its own record of
    # applied migrations) must follow too, or it would consult the old database.
    for table in [*APP_CONFIG.table_classes, Migration]:
        table._meta.db = engine


def write_transaction(engine: Engine | None = None):
    """A transaction that takes the write lock at once on SQLite.

    SQLite's default (DEFERRED) upgrades a read to a write lazily, and two such
    transactions can deadlock into SQLITE_BUSY; IMMEDIATE queues writers on the
    busy timeout instead. PostgreSQL needs no such care (row locks).
    """
    from piccolo.engine.sqlite import TransactionType

    from survey_service import piccolo_conf

    engine = engine or piccolo_conf.DB
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()
