"""Response rates per practice and visit month, read from the counters alone.

Every count is :class:`~survey_service.invitations.tables.RateCounter`,
incremented in the transaction of its event (invitation created, SMS sent or
sent unconfirmed, delivery report, answer, expiry, opt-out). Nothing here
reads a row about a single patient: answered invitations are gone by then,
and a response has nothing to join on anyway. Poster answers have no
invitation, so only their number is shown, never a rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from survey_service.invitations.counters import month_of
from survey_service.invitations.tables import RateCounter


@dataclass(frozen=True)
class RateRow:
    month: str
    channel: str
    invitations: int
    sent: int
    delivered: int
    failed: int
    answered: int
    expired: int = 0
    opted_out: int = 0
    #: of ``sent``: recorded as sent after a timeout that nothing could settle
    #: (no delivery reports, no provider lookup); some may not have arrived
    unconfirmed: int = 0

    @property
    def response_rate(self) -> float | None:
        """Answered per invitation that reached the patient (sent SMS, handed-out slip)."""
        return round(self.answered / self.sent, 4) if self.sent else None


def add_months(first_day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``first_day``'s month."""
    index = first_day.year * 12 + first_day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


async def response_rates(practice_id: int, start: dt.date, end: dt.date) -> list[RateRow]:
    """Rows per (visit month, channel) for visits in ``[start, end)``."""
    rows = (
        await RateCounter.select()
        .where(
            (RateCounter.practice == practice_id)
            & (RateCounter.month >= month_of(start))
            & (RateCounter.month < month_of(end))
        )
        .order_by(RateCounter.month, RateCounter.channel)
    )
    return [
        RateRow(
            month=r["month"],
            channel=r["channel"],
            invitations=r["invited"],
            sent=r["sent"],
            delivered=r["delivered"],
            failed=r["failed"],
            answered=r["answered"],
            expired=r["expired"],
            opted_out=r["opted_out"],
            unconfirmed=r["unconfirmed"],
        )
        for r in rows
    ]
