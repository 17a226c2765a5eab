"""Accounts test helpers: a clock to move by hand, users, and Redis when configured."""

from __future__ import annotations

import datetime as dt
import os
import secrets

import pytest

from survey_service.practices import add_practice

PASSWORD = "Correct horse 7 battery"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def practice(db: str):
    created, _key = await add_practice("P0001", "Lægehuset Test", "gp", "Aarhus")
    return created


@pytest.fixture
def redis_url() -> str:
    """TEST_REDIS_URL, checked reachable: unset skips, set but unreachable fails."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set: Redis session tests not run")
    import redis

    client = redis.from_url(url)
    try:
        client.ping()  # raises (the test fails) when Redis is away: never a skip
    finally:
        client.close()
    return url


@pytest.fixture
def redis_prefix() -> str:
    return f"test:session:{secrets.token_hex(4)}:"
