"""Checking a patient's answers against a questionnaire version.

Returns machine codes for problems; the web layer turns them into words in the
patient's language, next to the question they belong to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from survey_service.questionnaires.model import Item, Questionnaire

#: Problem codes (translated by the web layer).
REQUIRED = "required"
NOT_AN_OPTION = "not_an_option"
TOO_LONG = "too_long"
NOT_A_NUMBER = "not_a_number"
OUT_OF_RANGE = "out_of_range"
UNKNOWN_ITEM = "unknown_item"
NOT_TEXT = "not_text"


@dataclass
class CheckedAnswers:
    """Answers that passed, and problems by item id (empty when all is well)."""

    values: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def is_shown(item: Item, values: Mapping[str, str]) -> bool:
    """Whether ``item``'s skip condition (if any) is met by the answers so far."""
    if item.show_if is None:
        return True
    return values.get(item.show_if.item) in item.show_if.codes


def check_answers(
    questionnaire: Questionnaire,
    submitted: Mapping[str, object],
    *,
    reject_unknown: bool = True,
) -> CheckedAnswers:
    """Validate ``submitted`` (item id -> raw value) for ``questionnaire``.

    Blank values count as unanswered. Answers to items whose ``show_if`` is not
    met are dropped: the patient was told to skip them. Unknown item ids are a
    problem when ``reject_unknown`` (the JSON API); HTML forms pass other
    fields (CSRF token, language) and set it to False.
    """
    result = CheckedAnswers()
    by_id = {item.id: item for item in questionnaire.items}
    if reject_unknown:
        for key in submitted:
            if key not in by_id:
                result.problems[key] = UNKNOWN_ITEM
    for item in questionnaire.items:
        raw = submitted.get(item.id)
        if (raw is not None and not isinstance(raw, str | int)) or isinstance(raw, bool):
            result.problems[item.id] = NOT_TEXT
            continue
        value = "" if raw is None else str(raw).strip()
        if not is_shown(item, result.values):
            continue
        if value == "":
            if item.required:
                result.problems[item.id] = REQUIRED
            continue
        problem = _check_value(item, value)
        if problem:
            result.problems[item.id] = problem
        else:
            result.values[item.id] = value
    return result


def _check_value(item: Item, value: str) -> str | None:
    if item.type == "free_text":
        return TOO_LONG if len(value) > item.max_length else None
    if item.type == "number":
        try:
            number = int(value)
        except ValueError:
            return NOT_A_NUMBER
        assert item.min is not None and item.max is not None
        return None if item.min <= number <= item.max else OUT_OF_RANGE
    return None if value in item.codes else NOT_AN_OPTION
