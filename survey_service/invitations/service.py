"""Issuing single-use survey links (the SMS and QR-slip channels build on this)."""

from __future__ import annotations

import datetime as dt

from survey_service.db import write_transaction
from survey_service.invitations.counters import bump, month_of
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
    module: str = "",
) -> str:
    """Create an invitation and return its raw token (the only copy there is)."""
    _invitation_id, token = await issue_invitation_row(
        practice.id,
        questionnaire_version.id,
        visit_date=visit_date,
        channel=channel,
        language=language,
        valid_days=valid_days,
        module=module,
    )
    return token


async def issue_invitation_row(
    practice_id: int,
    questionnaire_version_id: int,
    *,
    visit_date: dt.date,
    channel: str = "sms",
    language: str = "",
    valid_days: int = 14,
    now: dt.datetime | None = None,
    module: str = "",
) -> tuple[int, str]:
    """:func:`issue_invitation` for callers that need the row id (the SMS outbox
    refers to it) and an injectable clock; returns ``(invitation id, raw token)``.

    Counts the invitation (``invited``) in the same transaction; joins the
    caller's transaction when there is one. ``module`` is the rotating module
    drawn for this link (``Questionnaire.draw_module``), "" without a rotation.
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    token = new_token()
    invitation = Invitation(
        token_hash=hash_token(token),
        practice=practice_id,
        questionnaire_version=questionnaire_version_id,
        channel=channel,
        language=language,
        visit_date=visit_date,
        expires_at=(now or dt.datetime.now(dt.UTC)) + dt.timedelta(days=valid_days),
        used=False,
        module=module,
    )
    async with write_transaction():
        await invitation.save()
        await bump(practice_id, month_of(visit_date), channel, invited=1)
    return invitation.id, token
