"""Opening a survey link and recording an anonymous response.

Redemption is one statement, ``UPDATE invitation SET used = true WHERE
token_hash = ? AND NOT used AND expires_at > now RETURNING ...``, in the same
transaction as the response insert. Of two racing submissions the second finds
``used`` already true (PostgreSQL re-checks the WHERE after the first commits;
SQLite serialises writers), so exactly one response is stored. If anything
fails before commit the whole transaction rolls back and the link still works.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass

from survey_service.db import write_transaction
from survey_service.invitations.tables import Invitation
from survey_service.invitations.tokens import hash_token, looks_like_token
from survey_service.practices.tables import Practice
from survey_service.responses.tables import Answer, Response


class SurveyLinkError(Exception):
    """A survey link cannot be used; ``status`` is the HTTP status to answer."""

    status = 400
    code = "link_error"


class UnknownLink(SurveyLinkError):
    status = 404
    code = "unknown"


class ExpiredLink(SurveyLinkError):
    status = 410
    code = "expired"


class UsedLink(SurveyLinkError):
    status = 409
    code = "used"


@dataclass(frozen=True)
class SurveyContext:
    """What a survey page needs to know about the link, and nothing more."""

    practice_id: int
    practice_name: str
    questionnaire_version_id: int
    channel: str
    language: str
    visit_date: dt.date


_CONTEXT_COLUMNS = (
    Invitation.practice,
    Invitation.practice.name,
    Invitation.questionnaire_version,
    Invitation.channel,
    Invitation.language,
    Invitation.visit_date,
)


def _context(row: dict) -> SurveyContext:
    return SurveyContext(
        practice_id=row["practice"],
        practice_name=row["practice.name"],
        questionnaire_version_id=row["questionnaire_version"],
        channel=row["channel"],
        language=row["language"],
        visit_date=_as_date(row["visit_date"]),
    )


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


async def open_survey(token: str) -> SurveyContext:
    """Check a link without using it up (for showing the form)."""
    if not looks_like_token(token):
        raise UnknownLink()
    row = (
        await Invitation.select(*_CONTEXT_COLUMNS, Invitation.used, Invitation.expires_at)
        .where(Invitation.token_hash == hash_token(token))
        .first()
    )
    if row is None:
        raise UnknownLink()
    if row["used"]:
        raise UsedLink()
    if _expired(row["expires_at"]):
        raise ExpiredLink()
    return _context(row)


def _expired(expires_at: dt.datetime | str) -> bool:
    if isinstance(expires_at, str):
        expires_at = dt.datetime.fromisoformat(expires_at)
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    return expires_at <= dt.datetime.now(dt.UTC)


async def record_response(token: str, answers: dict[str, str], language: str) -> None:
    """Redeem ``token`` and store ``answers`` anonymously, all or nothing.

    Raises :class:`UnknownLink`, :class:`ExpiredLink` or :class:`UsedLink`
    (nothing is stored then).
    """
    if not looks_like_token(token):
        raise UnknownLink()
    token_hash = hash_token(token)
    async with write_transaction():
        redeemed = await (
            Invitation.update({Invitation.used: True})
            .where(
                (Invitation.token_hash == token_hash)
                & (Invitation.used == False)  # noqa: E712
                & (Invitation.expires_at > dt.datetime.now(dt.UTC))
            )
            .returning(
                Invitation.practice,
                Invitation.questionnaire_version,
                Invitation.channel,
                Invitation.visit_date,
            )
        )
        if not redeemed:
            raise await _why_not(token_hash)
        await _insert_response(redeemed[0], answers, language)


async def _why_not(token_hash: str) -> SurveyLinkError:
    row = (
        await Invitation.select(Invitation.used).where(Invitation.token_hash == token_hash).first()
    )
    if row is None:
        return UnknownLink()
    return UsedLink() if row["used"] else ExpiredLink()


async def _insert_response(invitation: dict, answers: dict[str, str], language: str) -> None:
    await store_response(
        practice_id=invitation["practice"],
        questionnaire_version_id=invitation["questionnaire_version"],
        channel=invitation["channel"],
        language=language,
        visit_date=_as_date(invitation["visit_date"]),
        answers=answers,
    )


async def store_response(
    *,
    practice_id: int,
    questionnaire_version_id: int,
    channel: str,
    language: str,
    visit_date: dt.date,
    answers: dict[str, str],
) -> None:
    """Insert one response with its answers (call inside a transaction)."""
    response = Response(
        practice=practice_id,
        questionnaire_version=questionnaire_version_id,
        channel=channel,
        language=language,
        visit_date=visit_date,
    )
    await response.save()
    if answers:
        # One multi-row INSERT written out: building ~50 Answer objects for
        # Piccolo's insert() took about a fifth of the server's CPU under load
        # (benchmarks/load_survey.py); the same statement this way, a few percent.
        rows = [(uuid.uuid4(), response.id, k, str(v)) for k, v in answers.items()]
        values = ", ".join(["({}, {}, {}, {})"] * len(rows))
        await Answer.raw(
            f"INSERT INTO answer (id, response, item_id, value) VALUES {values}",
            *itertools.chain.from_iterable(rows),
        )


async def practice_name(practice_id: int) -> str:
    row = await Practice.select(Practice.name).where(Practice.id == practice_id).first()
    return row["name"] if row else ""
