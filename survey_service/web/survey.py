"""The patient's pages behind a survey link (``/s/<token>``), and thanks.

Thin handlers: they parse the request, call the answer use case
(:mod:`survey_service.responses.answering`) and render. Link problems are
raised and become pages in one place (:mod:`survey_service.web.errors`).
"""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.rendering import page
from survey_service.responses.answering import InvalidAnswers, answer, open_link
from survey_service.web.dependencies import LanguagePreference
from survey_service.web.guard import BoundGuard
from survey_service.web.question_cache import QuestionCache
from survey_service.web.survey_page import form_answers, survey_page


class SurveyController(Controller):
    path = "/s"
    include_in_schema = False

    @get("/{token:str}")
    async def show(
        self,
        token: str,
        published: PublishedCatalogue,
        guard: BoundGuard,
        patient_language: LanguagePreference,
        questions: QuestionCache,
    ) -> Template:
        entry = await open_link(token, published, guard)
        return survey_page(
            entry, patient_language.choose(entry.survey.language), f"/s/{token}", questions
        )

    @post("/{token:str}", status_code=HTTP_303_SEE_OTHER)
    async def submit(
        self,
        request: Request,
        token: str,
        published: PublishedCatalogue,
        guard: BoundGuard,
        patient_language: LanguagePreference,
        questions: QuestionCache,
    ) -> Template | Redirect:
        entry = await open_link(token, published, guard)
        chosen = patient_language.choose(entry.survey.language)
        try:
            await answer(entry, form_answers(await request.form()), chosen, reject_unknown=False)
        except InvalidAnswers as invalid:
            return survey_page(
                entry,
                chosen,
                f"/s/{token}",
                questions,
                invalid.kept,
                invalid.errors or {},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/thanks?lang={chosen}", status_code=HTTP_303_SEE_OTHER)


@get("/thanks", include_in_schema=False)
async def thanks(patient_language: LanguagePreference) -> Template:
    return page("thanks.html", patient_language.choose())
