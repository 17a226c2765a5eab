"""The error tree mapped to HTTP once: JSON under /api, a readable page elsewhere.

Handlers raise :class:`~survey_service.errors.ServiceError` subclasses (or
Litestar's own HTTP exceptions for routing and body problems); this module is
the only place that turns them into responses. The database being away is a
503 with ``Retry-After``; anything else unexpected is a 500 with nothing of the
request in the body.
"""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import urlencode

import asyncpg
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from survey_service.accounts.service import LoginRequired
from survey_service.errors import ServiceError
from survey_service.i18n import translations
from survey_service.rendering import page
from survey_service.responses.service import SurveyLinkError
from survey_service.web.dependencies import request_language
from survey_service.web.logs import redact_path, safe_log_value

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

#: Machine codes for Litestar's own HTTP errors (routing, body size, validation).
_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "not_allowed",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/schema"))


def _json(status: int, code: str, detail: str, headers: dict[str, str], **more: object) -> Response:
    body: dict[str, object] = {"status_code": status, "code": code, "detail": detail, **more}
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def login_redirect(request: Request) -> Response:
    """303 to the login page, which comes back to this page (path and query only)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/login?{urlencode({'next': target})}", status_code=303)


def service_error(request: Request, exc: ServiceError) -> Response:
    if isinstance(exc, LoginRequired) and not _is_api(request) and _wants_html(request):
        return login_redirect(request)
    headers: dict[str, str] = {}
    if exc.retry_after is not None:
        headers["retry-after"] = str(exc.retry_after)
    if exc.status == 401:
        headers["www-authenticate"] = "Bearer"
    if _is_api(request):
        more: dict[str, object] = dict(exc.extra)
        if exc.errors:
            more["errors"] = exc.errors
        return _json(exc.status, exc.code, exc.detail, headers, **more)
    language = request_language(request)
    if isinstance(exc, SurveyLinkError):
        template = link_problem_page(exc, language)
    else:
        template = _error_page(language, exc.status, exc.code)
    template.headers.update(headers)
    return template


def link_problem_page(error: SurveyLinkError, language: str) -> Template:
    """A link that cannot be used, in words that name the patient's next step."""
    _ = translations(language).gettext
    nothing_more = _("You do not need to do anything more.")
    problems = {
        # An answered link leaves nothing behind (docs/anonymity.md), so it looks
        # exactly like a mistyped or expired one: one neutral page for all three.
        # (A browser that answered through it shows a thank-you instead.)
        "unknown": (
            _("This survey link cannot be used"),
            _(
                "Check that you have the whole link from your text message or slip, "
                "with no characters missing at the end."
            ),
            _(
                "If it still does not work, the link may have been used already or have "
                "expired. You are welcome to ask the clinic."
            ),
        ),
        "expired": (
            _("This survey has closed"),
            _("The link is no longer valid, so answers cannot be given through it."),
            nothing_more,
        ),
        "too_many": (
            _("Too many attempts"),
            _("Too many links that do not exist have been tried from here."),
            _("Wait a few minutes, then open the link again."),
        ),
        "used": (
            _("This survey has already been answered"),
            _("Each link can be used once, and answers have already been sent through this one."),
            nothing_more,
        ),
    }
    heading, message, next_step = problems.get(
        error.code, (_("This link cannot be used"), "", _("You are welcome to ask the clinic."))
    )
    return page(
        "link_problem.html",
        language,
        status_code=error.status,
        heading=heading,
        message=message,
        next_step=next_step,
    )


def _error_page(language: str, status: int, code: str = "") -> Template:
    _ = translations(language).gettext
    headings = {
        401: _("Please log in"),
        403: _("You cannot do this here"),
        404: _("Page not found"),
        405: _("This page cannot be used like that"),
        410: _("This survey is no longer offered"),
        413: _("Too much was sent"),
        429: _("Too many attempts"),
    }
    messages = {
        400: _("Go back to the previous page and try again."),
        403: _(
            "If you were answering a survey, go back, reload the page and send your answers again."
        ),
        404: _("Check that the address is complete and typed correctly."),
        405: _("Go back to the previous page and try again."),
        410: _(
            "Answers can no longer be given here. You are welcome to ask the clinic if you "
            "want to give your opinion."
        ),
        413: _("Shorten your answers, then send them again."),
        429: _("Wait a minute, then try again."),
    }
    if code == "not_allowed":  # a staff page beyond the account's role, not a form
        messages[403] = _("Ask an administrator if you need access to this page.")
    if code == "too_many_answers":
        messages[429] = _("Thank you for your answers. Please try again in an hour.")
    heading = headings.get(status, _("Something was wrong with the request"))
    return page(
        "error.html",
        language,
        status_code=status,
        heading=heading,
        message=messages.get(status, messages[400]),
    )


def http_error(request: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    if _is_api(request):
        code = _HTTP_CODES.get(exc.status_code, "error")
        more: dict[str, object] = {}
        if exc.extra:
            more = exc.extra if isinstance(exc.extra, dict) else {"extra": exc.extra}
        return _json(exc.status_code, code, str(exc.detail), headers, **more)
    template = _error_page(request_language(request), exc.status_code)
    template.headers.update(headers)
    return template


def database_down(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable: %s", type(exc).__name__)
    return _service_error(request, HTTP_503_SERVICE_UNAVAILABLE, retry=True)


def unexpected(request: Request, exc: Exception) -> Response:
    log.exception(
        "unexpected error on %s %s", safe_log_value(request.method), redact_path(request.url.path)
    )
    return _service_error(request, HTTP_500_INTERNAL_SERVER_ERROR)


def _service_error(request: Request, status: int, retry: bool = False) -> Response:
    headers = {"retry-after": "5"} if retry else {}
    if _is_api(request):
        detail = "service temporarily unavailable" if retry else "internal error"
        return _json(status, "unavailable" if retry else "internal_error", detail, headers)
    language = request_language(request)
    _ = translations(language).gettext
    heading = _("The survey is resting for a moment") if retry else _("Something went wrong")
    message = _("Nothing has been saved yet. Please try again in a minute.")
    template = page("error.html", language, status_code=status, heading=heading, message=message)
    template.headers.update(headers)
    return template
