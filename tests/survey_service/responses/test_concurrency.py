"""Single use under concurrency, against a real server process on each database.

Security test plan checks 1-3: 500 concurrent POSTs of one token store exactly
one response; 200 tokens x 5 duplicates store exactly 200; a failure between
redemption and insert leaves the token usable.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from survey_service.responses import service
from survey_service.responses.tables import Answer, Response

from ...conftest import FIXTURES
from ...servers import running_service

pytestmark = pytest.mark.anyio


@pytest.fixture
def server(database_url: str, survey, tmp_path: Path) -> Iterator[str]:
    """`survey-service serve` in its own process, on the test database."""
    env = {"DATABASE_URL": database_url, "SURVEY_QUESTIONNAIRE_DIR": str(FIXTURES / "catalogue")}
    with running_service(["serve"], env, tmp_path / "server.log", "/api/v1/questionnaires") as base:
        yield base


async def _post_all(base: str, tokens: list[str]) -> collections.Counter[int]:
    body = {"mini.listened": "4"}
    # Idle connections expire on the client before the server's 5 s keep-alive
    # does, so a request never races the server closing its connection.
    limits = httpx.Limits(max_connections=100, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        results = await asyncio.gather(
            *(http.post("/api/v1/responses", json={"token": t, "answers": body}) for t in tokens)
        )
    return collections.Counter(r.status_code for r in results)


async def test_500_concurrent_posts_of_one_token_store_one_response(server, survey):
    token = await survey.token()
    statuses = await _post_all(server, [token] * 500)
    assert statuses == {201: 1, 409: 499}
    assert await Response.count() == 1
    assert await Answer.count() == 1


async def test_200_tokens_times_5_duplicates(server, survey):
    tokens = [await survey.token() for _ in range(200)]
    statuses = await _post_all(server, [t for t in tokens for _ in range(5)])
    assert statuses == {201: 200, 409: 800}
    assert await Response.count() == 200


async def test_failure_after_redemption_leaves_the_link_usable(survey, monkeypatch):
    token = await survey.token()

    async def broken_insert(*args, **kwargs):
        raise RuntimeError("injected failure between redemption and insert")

    monkeypatch.setattr(service, "_insert_response", broken_insert)
    with pytest.raises(RuntimeError, match="injected"):
        await service.record_response(token, {"mini.listened": "3"}, "da")
    assert await Response.count() == 0

    monkeypatch.undo()
    await service.record_response(token, {"mini.listened": "3"}, "da")
    assert await Response.count() == 1


async def test_several_worker_processes_share_one_database(database_url, survey, tmp_path):
    env = {"DATABASE_URL": database_url, "SURVEY_QUESTIONNAIRE_DIR": str(FIXTURES / "catalogue")}
    tokens = [await survey.token() for _ in range(20)]
    with running_service(
        ["serve", "--workers", "2"], env, tmp_path / "server.log", "/api/v1/questionnaires"
    ) as base:
        statuses = await _post_all(base, tokens + tokens)
    assert statuses == {201: 20, 409: 20}
    assert await Response.count() == 20
