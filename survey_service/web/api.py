"""The JSON API for systems: questionnaires out, responses in (``/api/v1``)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_422_UNPROCESSABLE_ENTITY

from survey_service.questionnaires.answers import check_answers
from survey_service.questionnaires.sync import definition_json
from survey_service.responses.service import SurveyLinkError, open_survey, record_response
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

    @get("/questionnaires/{slug:str}/{version:int}", summary="One questionnaire version, expanded")
    async def get_questionnaire(
        self, state: State, slug: str, version: Annotated[int, Parameter(ge=1)]
    ) -> dict[str, Any]:
        q = state.catalogue.catalogue.get(slug, version)
        if q is None or not q.published or q.kind != "questionnaire":
            raise NotFoundException(f"no published questionnaire {slug}/{version}")
        return definition_json(q)

    @post(
        "/responses",
        status_code=HTTP_201_CREATED,
        summary="Submit an anonymous response",
        raises=[ApiError],
        description=(
            "Redeems the single-use token and stores the answers without any link to it. "
            "404: unknown token; 409: already used; 410: expired; 422: invalid answers "
            "(`errors` maps item ids to problem codes)."
        ),
    )
    async def submit_response(self, state: State, data: ResponseIn) -> ResponseStored:
        if data.language is not None and data.language not in LANGUAGES:
            raise ApiError(
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                detail=f"language: must be one of {', '.join(LANGUAGES)}",
                extra={"errors": {"language": "unknown_language"}},
            )
        try:
            survey = await open_survey(data.token)
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
}
