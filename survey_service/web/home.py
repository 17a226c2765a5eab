"""The front page: what this service is, and the demo's links when there are any."""

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Template

from survey_service.web.i18n import choose_language
from survey_service.web.rendering import page


@get("/", include_in_schema=False)
async def home(request: Request, state: State) -> Template:
    language = choose_language(
        request.query_params.get("lang"), None, request.headers.get("accept-language")
    )
    questionnaires = [q for q in state.catalogue.catalogue.questionnaires() if q.published]
    return page(
        "home.html",
        language,
        questionnaires=questionnaires,
        demo_links=state.get("demo_links", []),
    )
