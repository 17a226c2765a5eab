"""Practice units: GP clinics, specialists, therapists and other providers."""

from survey_service.practices.service import (
    SECTORS,
    PracticeError,
    add_practice,
    get_practice,
    practice_for_api_key,
)
from survey_service.practices.tables import Practice

__all__ = [
    "SECTORS",
    "Practice",
    "PracticeError",
    "add_practice",
    "get_practice",
    "practice_for_api_key",
]
