"""Single use under concurrency, against a real server process on each database.

Security test plan checks 1-3: 500 concurrent POSTs of one token store exactly
one response; 200 tokens x 5 duplicates store exactly 200; a failure between
redemption and insert leaves the token usable. The losers of a race are told
the link is unknown (404): the winner deleted it, and nothing else is left.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from survey_service.invitations.tables import Invitation, RateCounter
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


#: Requests per client address. An answered link is an unknown link, and the
#: link guard refuses a client after 20 unknown links in 10 minutes, so the
#: losers of the races below come from many loopback addresses (all of
#: 127.0.0.0/8 reaches the server) to stay under it: the guard is not what
#: these tests are about.
PER_CLIENT = 10


async def _post_all(base: str, tokens: list[str]) -> collections.Counter[int]:
    body = {"mini.listened": "4"}
    # Idle connections expire on the client before the server's 5 s keep-alive
    # does, so a request never races the server closing its connection.
    limits = httpx.Limits(max_connections=4, keepalive_expiry=2)
    groups = [tokens[n : n + PER_CLIENT] for n in range(0, len(tokens), PER_CLIENT)]
    clients = [
        httpx.AsyncClient(
            base_url=base,
            timeout=60,
            limits=limits,
            transport=httpx.AsyncHTTPTransport(local_address=f"127.0.{n // 200}.{n % 200 + 2}"),
        )
        for n in range(len(groups))
    ]
    try:
        results = await asyncio.gather(
            *(
                http.post("/api/v1/responses", json={"token": t, "answers": body})
                for http, group in zip(clients, groups, strict=True)
                for t in group
            )
        )
    finally:
        await asyncio.gather(*(http.aclose() for http in clients))
    return collections.Counter(r.status_code for r in results)


async def test_500_concurrent_posts_of_one_token_store_one_response(server, survey):
    token = await survey.token()
    statuses = await _post_all(server, [token] * 500)
    # The losers find an unknown link: the winner deleted it.
    assert statuses == {201: 1, 404: 499}
    assert await Response.count() == 1
    assert await Answer.count() == 1
    assert await Invitation.count() == 0
    [counter] = await RateCounter.objects()
    assert (counter.invited, counter.answered) == (1, 1)


async def test_200_tokens_times_5_duplicates(server, survey):
    tokens = [await survey.token() for _ in range(200)]
    statuses = await _post_all(server, [t for t in tokens for _ in range(5)])
    assert statuses == {201: 200, 404: 800}
    assert await Response.count() == 200
    assert await Invitation.count() == 0
    [counter] = await RateCounter.objects()
    assert (counter.invited, counter.answered) == (200, 200)


async def test_failure_after_redemption_leaves_the_link_usable(survey, monkeypatch):
    token = await survey.token()

    async def broken_insert(*args, **kwargs):
        raise RuntimeError("injected failure between redemption and insert")

    monkeypatch.setattr(service, "_insert_response", broken_insert)
    with pytest.raises(RuntimeError, match="injected"):
        await service.record_response(token, {"mini.listened": "3"}, "da")
    assert await Response.count() == 0
    assert await Invitation.count() == 1  # the delete rolled back with the rest
    assert (await RateCounter.objects().first()).answered == 0

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
    assert statuses == {201: 20, 404: 20}
    assert await Response.count() == 20
