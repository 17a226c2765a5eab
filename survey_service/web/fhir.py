"""Published results as FHIR R5: ``GET /api/v1/fhir/MeasureReport`` (public, docs/fhir.md).

Under ``/api`` so errors come back as the API's JSON like every other system
endpoint. Only published periods exist here; the analysts' anonymous
QuestionnaireResponse export is a CLI command, not a web page.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter

from survey_service.openapi_errors import error_responses
from survey_service.results.fhir import measure_reports, search_of, searchset
from survey_service.results.publication import public_view
from survey_service.settings import Settings

# The shapes in the OpenAPI document (Litestar refuses others with a 400 naming
# the field); results.fhir.search_of checks the rest (unknown or repeated names).
PERIOD = r"^[1-9][0-9]{3}(-(0[1-9]|1[0-2])|-[Qq][1-4])?$"
SUBJECT = r"^(Organization/)?[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"
SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"


class FhirController(Controller):
    path = "/api/v1/fhir"
    tags = ("results",)

    @get(
        "/MeasureReport",
        summary="Published results of units as FHIR R5 MeasureReports (a searchset Bundle)",
        media_type="application/fhir+json",
        responses=error_responses(400, 404),
        description=(
            "One summary MeasureReport per unit and questionnaire of the newest published "
            "revision of the period. 400: malformed, repeated or unknown parameter; 404: "
            "nothing published for the period."
        ),
    )
    async def measure_reports(
        self,
        request: Request,
        settings: Settings,
        period: Annotated[str, Parameter(pattern=PERIOD, description="YYYY-MM, YYYY-Qn or YYYY")],
        subject: Annotated[
            str | None, Parameter(pattern=SUBJECT, description="a unit code")
        ] = None,
        questionnaire: Annotated[
            str | None, Parameter(pattern=SLUG, description="a questionnaire slug")
        ] = None,
    ) -> dict[str, Any]:
        # The declared parameters are for the schema and its checks; search_of
        # reads the whole query string, so nothing unchecked slips past it.
        search = search_of(request.query_params.dict())
        view = await public_view(search.period.label)
        base = settings.public_base_url
        query = f"?{request.url.query}" if request.url.query else ""
        return searchset(
            measure_reports(view, search, base), f"{base}/api/v1/fhir/MeasureReport{query}"
        )
