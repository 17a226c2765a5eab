"""Local time in Denmark, where every patient the region serves lives.

A foundation module: settings validate ``SMS_QUIET_HOURS`` with it, and the
distribution rules use it, so it imports nothing from the rest of the service.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

#: Quiet hours are local to the patients, all of whom the region serves in Denmark.
LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")


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


def parse_quiet_hours(raw: str | None) -> QuietHours | None:
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
