"""Visit intake: a reported visit becomes an invitation, its contact and its SMS.

The invitation, the patient's contact row and the outbox message are written
in one transaction, so a visit is either fully queued or not at all (the
transactional outbox): nothing can be "invited" without an SMS to go out, and
no SMS can point at an invitation that was rolled back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from survey_service.db import is_postgres, write_transaction
from survey_service.distribution import legacy
from survey_service.distribution.keys import phone_keys
from survey_service.distribution.phones import (
    PhoneError,
    dedup_key,
    is_danish,
    legacy_phone_key,
    normalise_phone,
    opt_out_key,
    phone_digest_async,
)
from survey_service.distribution.sealing import seal_phone, seal_token
from survey_service.distribution.tables import (
    INVITATION,
    PENDING,
    OptOut,
    OutboxMessage,
    SmsContact,
    SmsDedup,
)
from survey_service.distribution.timing import first_send_at, local_today, parse_quiet_hours
from survey_service.invitations.service import issue_invitation_row
from survey_service.practices.tables import Practice
from survey_service.questionnaires.loader import Catalogue
from survey_service.settings import Settings

#: A survey about a visit more than a month ago measures memory, not the visit.
MAX_VISIT_AGE_DAYS = 30

#: Rows in one API batch or CSV file handled in one go.
MAX_BATCH = 1000

FIELDS = ("practice", "visit_date", "phone", "questionnaire", "language")

INVITED = "invited"
DUPLICATE = "duplicate"
OPTED_OUT = "opted_out"
REJECTED = "rejected"


class VisitProblems(ValueError):
    """A visit that cannot be accepted; ``errors`` maps each field to the reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Visit:
    """A checked visit report: the phone number is already in E.164 form."""

    practice: str
    visit_date: dt.date
    phone: str
    questionnaire: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class VisitOutcome:
    """What became of one reported visit.

    No invitation id or any other key the database keeps: the practice system
    knows who each visit was, so anything it is told that the database also
    holds would let it find the patient's rows again.
    """

    status: str
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IntakeContext:
    """What turning visits into invitations needs besides the database."""

    settings: Settings
    catalogue: Catalogue
    #: database id of each published (slug, version)
    version_ids: Mapping[tuple[str, int], int]


def parse_visit(raw: object, today: dt.date) -> Visit:
    """Check one visit as sent by a practice system; raises :class:`VisitProblems`.

    ``today`` is the date in Denmark, against which visit dates are judged.
    """
    if not isinstance(raw, dict):
        raise VisitProblems({"visit": "must be a JSON object"})
    errors: dict[str, str] = {}
    for key in raw:
        if key not in FIELDS:
            errors[str(key)[:40]] = "unknown field"
    practice = raw.get("practice")
    if not isinstance(practice, str) or not practice.strip():
        errors["practice"] = "missing: give the practice code"
    visit_date = parse_visit_date(raw.get("visit_date"), today, errors)
    phone = ""
    try:
        phone = normalise_phone(raw.get("phone"))  # type: ignore[arg-type]
    except PhoneError as exc:
        errors["phone"] = str(exc)
    questionnaire = raw.get("questionnaire")
    if questionnaire is not None and (not isinstance(questionnaire, str) or not questionnaire):
        errors["questionnaire"] = "must be a questionnaire slug"
    language = raw.get("language")
    if language is not None and language not in _languages():
        errors["language"] = f"must be one of {', '.join(_languages())}"
    if errors:
        raise VisitProblems(errors)
    assert visit_date is not None and isinstance(practice, str)
    return Visit(
        practice=practice.strip(),
        visit_date=visit_date,
        phone=phone,
        questionnaire=questionnaire or None,
        language=language or None,
    )


def _languages() -> tuple[str, ...]:
    # Imported late: importing survey_service.web builds the app, whose routes
    # import this module (the web layer may depend on services, not the reverse).
    from survey_service.i18n import PATIENT_LANGUAGES

    # A preference: where the questionnaire is not offered in it, the page falls back.
    return PATIENT_LANGUAGES


def parse_visit_date(value: object, today: dt.date, errors: dict[str, str]) -> dt.date | None:
    """A visit date from ``YYYY-MM-DD``, not in the future and not too old; a
    problem goes into ``errors["visit_date"]``."""
    if not isinstance(value, str):
        errors["visit_date"] = "missing: give the date as YYYY-MM-DD"
        return None
    try:
        date = dt.date.fromisoformat(value.strip())
    except ValueError:
        errors["visit_date"] = "not a date: use YYYY-MM-DD"
        return None
    if len(value.strip()) != 10:
        errors["visit_date"] = "not a date: use YYYY-MM-DD"
    elif date > today:
        errors["visit_date"] = "in the future"
    elif date < today - dt.timedelta(days=MAX_VISIT_AGE_DAYS):
        errors["visit_date"] = f"more than {MAX_VISIT_AGE_DAYS} days ago"
    else:
        return date
    return None


def assigned_module(context: IntakeContext, version_id: int) -> str:
    """The rotating module drawn for a new link to ``version_id`` ("" without a rotation)."""
    for key, known in context.version_ids.items():
        if known == version_id and (q := context.catalogue.get(*key)) is not None:
            return q.draw_module()
    return ""


def questionnaire_version_id(context: IntakeContext, sector: str, slug: str | None) -> int:
    """The database id of the questionnaire this visit is asked about."""
    if slug:
        q = context.catalogue.latest(slug)
        if q is None or q.kind != "questionnaire":
            raise VisitProblems({"questionnaire": f"no published questionnaire {slug!r}"})
    else:
        q = context.catalogue.for_sector(sector)
        if q is None:
            raise VisitProblems(
                {
                    "questionnaire": f"none is published for sector {sector!r}; name one",
                }
            )
    try:
        return context.version_ids[(q.slug, q.version)]
    except KeyError:
        raise VisitProblems({"questionnaire": f"{q.key} is not in the database yet"}) from None


def sms_language(visit: Visit) -> str:
    """The SMS goes out in the language asked for; otherwise Danish to Danish
    numbers and English to foreign ones (a tourist is likelier to read it)."""
    if visit.language:
        return visit.language
    return "da" if is_danish(visit.phone) else "en"


async def register_visit(
    visit: Visit,
    practice: Practice,
    context: IntakeContext,
    now: dt.datetime,
) -> VisitOutcome:
    """Queue an invitation SMS for ``visit`` unless the patient is a duplicate or opted out."""
    settings = context.settings
    version_id = questionnaire_version_id(context, practice.sector, visit.questionnaire)
    # The slow hash (about 25 ms) before the transaction, so no lock waits on it.
    digest = await phone_digest_async(visit.phone, settings)
    stop_key = opt_out_key(digest)
    window_key = dedup_key(digest, practice.code)
    async with write_transaction():
        if is_postgres(Practice._meta.db):
            # Two reports of one patient at once must not both pass the
            # duplicate check; SQLite's IMMEDIATE transaction serialises them.
            await SmsContact.raw(
                "SELECT pg_advisory_xact_lock(hashtextextended({}, 0))", window_key
            )
        if await OptOut.exists().where(OptOut.phone_key == stop_key) or await legacy.opted_out(
            legacy_phone_key(visit.phone, settings.secret_key)
        ):
            return VisitOutcome(OPTED_OUT)
        if await _in_window(window_key, visit.visit_date, settings):
            return VisitOutcome(DUPLICATE)
        invitation_id, token = await issue_invitation_row(
            practice.id,
            version_id,
            visit_date=visit.visit_date,
            channel="sms",
            language=visit.language or "",
            valid_days=settings.token_days,
            now=now,
            module=assigned_module(context, version_id),
        )
        await SmsContact(
            invitation=invitation_id,
            phone_sealed=seal_phone(visit.phone, invitation_id, phone_keys(settings)),
            opt_out_key=stop_key,
            sealed_token=seal_token(token, invitation_id, settings.secret_key),
        ).save()
        await OutboxMessage(
            invitation=invitation_id,
            kind=INVITATION,
            language=sms_language(visit),
            status=PENDING,
            idempotency_key=uuid.uuid4().hex,
            created_at=now,
            due_at=first_send_at(
                now, settings.sms_delay_minutes, parse_quiet_hours(settings.sms_quiet_hours)
            ),
        ).save()
        if settings.sms_dedup_days > 0:
            # Visits less than SMS_DEDUP_DAYS apart are one window, either way.
            reach = dt.timedelta(days=settings.sms_dedup_days - 1)
            await SmsDedup(
                key=window_key,
                first_day=visit.visit_date - reach,
                last_day=visit.visit_date + reach,
            ).save()
    return VisitOutcome(INVITED)


async def _in_window(key: str, visit_date: dt.date, settings: Settings) -> bool:
    if settings.sms_dedup_days <= 0:
        return False
    return await SmsDedup.exists().where(
        (SmsDedup.key == key)
        & (SmsDedup.first_day <= visit_date)
        & (SmsDedup.last_day >= visit_date)
    )


async def register_visits(
    rows: list[object],
    practice: Practice,
    context: IntakeContext,
    now: dt.datetime,
) -> list[VisitOutcome]:
    """Each row on its own: bad rows are rejected with reasons, good ones kept."""
    today = local_today(now)
    outcomes: list[VisitOutcome] = []
    for raw in rows:
        try:
            visit = parse_visit(raw, today)
            if visit.practice != practice.code:
                raise VisitProblems({"practice": f"must be {practice.code}"})
            outcomes.append(await register_visit(visit, practice, context, now))
        except VisitProblems as exc:
            outcomes.append(VisitOutcome(REJECTED, errors=exc.errors))
    return outcomes
