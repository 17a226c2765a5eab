"""The JSON API for systems: questionnaires out, responses in (``/api/v1``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_422_UNPROCESSABLE_ENTITY

from survey_service.questionnaires.answers import check_answers
from survey_service.questionnaires.fhir import to_fhir
from survey_service.questionnaires.sync import definition_json
from survey_service.responses.service import SurveyLinkError, record_response
from survey_service.web.guard import open_guarded
from survey_service.web.i18n import LANGUAGES, choose_language
from survey_service.web.state import CatalogueState, questionnaire_for_version


class ResponseIn(msgspec.Struct, forbid_unknown_fields=True):
    """An anonymous response submitted through a survey link's token."""

    token: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=64, description="the token from the survey link (/s/TOKEN)"
        ),
    ]
    answers: Annotated[
        dict[str, str | int],
        msgspec.Meta(description="item id (linkId) -> answer code, text or number"),
    ]
    language: Annotated[
        str | None, msgspec.Meta(description="language the patient answered in: da or en")
    ] = None


class ResponseStored(msgspec.Struct):
    status: str = "stored"


class QuestionnaireSummary(msgspec.Struct):
    slug: str
    version: int
    title: dict[str, str]
    provider_groups: list[str]
    items: int


class ApiError(HTTPException):
    """A 4xx with a machine code and, where it applies, per-field problems."""


class ErrorBody(msgspec.Struct):
    """The body of every JSON error (see web/errors.py)."""

    status_code: int
    detail: str
    errors: Annotated[
        dict[str, str] | None, msgspec.Meta(description="field or item id -> problem code")
    ] = None


_ERROR_DESCRIPTIONS = {
    401: "no valid API key",
    403: "the API key belongs to another practice",
    404: "not found",
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
            description=_ERROR_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in statuses
    }


class ApiController(Controller):
    path = "/api/v1"
    tags = ("survey",)

    @get("/questionnaires", summary="Published questionnaire versions")
    async def list_questionnaires(self, state: State) -> list[QuestionnaireSummary]:
        catalogue_state: CatalogueState = state.catalogue
        return [
            QuestionnaireSummary(
                slug=q.slug,
                version=q.version,
                title=dict(q.title),
                provider_groups=list(q.provider_groups),
                items=len(q.items),
            )
            for q in catalogue_state.catalogue.questionnaires()
            if q.published
        ]

    @get(
        "/questionnaires/{slug:str}/{version:int}",
        summary="One questionnaire version, expanded",
        responses=error_responses(404),
    )
    async def get_questionnaire(
        self, state: State, slug: str, version: Annotated[int, Parameter(ge=1)]
    ) -> dict[str, Any]:
        q = state.catalogue.catalogue.get(slug, version)
        if q is None or not q.published or q.kind != "questionnaire":
            raise NotFoundException(f"no published questionnaire {slug}/{version}")
        return definition_json(q)

    @get(
        "/questionnaires/{slug:str}/{version:int}/fhir",
        summary="One questionnaire version as a FHIR R5 Questionnaire",
        media_type="application/fhir+json",
        responses=error_responses(404),
    )
    async def get_questionnaire_fhir(
        self,
        state: State,
        slug: str,
        version: Annotated[int, Parameter(ge=1)],
        lang: Annotated[Literal["da", "en"], Parameter(query="lang")] = "da",
    ) -> dict[str, Any]:
        q = state.catalogue.catalogue.get(slug, version)
        if q is None or not q.published or q.kind != "questionnaire":
            raise NotFoundException(f"no published questionnaire {slug}/{version}")
        return to_fhir(q, state.settings.public_base_url, language=lang)

    @post(
        "/responses",
        status_code=HTTP_201_CREATED,
        summary="Submit an anonymous response",
        responses=error_responses(404, 409, 410, 422, 429, 503),
        description=(
            "Redeems the single-use token and stores the answers without any link to it. "
            "404: unknown token; 409: already used; 410: expired; 422: invalid answers "
            "(`errors` maps item ids to problem codes)."
        ),
    )
    async def submit_response(
        self,
        request: Request,
        state: State,
        # forbid_unknown_fields, said in the schema too (Litestar does not carry it over)
        data: Annotated[ResponseIn, Body(schema_extra={"additionalProperties": False})],
    ) -> ResponseStored:
        if data.language is not None and data.language not in LANGUAGES:
            raise ApiError(
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                detail=f"language: must be one of {', '.join(LANGUAGES)}",
                extra={"errors": {"language": "unknown_language"}},
            )
        try:
            survey = await open_guarded(state.link_guard, request, data.token)
            questionnaire = questionnaire_for_version(state, survey.questionnaire_version_id)
            checked = check_answers(questionnaire, data.answers, reject_unknown=True)
            if not checked.ok:
                names = ", ".join(f"{k} ({v})" for k, v in checked.problems.items())
                raise ApiError(
                    status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                    detail=f"answers: problems with {names}",
                    extra={"errors": checked.problems},
                )
            language = choose_language(data.language, survey.language, None)
            await record_response(data.token, checked.values, language)
        except SurveyLinkError as error:
            raise ApiError(
                status_code=error.status, detail=f"token: {_LINK_DETAIL[error.code]}"
            ) from None
        return ResponseStored()


_LINK_DETAIL = {
    "unknown": "unknown survey link",
    "expired": "the survey link has expired",
    "used": "the survey link has already been used",
    "too_many": "too many unknown links from this client; wait a few minutes",
}
