"""Storage for distribution: who to text (briefly), what to send, who said stop.

None of these rows is referenced by a response, and a response references
none of them (see ``survey_service.responses.tables``): they hang off the
invitation, which a response never points to either.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from survey_service.invitations.tables import Invitation

# Outbox states (docs/distribution.md has the diagram).
PENDING = "pending"  # waiting for due_at
SENDING = "sending"  # claimed by a worker until lease_until
SENT = "sent"  # the gateway accepted it
DEAD = "dead"  # gave up after SMS_MAX_ATTEMPTS, or the gateway refused it for good
CANCELLED = "cancelled"  # no longer wanted: answered, expired, opted out
OPEN_STATES = (PENDING, SENDING)

INVITATION = "invitation"
REMINDER = "reminder"


class SmsContact(Table, tablename="sms_contact"):
    """How to reach the patient of one SMS invitation, for as long as needed.

    Kept apart from ``invitation`` (rather than as extra invitation columns) so
    everything that must be erased sits in one row with one erase rule, and the
    invitation table keeps its foundation shape.
    """

    invitation = ForeignKey(references=Invitation, on_delete=OnDelete.cascade, unique=True)
    #: E.164; NULL once the last message is done (or the link expired)
    phone = Varchar(length=20, null=True, default=None)
    #: the raw token sealed with AES-GCM (see sealing.py); erased with the phone
    sealed_token = Varchar(length=100, null=True, default=None)
    #: HMAC of the number: one invitation per patient and window, and opt-out by
    #: link after the number itself is gone; cleared when both needs have passed
    phone_key = Varchar(length=64, null=True, default=None, index=True)
    erased_at = Timestamptz(null=True, default=None)


class OutboxMessage(Table, tablename="outbox_message"):
    """One SMS to send, written in the transaction that created its reason.

    The text is composed only when sending (it needs the unsealed token), so a
    row holds no phone number and no link.
    """

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
    """A number that asked for no more messages, kept only as its keyed hash."""

    phone_key = Varchar(length=64, unique=True, index=True)
