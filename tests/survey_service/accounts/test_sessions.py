"""Sessions: hashed ids, idle and absolute timeouts (by clock, no waiting), logout.

Each test runs against the database store (SQLite and PostgreSQL) and the
Redis store (TEST_REDIS_URL).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator

import pytest

from survey_service.accounts.service import add_user
from survey_service.accounts.sessions import (
    DatabaseSessionStore,
    RedisSessionStore,
    SessionPolicy,
    Sessions,
    SessionStore,
)
from survey_service.accounts.tables import UserSession

from .conftest import PASSWORD, T0

pytestmark = pytest.mark.anyio

POLICY = SessionPolicy.of(idle_minutes=30, max_hours=12)


@pytest.fixture(params=["database", "redis"])
async def store(request: pytest.FixtureRequest, db: str) -> AsyncIterator[SessionStore]:
    if request.param == "database":
        yield DatabaseSessionStore()
        return
    url = request.getfixturevalue("redis_url")
    redis_store = RedisSessionStore(url, prefix=request.getfixturevalue("redis_prefix"))
    try:
        yield redis_store
    finally:
        await redis_store.close()


@pytest.fixture
async def user_id(db: str) -> int:
    user = await add_user("analyst@example.dk", PASSWORD, "analyst")
    return user.id


async def test_a_session_resolves_to_its_user_and_only_its_hash_is_stored(
    store: SessionStore, user_id: int
) -> None:
    sessions = Sessions(store, POLICY)
    session_id = await sessions.start(user_id, T0)
    assert len(session_id) >= 40
    assert await sessions.resolve(session_id, T0 + dt.timedelta(minutes=1)) == user_id
    assert await sessions.resolve(session_id + "x", T0) is None
    assert await sessions.resolve("", T0) is None
    if isinstance(store, DatabaseSessionStore):
        rows = await UserSession.select(UserSession.id_hash)
        assert rows == [{"id_hash": hashlib.sha256(session_id.encode()).hexdigest()}]


async def test_each_start_makes_a_new_id(store: SessionStore, user_id: int) -> None:
    sessions = Sessions(store, POLICY)
    first, second = await sessions.start(user_id, T0), await sessions.start(user_id, T0)
    assert first != second


async def test_idle_timeout(store: SessionStore, user_id: int) -> None:
    sessions = Sessions(store, POLICY)
    session_id = await sessions.start(user_id, T0)
    # Used every 20 minutes, it lives on past 30 minutes from the login...
    now = T0
    for _ in range(4):
        now += dt.timedelta(minutes=20)
        assert await sessions.resolve(session_id, now) == user_id
    # ...and ends after 30 minutes without use.
    assert await sessions.resolve(session_id, now + dt.timedelta(minutes=30)) is None
    assert await sessions.resolve(session_id, now) is None  # it is gone, not just old


async def test_absolute_timeout(store: SessionStore, user_id: int) -> None:
    sessions = Sessions(store, POLICY)
    session_id = await sessions.start(user_id, T0)
    now = T0
    step = dt.timedelta(minutes=25)
    while now + step < T0 + dt.timedelta(hours=12):
        now += step
        assert await sessions.resolve(session_id, now) == user_id, now
    assert now > T0 + dt.timedelta(hours=11, minutes=30)  # busy to the end
    assert await sessions.resolve(session_id, T0 + dt.timedelta(hours=12)) is None


async def test_end_and_end_all(store: SessionStore, user_id: int) -> None:
    sessions = Sessions(store, POLICY)
    one, two, three = [await sessions.start(user_id, T0) for _ in range(3)]
    await sessions.end(one)
    assert await sessions.resolve(one, T0) is None
    assert await sessions.resolve(two, T0) == user_id
    await sessions.end_all(user_id)
    assert await sessions.resolve(two, T0) is None
    assert await sessions.resolve(three, T0) is None
