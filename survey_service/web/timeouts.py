"""A deadline on reading a request body.

A client that announces a body and then sends it slowly (or never) would keep
a connection and its task open for as long as it likes; a few hundred of them
tie up a process. uvicorn times out idle keep-alive connections but not a
body that trickles in, so the app bounds it itself: the whole body must have
arrived within REQUEST_BODY_TIMEOUT_SECONDS of the first read, else 408.
(Slow headers are the reverse proxy's job: Caddy and nginx time them out.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from survey_service.errors import ServiceError

__all__ = ["RequestTimeout", "body_timeout_middleware"]


class RequestTimeout(ServiceError):
    status = 408
    code = "request_timeout"
    default_detail = "body: the request body did not arrive in time"


def body_timeout_middleware(seconds: float) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware giving every HTTP request body ``seconds`` to arrive."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            loop = asyncio.get_running_loop()
            deadline: float | None = None
            body_done = False

            async def timed_receive() -> ReceiveMessage:
                nonlocal deadline, body_done
                if body_done:
                    # After the body, receive() waits for the client to go
                    # away (streamed responses); that wait is not bounded.
                    return await receive()
                if deadline is None:
                    deadline = loop.time() + seconds
                try:
                    message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
                except TimeoutError:
                    raise RequestTimeout() from None
                if message["type"] != "http.request" or not message.get("more_body", False):
                    body_done = True
                return message

            await app(scope, timed_receive, send)

        return middleware

    return wrap
