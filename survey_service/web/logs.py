"""Logging without secrets: survey-link tokens never reach a log line."""

from __future__ import annotations

import logging
import re
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

_TOKEN_PATH = re.compile(r"^/(s)/[^/?#]+")

access_log = logging.getLogger("survey_service.access")


def redact_path(path: str) -> str:
    """``/s/AbC...`` becomes ``/s/***``: a token in a log would be a usable link."""
    return _TOKEN_PATH.sub(r"/\1/***", path)


def access_log_middleware(app: ASGIApp) -> ASGIApp:
    """One line per request with the path redacted; no IP, no query string.

    Replaces the server's own access log, which would print tokens and IPs.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            access_log.info(
                "%s %s %s %.1fms",
                scope["method"],
                redact_path(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
            )

    return middleware
