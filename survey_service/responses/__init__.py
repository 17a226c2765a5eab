"""Anonymous responses: redeeming a link and storing the answers."""

from survey_service.responses.service import (
    ExpiredLink,
    SurveyContext,
    SurveyLinkError,
    UnknownLink,
    UsedLink,
    open_survey,
    record_response,
    store_response,
)
from survey_service.responses.tables import Answer, Response

__all__ = [
    "Answer",
    "ExpiredLink",
    "Response",
    "SurveyContext",
    "SurveyLinkError",
    "UnknownLink",
    "UsedLink",
    "open_survey",
    "record_response",
    "store_response",
]
