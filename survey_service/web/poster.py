"""The QR poster's page (``/p/<practice code>``): anyone in the waiting room may answer.

The poster link is not single-use, so answers are limited per client and hour
(``POSTER_ANSWERS_PER_HOUR``) in the app's shared counter store (memory, or
Redis when several app processes run). The answer is stored with channel
``poster`` and the month of today.
"""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.responses.answering import InvalidAnswers, answer, open_poster, with_module
from survey_service.settings import Settings
from survey_service.web.dependencies import LanguagePreference
from survey_service.web.guard import BoundGuard
from survey_service.web.question_cache import QuestionCache
from survey_service.web.survey_page import (
    MODULE_FIELD,
    follow_up_step,
    form_answers,
    form_module,
    refused_page,
    survey_page,
    switch_pressed,
    switched_page,
)

POSTER_WINDOW_SECONDS = 3600


class PosterController(Controller):
    path = "/p"
    include_in_schema = False

    @get("/{code:str}")
    async def show(
        self,
        code: str,
        published: PublishedCatalogue,
        patient_language: LanguagePreference,
        questions: QuestionCache,
        guard: BoundGuard,
    ) -> Template:
        entry = await open_poster(code, published, guard)
        language = patient_language.choose(None, entry.questionnaire)
        return survey_page(entry, language, f"/p/{code}", questions)

    @post("/{code:str}", status_code=HTTP_303_SEE_OTHER)
    async def submit(
        self,
        request: Request,
        code: str,
        published: PublishedCatalogue,
        patient_language: LanguagePreference,
        questions: QuestionCache,
        guard: BoundGuard,
        settings: Settings,
    ) -> Template | Redirect:
        entry = await open_poster(code, published, guard)
        chosen = patient_language.choose(None, entry.questionnaire)
        form = await request.form()
        # The module drawn when the page was first shown, carried in the form.
        entry = with_module(entry, form_module(form), MODULE_FIELD)
        if switch_pressed(form):
            return switched_page(entry, chosen, f"/p/{code}", questions, form)
        step_page = follow_up_step(entry, chosen, f"/p/{code}", questions, form)
        if step_page is not None:
            return step_page

        async def allowed() -> bool:
            key = f"poster:{code}:{guard.guard.client_key(request)}"
            count = await guard.guard.store.add(key, POSTER_WINDOW_SECONDS)
            return count <= settings.poster_answers_per_hour

        try:
            await answer(
                entry,
                form_answers(form),
                chosen,
                reject_unknown=False,
                poster_allowed=allowed,
            )
        except InvalidAnswers as invalid:
            return refused_page(entry, chosen, f"/p/{code}", questions, invalid)
        return Redirect(f"/thanks?lang={chosen}", status_code=HTTP_303_SEE_OTHER)
