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
from survey_service.responses.answering import SurveyEntry
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
    }


def survey_page(
    entry: SurveyEntry,
    language: str,
    action: str,
    cache: QuestionCache,
    values: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The form for ``entry``; with ``values``/``problems`` it is the page sent back."""
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
