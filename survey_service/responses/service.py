"""Opening a survey link and recording an anonymous response.

Redeeming a link *deletes* it: in one transaction, the invitation's outbox
messages and its SMS contact are deleted, then ``DELETE FROM invitation WHERE
token_hash = ? AND expires_at > now RETURNING ...`` (the gate), then the
response and its answers are inserted and the practice's ``answered`` count
goes up. Of many racing submissions of one token exactly one deletes the row
(PostgreSQL re-checks the WHERE once the first commits and finds the row gone;
SQLite serialises writers); the others find nothing and are told the link is
unknown. If anything fails before commit, all of it rolls back and the link
still works.

Afterwards nothing in the database refers to the link: an answered link is
indistinguishable from one that never existed, so it is answered as
:class:`UnknownLink` (404) and :class:`UsedLink` is no longer raised (it stays
for the pages and codes that name it). docs/anonymity.md has the reasoning.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass

from survey_service.db import write_transaction
from survey_service.errors import Conflict, Gone, NotFound, ServiceError
from survey_service.invitations.counters import bump, month_of
from survey_service.invitations.tables import Invitation
from survey_service.invitations.tokens import hash_token, looks_like_token
from survey_service.practices.tables import Practice
from survey_service.responses.tables import Answer, Response


class SurveyLinkError(ServiceError):
    """A survey link cannot be used (the patient's page says why, by ``code``)."""

    code = "link_error"
    default_detail = "token: this survey link cannot be used"


class UnknownLink(SurveyLinkError, NotFound):
    code = "unknown"
    default_detail = "token: unknown survey link"


class ExpiredLink(SurveyLinkError, Gone):
    code = "expired"
    default_detail = "token: the survey link has expired"


class UsedLink(SurveyLinkError, Conflict):
    code = "used"
    default_detail = "token: the survey link has already been used"


@dataclass(frozen=True)
class SurveyContext:
    """What a survey page needs to know about the link, and nothing more."""

    practice_id: int
    practice_name: str
    questionnaire_version_id: int
    channel: str
    language: str
    #: the visit's date; a response keeps only its month (see store_response)
    visit_date: dt.date
    #: when the link stops working (None for a poster); for cookies that must not outlive it
    expires_at: dt.datetime | None = None
    #: the rotating module drawn when the link was made; None for a poster or
    #: a link from before rotations (the page draws one then)
    module: str | None = None


_CONTEXT_COLUMNS = (
    Invitation.practice,
    Invitation.practice.name,
    Invitation.questionnaire_version,
    Invitation.channel,
    Invitation.language,
    Invitation.visit_date,
    Invitation.module,
)


def _context(row: dict) -> SurveyContext:
    return SurveyContext(
        practice_id=row["practice"],
        practice_name=row["practice.name"],
        questionnaire_version_id=row["questionnaire_version"],
        channel=row["channel"],
        language=row["language"],
        visit_date=_as_date(row["visit_date"]),
        expires_at=_as_utc(row["expires_at"]) if "expires_at" in row else None,
        module=row.get("module"),
    )


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


async def open_survey(token: str) -> SurveyContext:
    """Check a link without using it up (for showing the form)."""
    if not looks_like_token(token):
        raise UnknownLink()
    row = (
        await Invitation.select(*_CONTEXT_COLUMNS, Invitation.expires_at)
        .where(Invitation.token_hash == hash_token(token))
        .first()
    )
    if row is None:
        # Never issued, answered, or expired and swept: the database cannot
        # tell these apart, by design.
        raise UnknownLink()
    if _expired(row["expires_at"]):
        raise ExpiredLink()
    return _context(row)


def _expired(expires_at: dt.datetime | str) -> bool:
    return _as_utc(expires_at) <= dt.datetime.now(dt.UTC)


def _as_utc(expires_at: dt.datetime | str) -> dt.datetime:
    if isinstance(expires_at, str):
        expires_at = dt.datetime.fromisoformat(expires_at)
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    return expires_at


# Children first, then the invitation: every transaction that touches one
# invitation's rows takes the outbox rows first (the worker's claim and finish,
# the sweep, opt-out), so on PostgreSQL two of them never wait for each other
# in opposite orders. The invitation's ON DELETE CASCADE would remove them too;
# deleting them explicitly does not depend on the foreign-key setup.
_FORGET_MESSAGES = (
    "DELETE FROM outbox_message WHERE invitation IN "
    "(SELECT id FROM invitation WHERE token_hash = {})"
)
_FORGET_CONTACT = (
    "DELETE FROM sms_contact WHERE invitation IN (SELECT id FROM invitation WHERE token_hash = {})"
)
_REDEEM = (
    "DELETE FROM invitation WHERE token_hash = {} AND expires_at > {} "
    "RETURNING id, practice, questionnaire_version, channel, visit_date"
)


async def record_response(
    token: str, answers: dict[str, str], language: str, module: str = ""
) -> None:
    """Redeem ``token`` and store ``answers`` anonymously, all or nothing.

    ``module`` is the rotating module the patient was shown (checked by the
    caller against the link's own).

    Raises :class:`UnknownLink` (also for a link answered before) or
    :class:`ExpiredLink`; nothing is stored then.
    """
    if not looks_like_token(token):
        raise UnknownLink()
    token_hash = hash_token(token)
    async with write_transaction():
        await Invitation.raw(_FORGET_MESSAGES, token_hash)
        await Invitation.raw(_FORGET_CONTACT, token_hash)
        redeemed = await Invitation.raw(_REDEEM, token_hash, dt.datetime.now(dt.UTC))
        if not redeemed:
            raise await _why_not(token_hash)
        await _insert_response(redeemed[0], answers, language, module)


async def _why_not(token_hash: str) -> SurveyLinkError:
    # Inside the failed redemption's transaction, which rolls back: an expired
    # link gets its outbox and contact rows back for the sweep to handle.
    if await Invitation.exists().where(Invitation.token_hash == token_hash):
        return ExpiredLink()
    return UnknownLink()


async def _insert_response(
    invitation: dict, answers: dict[str, str], language: str, module: str
) -> None:
    await store_response(
        practice_id=invitation["practice"],
        questionnaire_version_id=invitation["questionnaire_version"],
        channel=invitation["channel"],
        language=language,
        visit_date=_as_date(invitation["visit_date"]),
        answers=answers,
        module=module,
    )


async def store_response(
    *,
    practice_id: int,
    questionnaire_version_id: int,
    channel: str,
    language: str,
    visit_date: dt.date,
    answers: dict[str, str],
    module: str = "",
) -> None:
    """Insert one response with its answers and count it (call inside a transaction).

    Only the month of ``visit_date`` is stored: a day, together with the
    practice, narrows a response down to the few patients seen that day, and
    the practice system knows who they were. Every way of answering (link,
    poster, demo seeding) comes through here, so none can store more.
    """
    month = month_of(visit_date)
    response = Response(
        practice=practice_id,
        questionnaire_version=questionnaire_version_id,
        channel=channel,
        language=language,
        visit_month=month,
        module=module,
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
    # Last: the counter row is shared by every answer of the practice and
    # month, so its lock is held only for the commit.
    await bump(practice_id, month, channel, answered=1)


async def practice_name(practice_id: int) -> str:
    row = await Practice.select(Practice.name).where(Practice.id == practice_id).first()
    return row["name"] if row else ""
