"""The patient's pages: the questionnaire behind a survey link, and thanks.

Server-rendered HTML that works without JavaScript: one page, one submit.
Invalid answers come back on the same page with every answer kept and each
problem next to its question.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from survey_service.questionnaires.answers import (
    NOT_A_NUMBER,
    NOT_AN_OPTION,
    NOT_TEXT,
    OUT_OF_RANGE,
    REQUIRED,
    TOO_LONG,
    check_answers,
)
from survey_service.questionnaires.model import FREE_TEXT_LIMIT, Item, Questionnaire
from survey_service.responses.service import (
    SurveyContext,
    SurveyLinkError,
    record_response,
)
from survey_service.web.guard import open_guarded
from survey_service.web.i18n import choose_language, translations
from survey_service.web.question_cache import QuestionCache
from survey_service.web.rendering import language_context, page, text_in
from survey_service.web.state import questionnaire_for_version


def problem_messages(language: str) -> dict[str, str]:
    _ = translations(language).gettext
    return {
        REQUIRED: _("Please answer this question."),
        NOT_AN_OPTION: _("Please choose one of the answers shown."),
        NOT_TEXT: _("Please choose one of the answers shown."),
        TOO_LONG: _("Your answer is too long. Please shorten it to at most %(max)d characters.")
        % {"max": FREE_TEXT_LIMIT},
        NOT_A_NUMBER: _("Please write a whole number."),
        OUT_OF_RANGE: _("Please write a number within the range asked for."),
    }


def link_problem_page(error: SurveyLinkError, language: str) -> Template:
    _ = translations(language).gettext
    headings = {
        "unknown": (
            _("We could not find this survey"),
            _("The link may be incomplete. Please check that you copied all of it."),
        ),
        "expired": (
            _("This survey has closed"),
            _("The link is no longer valid, so answers cannot be given through it."),
        ),
        "too_many": (
            _("Too many attempts"),
            _("Please wait a few minutes and try again."),
        ),
        "used": (
            _("This survey has already been answered"),
            _("Each link can be used once, and answers have already been sent through this one."),
        ),
    }
    heading, message = headings.get(error.code, (_("This link cannot be used"), ""))
    return page(
        "link_problem.html",
        language,
        status_code=error.status,
        heading=heading,
        message=message,
    )


def _survey_page(
    state: State,
    token: str,
    survey: SurveyContext,
    questionnaire: Questionnaire,
    language: str,
    values: dict[str, str],
    problems: dict[str, str],
    status_code: int = 200,
    action: str | None = None,
) -> Template:
    numbers = {item.id: n for n, item in enumerate(questionnaire.items, start=1)}
    messages = problem_messages(language)

    def condition_answers(item: Item) -> str:
        assert item.show_if is not None
        target = questionnaire.item(item.show_if.item)
        texts = [text_in(o.text, language) for o in target.options if o.code in item.show_if.codes]
        return " / ".join(texts)

    questions = {
        "questionnaire": questionnaire,
        "values": values,
        "problems": problems,
        "numbers": numbers,
        "problem_text": lambda code: messages.get(code, code),
        "condition_answers": condition_answers,
    }
    cache: QuestionCache | None = state.get("question_cache")
    questions_html = None
    if cache is not None and not values and not problems:
        questions_html = cache.blank(
            (questionnaire.key, language), {**language_context(language), **questions}
        )
    return page(
        "survey.html",
        language,
        status_code=status_code,
        practice_name=survey.practice_name,
        action=action or f"/s/{token}",
        questions_html=questions_html,
        **questions,
    )


def form_answers(form: Any) -> dict[str, object]:
    """Answers from a submitted form (shared by /s/ and the QR poster's /p/)."""
    submitted: dict[str, object] = {}
    for key in form:
        values = form.getall(key)
        # A field sent twice with different values is not one answer.
        submitted[key] = values[0] if len(set(values)) == 1 else ["ambiguous"]
    return submitted


class SurveyController(Controller):
    path = "/s"
    include_in_schema = False

    @get("/{token:str}")
    async def show(self, request: Request, state: State, token: str) -> Template:
        explicit = request.query_params.get("lang")
        try:
            survey = await open_guarded(state.link_guard, request, token)
        except SurveyLinkError as error:
            language = choose_language(explicit, None, request.headers.get("accept-language"))
            return link_problem_page(error, language)
        language = choose_language(
            explicit, survey.language, request.headers.get("accept-language")
        )
        questionnaire = questionnaire_for_version(state, survey.questionnaire_version_id)
        return _survey_page(state, token, survey, questionnaire, language, {}, {})

    @post("/{token:str}", status_code=HTTP_303_SEE_OTHER)
    async def submit(self, request: Request, state: State, token: str) -> Template | Redirect:
        form = await request.form()
        explicit = form.get("_lang")
        accept = request.headers.get("accept-language")
        try:
            survey = await open_guarded(state.link_guard, request, token)
        except SurveyLinkError as error:
            return link_problem_page(error, choose_language(explicit, None, accept))
        language = choose_language(explicit, survey.language, accept)
        questionnaire = questionnaire_for_version(state, survey.questionnaire_version_id)
        submitted = form_answers(form)
        checked = check_answers(questionnaire, submitted, reject_unknown=False)
        if not checked.ok:
            kept = {k: v for k, v in submitted.items() if isinstance(v, str)}
            return _survey_page(
                state,
                token,
                survey,
                questionnaire,
                language,
                kept,
                checked.problems,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        try:
            await record_response(token, checked.values, language)
        except SurveyLinkError as error:
            return link_problem_page(error, language)
        return Redirect(f"/thanks?lang={language}", status_code=HTTP_303_SEE_OTHER)


@get("/thanks", include_in_schema=False)
async def thanks(request: Request) -> Template:
    language = choose_language(
        request.query_params.get("lang"), None, request.headers.get("accept-language")
    )
    return page("thanks.html", language)
