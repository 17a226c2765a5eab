"""Per-practice, per-month counts of the invitation funnel (:class:`RateCounter`).

Every count moves in the transaction of its event, so the counts are exactly
as right as the events (a rolled-back answer is not counted). Response rates
are read from here alone; nothing is counted from rows about single patients,
which are deleted as soon as they are done with.
"""

from __future__ import annotations

import datetime as dt

from survey_service.invitations.tables import Invitation, RateCounter

COUNTS = (
    "invited",
    "sent",
    "delivered",
    "failed",
    "answered",
    "expired",
    "opted_out",
    "unconfirmed",
)


def month_of(value: dt.date | str) -> str:
    """``YYYY-MM`` of a date (or of an ISO date string, as SQLite returns it)."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return text[:7]


async def bump(practice_id: int, month: str, channel: str, **deltas: int) -> None:
    """Add ``deltas`` (e.g. ``sent=1``) to one counter row, creating it if needed.

    Call it inside the event's transaction, after the event's other writes:
    taking the counter row's lock last keeps the lock order the same in every
    transaction (invitation rows first, counters last), so no two deadlock.
    """
    unknown = set(deltas) - set(COUNTS)
    if unknown:
        raise ValueError(f"unknown counts: {sorted(unknown)}")
    names = [name for name in COUNTS if deltas.get(name)]
    if not names:
        return
    columns = ", ".join(names)
    placeholders = ", ".join(["{}"] * len(names))
    updates = ", ".join(f"{n} = rate_counter.{n} + excluded.{n}" for n in names)
    await RateCounter.raw(
        f"INSERT INTO rate_counter (practice, month, channel, {columns}) "
        f"VALUES ({{}}, {{}}, {{}}, {placeholders}) "
        f"ON CONFLICT (practice, month, channel) DO UPDATE SET {updates}",
        practice_id,
        month,
        channel,
        *(deltas[n] for n in names),
    )


async def bump_for_invitation(invitation_id: int, **deltas: int) -> bool:
    """:func:`bump` the row of an invitation's practice, visit month and channel.

    False (nothing counted) when the invitation is gone: it was answered or
    expired meanwhile, and its counts were settled then.
    """
    row = (
        await Invitation.select(Invitation.practice, Invitation.visit_date, Invitation.channel)
        .where(Invitation.id == invitation_id)
        .first()
    )
    if row is None:
        return False
    await bump(row["practice"], month_of(row["visit_date"]), row["channel"], **deltas)
    return True
