"""Questionnaire catalogue: versioned, immutable questionnaire definitions."""

from survey_service.questionnaires.loader import (
    Catalogue,
    QuestionnaireError,
    default_directory,
    load_catalogue,
    load_file,
)
from survey_service.questionnaires.model import (
    AnswerOption,
    Condition,
    Item,
    Questionnaire,
    Section,
    Transition,
)

__all__ = [
    "AnswerOption",
    "Catalogue",
    "Condition",
    "Item",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "Transition",
    "default_directory",
    "load_catalogue",
    "load_file",
]
