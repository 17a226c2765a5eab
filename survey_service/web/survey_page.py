"""The questionnaire page, shared by the single-use link and the waiting-room poster.

Server-rendered HTML that works without JavaScript: one page, one submit.
Invalid answers come back on the same page with every answer kept and each
problem next to its question.

A form with a follow-up gate (``Questionnaire.follow_up_gates``) has two steps:
step 1 leaves the follow-ups out; a gate answered "yes" brings step 2, the
follow-ups, with every step-1 answer carried in hidden fields (nothing is
stored on the server until the last step is sent, all answers together).
"""

from __future__ import annotations

import re
from typing import Any

from litestar.response import Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from survey_service.i18n import translations
from survey_service.questionnaires.answers import (
    NOT_A_NUMBER,
    NOT_AN_OPTION,
    NOT_TEXT,
    OUT_OF_RANGE,
    REQUIRED,
    TOO_LONG,
)
from survey_service.questionnaires.length import claimed_minutes
from survey_service.questionnaires.model import FREE_TEXT_LIMIT, Item, Questionnaire
from survey_service.rendering import language_context, page, text_in
from survey_service.responses.answering import (
    NO_ANSWERS,
    NO_ANSWERS_FIELD,
    InvalidAnswers,
    SurveyEntry,
    review,
)
from survey_service.web.question_cache import QuestionCache

#: The hidden form field carrying a split questionnaire's module (see
#: ``responses.answering.with_module``); "_" so it can never be an item id.
MODULE_FIELD = "_module"

#: The hidden field saying the page is a form's second step (follow-ups).
STEP_FIELD = "_step"

#: An intro that states a time itself (versions published before the page
#: computed it); such a page does not add a second, different figure.
_STATED_TIME = re.compile(r"\d+\s*minut", re.IGNORECASE)


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
        NO_ANSWERS: _("Answer at least one question, then send your answers."),
    }


def problem_summary(
    problems: dict[str, str],
    page_items: list[str],
    numbers: dict[str, int],
    messages: dict[str, str],
) -> list[tuple[str, str]]:
    """(link target, text) for the summary above the form, in question order.

    Only the problems of questions on this page (``page_items``) are listed; the
    form-wide "nothing answered" links to the first question, where answering
    can start.
    """
    on_page = set(page_items)
    summary = [
        (f"#q-{item_id}", f"{numbers[item_id]}. {messages.get(code, code)}")
        for item_id, code in sorted(problems.items(), key=lambda p: numbers.get(p[0], 0))
        if item_id in on_page
    ]
    if NO_ANSWERS_FIELD in problems and page_items:
        text = messages.get(problems[NO_ANSWERS_FIELD], problems[NO_ANSWERS_FIELD])
        summary.insert(0, (f"#q-{page_items[0]}", text))
    return summary


def survey_page(
    entry: SurveyEntry,
    language: str,
    action: str,
    cache: QuestionCache,
    values: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
    notice: str = "",
    can_save: bool = False,
    step: int = 1,
) -> Template:
    """Page ``step`` of the form for ``entry``; with ``values``/``problems`` it is sent back.

    ``notice`` is a line shown above the form (answers saved or filled in);
    ``can_save`` offers "Save and continue later" (single-use links only).
    Answers to questions of the other step ride along in hidden fields.
    """
    values = values or {}
    problems = problems or {}
    form = entry.questionnaire
    first, second = form.step(1), form.step(2)
    questionnaire = second if step == 2 else first
    # Numbered through both steps, so step 2 goes on where step 1 stopped and
    # a lead-in can name its screening question on step 1.
    order = [item.id for item in first.items] + [item.id for item in second.items]
    numbers = {item_id: n for n, item_id in enumerate(order, start=1)}
    on_page = [item.id for item in questionnaire.items]
    # Follow-up answers ride along on step 1 only while the gate is open (a
    # saved step 2): with it closed they are discarded anyway, and they weigh.
    carry = step == 2 or form.opens_follow_ups(values)
    carried = [(i, values[i]) for i in order if carry and i not in on_page and values.get(i)]
    messages = problem_messages(language)
    _ = translations(language).gettext
    if step == 2 and not notice:
        notice = _(
            "A few questions about your contact with other places, then your answers are sent."
        )

    def condition_answers(item: Item) -> str:
        assert item.show_if is not None
        target = form.item(item.show_if.item)
        assert target is not None  # the loader checks that show_if names an item
        texts = [text_in(o.text, language) for o in target.options if o.code in item.show_if.codes]
        return " / ".join(texts)

    questions: dict[str, Any] = {
        "questionnaire": questionnaire,
        "values": values,
        "problems": problems,
        "numbers": numbers,
        "problem_text": lambda code: messages.get(code, code),
        "condition_answers": condition_answers,
    }
    questions_html = None
    if not values and not problems and step == 1:
        questions_html = cache.blank(
            (questionnaire.key, entry.module, language),
            {**language_context(language), **questions},
        )
    return page(
        "survey.html",
        language,
        status_code=status_code,
        practice_name=entry.survey.practice_name,
        action=action,
        questions_html=questions_html,
        nothing_answered=NO_ANSWERS_FIELD in problems,
        notice=notice,
        can_save=can_save,
        summary=problem_summary(problems, on_page, numbers, messages),
        module=entry.module,
        module_field=MODULE_FIELD,
        minutes=time_claim(form, language) if step == 1 else None,
        step=step,
        step_field=STEP_FIELD,
        # Step 1 of a form with a gate: whether a step 2 follows is only known
        # from the answer, so its button says "Continue", not "Send my answers".
        may_follow=step == 1 and bool(form.follow_up_gates()),
        carried=carried,
        **questions,
    )


def form_step(form: Any) -> int:
    """The step a posted form says it showed (2 only when it says so)."""
    return 2 if form.get(STEP_FIELD) == "2" else 1


def step_of_problems(entry: SurveyEntry, problems: dict[str, str]) -> int:
    """The page to show ``problems`` on: step 2 only when all of them are there."""
    later = entry.questionnaire.follow_ups()
    return 2 if problems and all(k in later for k in problems) else 1


def step_one_problems(entry: SurveyEntry, submitted: dict[str, object]) -> dict[str, str] | None:
    """For a step-1 form that opens follow-ups: step 1's problems ({} if none).

    None when the form opens no follow-up step: it is answered as one page.
    """
    if not entry.questionnaire.opens_follow_ups(submitted):
        return None
    invalid = review(entry, submitted)
    later = entry.questionnaire.follow_ups()
    # Follow-ups not reached yet are not the patient's problem on step 1.
    return {k: v for k, v in (invalid.errors or {}).items() if k not in later} if invalid else {}


def time_claim(form: Questionnaire, language: str) -> int | None:
    """Minutes this patient's form takes (questionnaires/length.py), rounded up.

    None when the intro already states a time (versions published before the
    page computed it): published text cannot change, and two figures would
    contradict each other.
    """
    # A form's text never changes once loaded, so the count is made once per
    # form and language (it walks every word; each survey page asked for it).
    key = (form.key, form.content_hash, form.module, language)
    if key not in _TIME_CLAIMS:
        _TIME_CLAIMS[key] = _time_claim(form, language)
    return _TIME_CLAIMS[key]


_TIME_CLAIMS: dict[tuple[str, str, str, str], int | None] = {}


def _time_claim(form: Questionnaire, language: str) -> int | None:
    intro = form.intro or {}
    if any(_STATED_TIME.search(text) for text in intro.values()):
        return None
    return claimed_minutes(form, lambda texts: text_in(texts, language))


def form_module(form: Any) -> str | None:
    """The module a posted form says it showed (None when it says none)."""
    value = form.get(MODULE_FIELD)
    return value if isinstance(value, str) else None


def form_answers(form: Any) -> dict[str, object]:
    """Answers from a submitted form (the language switch's ``_lang`` is not one)."""
    submitted: dict[str, object] = {}
    for key in form:
        values = form.getall(key)
        # A field sent twice with different values is not one answer.
        submitted[key] = values[0] if len(set(values)) == 1 else ["ambiguous"]
    return submitted


def switch_pressed(form: Any) -> bool:
    """Whether the form came from a language button rather than "send"."""
    return isinstance(form.get("lang"), str)


def kept_answers(entry: SurveyEntry, form: Any) -> dict[str, str]:
    """The questionnaire's answers in a posted form, as text (nothing else of it)."""
    submitted = form_answers(form)
    return {
        item.id: value
        for item in entry.questionnaire.items
        if isinstance(value := submitted.get(item.id), str)
    }


def switched_page(
    entry: SurveyEntry,
    language: str,
    action: str,
    cache: QuestionCache,
    form: Any,
    can_save: bool = False,
) -> Template:
    """The same form (and step) in ``language``, every answer kept; nothing is stored.

    Problems come back marked only if the page already showed them (``_checked``):
    a patient half-way through must not be told off for questions not reached yet.
    """
    submitted = form_answers(form)
    values = {k: v for k, v in submitted.items() if isinstance(v, str)}
    problems: dict[str, str] = {}
    step = form_step(form)
    if form.get("_checked"):
        invalid = review(entry, submitted)
        problems = dict(invalid.errors or {}) if invalid else {}
    return survey_page(
        entry, language, action, cache, values, problems, can_save=can_save, step=step
    )


def follow_up_step(
    entry: SurveyEntry,
    language: str,
    action: str,
    cache: QuestionCache,
    form: Any,
    can_save: bool = False,
) -> Template | None:
    """Step 1 sent with a follow-up gate open: step 1 again with its problems, or step 2.

    None when the answers are to be checked and stored now (step 2 sent, or a
    form whose gate is closed or absent). Nothing is stored here.
    """
    if form_step(form) == 2:
        return None
    problems = step_one_problems(entry, form_answers(form))
    if problems is None:
        return None
    values = kept_answers(entry, form)
    if problems:
        return survey_page(
            entry,
            language,
            action,
            cache,
            values,
            problems,
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            can_save=can_save,
        )
    return survey_page(entry, language, action, cache, values, can_save=can_save, step=2)


def refused_page(
    entry: SurveyEntry,
    language: str,
    action: str,
    cache: QuestionCache,
    invalid: InvalidAnswers,
    can_save: bool = False,
) -> Template:
    """The page for answers :func:`answer` refused: the step that has the problems."""
    problems = dict(invalid.errors or {})
    return survey_page(
        entry,
        language,
        action,
        cache,
        invalid.kept,
        problems,
        status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        can_save=can_save,
        step=step_of_problems(entry, problems),
    )
