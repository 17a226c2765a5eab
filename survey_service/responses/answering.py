"""The answer use case: open a survey, check the answers, store them.

One path for every way a patient answers: the single-use link's page
(``/s/<token>``), the waiting-room poster's page (``/p/<code>``) and the JSON
API (``POST /api/v1/responses``). Handlers only parse the request and render
what these functions return or raise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from analysis.scrub import scrub_text
from survey_service.db import write_transaction
from survey_service.errors import InvalidInput, NotFound, TooManyRequests
from survey_service.localtime import local_today, utc_now
from survey_service.practices.service import get_practice
from survey_service.questionnaires.answers import check_answers
from survey_service.questionnaires.model import Questionnaire
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.responses.service import (
    SurveyContext,
    SurveyLinkError,
    UnknownLink,
    open_survey,
    record_response,
    store_response,
)

__all__ = [
    "ClientGuard",
    "InvalidAnswers",
    "SurveyEntry",
    "TooManyGuesses",
    "TooManyPosterAnswers",
    "UnknownPoster",
    "answer",
    "open_link",
    "open_poster",
]


class TooManyGuesses(SurveyLinkError, TooManyRequests):
    """This client has looked up too many unknown links lately."""

    code = "too_many"
    default_detail = "token: too many unknown links from this client; wait a few minutes"


class TooManyPosterAnswers(TooManyRequests):
    """More poster answers from one client than a waiting room would give."""

    code = "too_many_answers"
    default_detail = "too many answers through this poster from this client; wait an hour"
    retry_after = 3600


class UnknownPoster(NotFound):
    code = "unknown_poster"
    default_detail = "practice: no poster survey for this code"


class InvalidAnswers(InvalidInput):
    """Answers that do not fit the questionnaire; ``errors`` maps item id -> problem."""

    code = "invalid_answers"

    def __init__(self, problems: Mapping[str, str], kept: Mapping[str, str]) -> None:
        names = ", ".join(f"{k} ({v})" for k, v in problems.items())
        super().__init__(f"answers: problems with {names}", errors=problems)
        #: what the patient gave that can be shown again on the form
        self.kept = dict(kept)


class ClientGuard(Protocol):
    """Counts one client's misses (the web layer binds it to the request)."""

    async def blocked(self) -> bool: ...

    async def record_miss(self) -> None: ...


@dataclass(frozen=True)
class SurveyEntry:
    """An opened survey: who it is for, which questionnaire, and how it came."""

    survey: SurveyContext
    questionnaire: Questionnaire
    #: the single-use token; None for a practice's poster
    token: str | None = None


async def open_link(token: str, published: PublishedCatalogue, guard: ClientGuard) -> SurveyEntry:
    """Open a single-use link without using it up; misses count against guessing."""
    if await guard.blocked():
        raise TooManyGuesses()
    try:
        survey = await open_survey(token)
    except UnknownLink:
        await guard.record_miss()
        raise
    return SurveyEntry(survey, published.questionnaire(survey.questionnaire_version_id), token)


async def open_poster(code: str, published: PublishedCatalogue) -> SurveyEntry:
    """The survey a practice's waiting-room poster leads to."""
    practice = await get_practice(code)
    offered = published.poster_version(practice.sector) if practice and practice.active else None
    if practice is None or offered is None:
        raise UnknownPoster()
    questionnaire, version_id = offered
    survey = SurveyContext(
        practice_id=practice.id,
        practice_name=practice.name,
        questionnaire_version_id=version_id,
        channel="poster",
        language="",
        visit_date=local_today(utc_now()),
    )
    return SurveyEntry(survey, questionnaire)


async def answer(
    entry: SurveyEntry,
    submitted: Mapping[str, object],
    language: str,
    *,
    reject_unknown: bool,
    poster_allowed: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Check ``submitted`` against the questionnaire and store it, all or nothing.

    Raises :class:`InvalidAnswers` (nothing stored, the link still usable), a
    :class:`~survey_service.responses.service.SurveyLinkError` when the link was
    used or expired meanwhile, or :class:`TooManyPosterAnswers`.
    """
    checked = check_answers(entry.questionnaire, submitted, reject_unknown=reject_unknown)
    if not checked.ok:
        kept = {k: v for k, v in submitted.items() if isinstance(v, str)}
        raise InvalidAnswers(checked.problems, kept)
    values = _scrubbed(entry.questionnaire, checked.values)
    if entry.token is not None:
        await record_response(entry.token, values, language)
        return
    if poster_allowed is not None and not await poster_allowed():
        raise TooManyPosterAnswers()
    async with write_transaction():
        await store_response(
            practice_id=entry.survey.practice_id,
            questionnaire_version_id=entry.survey.questionnaire_version_id,
            channel=entry.survey.channel,
            language=language,
            visit_date=entry.survey.visit_date,
            answers=values,
        )


def _scrubbed(questionnaire: Questionnaire, values: dict[str, str]) -> dict[str, str]:
    """Free text with names, CPR and phone numbers masked: the raw text is never stored."""
    free_text = {item.id for item in questionnaire.items if item.type == "free_text"}
    return {k: scrub_text(v) if k in free_text else v for k, v in values.items()}
