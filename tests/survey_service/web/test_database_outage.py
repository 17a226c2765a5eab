"""Security test plan check 16: the database goes away under load and comes back.

A real `survey-service serve` (with its connection pool) talks to PostgreSQL
through a TCP proxy in this test (tests/tcp_proxy.py), so the outage never
touches the shared PostgreSQL server. While survey pages and submissions (HTML
and JSON) run with bounded concurrency, the database is lost twice:

- **network**: the proxy refuses new connections and resets every open one in
  both directions (in-flight transactions die with their connection);
- **restart**: the proxy stops accepting and this test's private database
  terminates the app's backends (``pg_terminate_backend``: what a restart sends,
  57P01 admin shutdown), so the app sees PostgreSQL's own goodbye.

Pass: while the database is unreachable every survey GET/POST and API POST
answers 503 with Retry-After (never 500); afterwards the same process serves
again without a restart, a link whose submission got 503 can still be answered
(once: exactly one more response, then 404: an answered link leaves nothing
behind), and the database holds exactly one complete response per link that
was answered — none lost, none half written (links gone = responses, every
response with all its answers).

PostgreSQL only; like every PostgreSQL test it fails, never skips, when
TEST_DATABASE_URL is set and PostgreSQL cannot be reached.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import anyio
import asyncpg
import httpx
import pytest

from survey_service.invitations.tables import Invitation
from survey_service.invitations.tokens import hash_token, new_token
from survey_service.responses.tables import Answer, Response

from ...conftest import FIXTURES
from ...servers import running_service
from ...tcp_proxy import TcpProxy

pytestmark = [
    pytest.mark.anyio,
    # PostgreSQL only: the conftest's database_url fails when TEST_DATABASE_URL
    # is set and unreachable, and skips (with the reason) when it is not set.
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

ANSWERS = {"mini.listened": "5", "mini.written": "no", "mini.overall": "1"}
WORKERS = 6
LINKS = 3000
#: Statuses the load may see: a page, a stored answer, a link answered
#: already (its earlier submission committed just as the database went away;
#: counted), and 503. Anything else — 500 above all — fails the test.
# 404 only for a link retried after a 503 whose request had committed after all.
ALLOWED = {"GET": {200, 404, 503}, "POST": {303, 404, 503}, "API": {201, 404, 503}}


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


async def issue_links(survey, n: int) -> list[str]:
    """``n`` fresh links in a few INSERTs (one per link would take seconds)."""
    tokens = [new_token() for _ in range(n)]
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    for start in range(0, n, 500):
        await Invitation.insert(
            *(
                Invitation(
                    token_hash=hash_token(t),
                    practice=survey.practice.id,
                    questionnaire_version=survey.version.id,
                    channel="sms",
                    language="",
                    visit_date=dt.date(2026, 11, 20),
                    expires_at=expires,
                    used=False,
                )
                for t in tokens[start : start + 500]
            )
        )
    return tokens


async def until(condition: Callable[[], Awaitable[bool]], what: str, seconds: float) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        await anyio.sleep(0.05)


class Load:
    """Workers answering links (HTML GET + POST, or the JSON API) until stopped.

    A link that got 503 goes back in the queue, so it is answered again later.
    """

    def __init__(self, tokens: list[str]) -> None:
        self.queue = collections.deque(tokens)
        self.statuses: collections.Counter[tuple[str, int]] = collections.Counter()
        self.stored: set[str] = set()  # 303 / 201
        self.conflicts: set[str] = set()  # 404 after an earlier 503 of the same link
        self.touched: set[str] = set()
        self.problems: list[str] = []
        self.stop = anyio.Event()

    @property
    def successes(self) -> int:
        return len(self.stored)

    def since(self, mark: collections.Counter, status: int) -> int:
        return sum(n for (_, s), n in (self.statuses - mark).items() if s == status)

    def _record(self, kind: str, response: httpx.Response) -> int:
        status = response.status_code
        self.statuses[kind, status] += 1
        if status not in ALLOWED[kind]:
            self.problems.append(f"{kind} {status}: {response.text[:300]}")
        if status == 503 and "retry-after" not in response.headers:
            self.problems.append(f"{kind} 503 without Retry-After")
        return status

    async def _answer(self, http: httpx.AsyncClient, token: str, api: bool) -> int:
        if api:
            response = await http.post(
                "/api/v1/responses", json={"token": token, "answers": ANSWERS}
            )
            return self._record("API", response)
        page = await http.get(f"/s/{token}")
        if self._record("GET", page) != 200:
            return page.status_code
        form = {**ANSWERS, "_csrf_token": csrf_of(page.text)}
        return self._record("POST", await http.post(f"/s/{token}", data=form))

    async def worker(self, http: httpx.AsyncClient, number: int) -> None:
        while not self.stop.is_set() and self.queue:
            token = self.queue.popleft()
            retried = token in self.touched
            self.touched.add(token)
            try:
                status = await self._answer(http, token, api=number % 2 == 1)
            except httpx.HTTPError as exc:
                self.problems.append(f"transport error: {exc!r}")
                return
            if status == 503:
                self.queue.append(token)
            elif status in (201, 303):
                self.stored.add(token)
            elif status == 404 and retried:
                self.conflicts.add(token)
            else:
                self.problems.append(f"link answered for the first time got {status}")


@pytest.fixture
def proxied_server(database_url: str, survey, tmp_path: Path) -> Iterator[tuple[str, TcpProxy]]:
    """`survey-service serve` whose every database connection goes through a proxy."""
    parts = urlsplit(database_url)
    with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@127.0.0.1:{proxy.port}" if userinfo else f"127.0.0.1:{proxy.port}"
        env = {
            "DATABASE_URL": urlunsplit(parts._replace(netloc=netloc)),
            "SURVEY_QUESTIONNAIRE_DIR": str(FIXTURES / "catalogue"),
        }
        log = tmp_path / "server.log"
        try:
            with running_service(["serve"], env, log, "/api/v1/questionnaires") as base:
                yield base, proxy
        except subprocess.TimeoutExpired:
            # Shutdown closes the pool, which waits for every connection to come
            # back: a hang means the outage leaked one (after max_size such
            # leaks every request would hang until the service is restarted).
            pytest.fail(f"the server did not shut down: a pooled connection leaked ({log})")


async def terminate_app_backends(database_url: str) -> int:
    """What a PostgreSQL restart does to its clients, on this test's own database only."""
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        return await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()


async def test_database_lost_under_load_503_then_recovers(proxied_server, survey, database_url):
    base, proxy = proxied_server
    tokens = await issue_links(survey, LINKS)
    probes = [await survey.token() for _ in range(2)]
    issued = await Invitation.count()
    load = Load(tokens)
    limits = httpx.Limits(max_connections=WORKERS + 4, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=base, timeout=15, limits=limits) as http:
        # One page first, so the CSRF cookie every worker's form relies on is set.
        assert (await http.get(f"/s/{probes[0]}")).status_code == 200

        async def probe_status(path: str) -> int:
            return (await http.get(path)).status_code

        async with anyio.create_task_group() as tg:
            for number in range(WORKERS):
                tg.start_soon(load.worker, http, number)
            await until(lambda: _at_least(load.successes, 30), "load running", 30)

            for kind, probe in zip(("network", "restart"), probes, strict=True):
                form_page = await http.get(f"/s/{probe}")
                assert form_page.status_code == 200
                form = {**ANSWERS, "_csrf_token": csrf_of(form_page.text)}
                before_responses = await Response.count()
                mark = load.statuses.copy()

                # --- the database goes away ---
                if kind == "network":
                    proxy.cut()
                else:
                    proxy.cut(reset=False)
                    assert await terminate_app_backends(database_url) >= 1
                await until(
                    lambda p=probe: _equals(probe_status(f"/s/{p}"), 503), "503 while down", 15
                )
                page = await http.get(f"/s/{probe}")
                assert page.status_code == 503, page.text
                assert page.headers["retry-after"] and "text/html" in page.headers["content-type"]
                post = await http.post(f"/s/{probe}", data=form)
                assert post.status_code == 503, post.text
                api = await http.post(
                    "/api/v1/responses", json={"token": probe, "answers": ANSWERS}
                )
                assert api.status_code == 503, api.text
                assert api.headers["retry-after"]
                assert api.json() == {
                    "status_code": 503,
                    "code": "unavailable",
                    "detail": "service temporarily unavailable",
                }
                # The load meets the outage too (and never a 500: checked at the end).
                await until(lambda m=mark: _at_least(load.since(m, 503), 20), "load sees 503s", 15)

                # --- the database comes back; the same process recovers ---
                proxy.restore()
                await until(lambda p=probe: _equals(probe_status(f"/s/{p}"), 200), "recovery", 30)
                # The link whose submissions got 503 was not used up: answerable, once.
                assert (await http.post(f"/s/{probe}", data=form)).status_code == 303
                again = await http.post(
                    "/api/v1/responses", json={"token": probe, "answers": ANSWERS}
                )
                assert again.status_code == 404, again.text
                assert await Response.count() >= before_responses + 1
                after = load.successes
                await until(lambda a=after: _at_least(load.successes, a + 30), "load recovers", 30)
                # Fully recovered: no pooled connection is left broken.
                mark, after = load.statuses.copy(), load.successes
                await until(lambda a=after: _at_least(load.successes, a + 60), "steady load", 30)
                assert load.since(mark, 503) == 0, f"503s after recovery from {kind}"
            load.stop.set()

        # Links left with a 503 as their last answer are answered now: 201, or
        # 404 when the lost request had committed after all (counted, not lost).
        for token in list(load.queue):
            if token in load.touched:
                response = await http.post(
                    "/api/v1/responses", json={"token": token, "answers": ANSWERS}
                )
                assert response.status_code in (201, 404), response.text
                (load.stored if response.status_code == 201 else load.conflicts).add(token)

    summary = ", ".join(f"{k} {s} x {n}" for (k, s), n in sorted(load.statuses.items()))
    print(
        f"\noutage under load: {summary}; {len(load.stored)} stored, "
        f"{len(load.conflicts)} answered-then-503 (404 on retry); "
        f"{proxy.connections} database connections through the proxy"
    )
    assert not load.problems, load.problems[:10]
    assert not [s for (_, s) in load.statuses if s >= 500 and s != 503]

    used = issued - await Invitation.count()  # an answered link is deleted with its answer
    responses = await Response.count()
    answered = len(load.stored) + len(load.conflicts) + len(probes)
    # 0 lost: every link the load answered holds exactly one response, and no
    # link the load did not answer was used. 0 half-written: every used link
    # has its response, every response all its answers.
    assert load.touched >= load.stored | load.conflicts
    assert used == responses == answered
    assert await Answer.count() == len(ANSWERS) * responses
    assert len(load.conflicts) <= 2 * WORKERS  # only requests in flight at a cut


async def _at_least(value: int, threshold: int) -> bool:
    return value >= threshold


async def _equals(status: Awaitable[int], expected: int) -> bool:
    return await status == expected


async def test_connection_lost_after_commit_is_not_a_failure(survey, database_url, monkeypatch):
    """The database vanishing between COMMIT and the pool's reset of the connection
    must not turn a stored answer into an error (the patient would be told nothing
    was saved, and find the link used when trying again)."""
    from survey_service.db import piccolo_conf
    from survey_service.responses.service import record_response

    engine = piccolo_conf.DB
    await engine.start_connection_pool(min_size=1, max_size=2)
    pool = engine.pool

    class LosesConnectionOnRelease:
        """The pool, except that handing a connection back fails as if PostgreSQL
        had gone away right after the commit."""

        def __getattr__(self, name):
            return getattr(pool, name)

        async def release(self, connection, *args, **kwargs):
            await pool.release(connection, *args, **kwargs)
            raise asyncpg.exceptions.ConnectionDoesNotExistError(
                "connection was closed in the middle of operation"
            )

    try:
        monkeypatch.setattr(engine, "pool", LosesConnectionOnRelease())
        token = await survey.token()
        await record_response(token, dict(ANSWERS), "da")  # no exception
        monkeypatch.undo()
        assert await Response.count() == 1
        assert await Answer.count() == len(ANSWERS)
        assert engine.current_transaction.get() is None
    finally:
        monkeypatch.undo()
        await engine.close_connection_pool()


async def test_a_failed_begin_gives_its_connection_back(survey, database_url, monkeypatch):
    """A connection whose BEGIN fails (the database just vanished) returns to the
    pool: with one connection in the pool, the next submission still gets it."""
    from piccolo.engine.postgres import PostgresTransaction

    from survey_service.db import piccolo_conf
    from survey_service.responses.service import record_response

    engine = piccolo_conf.DB
    await engine.start_connection_pool(min_size=1, max_size=1)
    begin = PostgresTransaction.begin

    async def lose_connection_once(self):
        monkeypatch.setattr(PostgresTransaction, "begin", begin)
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")

    try:
        token = await survey.token()  # issuing a link is a transaction of its own
        monkeypatch.setattr(PostgresTransaction, "begin", lose_connection_once)
        with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError):
            await record_response(token, dict(ANSWERS), "da")
        with anyio.fail_after(10):  # hangs for ever when the connection was kept
            await record_response(token, dict(ANSWERS), "da")
        assert await Response.count() == 1
    finally:
        monkeypatch.undo()
        await engine.close_connection_pool()
