"""The questionnaire page, shared by the single-use link and the waiting-room poster.

Server-rendered HTML that works without JavaScript: one page, one submit.
Invalid answers come back on the same page with every answer kept and each
problem next to its question.
"""

from __future__ import annotations

from typing import Any

from litestar.response import Template

from survey_service.i18n import translations
from survey_service.questionnaires.answers import (
    NOT_A_NUMBER,
    NOT_AN_OPTION,
    NOT_TEXT,
    OUT_OF_RANGE,
    REQUIRED,
    TOO_LONG,
)
from survey_service.questionnaires.model import FREE_TEXT_LIMIT, Item
from survey_service.rendering import language_context, page, text_in
from survey_service.responses.answering import (
    NO_ANSWERS,
    NO_ANSWERS_FIELD,
    SurveyEntry,
    review,
)
from survey_service.web.question_cache import QuestionCache


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
    problems: dict[str, str], questionnaire_items: list[str], messages: dict[str, str]
) -> list[tuple[str, str]]:
    """(link target, text) for the summary above the form, in question order.

    An item's problem links to its question; the form-wide "nothing answered"
    links to the first question, where answering can start.
    """
    numbers = {item_id: n for n, item_id in enumerate(questionnaire_items, start=1)}
    summary = [
        (f"#q-{item_id}", f"{numbers[item_id]}. {messages.get(code, code)}")
        for item_id, code in sorted(problems.items(), key=lambda p: numbers.get(p[0], 0))
        if item_id in numbers
    ]
    if NO_ANSWERS_FIELD in problems and questionnaire_items:
        text = messages.get(problems[NO_ANSWERS_FIELD], problems[NO_ANSWERS_FIELD])
        summary.insert(0, (f"#q-{questionnaire_items[0]}", text))
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
) -> Template:
    """The form for ``entry``; with ``values``/``problems`` it is the page sent back.

    ``notice`` is a line shown above the form (answers saved or filled in);
    ``can_save`` offers "Save and continue later" (single-use links only).
    """
    values = values or {}
    problems = problems or {}
    questionnaire = entry.questionnaire
    numbers = {item.id: n for n, item in enumerate(questionnaire.items, start=1)}
    messages = problem_messages(language)

    def condition_answers(item: Item) -> str:
        assert item.show_if is not None
        target = questionnaire.item(item.show_if.item)
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
    if not values and not problems:
        questions_html = cache.blank(
            (questionnaire.key, language), {**language_context(language), **questions}
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
        summary=problem_summary(problems, [i.id for i in questionnaire.items], messages),
        **questions,
    )


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
    """The same form in ``language``, every answer kept; nothing is stored.

    Problems come back marked only if the page already showed them (``_checked``):
    a patient half-way through must not be told off for questions not reached yet.
    """
    submitted = form_answers(form)
    values = {k: v for k, v in submitted.items() if isinstance(v, str)}
    problems: dict[str, str] = {}
    if form.get("_checked"):
        invalid = review(entry, submitted)
        problems = dict(invalid.errors or {}) if invalid else {}
    return survey_page(entry, language, action, cache, values, problems, can_save=can_save)
