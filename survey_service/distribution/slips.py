"""QR slips: a single-use link for one visit, handed over at the desk (channel ``receipt``)."""

from __future__ import annotations

import datetime as dt

from survey_service.db import write_transaction
from survey_service.distribution.intake import (
    IntakeContext,
    assigned_module,
    questionnaire_version_id,
)
from survey_service.distribution.qr import render, slip_languages, slip_layout
from survey_service.distribution.timing import LOCAL_ZONE
from survey_service.invitations.counters import bump, month_of
from survey_service.invitations.service import issue_invitation_row
from survey_service.practices.tables import Practice


async def issue_slip(
    practice: Practice,
    context: IntakeContext,
    *,
    visit_date: dt.date,
    language: str | None,
    questionnaire: str | None,
    fmt: str,
    now: dt.datetime,
) -> tuple[bytes, str]:
    """Create a receipt invitation and draw its slip; returns (file, media type).

    The token exists only in the returned image: it is not kept anywhere (a
    lost slip is simply not answered), and nothing else about the invitation
    is returned (no id the practice system could match later).
    """
    version_id = questionnaire_version_id(context, practice.sector, questionnaire)
    settings = context.settings
    async with write_transaction():
        _invitation_id, token = await issue_invitation_row(
            practice.id,
            version_id,
            visit_date=visit_date,
            channel="receipt",
            language=language or "",
            valid_days=settings.token_days,
            now=now,
            module=assigned_module(context, version_id),
        )
        # A slip reaches the patient the moment it is printed.
        await bump(practice.id, month_of(visit_date), "receipt", sent=1)
    valid_until = (now + dt.timedelta(days=settings.token_days)).astimezone(LOCAL_ZONE).date()
    url = f"{settings.public_base_url.rstrip('/')}/s/{token}"
    return render(slip_layout(practice.name, url, valid_until, slip_languages(language)), fmt)
