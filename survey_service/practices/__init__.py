"""Practice units: GP clinics, specialists, therapists and other providers."""

from survey_service.practices.service import (
    SECTORS,
    STRUCTURAL_SECTORS,
    PracticeError,
    add_practice,
    get_practice,
    practice_for_api_key,
)
from survey_service.practices.tables import Practice
from survey_service.practices.tree import Unit, ancestors, children, level_of, unit_tree

__all__ = [
    "SECTORS",
    "STRUCTURAL_SECTORS",
    "Practice",
    "PracticeError",
    "Unit",
    "add_practice",
    "ancestors",
    "children",
    "get_practice",
    "level_of",
    "practice_for_api_key",
    "unit_tree",
]
