"""The service's one error tree.

Every condition the service knows about is a subclass of :class:`ServiceError`
with a machine ``code`` and the HTTP ``status`` it means. Domain code raises
them; the app factory maps the whole tree to HTTP once
(``survey_service.web.errors``): JSON ``{"status_code", "code", "detail",
"errors"}`` under ``/api`` and a readable page in the patient's language
elsewhere. Handlers never translate errors themselves, and a known condition is
never a 500.

Shape (domain packages add leaves under these branches)::

    ServiceError (400)
    ├── InvalidInput (422)        field-level problems in ``errors``
    ├── NotAuthenticated (401)
    ├── NotAllowed (403)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── Gone (410)
    ├── TooManyRequests (429)     ``retry_after`` seconds
    └── Unavailable (503)         ``retry_after`` seconds
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "Conflict",
    "Gone",
    "InvalidInput",
    "NotAllowed",
    "NotAuthenticated",
    "NotFound",
    "ServiceError",
    "TooManyRequests",
    "Unavailable",
]


class ServiceError(Exception):
    """A condition the service expects and answers with ``status``.

    ``detail`` is an English sentence for systems and logs (it names the field
    at fault where there is one); pages choose their own translated words by
    ``code``. ``errors`` maps field or item ids to problem codes; ``extra``
    adds keys to the JSON body (e.g. per-row results of a batch).
    """

    status: int = 400
    code: str = "bad_request"
    default_detail: str = "the request cannot be handled"
    retry_after: int | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Mapping[str, str] | None = None,
        retry_after: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.errors = dict(errors) if errors else None
        self.extra = dict(extra) if extra else {}
        if retry_after is not None:
            self.retry_after = retry_after
        super().__init__(self.detail)


class InvalidInput(ServiceError):
    status = 422
    code = "invalid_input"
    default_detail = "invalid input"

    @classmethod
    def of(cls, errors: Mapping[str, str]) -> InvalidInput:
        """One 422 naming every field: ``"phone: not a number; visit_date: ..."``."""
        detail = "; ".join(f"{name}: {reason}" for name, reason in errors.items())
        return cls(detail, errors=errors)


class NotAuthenticated(ServiceError):
    status = 401
    code = "not_authenticated"
    default_detail = "no valid credentials"


class NotAllowed(ServiceError):
    status = 403
    code = "not_allowed"
    default_detail = "not allowed"


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_detail = "not found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_detail = "conflicts with the current state"


class Gone(ServiceError):
    status = 410
    code = "gone"
    default_detail = "no longer available"


class TooManyRequests(ServiceError):
    status = 429
    code = "too_many"
    default_detail = "too many requests; wait a few minutes"
    retry_after = 600


class Unavailable(ServiceError):
    status = 503
    code = "unavailable"
    default_detail = "service temporarily unavailable"
    retry_after = 5
