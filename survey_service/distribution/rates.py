"""Response rates per practice and visit month, without touching a response's origin.

"Answered" is counted from the invitation table itself (``used``), and
"sent"/"delivered" from the outbox: no query here joins a response to an
invitation, a token or a message (there is nothing to join on). Poster answers
have no invitation, so only their number is shown (from the responses'
channel and visit month), never a rate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from survey_service.distribution.tables import DEAD, INVITATION, SENT, OutboxMessage
from survey_service.invitations.tables import Invitation
from survey_service.responses.tables import Response


@dataclass(frozen=True)
class RateRow:
    month: str
    channel: str
    invitations: int
    sent: int
    delivered: int
    failed: int
    answered: int

    @property
    def response_rate(self) -> float | None:
        """Answered per invitation that reached the patient (sent SMS, handed-out slip)."""
        return round(self.answered / self.sent, 4) if self.sent else None


def _month(value: dt.date | str) -> str:
    return str(value)[:7]


def add_months(first_day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``first_day``'s month."""
    index = first_day.year * 12 + first_day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


async def response_rates(practice_id: int, start: dt.date, end: dt.date) -> list[RateRow]:
    """Rows per (visit month, channel) for visits in ``[start, end)``."""
    invitations = await Invitation.select(
        Invitation.id, Invitation.channel, Invitation.visit_date, Invitation.used
    ).where(
        (Invitation.practice == practice_id)
        & (Invitation.visit_date >= start)
        & (Invitation.visit_date < end)
    )
    messages = await OutboxMessage.select(
        OutboxMessage.invitation, OutboxMessage.status, OutboxMessage.delivery
    ).where(
        (OutboxMessage.kind == INVITATION)
        & (OutboxMessage.invitation.practice == practice_id)
        & (OutboxMessage.invitation.visit_date >= start)
        & (OutboxMessage.invitation.visit_date < end)
    )
    by_invitation = {m["invitation"]: m for m in messages}
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for inv in invitations:
        c = counts[(_month(inv["visit_date"]), inv["channel"])]
        c["invitations"] += 1
        c["answered"] += bool(inv["used"])
        if inv["channel"] != "sms":
            c["sent"] += 1  # a QR slip is handed over at the desk
            continue
        message = by_invitation.get(inv["id"])
        if message is None:
            continue
        c["sent"] += message["status"] == SENT
        c["delivered"] += message["delivery"] == "delivered"
        c["failed"] += message["delivery"] == "failed" or message["status"] == DEAD
    posters = await Response.select(Response.visit_date).where(
        (Response.practice == practice_id)
        & (Response.channel == "poster")
        & (Response.visit_date >= start)
        & (Response.visit_date < end)
    )
    for row in posters:
        counts[(_month(row["visit_date"]), "poster")]["answered"] += 1
    return [
        RateRow(
            month=month,
            channel=channel,
            invitations=c["invitations"],
            sent=c["sent"],
            delivered=c["delivered"],
            failed=c["failed"],
            answered=c["answered"],
        )
        for (month, channel), c in sorted(counts.items())
    ]
