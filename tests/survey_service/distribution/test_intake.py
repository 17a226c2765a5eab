"""Visit intake: one transaction writes invitation, contact and SMS; one invite per window."""

from __future__ import annotations

import datetime as dt

import pytest

from survey_service.distribution.intake import (
    DUPLICATE,
    INVITED,
    OPTED_OUT,
    REJECTED,
    VisitOutcome,
    VisitProblems,
    parse_visit,
    register_visit,
    register_visits,
)
from survey_service.distribution.keys import phone_keys
from survey_service.distribution.optout import opt_out_phone
from survey_service.distribution.phones import dedup_key, opt_out_key, phone_digest
from survey_service.distribution.sealing import open_phone, unseal_token
from survey_service.distribution.tables import OutboxMessage, SmsContact, SmsDedup
from survey_service.invitations.tables import Invitation, RateCounter
from survey_service.invitations.tokens import hash_token

pytestmark = pytest.mark.anyio

TODAY = dt.date(2026, 11, 23)
DUPLICATE_OUTCOME = VisitOutcome(DUPLICATE)


def test_parse_names_every_bad_field():
    with pytest.raises(VisitProblems) as caught:
        parse_visit(
            {
                "visit_date": "23/11/2026",
                "phone": "123",
                "language": "fr",
                "questionnaire": 5,
                "colour": "red",
            },
            TODAY,
        )
    assert caught.value.errors == {
        "colour": "unknown field",
        "practice": "missing: give the practice code",
        "visit_date": "not a date: use YYYY-MM-DD",
        "phone": "not a valid phone number",
        "questionnaire": "must be a questionnaire slug",
        "language": "must be one of da, en, ar, pl, uk, tr, so",
    }


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-11-24", "in the future"),
        ("2026-10-01", "more than 30 days ago"),
        ("2026-02-30", "not a date: use YYYY-MM-DD"),
        ("20261123", "not a date: use YYYY-MM-DD"),
        (None, "missing: give the date as YYYY-MM-DD"),
    ],
)
def test_visit_dates_must_be_recent_and_real(value, reason):
    with pytest.raises(VisitProblems) as caught:
        parse_visit({"practice": "P1", "visit_date": value, "phone": "20123456"}, TODAY)
    assert caught.value.errors == {"visit_date": reason}


def test_a_good_visit_is_normalised():
    visit = parse_visit(
        {"practice": " P1 ", "visit_date": "2026-11-23", "phone": "20 12 34 56", "language": "en"},
        TODAY,
    )
    assert (visit.practice, visit.phone, visit.language) == ("P1", "+4520123456", "en")


async def test_a_visit_writes_invitation_contact_and_message_together(clinic):
    outcome = await clinic.visit()
    assert outcome.status == INVITED
    [invitation] = await Invitation.objects()
    assert invitation.channel == "sms"
    assert invitation.visit_date == clinic.today()
    contact = await SmsContact.objects().where(SmsContact.invitation == invitation.id).first()
    # The number only sealed, under PHONE_KEYS and bound to its invitation.
    assert "20123456" not in contact.phone_sealed
    keys = phone_keys(clinic.settings)
    assert open_phone(contact.phone_sealed, invitation.id, keys) == "+4520123456"
    digest = phone_digest("+4520123456", clinic.settings)
    assert contact.opt_out_key == opt_out_key(digest)
    [window] = await SmsDedup.objects()
    assert window.key == dedup_key(digest, clinic.practice.code)
    assert (window.first_day, window.last_day) == (
        clinic.today() - dt.timedelta(days=13),
        clinic.today() + dt.timedelta(days=13),
    )
    [counter] = await RateCounter.objects()
    assert (counter.month, counter.channel, counter.invited) == (
        clinic.today().isoformat()[:7],
        "sms",
        1,
    )
    token = unseal_token(contact.sealed_token, invitation.id, clinic.settings.secret_key)
    assert hash_token(token) == invitation.token_hash  # the sealed token is the link's
    [message] = await OutboxMessage.objects()
    assert (message.kind, message.status, message.language) == ("invitation", "pending", "da")
    assert message.due_at == clinic.clock()  # SMS_DELAY_MINUTES=0: due at once


async def test_delay_and_quiet_hours_set_the_due_time(clinic):
    clinic.settings_with(sms_delay_minutes=45)
    await clinic.visit()
    [message] = await OutboxMessage.select(OutboxMessage.due_at)
    assert message["due_at"] == clinic.clock() + dt.timedelta(minutes=45)


async def test_language_defaults_by_country(clinic):
    await clinic.visit("+4520123456")
    await clinic.visit("+46701234567")
    await clinic.visit("+4520123457", language="en")
    rows = await OutboxMessage.select(OutboxMessage.language).order_by(OutboxMessage.id)
    assert [r["language"] for r in rows] == ["da", "en", "en"]


async def test_several_visits_in_the_window_invite_once(clinic):
    await clinic.visit()
    again = await clinic.visit("20 12 34 56")  # same number, other spelling
    assert again == DUPLICATE_OUTCOME  # no id of the earlier invitation: nothing to match
    assert await Invitation.count() == 1 and await OutboxMessage.count() == 1
    # Another practice asks about its own visit: not a duplicate.
    visit = parse_visit(
        {"practice": "P0002", "visit_date": clinic.today().isoformat(), "phone": "+4520123456"},
        clinic.today(),
    )
    elsewhere = await register_visit(visit, clinic.other, clinic.context, clinic.clock())
    assert elsewhere.status == INVITED


async def test_the_window_is_measured_between_visit_dates(clinic):
    clinic.settings_with(sms_dedup_days=3)
    old_visit = (clinic.today() - dt.timedelta(days=3)).isoformat()
    assert (await clinic.visit(visit_date=old_visit)).status == INVITED
    assert (await clinic.visit()).status == INVITED  # 3 days apart: outside a 3-day window
    yesterday = (clinic.today() - dt.timedelta(days=1)).isoformat()
    assert (await clinic.visit(visit_date=yesterday)).status == DUPLICATE


async def test_dedup_can_be_switched_off(clinic):
    clinic.settings_with(sms_dedup_days=0)
    assert (await clinic.visit()).status == INVITED
    assert (await clinic.visit()).status == INVITED


async def test_an_opted_out_number_is_not_invited(clinic):
    await opt_out_phone("+4520123456", clinic.settings, clinic.clock())
    outcome = await clinic.visit()
    assert outcome.status == OPTED_OUT
    assert await Invitation.count() == 0 and await OutboxMessage.count() == 0


async def test_a_batch_keeps_good_rows_and_explains_bad_ones(clinic):
    today = clinic.today().isoformat()
    rows = [
        {"practice": "P0001", "visit_date": today, "phone": "20123456"},
        {"practice": "P0001", "visit_date": today, "phone": "nope"},
        "not an object",
        {"practice": "P0001", "visit_date": today, "phone": "20123457", "questionnaire": "zzz"},
        {"practice": "P0001", "visit_date": today, "phone": "20123458", "questionnaire": "mini"},
    ]
    outcomes = await register_visits(rows, clinic.practice, clinic.context, clinic.clock())
    assert [o.status for o in outcomes] == [INVITED, REJECTED, REJECTED, REJECTED, INVITED]
    assert outcomes[1].errors == {"phone": "not a valid phone number"}
    assert outcomes[2].errors == {"visit": "must be a JSON object"}
    assert outcomes[3].errors == {"questionnaire": "no published questionnaire 'zzz'"}
    assert await Invitation.count() == 2 and await SmsContact.count() == 2


async def test_a_failure_inside_the_transaction_leaves_nothing_behind(clinic, monkeypatch):
    from survey_service.distribution import intake

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(intake, "first_send_at", broken)
    with pytest.raises(RuntimeError):
        await clinic.visit()
    assert await Invitation.count() == 0
    assert await SmsContact.count() == 0
    assert await OutboxMessage.count() == 0
    assert await SmsDedup.count() == 0 and await RateCounter.count() == 0


async def test_the_duplicate_window_ends_and_is_forgotten(clinic):
    from survey_service.distribution.housekeeping import sweep

    clinic.settings_with(sms_dedup_days=3)
    await clinic.visit()
    clinic.clock.advance(days=2)
    assert (await clinic.visit()).status == DUPLICATE  # 2 days apart
    await sweep(clinic.clock(), clinic.settings)
    assert await SmsDedup.count() == 1  # its last day (visit + 2) is today
    clinic.clock.advance(days=1)
    await sweep(clinic.clock(), clinic.settings)
    assert await SmsDedup.count() == 0
    assert (await clinic.visit()).status == INVITED
