"""The distribution API for practice systems (``/api/v1``, API key per practice).

Thin handlers: authenticate the key, check the practice in the request is the
key's own, parse, call one service function, map the result.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import QueryParameter
from litestar.status_codes import (
    HTTP_202_ACCEPTED,
)

from survey_service.distribution.delivery import SignatureError, record_delivery, verify_jwt
from survey_service.distribution.intake import (
    INVITED,
    MAX_BATCH,
    REJECTED,
    IntakeContext,
    VisitOutcome,
    VisitProblems,
    parse_visit_date,
    register_visits,
)
from survey_service.distribution.qr import (
    DEFAULT_LANGUAGES,
    FORMATS,
    PAPER,
    poster_languages,
    poster_layout,
    poster_url,
    render,
)
from survey_service.distribution.rates import add_months, response_rates
from survey_service.distribution.slips import issue_slip
from survey_service.distribution.timing import local_today, utc_now
from survey_service.errors import InvalidInput, NotAllowed, NotAuthenticated, NotFound
from survey_service.i18n import PATIENT_LANGUAGES
from survey_service.openapi_errors import error_responses
from survey_service.practices.service import practice_for_api_key
from survey_service.practices.tables import Practice
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.settings import Settings


def intake_context(settings: Settings, published: PublishedCatalogue) -> IntakeContext:
    return IntakeContext(
        settings=settings,
        catalogue=published.catalogue,
        version_ids=published.ids,
    )


async def authenticated_practice(request: Request) -> Practice:
    """The practice of the ``Authorization: Bearer`` key, or 401."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    practice = None
    if scheme.lower() == "bearer" and key.strip():
        practice = await practice_for_api_key(key.strip())
    if practice is None:
        raise NotAuthenticated("authorization: a valid API key is needed")
    return practice


def require_own(practice: Practice, codes: Iterable[object]) -> None:
    """403 when a request names another practice (whether or not it exists).

    ``codes`` may hold anything a client sent (a list, a number): only strings
    name a practice; the field's type is checked, as 422, where it is parsed.
    """
    if any(isinstance(c, str) and c != practice.code for c in codes):
        raise NotAllowed("practice: this API key belongs to another practice")


async def authorised_practice(request: Request, code: str) -> Practice:
    practice = await authenticated_practice(request)
    require_own(practice, {code})
    return practice


def _problem(errors: dict[str, str]) -> InvalidInput:
    return InvalidInput.of(errors)


async def _json_body(request: Request) -> Any:
    try:
        return msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        raise _problem({"body": "not valid JSON"}) from None


def _outcome(outcome: VisitOutcome, row: int | None = None) -> dict[str, Any]:
    # The status only: an invitation id (or any key the database keeps) would
    # let the practice system, which knows whose visit it reported, find the
    # patient's rows again (docs/anonymity.md).
    out: dict[str, Any] = {"status": outcome.status}
    if outcome.errors:
        out["errors"] = outcome.errors
    if row is not None:
        out = {"row": row, **out}
    return out


@dataclass
class ImageOperation(Operation):
    """OpenAPI for an operation whose 200 is an SVG or a PNG (by ``format``)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if ok is not None and not isinstance(ok, str) and hasattr(ok, "content"):
            binary = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            )
            ok.content = {"image/svg+xml": binary, "image/png": binary}


class DistributionApi(Controller):
    path = "/api/v1"
    tags = ("distribution",)

    @post(
        "/visits",
        summary="Report visits: each patient gets one SMS invitation",
        status_code=HTTP_202_ACCEPTED,
        responses=error_responses(401, 403, 422, 503),
        description=(
            "`Authorization: Bearer API_KEY`. Body: one visit `{practice, visit_date "
            "(YYYY-MM-DD), phone, questionnaire?, language? (da|en|ar|pl|uk|tr|so)}` "
            "or a list of them "
            f"(at most {MAX_BATCH}). One visit: 202 `{{status}}` where status is "
            "`invited`, `duplicate` (already invited within the window) or `opted_out`; "
            "nothing that identifies the invitation is returned. "
            "422 with `errors` naming the field. A list: "
            "202 with a result per row (bad rows rejected with reasons, good rows kept), "
            "422 when no row was accepted (`errors` keyed `ROW.FIELD`, `results` per row). "
            "401: no valid key; 403: another practice's code."
        ),
    )
    async def report_visits(
        self, request: Request, settings: Settings, published: PublishedCatalogue
    ) -> Response[dict[str, Any]]:
        practice = await authenticated_practice(request)
        body = await _json_body(request)
        rows = body if isinstance(body, list) else [body]
        if not rows:
            raise _problem({"body": "an empty list"})
        if len(rows) > MAX_BATCH:
            raise _problem({"body": f"more than {MAX_BATCH} visits; send them in parts"})
        # Authorisation is all or nothing: one row for another practice refuses the lot.
        require_own(practice, [r.get("practice") for r in rows if isinstance(r, dict)])
        outcomes = await register_visits(
            rows, practice, intake_context(settings, published), utc_now()
        )
        if not isinstance(body, list):
            if outcomes[0].status == REJECTED:
                raise _problem(outcomes[0].errors)
            return Response(_outcome(outcomes[0]), status_code=HTTP_202_ACCEPTED)
        results = [_outcome(o, n) for n, o in enumerate(outcomes)]
        rejected = sum(o.status == REJECTED for o in outcomes)
        if rejected == len(outcomes):
            errors = {f"{n}.{k}": v for n, o in enumerate(outcomes) for k, v in o.errors.items()}
            raise InvalidInput(
                f"no row could be used ({rejected} rejected)",
                errors=errors,
                extra={"results": results},
            )
        content = {
            "accepted": len(outcomes) - rejected,
            "invited": sum(o.status == INVITED for o in outcomes),
            "rejected": rejected,
            "results": results,
        }
        return Response(content, status_code=HTTP_202_ACCEPTED)

    @get(
        "/practices/{code:str}/poster",
        summary="The practice's QR poster (SVG or PNG)",
        media_type="image/svg+xml",
        operation_class=ImageOperation,
        responses=error_responses(401, 403, 422, 503),
    )
    async def poster(
        self,
        request: Request,
        settings: Settings,
        code: str,
        size: Annotated[str, QueryParameter(description="A4 or A5")] = "A4",
        fmt: Annotated[str, QueryParameter(name="format", description="svg or png")] = "svg",
        languages: Annotated[
            str | None,
            QueryParameter(description="two shipped languages, e.g. da,ar (default da,en)"),
        ] = None,
    ) -> Response[bytes]:
        practice = await authorised_practice(request, code)
        errors = {}
        if size not in PAPER:
            errors["size"] = f"must be one of {', '.join(PAPER)}"
        if fmt not in FORMATS:
            errors["format"] = f"must be one of {', '.join(FORMATS)}"
        pair = DEFAULT_LANGUAGES
        try:
            pair = poster_languages(languages)
        except ValueError as exc:
            errors["languages"] = str(exc)
        if errors:
            raise _problem(errors)
        url = poster_url(settings.public_base_url, practice.code)
        content, media_type = render(poster_layout(practice.name, url, size, pair), fmt)
        return Response(
            content,
            media_type=media_type,
            headers={
                "content-disposition": f'inline; filename="poster-{practice.code}-{size}.{fmt}"',
            },
        )

    @post(
        "/slips",
        summary="A QR slip with a single-use link for one visit",
        status_code=200,
        media_type="image/svg+xml",
        operation_class=ImageOperation,
        responses=error_responses(401, 403, 422, 503),
        description=(
            "Body `{practice, visit_date, language?, questionnaire?, format? (svg|png)}`. "
            "Returns the slip to print; its link works once (channel `receipt`)."
        ),
    )
    async def slip(
        self, request: Request, settings: Settings, published: PublishedCatalogue
    ) -> Response[bytes]:
        practice = await authenticated_practice(request)
        body = await _json_body(request)
        if not isinstance(body, dict):
            raise _problem({"body": "must be a JSON object"})
        require_own(practice, [body.get("practice")])
        errors: dict[str, str] = {}
        if not isinstance(body.get("practice"), str) or not body["practice"].strip():
            errors["practice"] = "missing: give the practice code"
        known = {"practice", "visit_date", "language", "questionnaire", "format"}
        errors.update({str(k)[:40]: "unknown field" for k in body if k not in known})
        now = utc_now()
        visit_date = parse_visit_date(body.get("visit_date"), local_today(now), errors)
        # Each field's type before it is used: a list or object would make
        # ``in`` raise TypeError (unhashable), a 500.
        language = body.get("language")
        if language is not None and (
            not isinstance(language, str) or language not in PATIENT_LANGUAGES
        ):
            errors["language"] = f"must be one of {', '.join(PATIENT_LANGUAGES)}"
        fmt = body.get("format", "svg")
        if not isinstance(fmt, str) or fmt not in FORMATS:
            errors["format"] = f"must be one of {', '.join(FORMATS)}"
        questionnaire = body.get("questionnaire")
        if questionnaire is not None and not isinstance(questionnaire, str):
            errors["questionnaire"] = "must be a questionnaire slug"
        if errors or visit_date is None:
            raise _problem(errors)
        try:
            content, media_type = await issue_slip(
                practice,
                intake_context(settings, published),
                visit_date=visit_date,
                language=language,
                questionnaire=questionnaire,
                fmt=fmt,
                now=now,
            )
        except VisitProblems as exc:
            raise _problem(exc.errors) from None
        # The image carries a live link: never cache it anywhere.
        return Response(content, media_type=media_type, headers={"cache-control": "no-store"})

    @get(
        "/practices/{code:str}/response-rates",
        summary="Invitations sent, delivered, answered",
        responses=error_responses(401, 403, 422, 503),
    )
    async def rates(
        self,
        request: Request,
        code: str,
        start: Annotated[str | None, QueryParameter(name="from", description="YYYY-MM")] = None,
        end: Annotated[
            str | None, QueryParameter(name="to", description="YYYY-MM, inclusive")
        ] = None,
    ) -> dict[str, Any]:
        practice = await authorised_practice(request, code)
        today = local_today(utc_now())
        errors: dict[str, str] = {}
        first = _month(start, "from", errors) or add_months(today.replace(day=1), -11)
        last = _month(end, "to", errors) or today.replace(day=1)
        if errors:
            raise _problem(errors)
        if last < first:
            raise _problem({"to": "before from"})
        rows = await response_rates(practice.id, first, add_months(last, 1))
        return {
            "practice": practice.code,
            "rows": [
                {
                    "month": r.month,
                    "channel": r.channel,
                    "invitations": r.invitations,
                    "sent": r.sent,
                    "delivered": r.delivered,
                    "failed": r.failed,
                    "unconfirmed": r.unconfirmed,
                    "answered": r.answered,
                    "response_rate": r.response_rate,
                }
                for r in rows
            ],
        }

    @post(
        "/sms/status",
        summary="GatewayAPI delivery-status webhook",
        status_code=200,
        include_in_schema=False,
    )
    async def delivery_status(self, request: Request, settings: Settings) -> dict[str, str]:
        secret = settings.gatewayapi_webhook_secret
        if not secret:
            raise NotFound("the delivery webhook is not configured")
        try:
            verify_jwt(request.headers.get("x-gwapi-signature", ""), secret)
        except SignatureError:
            raise NotAuthenticated("signature: invalid") from None
        report = await _json_body(request)
        if not isinstance(report, dict):
            raise _problem({"body": "must be a JSON object"})
        await record_delivery(report, settings, utc_now())
        return {"status": "ok"}


#: Months a response-rate query may name: the service started long after the
#: first and will be gone long before the last.
MIN_MONTH = dt.date(2000, 1, 1)
MAX_MONTH = dt.date(2999, 12, 1)


def _month(value: str | None, name: str, errors: dict[str, str]) -> dt.date | None:
    if value is None:
        return None
    if re.fullmatch(r"\d{4}-\d{2}", value):
        try:
            month = dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            pass
        else:
            # Bounded so that month arithmetic (the month after ``to``) stays
            # within what a date can hold: 9999-12 would be a 500.
            if MIN_MONTH <= month <= MAX_MONTH:
                return month
            errors[name] = f"between {MIN_MONTH:%Y-%m} and {MAX_MONTH:%Y-%m}"
            return None
    errors[name] = "use YYYY-MM"
    return None
