"""The JSON API for systems: questionnaires out, responses in (``/api/v1``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.params import Body, Parameter
from litestar.status_codes import HTTP_201_CREATED

from survey_service.errors import InvalidInput, NotFound
from survey_service.i18n import PATIENT_LANGUAGES, choose_language, offered_languages
from survey_service.openapi_errors import error_responses
from survey_service.questionnaires.fhir import to_fhir
from survey_service.questionnaires.model import Questionnaire
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.questionnaires.sync import definition_json
from survey_service.responses.answering import answer, infer_module, open_link, with_module
from survey_service.settings import Settings
from survey_service.web.guard import BoundGuard
from survey_service.web.openapi_links import QuestionnaireListOperation


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
    module: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=64,
                description=(
                    "for a split questionnaire, the rotating module (slug/version) the patient "
                    "was shown; the link's own module wins and a different one is refused. "
                    "Omitted: the link's module, else the one module the answers belong to"
                ),
            ),
        ]
        | None
    ) = None


class ResponseStored(msgspec.Struct):
    status: str = "stored"


class QuestionnaireSummary(msgspec.Struct):
    slug: str
    version: int
    title: dict[str, str]
    provider_groups: list[str]
    items: int


class ApiController(Controller):
    path = "/api/v1"
    tags = ("survey",)

    @get(
        "/questionnaires",
        summary="Published questionnaire versions",
        operation_class=QuestionnaireListOperation,
    )
    async def list_questionnaires(
        self, published: PublishedCatalogue
    ) -> list[QuestionnaireSummary]:
        return [
            QuestionnaireSummary(
                slug=q.slug,
                version=q.version,
                title=dict(q.title),
                provider_groups=list(q.provider_groups),
                items=len(q.items),
            )
            for q in published.catalogue.questionnaires()
            if q.published
        ]

    @get(
        "/questionnaires/{slug:str}/{version:int}",
        summary="One questionnaire version, expanded",
        responses=error_responses(404),
    )
    async def get_questionnaire(
        self, published: PublishedCatalogue, slug: str, version: Annotated[int, Parameter(ge=1)]
    ) -> dict[str, Any]:
        return definition_json(_published_questionnaire(published, slug, version))

    @get(
        "/questionnaires/{slug:str}/{version:int}/fhir",
        summary="One questionnaire version as a FHIR R5 Questionnaire",
        media_type="application/fhir+json",
        responses=error_responses(404),
    )
    async def get_questionnaire_fhir(
        self,
        published: PublishedCatalogue,
        settings: Settings,
        slug: str,
        version: Annotated[int, Parameter(ge=1)],
        lang: Annotated[Literal["da", "en"], Parameter(query="lang")] = "da",
    ) -> dict[str, Any]:
        q = _published_questionnaire(published, slug, version)
        return to_fhir(q, settings.public_base_url, language=lang)

    @post(
        "/responses",
        status_code=HTTP_201_CREATED,
        summary="Submit an anonymous response",
        responses=error_responses(404, 409, 410, 422, 429, 503),
        description=(
            "Redeems the single-use token and stores the answers without any link to it. "
            "404: unknown token; 409: already used; 410: expired; 422: invalid answers "
            "(`errors` maps item ids to problem codes; `not_in_module` for an item of a "
            "rotating module the patient was not given) or a `module` not in the rotation."
        ),
    )
    async def submit_response(
        self,
        published: PublishedCatalogue,
        guard: BoundGuard,
        # forbid_unknown_fields, said in the schema too (Litestar does not carry it over)
        data: Annotated[ResponseIn, Body(schema_extra={"additionalProperties": False})],
    ) -> ResponseStored:
        if data.language is not None and data.language not in PATIENT_LANGUAGES:
            raise InvalidInput(
                f"language: must be one of {', '.join(PATIENT_LANGUAGES)}",
                errors={"language": "unknown_language"},
            )
        entry = await open_link(data.token, published, guard)
        requested = data.module
        if requested is None and not entry.survey.module:
            requested = infer_module(entry, data.answers)
        entry = with_module(entry, requested)
        offered = offered_languages(entry.questionnaire)
        if data.language is not None and data.language not in offered:
            # The stored language says what the patient read; this version has no such text.
            raise InvalidInput(
                f"language: {entry.questionnaire.key} is offered in {', '.join(offered)} only",
                errors={"language": "language_not_offered"},
            )
        language = choose_language(data.language, entry.survey.language, None, offered)
        await answer(entry, data.answers, language, reject_unknown=True)
        return ResponseStored()


def _published_questionnaire(
    published: PublishedCatalogue, slug: str, version: int
) -> Questionnaire:
    q = published.catalogue.get(slug, version)
    if q is None or not q.published or q.kind != "questionnaire":
        raise NotFound(f"questionnaire: no published questionnaire {slug}/{version}")
    return q
