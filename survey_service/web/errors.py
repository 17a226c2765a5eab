"""Exceptions mapped to HTTP once: JSON under /api, a readable page elsewhere."""

from __future__ import annotations

import logging
import sqlite3

import asyncpg
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from survey_service.web.i18n import choose_language, translations
from survey_service.web.logs import redact_path
from survey_service.web.rendering import page

log = logging.getLogger("survey_service.web")

#: Errors that mean "the database is not there right now": answer 503, not 500,
#: so clients and load balancers retry and nothing half-written is reported.
DATABASE_DOWN = (
    OSError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    # A pooled connection whose link broke mid-protocol ("cannot switch to state
    # N; another operation is in progress"): seen when the database vanishes
    # under load (tests/survey_service/web/test_database_outage.py).
    asyncpg.exceptions.InternalClientError,
    sqlite3.OperationalError,
)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/schema"))


def _language(request: Request) -> str:
    return choose_language(
        request.query_params.get("lang"), None, request.headers.get("accept-language")
    )


def http_error(request: Request, exc: HTTPException) -> Response:
    if _is_api(request):
        body = {"status_code": exc.status_code, "detail": exc.detail}
        if exc.extra:
            body.update(exc.extra if isinstance(exc.extra, dict) else {"extra": exc.extra})
        return Response(
            body, status_code=exc.status_code, media_type=MediaType.JSON, headers=exc.headers
        )
    language = _language(request)
    _ = translations(language).gettext
    headings = {
        404: _("Page not found"),
        405: _("This page cannot be used like that"),
        413: _("Too much was sent"),
        429: _("Too many attempts"),
    }
    messages = {
        404: _("Please check the address."),
        429: _("Please wait a minute and try again."),
    }
    heading = headings.get(exc.status_code, _("Something was wrong with the request"))
    template = page(
        "error.html",
        language,
        status_code=exc.status_code,
        heading=heading,
        message=messages.get(exc.status_code, ""),
    )
    template.headers.update(exc.headers or {})
    return template


def database_down(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable: %s", type(exc).__name__)
    return _service_error(request, HTTP_503_SERVICE_UNAVAILABLE, retry=True)


def unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, redact_path(request.url.path))
    return _service_error(request, HTTP_500_INTERNAL_SERVER_ERROR)


def _service_error(request: Request, status: int, retry: bool = False) -> Response:
    headers = {"retry-after": "5"} if retry else {}
    if _is_api(request):
        detail = "service temporarily unavailable" if retry else "internal error"
        return Response(
            {"status_code": status, "detail": detail},
            status_code=status,
            media_type=MediaType.JSON,
            headers=headers,
        )
    language = _language(request)
    _ = translations(language).gettext
    heading = _("The survey is resting for a moment") if retry else _("Something went wrong")
    message = _("Nothing has been saved yet. Please try again in a minute.")
    template = page("error.html", language, status_code=status, heading=heading, message=message)
    template.headers.update(headers)
    return template
