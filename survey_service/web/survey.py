"""The patient's pages behind a survey link (``/s/<token>``), and thanks.

Thin handlers: they parse the request, call the answer use case
(:mod:`survey_service.responses.answering`) and render. Link problems are
raised and become pages in one place (:mod:`survey_service.web.errors`).
"""

from __future__ import annotations

import contextlib
from typing import Any

from babel.dates import format_date
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from survey_service.i18n import translations
from survey_service.localtime import LOCAL_ZONE, utc_now
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.rendering import page
from survey_service.responses.answering import (
    InvalidAnswers,
    InvalidModule,
    SurveyEntry,
    answer,
    open_link,
    with_module,
)
from survey_service.settings import Settings
from survey_service.web.dependencies import LanguagePreference
from survey_service.web.guard import BoundGuard
from survey_service.web.link_cookies import answered_cookie, answered_here
from survey_service.web.question_cache import QuestionCache
from survey_service.web.resume import (
    MAX_SEALED,
    RESUME_COOKIE,
    fitting,
    forget_cookie,
    resume_cookie,
    saved_module,
    unseal,
)
from survey_service.web.survey_page import (
    MODULE_FIELD,
    follow_up_step,
    form_answers,
    form_module,
    form_step,
    kept_answers,
    refused_page,
    survey_page,
    switch_pressed,
    switched_page,
)


class SurveyController(Controller):
    path = "/s"
    include_in_schema = False

    @get("/{token:str}")
    async def show(
        self,
        request: Request,
        token: str,
        published: PublishedCatalogue,
        guard: BoundGuard,
        patient_language: LanguagePreference,
        questions: QuestionCache,
        settings: Settings,
    ) -> Template:
        # Before the lookup: this browser answered here, so the link is gone by
        # design, and a revisit is neither a guess nor a problem.
        if answered_here(request):
            return already_answered(patient_language.choose())
        entry = await open_link(token, published, guard)
        language = patient_language.choose(entry.survey.language, entry.questionnaire)
        saved = request.cookies.get(RESUME_COOKIE)
        values = unseal(settings.secret_keys, token, saved) if saved else None
        if not values:
            return survey_page(entry, language, f"/s/{token}", questions, can_save=True)
        # A link from before rotations drew its module when first shown; a
        # cookie naming another one than the link's keeps the link's.
        module = saved_module(values)
        with contextlib.suppress(InvalidModule):
            entry = with_module(entry, module)
        _ = translations(language).gettext
        return survey_page(
            entry,
            language,
            f"/s/{token}",
            questions,
            values,
            notice=_("The answers you saved on this phone are filled in. Check them and carry on."),
            can_save=True,
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
        settings: Settings,
    ) -> Template | Redirect:
        if answered_here(request):
            # Sent again (back button, double tap): the first answer counts.
            return already_answered(patient_language.choose())
        entry = await open_link(token, published, guard)
        chosen = patient_language.choose(entry.survey.language, entry.questionnaire)
        form = await request.form()
        entry = with_module(entry, form_module(form), MODULE_FIELD)
        if switch_pressed(form):
            return switched_page(entry, chosen, f"/s/{token}", questions, form, can_save=True)
        if form.get("save"):
            return save_for_later(entry, token, chosen, questions, form, settings)
        step_page = follow_up_step(entry, chosen, f"/s/{token}", questions, form, can_save=True)
        if step_page is not None:
            return step_page
        try:
            await answer(entry, form_answers(form), chosen, reject_unknown=False)
        except InvalidAnswers as invalid:
            return refused_page(entry, chosen, f"/s/{token}", questions, invalid, can_save=True)
        return Redirect(
            f"/thanks?lang={chosen}",
            status_code=HTTP_303_SEE_OTHER,
            cookies=[
                answered_cookie(token, entry.survey.expires_at, settings, utc_now()),
                forget_cookie(token, settings),
            ],
        )


def save_for_later(
    entry: SurveyEntry,
    token: str,
    language: str,
    questions: QuestionCache,
    form: Any,
    settings: Settings,
) -> Template:
    """The same page with the answers so far sealed into a cookie on this phone."""
    _ = translations(language).gettext
    answers = kept_answers(entry, form)
    free_text = {item.id for item in entry.questionnaire.items if item.type == "free_text"}
    value, complete = fitting(settings.secret_key, token, answers, free_text, entry.module)
    action = f"/s/{token}"
    step = form_step(form)  # saved from step 2, the patient stays on step 2
    if len(value) > MAX_SEALED:  # cannot happen with choices alone; say so if it does
        notice = _("Your answers could not be saved on this phone. Please send them now.")
        return survey_page(entry, language, action, questions, answers, notice=notice, step=step)
    until = entry.survey.expires_at or utc_now()
    notice = _(
        "Your answers are saved on this phone until %(date)s. Open the link again to carry on."
    ) % {"date": format_date(until.astimezone(LOCAL_ZONE).date(), "long", locale=language)}
    if not complete:
        notice += " " + _("Long written comments could not be saved; copy them if you need them.")
    page_ = survey_page(
        entry, language, action, questions, answers, notice=notice, can_save=True, step=step
    )
    page_.cookies.append(resume_cookie(value, token, entry.survey.expires_at, settings, utc_now()))
    return page_


def already_answered(language: str) -> Template:
    return page("thanks.html", language, already=True)


@get("/thanks", include_in_schema=False)
async def thanks(patient_language: LanguagePreference) -> Template:
    return page("thanks.html", patient_language.choose())
