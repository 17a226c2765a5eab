"""How JSON errors look in the OpenAPI document.

Every error under ``/api`` has the body :class:`ErrorBody` (written by
``survey_service.web.errors`` from a :class:`~survey_service.errors.ServiceError`);
controllers in any package list the statuses an operation can answer with
:func:`error_responses`.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.openapi.datastructures import ResponseSpec

__all__ = ["ErrorBody", "error_responses"]


class ErrorBody(msgspec.Struct):
    """The body of every JSON error."""

    status_code: int
    code: Annotated[str, msgspec.Meta(description="machine-readable reason, e.g. `used`")]
    detail: Annotated[str, msgspec.Meta(description="what is wrong, naming the field")]
    errors: Annotated[
        dict[str, str] | None, msgspec.Meta(description="field or item id -> problem code")
    ] = None


_DESCRIPTIONS = {
    400: "the request cannot be read",
    401: "no valid API key",
    403: "the API key belongs to another practice",
    404: "not found",
    408: "the request body did not arrive within REQUEST_BODY_TIMEOUT_SECONDS",
    409: "the survey link has already been used",
    410: "the survey link has expired",
    422: "invalid input; `errors` names each field",
    429: "too many unknown links from this client",
    503: "the database is unavailable; retry after `Retry-After` seconds",
}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the JSON errors an operation can answer."""
    return {
        status: ResponseSpec(
            data_container=ErrorBody,
            description=_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in statuses
    }
