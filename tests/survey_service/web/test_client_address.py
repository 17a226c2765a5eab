"""One client address for the link guard and the poster limit (TRUSTED_PROXIES)."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar.testing import RequestFactory

from survey_service.settings import SettingsError, load_settings
from survey_service.web.guard import LinkGuard, MemoryCounterStore, client_address

pytestmark = pytest.mark.anyio

ANSWERS = {"mini.listened": "4", "mini.written": "no", "mini.overall": "2"}
LIMIT = LinkGuard(MemoryCounterStore(), "x").limit


def _nets(*entries: str) -> tuple[Any, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _request(peer: str, forwarded: str | None) -> Any:
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/s/x", headers=headers)
    request.scope["client"] = (peer, 4321)
    return request


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # No proxies trusted: the header is the client's own words, ignored.
        ("203.0.113.9", "1.2.3.4", (), "203.0.113.9"),
        ("127.0.0.1", "1.2.3.4", (), "127.0.0.1"),
        # From a trusted proxy: the right-most address that is not a proxy.
        ("127.0.0.1", "1.2.3.4", ("127.0.0.1",), "1.2.3.4"),
        ("127.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.5", ("127.0.0.1", "10.0.0.0/8"), "1.2.3.4"),
        # A peer that is not a proxy is the client whatever it claims.
        ("198.51.100.7", "1.2.3.4", ("127.0.0.1",), "198.51.100.7"),
        # A trusted proxy that forwarded nothing: the proxy is all we know.
        ("127.0.0.1", None, ("127.0.0.1",), "127.0.0.1"),
        ("::1", "2001:db8::1", ("::1",), "2001:db8::1"),
    ],
)
def test_client_address(peer, forwarded, trusted, expected):
    assert client_address(_request(peer, forwarded), _nets(*trusted)) == expected


def test_trusted_proxies_setting_is_checked():
    settings = load_settings({"TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8 ,::1"})
    assert [str(n) for n in settings.trusted_networks] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    assert load_settings({}).trusted_networks == ()
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        load_settings({"TRUSTED_PROXIES": "127.0.0.1,not-an-address"})


def test_uvicorn_does_not_trust_forwarded_headers(monkeypatch):
    import uvicorn

    from survey_service.cli import server

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    server._serve(object(), "127.0.0.1", 8000)
    assert seen["proxy_headers"] is False


def _from(peer: str, app: Any) -> None:
    """Make every request to ``app`` come from ``peer`` (the test client says "testclient")."""
    inner = app.asgi_handler

    async def handler(scope: Any, receive: Any, send: Any) -> None:
        scope["client"] = (peer, 50000)
        await inner(scope, receive, send)

    app.asgi_handler = handler


@pytest.fixture
def client_for(db: str, fixture_catalogue) -> Callable[..., Any]:
    """``async with client_for(trusted_proxies=...)``: a client connecting from 127.0.0.1."""
    from litestar.testing import AsyncTestClient

    from survey_service.web import create_app

    @asynccontextmanager
    async def make(trusted_proxies: str = "", **changes: Any) -> AsyncIterator[Any]:
        settings = dataclasses.replace(
            load_settings(),
            public_base_url="http://survey.test",
            trusted_proxies=trusted_proxies,
            **changes,
        )
        app = create_app(settings=settings, catalogue=fixture_catalogue, connection_pool=False)
        _from("127.0.0.1", app)
        async with AsyncTestClient(app=app) as client:
            yield client

    return make


def _rotating() -> dict[str, str]:
    return {"x-forwarded-for": f"198.51.100.{secrets.randbelow(250) + 1}"}


async def test_rotating_the_header_does_not_bypass_the_guard(client_for, survey):
    async with client_for() as client:
        statuses = [
            (await client.get(f"/s/{secrets.token_urlsafe(15)}", headers=_rotating())).status_code
            for _ in range(LIMIT + 5)
        ]
    assert statuses == [404] * LIMIT + [429] * 5


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(client_for, survey):
    async with client_for(trusted_proxies="127.0.0.1") as client:
        for _ in range(LIMIT):
            guess = await client.get(
                f"/s/{secrets.token_urlsafe(15)}", headers={"x-forwarded-for": "192.0.2.1"}
            )
            assert guess.status_code == 404
        blocked = await client.get(
            f"/s/{secrets.token_urlsafe(15)}", headers={"x-forwarded-for": "192.0.2.1"}
        )
        # Another patient behind the same proxy is another client.
        other = await client.get(
            f"/s/{secrets.token_urlsafe(15)}", headers={"x-forwarded-for": "192.0.2.2"}
        )
    assert blocked.status_code == 429
    assert other.status_code == 404


def _csrf(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def _poster_statuses(client: Any, headers: Callable[[], dict[str, str]], n: int) -> list[int]:
    page = await client.get("/p/P0001")
    form = {**ANSWERS, "_csrf_token": _csrf(page.text)}
    return [
        (
            await client.post("/p/P0001", data=form, headers=headers(), follow_redirects=False)
        ).status_code
        for _ in range(n)
    ]


async def test_rotating_the_header_does_not_bypass_the_poster_limit(client_for, survey):
    async with client_for(poster_answers_per_hour=2) as client:
        statuses = await _poster_statuses(client, _rotating, 4)
    assert statuses == [303, 303, 429, 429]


async def test_poster_limit_counts_the_forwarded_address_behind_a_trusted_proxy(client_for, survey):
    async with client_for(trusted_proxies="127.0.0.1", poster_answers_per_hour=2) as client:
        first = await _poster_statuses(client, lambda: {"x-forwarded-for": "192.0.2.1"}, 3)
        second = await _poster_statuses(client, lambda: {"x-forwarded-for": "192.0.2.2"}, 1)
    assert first == [303, 303, 429]
    assert second == [303]
