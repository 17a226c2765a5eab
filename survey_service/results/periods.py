"""Reporting periods: a month ``2026-11``, a quarter ``2026-Q3`` or a year ``2026``.

Responses keep only their visit month (``YYYY-MM``), so every period is a run
of whole months and "is this response in the period" is a string comparison
the database can do on ``visit_month``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from survey_service.errors import InvalidInput

__all__ = ["ALL_TIME", "Period", "parse_period"]

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_YEAR = re.compile(r"(\d{4})")


def _bad(text: str, reason: str) -> InvalidInput:
    return InvalidInput.of({"period": f"{text!r} {reason}"})


@dataclass(frozen=True)
class Period:
    """A run of whole calendar months, named by its label."""

    label: str
    #: first and last month covered, ``YYYY-MM``
    first_month: str
    last_month: str

    @property
    def months(self) -> tuple[str, ...]:
        """Every month covered, ``YYYY-MM``, in order."""
        year, month = int(self.first_month[:4]), int(self.first_month[5:])
        out: list[str] = []
        while True:
            label = f"{year:04d}-{month:02d}"
            out.append(label)
            if label == self.last_month:
                return tuple(out)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    @property
    def end_date(self) -> dt.date:
        """The last day of the period."""
        year, month = int(self.last_month[:4]), int(self.last_month[5:])
        first_of_next = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        return first_of_next - dt.timedelta(days=1)

    def has_ended(self, today: dt.date, delay_days: int = 0) -> bool:
        """True once ``today`` is past the last day plus ``delay_days``.

        The delay gives late answers (links stay valid for days after the
        visit) time to arrive before a period's results are released.
        """
        return today > self.end_date + dt.timedelta(days=delay_days)

    def __str__(self) -> str:
        return self.label


#: Every month there is: an export without ``--period`` (never a report period).
ALL_TIME = Period("all", "0001-01", "9999-12")


def parse_period(text: str) -> Period:
    """Parse ``2026-11``, ``2026-Q3`` or ``2026``; anything else is :class:`InvalidInput`."""
    value = text.strip() if isinstance(text, str) else ""
    if match := _MONTH.fullmatch(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise _bad(text, "has no such month (use YYYY-MM, YYYY-Qn or YYYY)")
        label = f"{year:04d}-{month:02d}"
        return _checked(Period(label, label, label), text)
    if match := _QUARTER.fullmatch(value):
        year, quarter = int(match[1]), int(match[2])
        first = f"{year:04d}-{3 * quarter - 2:02d}"
        last = f"{year:04d}-{3 * quarter:02d}"
        return _checked(Period(f"{year:04d}-Q{quarter}", first, last), text)
    if match := _YEAR.fullmatch(value):
        year = int(match[1])
        return _checked(Period(f"{year:04d}", f"{year:04d}-01", f"{year:04d}-12"), text)
    raise _bad(text, "is not a period (use YYYY-MM, YYYY-Qn or YYYY)")


def _checked(period: Period, text: str) -> Period:
    # Year 0000 is no calendar year (datetime refuses it); catch it here, once.
    if int(period.first_month[:4]) < 1:
        raise _bad(text, "has no such year")
    return period
