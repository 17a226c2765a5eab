"""Issuing single-use survey links (the SMS and QR-slip channels build on this)."""

from __future__ import annotations

import datetime as dt

from survey_service.invitations.tables import Invitation
from survey_service.invitations.tokens import hash_token, new_token
from survey_service.practices.tables import Practice
from survey_service.questionnaires.tables import QuestionnaireVersion

CHANNELS = ("sms", "receipt")


async def issue_invitation(
    practice: Practice,
    questionnaire_version: QuestionnaireVersion,
    *,
    visit_date: dt.date,
    channel: str = "sms",
    language: str = "",
    valid_days: int = 14,
) -> str:
    """Create an invitation and return its raw token (the only copy there is)."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    token = new_token()
    await Invitation(
        token_hash=hash_token(token),
        practice=practice.id,
        questionnaire_version=questionnaire_version.id,
        channel=channel,
        language=language,
        visit_date=visit_date,
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=valid_days),
        used=False,
    ).save()
    return token
