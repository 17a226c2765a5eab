"""The answer use case: open a survey, check the answers, store them.

One path for every way a patient answers: the single-use link's page
(``/s/<token>``), the waiting-room poster's page (``/p/<code>``) and the JSON
API (``POST /api/v1/responses``). Handlers only parse the request and render
what these functions return or raise.
"""

from __future__ import annotations

import dataclasses
import re
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
    "InvalidModule",
    "NoAnswers",
    "SurveyEntry",
    "TooManyGuesses",
    "TooManyPosterAnswers",
    "UnknownPoster",
    "answer",
    "clean_text",
    "infer_module",
    "open_link",
    "open_poster",
    "review",
    "with_module",
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

    def __init__(
        self, problems: Mapping[str, str], kept: Mapping[str, str], detail: str | None = None
    ) -> None:
        names = ", ".join(f"{k} ({v})" for k, v in problems.items())
        super().__init__(detail or f"answers: problems with {names}", errors=problems)
        #: what the patient gave that can be shown again on the form
        self.kept = dict(kept)


#: Where the no-answers problem is reported (the JSON body's field) and its code.
NO_ANSWERS_FIELD = "answers"
NO_ANSWERS = "no_answers"


class NoAnswers(InvalidAnswers):
    """Nothing answered at all: refused, so a blank form never uses up a link.

    Storing it would fake a response (it would count in the response rate and
    use the link up) while telling the practice nothing. The problem belongs to
    the whole ``answers`` field, not to one item.
    """

    code = "no_answers"

    def __init__(self, kept: Mapping[str, str]) -> None:
        super().__init__(
            {NO_ANSWERS_FIELD: NO_ANSWERS},
            kept,
            "answers: nothing was answered; answer at least one question",
        )


#: Problem code for an answer to an item of a rotating module the patient was not given.
NOT_IN_MODULE = "not_in_module"


class InvalidModule(InvalidInput):
    """A module that is not one of the questionnaire's rotation (a tampered form or request)."""

    code = "invalid_module"

    def __init__(self, field: str) -> None:
        super().__init__(
            f"{field}: not a module of this questionnaire's rotation",
            errors={field: "not_in_rotation"},
        )


class ClientGuard(Protocol):
    """Counts one client's misses (the web layer binds it to the request)."""

    async def blocked(self) -> bool: ...

    async def record_miss(self) -> None: ...


@dataclass(frozen=True)
class SurveyEntry:
    """An opened survey: who it is for, which questionnaire, and how it came."""

    survey: SurveyContext
    #: what the patient is shown: the version, or for a split questionnaire
    #: its core plus ``module`` (:meth:`Questionnaire.form`)
    questionnaire: Questionnaire
    #: the single-use token; None for a practice's poster
    token: str | None = None
    #: the rotating module assigned (``slug/version``), "" without a rotation
    module: str = ""
    #: the whole version (every module); None: the same as ``questionnaire``
    full: Questionnaire | None = None

    @property
    def version(self) -> Questionnaire:
        return self.full or self.questionnaire


def with_module(entry: SurveyEntry, requested: str | None, field: str = "module") -> SurveyEntry:
    """``entry`` showing its patient's module: the link's own, else ``requested``, else drawn.

    A link made for a split questionnaire carries the module drawn when it was
    made, and a different ``requested`` one is refused. A poster (and a link
    from before rotations) has none: the page draws one when it is first
    rendered and sends it back in a hidden field, so ``requested`` must then be
    one of the rotation. Anything else is :class:`InvalidModule` naming ``field``.
    """
    version = entry.version
    if not version.rotation:
        if requested:
            raise InvalidModule(field)
        return dataclasses.replace(entry, questionnaire=version, module="", full=version)
    stored = entry.survey.module
    if stored and version.rotating(stored) is not None:
        if requested is not None and requested != stored:
            raise InvalidModule(field)
        module = stored
    elif requested is None:
        module = version.draw_module()
    elif version.rotating(requested) is None:
        raise InvalidModule(field)
    else:
        module = requested
    return dataclasses.replace(
        entry, questionnaire=version.form(module), module=module, full=version
    )


def infer_module(entry: SurveyEntry, submitted: Mapping[str, object]) -> str | None:
    """The one rotating module whose items ``submitted`` answers, if exactly one.

    For API clients that send answers without naming the module of a link made
    before rotations; a stored module still wins (see :func:`with_module`).
    """
    modules = {entry.version.module_of(k) for k, v in submitted.items() if v not in ("", None)}
    modules.discard("")
    return modules.pop() if len(modules) == 1 else None


async def open_link(token: str, published: PublishedCatalogue, guard: ClientGuard) -> SurveyEntry:
    """Open a single-use link without using it up; misses count against guessing.

    The token is looked up first, so a real link always opens, even for a
    client over the miss limit (a patient who mistyped it 20 times must not be
    locked out of their own link); only failures count, and a guesser over the
    limit gets 429 for every unknown link, so guessing stays hopeless.
    """
    try:
        survey = await open_survey(token)
    except UnknownLink:
        await _miss(guard)
        raise
    entry = SurveyEntry(survey, published.questionnaire(survey.questionnaire_version_id), token)
    return with_module(entry, None)


async def _miss(guard: ClientGuard) -> None:
    """Count one failed lookup; 429 (not counted again) once the client is over the limit."""
    if await guard.blocked():
        raise TooManyGuesses()
    await guard.record_miss()


async def open_poster(code: str, published: PublishedCatalogue, guard: ClientGuard) -> SurveyEntry:
    """The survey a practice's waiting-room poster leads to.

    Unknown codes are misses in the link guard, so practice codes cannot be
    enumerated through ``/p/<code>``; a known poster always opens.
    """
    practice = await get_practice(code) if _POSTER_CODE.fullmatch(code) else None
    offered = published.poster_version(practice.sector) if practice and practice.active else None
    if practice is None or offered is None:
        await _miss(guard)
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
    return with_module(SurveyEntry(survey, questionnaire), None)


async def answer(
    entry: SurveyEntry,
    submitted: Mapping[str, object],
    language: str,
    *,
    reject_unknown: bool,
    poster_allowed: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Check ``submitted`` against the questionnaire and store it, all or nothing.

    Raises :class:`InvalidAnswers` (nothing stored, the link still usable; its
    subclass :class:`NoAnswers` when nothing at all was answered), a
    :class:`~survey_service.responses.service.SurveyLinkError` when the link was
    used or expired meanwhile, or :class:`TooManyPosterAnswers`.
    """
    values = _scrubbed(entry.questionnaire, _checked(entry, submitted, reject_unknown))
    if entry.token is not None:
        await record_response(entry.token, values, language, entry.module)
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
            module=entry.module,
        )


def review(entry: SurveyEntry, submitted: Mapping[str, object]) -> InvalidAnswers | None:
    """What :func:`answer` would refuse in ``submitted``, without storing anything.

    For showing a page again (say, in another language) with the problems the
    patient was already shown still marked.
    """
    try:
        _checked(entry, submitted, reject_unknown=False)
    except InvalidAnswers as invalid:
        return invalid
    return None


def _checked(
    entry: SurveyEntry, submitted: Mapping[str, object], reject_unknown: bool
) -> dict[str, str]:
    """The checked answers, or :class:`InvalidAnswers` / :class:`NoAnswers`."""
    submitted = {k: clean_text(v) if isinstance(v, str) else v for k, v in submitted.items()}
    checked = check_answers(entry.questionnaire, submitted, reject_unknown=reject_unknown)
    kept = {k: v for k, v in submitted.items() if isinstance(v, str)}
    problems = {**checked.problems, **_outside_module(entry, submitted)}
    if problems:
        raise InvalidAnswers(problems, kept)
    if not checked.values:
        raise NoAnswers(kept)
    return checked.values


def _outside_module(entry: SurveyEntry, submitted: Mapping[str, object]) -> dict[str, str]:
    """Answers to items of a rotating module the patient was not given.

    Refused rather than dropped: the patient never saw those questions, so an
    answer to one is a tampered form or a client that has the wrong module,
    and keeping it would break "missing by design" in the analysis.
    """
    shown = {item.id for item in entry.questionnaire.items}
    return {
        item.id: NOT_IN_MODULE
        for item in entry.version.items
        if item.id not in shown and submitted.get(item.id) not in (None, "")
    }


#: A practice code as the service issues them; anything else is not looked up
#: (PostgreSQL would refuse a NUL in it with an error, not an empty result).
_POSTER_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")

#: C0 controls and DEL except tab and newline: never part of a patient's text,
#: and PostgreSQL refuses NUL in text columns.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(value: str) -> str:
    """``value`` with line breaks as ``\\n`` and other control characters removed."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _scrubbed(questionnaire: Questionnaire, values: dict[str, str]) -> dict[str, str]:
    """Free text with names, CPR and phone numbers masked: the raw text is never stored."""
    free_text = {item.id for item in questionnaire.items if item.type == "free_text"}
    return {k: scrub_text(v) if k in free_text else v for k, v in values.items()}
