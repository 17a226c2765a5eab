"""Throw-away PostgreSQL databases for test runs and benchmarks.

Each run creates its own database next to the one an admin URL names, so
parallel runs never collide, and drops it at the end.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def scratch_url(admin_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``admin_url``."""
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


async def _admin(admin_url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def create_scratch_database(admin_url: str, name: str) -> str:
    """Create an empty database ``name`` (replacing a leftover) and return its URL."""
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    return scratch_url(admin_url, name)


async def drop_scratch_database(admin_url: str, name: str) -> None:
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
