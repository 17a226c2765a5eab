"""Storage of invitations (the only place a survey link's hash lives) and of
the per-practice, per-month counts that outlive them."""

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_service.practices.tables import Practice
from survey_service.questionnaires.tables import QuestionnaireVersion


class Invitation(Table, tablename="invitation"):
    """One single-use survey link for one visit, for as long as it can be used.

    Holds the sha256 of the token, never the token. Nothing here is referenced
    by a response. Redeeming the link *deletes* this row (with its contact and
    outbox rows) in the transaction that stores the response, and the sweep
    deletes it when the link expires; what the funnel needs afterwards is in
    :class:`RateCounter`. So a live row is always an unanswered link, and no
    row is left per answered one that row order, ``xmin`` or a timestamp could
    pair with a response (docs/anonymity.md).
    """

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    token_hash = Varchar(length=64, unique=True, index=True)
    practice = ForeignKey(references=Practice, on_delete=OnDelete.restrict)
    questionnaire_version = ForeignKey(references=QuestionnaireVersion, on_delete=OnDelete.restrict)
    #: how the link reached the patient: ``sms`` or ``receipt`` (QR slip)
    channel = Varchar(length=16)
    #: language the practice system asked for; empty: let the browser decide
    language = Varchar(length=16, default="")
    visit_date = Date()
    expires_at = Timestamptz()
    #: Always false. Answered links used to be flagged here, which is what let a
    #: dump pair them with responses; they are deleted now. Kept (unused) so
    #: code still naming the column keeps working until a later migration drops it.
    used = Boolean(default=False)
    #: the rotating module drawn for this link (``slug/version``), "" when the
    #: questionnaire has none; NULL for links from before migration 0010
    module = Varchar(length=64, null=True, default=None)


class RateCounter(Table, tablename="rate_counter"):
    """How far the invitations of one practice, visit month and channel got.

    One row per (practice, month, channel), unique (migration 0005), each
    count incremented in the transaction of its event: ``invited`` when an
    invitation is created, ``sent`` when its SMS is accepted by the gateway (a
    QR slip counts as sent when it is printed), ``delivered`` / ``failed`` from
    delivery reports and dead letters, ``answered`` with the response,
    ``expired`` when an unanswered link is deleted at expiry, ``opted_out``
    when the patient of a live invitation asks for no more texts,
    ``unconfirmed`` (part of ``sent``) when a send timed out and, with no way
    to settle it, was recorded as sent rather than risk a second copy. Poster
    answers have no invitation; only ``answered`` counts them.

    A counter row names no patient, so the response transaction may update it:
    ``xmin`` then ties it to the latest response of that practice, month and
    channel, which the response row says about itself anyway.
    """

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade)
    #: visit month, ``YYYY-MM``
    month = Varchar(length=7)
    channel = Varchar(length=16)
    invited = Integer(default=0)
    sent = Integer(default=0)
    delivered = Integer(default=0)
    failed = Integer(default=0)
    answered = Integer(default=0)
    expired = Integer(default=0)
    opted_out = Integer(default=0)
    #: of ``sent``: recorded as sent after a timeout, without delivery reports
    #: or a provider lookup to confirm it (not retried; migration 0012)
    unconfirmed = Integer(default=0)
