"""When messages go out: delay, quiet hours, reminders and retry backoff.

Every function takes ``now`` (an aware UTC datetime) instead of reading the
clock, so the rules are tested with a fake clock; :data:`Clock` is what the
worker is given (``utc_now`` in production).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

#: Quiet hours are local to the patients, all of whom the region serves in Denmark.
LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_today(now: dt.datetime) -> dt.date:
    """The date in Denmark at ``now`` (a visit or poster answer is dated locally)."""
    return now.astimezone(LOCAL_ZONE).date()


class QuietHoursError(ValueError):
    """SMS_QUIET_HOURS is not ``HH[:MM]-HH[:MM]``."""


_RANGE = re.compile(r"^(\d{1,2})(?::(\d{2}))?-(\d{1,2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class QuietHours:
    """A nightly window (local time) in which no SMS is sent; may wrap midnight."""

    start: dt.time
    end: dt.time

    def contains(self, moment: dt.datetime) -> bool:
        t = moment.astimezone(LOCAL_ZONE).time()
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def next_allowed(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` itself when outside the window, else the window's end (UTC)."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(LOCAL_ZONE)
        day = local.date()
        if self.start >= self.end and local.time() >= self.start:
            day += dt.timedelta(days=1)  # evening part of a window that wraps midnight
        # Built from the local wall-clock time so a DST change night still ends
        # the window at 08:00 local, not at 07:00 or 09:00.
        end = dt.datetime.combine(day, self.end, tzinfo=LOCAL_ZONE)
        return end.astimezone(dt.UTC)


def parse_quiet_hours(raw: str) -> QuietHours | None:
    """``"21-08"`` or ``"21:30-07:45"``; empty: no quiet hours."""
    raw = (raw or "").strip()
    if not raw:
        return None
    match = _RANGE.match(raw)
    if not match:
        raise QuietHoursError(f"{raw!r}: write HH-HH or HH:MM-HH:MM, e.g. 21-08")
    h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise QuietHoursError(f"{raw!r}: hours 0-23, minutes 0-59") from None
    if start == end:
        raise QuietHoursError(f"{raw!r}: start and end are the same; leave empty to disable")
    return QuietHours(start, end)


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
