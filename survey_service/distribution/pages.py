"""Patient pages of distribution: the QR poster's entry and "no more texts".

``/p/{practice code}`` is the poster's code: anyone in the waiting room may
answer, as often as the rate limit allows, and the answer is stored with
channel ``poster`` and today's date. ``/s/{token}/stop`` is the opt-out link
in every SMS; it sits under ``/s/`` so the access log redacts its token and
responses are never cached, exactly like the survey link itself.
"""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from survey_service.db import write_transaction
from survey_service.distribution.controllers import app_settings
from survey_service.distribution.optout import key_for_token, opt_out_by_token
from survey_service.distribution.ratelimit import SlidingWindowLimiter
from survey_service.distribution.timing import local_today, utc_now
from survey_service.practices.service import get_practice
from survey_service.questionnaires.answers import check_answers
from survey_service.responses.service import SurveyContext, UnknownLink, store_response
from survey_service.web.i18n import choose_language, translations
from survey_service.web.rendering import page
from survey_service.web.survey import _survey_page, form_answers, link_problem_page

POSTER_WINDOW_SECONDS = 3600.0


async def _poster_survey(state: State, code: str) -> SurveyContext:
    """The survey a practice's poster leads to; 404 for unknown or inactive practices."""
    practice = await get_practice(code)
    if practice is None or not practice.active:
        raise NotFoundException()
    catalogue_state = state.catalogue
    questionnaire = catalogue_state.catalogue.for_sector(practice.sector)
    version_id = (
        catalogue_state.ids.get((questionnaire.slug, questionnaire.version))
        if questionnaire
        else None
    )
    if version_id is None:
        raise NotFoundException()
    return SurveyContext(
        practice_id=practice.id,
        practice_name=practice.name,
        questionnaire_version_id=version_id,
        channel="poster",
        language="",
        visit_date=local_today(utc_now()),
    )


async def _poster_allowed(request: Request, state: State, code: str) -> bool:
    """Count one poster answer for this client; False when over the hourly limit.

    Uses the app's shared counter store (memory, or Redis when several app
    processes run) through its link guard when there is one; otherwise a
    limiter in this process.
    """
    limit = app_settings(state).poster_answers_per_hour
    guard = state.get("link_guard")
    if guard is not None:
        key = f"poster:{code}:{guard.client_key(request)}"
        return await guard.store.add(key, int(POSTER_WINDOW_SECONDS)) <= limit
    limiter = state.get("poster_limiter")
    if limiter is None:
        limiter = state["poster_limiter"] = SlidingWindowLimiter(limit, POSTER_WINDOW_SECONDS)
    client = request.client.host if request.client else ""
    return limiter.hit(code, client)


class PosterController(Controller):
    path = "/p"
    include_in_schema = False

    @get("/{code:str}")
    async def show(self, request: Request, state: State, code: str) -> Template:
        survey = await _poster_survey(state, code)
        language = choose_language(
            request.query_params.get("lang"), None, request.headers.get("accept-language")
        )
        questionnaire = state.catalogue.by_id[survey.questionnaire_version_id]
        return _survey_page(state, "", survey, questionnaire, language, {}, {}, action=f"/p/{code}")

    @post("/{code:str}", status_code=HTTP_303_SEE_OTHER)
    async def submit(self, request: Request, state: State, code: str) -> Template | Redirect:
        survey = await _poster_survey(state, code)
        form = await request.form()
        language = choose_language(form.get("_lang"), None, request.headers.get("accept-language"))
        questionnaire = state.catalogue.by_id[survey.questionnaire_version_id]
        submitted = form_answers(form)
        checked = check_answers(questionnaire, submitted, reject_unknown=False)
        if not checked.ok:
            kept = {k: v for k, v in submitted.items() if isinstance(v, str)}
            return _survey_page(
                state,
                "",
                survey,
                questionnaire,
                language,
                kept,
                checked.problems,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                action=f"/p/{code}",
            )
        if not await _poster_allowed(request, state, code):
            raise HTTPException(
                status_code=HTTP_429_TOO_MANY_REQUESTS, headers={"retry-after": "3600"}
            )
        async with write_transaction():
            await store_response(
                practice_id=survey.practice_id,
                questionnaire_version_id=survey.questionnaire_version_id,
                channel="poster",
                language=language,
                visit_date=survey.visit_date,
                answers=checked.values,
            )
        return Redirect(f"/thanks?lang={language}", status_code=HTTP_303_SEE_OTHER)


def _opt_out_page(language: str, token: str, *, ask: bool) -> Template:
    _ = translations(language).gettext
    if ask:
        heading = _("Stop text messages from the patient survey?")
        message = _(
            "You will get no more text messages from the patient survey on this phone "
            "number, also after later visits."
        )
    else:
        heading = _("You will get no more text messages from us")
        message = _(
            "Your phone number is on our list of numbers not to contact. We keep it only in "
            "a form that cannot be turned back into the number."
        )
    return page(
        "opt_out.html",
        language,
        heading=heading,
        message=message,
        ask=ask,
        action=f"/s/{token}/stop",
    )


async def _known_link(request: Request, state: State, token: str) -> str | None:
    """The number's keyed hash behind ``token``; counts misses against guessing.

    Uses the app's link guard (``state.link_guard``, the one that protects
    ``/s/<token>``) when there is one, so the opt-out link is no side door for
    trying tokens.
    """
    guard = state.get("link_guard")
    if guard is not None and await guard.blocked(request):
        raise HTTPException(status_code=HTTP_429_TOO_MANY_REQUESTS)
    key = await key_for_token(token)
    if key is None and guard is not None:
        await guard.record_miss(request)
    return key


class OptOutController(Controller):
    path = "/s"
    include_in_schema = False

    @get("/{token:str}/stop")
    async def ask(self, request: Request, state: State, token: str) -> Template:
        language = choose_language(
            request.query_params.get("lang"), None, request.headers.get("accept-language")
        )
        if await _known_link(request, state, token) is None:
            return link_problem_page(UnknownLink(), language)
        return _opt_out_page(language, token, ask=True)

    @post("/{token:str}/stop", status_code=200)
    async def confirm(self, request: Request, state: State, token: str) -> Template:
        form = await request.form()
        language = choose_language(form.get("_lang"), None, request.headers.get("accept-language"))
        if await _known_link(request, state, token) is None:
            return link_problem_page(UnknownLink(), language)
        await opt_out_by_token(token, utc_now())
        return _opt_out_page(language, token, ask=False)
