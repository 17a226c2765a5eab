"""When messages go out: delay, quiet hours, reminders and retry backoff.

Every function takes ``now`` (an aware UTC datetime) instead of reading the
clock, so the rules are tested with a fake clock; :data:`Clock` is what the
worker is given (``utc_now`` in production).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from survey_service.localtime import (  # re-exported: the rules speak of them
    LOCAL_ZONE,
    QuietHours,
    QuietHoursError,
    local_today,
    parse_quiet_hours,
    utc_now,
)

__all__ = [
    "LOCAL_ZONE",
    "Clock",
    "QuietHours",
    "QuietHoursError",
    "first_send_at",
    "local_today",
    "parse_quiet_hours",
    "reminder_at",
    "retry_delay",
    "utc_now",
]

Clock = Callable[[], dt.datetime]


def first_send_at(now: dt.datetime, delay_minutes: int, quiet: QuietHours | None) -> dt.datetime:
    """When an invitation reported at ``now`` is due."""
    due = now + dt.timedelta(minutes=max(0, delay_minutes))
    return quiet.next_allowed(due) if quiet else due


#: A reminder must leave the patient at least this long before the link expires.
REMINDER_MARGIN = dt.timedelta(days=1)


def reminder_at(
    sent_at: dt.datetime,
    reminder_days: int | None,
    expires_at: dt.datetime,
    quiet: QuietHours | None,
) -> dt.datetime | None:
    """When the one reminder is due, or None (no reminders, or too close to expiry)."""
    if not reminder_days or reminder_days < 1:
        return None
    due = sent_at + dt.timedelta(days=reminder_days)
    if quiet:
        due = quiet.next_allowed(due)
    if due + REMINDER_MARGIN > expires_at:
        return None
    return due


def retry_delay(
    attempt: int, base: float, cap: float, rng: random.Random | None = None
) -> dt.timedelta:
    """Exponential backoff with "equal jitter" after failed attempt number ``attempt``.

    base * 2**(attempt-1), capped, then a random point in its upper half: the
    jitter spreads retries of messages that failed together (a gateway outage)
    so they do not hit the recovered gateway at the same instant, while the
    lower half keeps a guaranteed minimum wait.
    """
    rng = rng or random.Random()
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return dt.timedelta(seconds=delay / 2 + rng.uniform(0, delay / 2))
