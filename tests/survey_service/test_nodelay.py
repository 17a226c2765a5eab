"""Every connection the server accepts has Nagle's algorithm off (cli/nodelay.py).

With ``--workers`` above 1 uvicorn binds ``socket.socket(AF_INET)``, whose
protocol number is 0, and asyncio then leaves ``TCP_NODELAY`` off on the
accepted connections: each page waited about 40 ms for the client's delayed
ACK. The first test pins that premise, so the workaround can go when asyncio
or uvicorn change; the second shows the protocol the server uses sets it.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from survey_service.cli import server as server_cli
from survey_service.cli.nodelay import HTTP_PROTOCOL


async def _app(scope, receive, send) -> None:  # pragma: no cover - never called
    raise AssertionError("no request is made")


def _listening_like_uvicorn_workers() -> socket.socket:
    sock = socket.socket(family=socket.AF_INET)  # as uvicorn's Config.bind_socket
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.setblocking(False)
    return sock


async def _accepted_nodelay(protocol_factory) -> int:
    """TCP_NODELAY of the server side of one connection to ``protocol_factory``."""
    loop = asyncio.get_running_loop()
    made: list[asyncio.BaseProtocol] = []

    def factory() -> asyncio.BaseProtocol:
        made.append(protocol_factory())
        return made[-1]

    sock = _listening_like_uvicorn_workers()
    server = await loop.create_server(factory, sock=sock)
    try:
        _reader, writer = await asyncio.open_connection(*sock.getsockname())
        while not made or getattr(made[0], "transport", None) is None:
            await asyncio.sleep(0)  # the accept runs on the next loop turns
        accepted = made[0].transport.get_extra_info("socket")  # type: ignore[attr-defined]
        value = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        writer.close()
        return value
    finally:
        server.close()
        await server.wait_closed()


class _Plain(asyncio.Protocol):
    transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport


@pytest.mark.anyio
async def test_asyncio_leaves_nagle_on_for_a_socket_bound_as_uvicorn_workers_bind_it() -> None:
    assert await _accepted_nodelay(_Plain) == 0


@pytest.mark.anyio
async def test_the_servers_http_protocol_turns_nagle_off() -> None:
    config = Config(app=_app, http=HTTP_PROTOCOL, lifespan="off")
    config.load()
    state = ServerState()
    nodelay = await _accepted_nodelay(
        lambda: config.http_protocol_class(config=config, server_state=state, app_state={})
    )
    assert nodelay != 0


def test_serve_runs_uvicorn_with_that_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    server_cli._serve("survey_service.web.app:create_app", "127.0.0.1", 8000, workers=2)
    assert seen["http"] is HTTP_PROTOCOL
    assert seen["workers"] == 2
