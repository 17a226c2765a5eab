"""Guessing survey links is slowed down (security test plan, check 9)."""

from __future__ import annotations

import collections
import os
import secrets

import pytest

from survey_service.web.guard import LinkGuard, MemoryCounterStore, RedisCounterStore

pytestmark = pytest.mark.anyio


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_memory_store_windows():
    clock = FakeClock()
    store = MemoryCounterStore(clock=clock)
    for expected in range(1, 4):
        assert await store.add("k", 60) == expected
    assert await store.count("k") == 3
    clock.now += 59.9
    assert await store.count("k") == 3
    clock.now += 0.2  # the window has ended
    assert await store.count("k") == 0
    assert await store.add("k", 60) == 1


async def test_redis_store_shares_counts_between_processes():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set: Redis store not tested")
    key = f"test-{secrets.token_hex(4)}"
    first, second = RedisCounterStore(url), RedisCounterStore(url)
    try:
        assert await first.add(key, 60) == 1
        assert await second.add(key, 60) == 2  # another app process sees the same count
        assert await first.count(key) == 2
    finally:
        await first.close()
        await second.close()


async def test_1000_guesses_are_mostly_refused(client, survey):
    real = await survey.token()
    statuses = collections.Counter()
    found = 0
    for _ in range(1000):
        guess = secrets.token_urlsafe(15)
        result = await client.get(f"/s/{guess}")
        statuses[result.status_code] += 1
        found += result.status_code == 200
    limit = LinkGuard(MemoryCounterStore(), "x").limit
    assert found == 0
    assert statuses[404] == limit
    assert statuses[429] == 1000 - limit
    assert statuses[429] / (1000 - limit) >= 0.95
    # Unknown links stay refused through the API too, but a real link is looked
    # up first and opens (tests/survey_service/web/test_guard_order.py).
    api = await client.post(
        "/api/v1/responses", json={"token": secrets.token_urlsafe(15), "answers": {}}
    )
    assert api.status_code == 429 and "too many" in api.json()["detail"]
    assert (await client.get(f"/s/{real}")).status_code == 200


async def test_reopening_a_real_link_is_never_limited(client, survey):
    token = await survey.token()
    statuses = {(await client.get(f"/s/{token}")).status_code for _ in range(60)}
    assert statuses == {200}


async def test_an_answered_link_is_indistinguishable_from_an_unknown_one(client, survey):
    """Nothing of an answered link is kept (docs/anonymity.md), so reopening it is a
    miss like any mistyped link: the guard cannot tell them apart, by design."""
    token = await survey.token()
    ok = await client.post(
        "/api/v1/responses", json={"token": token, "answers": {"mini.listened": "5"}}
    )
    assert ok.status_code == 201
    limit = LinkGuard(MemoryCounterStore(), "x").limit
    statuses = [(await client.get(f"/s/{token}")).status_code for _ in range(limit + 1)]
    assert statuses == [404] * limit + [429]
