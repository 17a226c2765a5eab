"""The link guard never refuses a valid link, and guards poster codes too."""

from __future__ import annotations

import secrets

import pytest

from survey_service.responses.tables import Response
from survey_service.web.guard import LinkGuard, MemoryCounterStore

pytestmark = pytest.mark.anyio

LIMIT = LinkGuard(MemoryCounterStore(), "x").limit
ANSWERS = {"mini.listened": "4", "mini.written": "no", "mini.overall": "2"}


async def _mistype(client, times: int, prefix: str = "/s/") -> list[int]:
    return [
        (await client.get(f"{prefix}{secrets.token_urlsafe(15)}")).status_code for _ in range(times)
    ]


async def test_a_valid_link_opens_after_many_mistyped_guesses(client, survey):
    token = await survey.token()
    assert await _mistype(client, LIMIT + 3) == [404] * LIMIT + [429] * 3
    page = await client.get(f"/s/{token}")
    assert page.status_code == 200
    # The link still works to answer (form and API alike), and guesses stay refused.
    stored = await client.post("/api/v1/responses", json={"token": token, "answers": ANSWERS})
    assert stored.status_code == 201, stored.text
    assert await Response.count() == 1
    assert await _mistype(client, 1) == [429]


async def test_only_failures_count(client, survey):
    token = await survey.token()
    for _ in range(3 * LIMIT):
        assert (await client.get(f"/s/{token}")).status_code == 200
    # Successes left the client's count at zero: all LIMIT misses are still 404.
    assert await _mistype(client, LIMIT) == [404] * LIMIT


async def test_unknown_poster_codes_count_as_misses(client, survey):
    statuses = [(await client.get(f"/p/X{n:04d}")).status_code for n in range(LIMIT + 2)]
    assert statuses == [404] * LIMIT + [429] * 2
    # The same guard: link guesses are refused now too; a real poster still opens.
    assert await _mistype(client, 1) == [429]
    assert (await client.get("/p/P0001")).status_code == 200


async def test_poster_codes_cannot_be_enumerated(client, survey):
    """1,000 guessed codes from one client find nothing beyond the first ``LIMIT`` answers."""
    statuses = [(await client.get(f"/p/P{n:04d}")).status_code for n in range(2, 1002)]
    assert statuses.count(404) == LIMIT
    assert statuses.count(429) / (1000 - LIMIT) >= 0.95
