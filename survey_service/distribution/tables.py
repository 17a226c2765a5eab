"""Storage for distribution: who to text (briefly), what to send, who said stop.

None of these rows is referenced by a response, and a response references
none of them (see ``survey_service.responses.tables``). Contacts and
messages hang off the invitation and are deleted with it (answered or
expired); the opt-out list and the duplicate window hold keyed hashes only.
"""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from survey_service.invitations.tables import Invitation

# Outbox states (docs/distribution.md has the diagram).
PENDING = "pending"  # waiting for due_at
SENDING = "sending"  # claimed by a worker until lease_until
SENT = "sent"  # the gateway accepted it
DEAD = "dead"  # gave up after SMS_MAX_ATTEMPTS, or the gateway refused it for good
CANCELLED = "cancelled"  # no longer wanted: opted out (answered/expired: deleted)
OPEN_STATES = (PENDING, SENDING)

INVITATION = "invitation"
REMINDER = "reminder"


class SmsContact(Table, tablename="sms_contact"):
    """How to reach the patient of one live SMS invitation, for as long as needed.

    Kept apart from ``invitation`` (rather than as extra invitation columns) so
    everything that must be erased sits in one row with one erase rule. The
    row goes with its invitation: deleted when the link is answered or
    expires (docs/anonymity.md).
    """

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    invitation = ForeignKey(references=Invitation, on_delete=OnDelete.cascade, unique=True)
    #: the E.164 number, AES-256-GCM under PHONE_KEYS (see sealing.seal_phone),
    #: never in clear; NULL once the last message is done
    phone_sealed = Varchar(length=120, null=True, default=None)
    #: the raw token sealed with AES-GCM (see sealing.py); erased with the phone
    sealed_token = Varchar(length=100, null=True, default=None)
    #: the number's opt-out key (phones.opt_out_key), so that the stop link and
    #: the worker's last check can find the number on the opt-out list after
    #: the number itself is gone; lives as long as the row
    opt_out_key = Varchar(length=64, null=True, default=None, index=True)


class OutboxMessage(Table, tablename="outbox_message"):
    """One SMS to send, written in the transaction that created its reason.

    The text is composed only when sending (it needs the unsealed token), so a
    row holds no phone number and no link.
    """

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    invitation = ForeignKey(references=Invitation, on_delete=OnDelete.cascade, index=True)
    #: ``invitation`` or ``reminder``; (invitation, kind) is unique (migration 0003)
    kind = Varchar(length=16)
    #: language of the SMS text
    language = Varchar(length=16, default="da")
    status = Varchar(length=16, default=PENDING)
    #: (status, due_at) is indexed for the claim query (migration 0004)
    due_at = Timestamptz(default=TimestamptzNow())
    #: claims so far (a claim whose worker died counts too: it may have sent)
    attempts = Integer(default=0)
    lease_until = Timestamptz(null=True, default=None)
    #: random per claim: a worker that lost its lease cannot overwrite the new owner
    claim = Varchar(length=32, null=True, default=None)
    #: passed to the gateway with every attempt (GatewayAPI: ``userref``)
    idempotency_key = Varchar(length=32, unique=True)
    #: times a lease ran out while the message was claimed: each is a possible duplicate
    lease_expiries = Integer(default=0)
    provider_id = Varchar(length=64, default="")
    #: last failure, short and free of numbers and tokens
    last_error = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
    #: from the provider's delivery report: "", "delivered" or "failed"
    delivery = Varchar(length=16, default="")


class OptOut(Table, tablename="sms_opt_out"):
    """A number that asked for no more messages, kept only as its keyed hash.

    ``phone_key`` is :func:`~survey_service.distribution.phones.opt_out_key`:
    keyed with PHONE_HASH_KEY and slow, of the number alone.
    """

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    phone_key = Varchar(length=64, unique=True, index=True)


class SmsDedup(Table, tablename="sms_dedup"):
    """ "This patient was invited by this practice for a visit in this window."

    ``key`` is :func:`~survey_service.distribution.phones.dedup_key` (number
    and practice, keyed and slow); a visit of the same patient to the same
    practice dated within ``[first_day, last_day]`` is a duplicate. No
    reference to an invitation or a practice, and deleted by the sweep once
    ``last_day`` has passed.
    """

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    key = Varchar(length=64, index=True)
    first_day = Date()
    last_day = Date(index=True)
