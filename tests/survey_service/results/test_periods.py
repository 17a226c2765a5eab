"""Parsing reporting periods."""

from __future__ import annotations

import datetime as dt

import pytest

from survey_service.errors import InvalidInput
from survey_service.results.periods import Period, parse_period


@pytest.mark.parametrize(
    ("text", "label", "months"),
    [
        ("2026-11", "2026-11", ("2026-11",)),
        ("2026-Q3", "2026-Q3", ("2026-07", "2026-08", "2026-09")),
        ("2026-q4", "2026-Q4", ("2026-10", "2026-11", "2026-12")),
        ("2026", "2026", tuple(f"2026-{m:02d}" for m in range(1, 13))),
    ],
)
def test_periods_cover_whole_months(text: str, label: str, months: tuple[str, ...]) -> None:
    period = parse_period(text)
    assert isinstance(period, Period)
    assert period.label == label
    assert period.months == months
    assert (period.first_month, period.last_month) == (months[0], months[-1])


@pytest.mark.parametrize(
    "text", ["", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-11", "2026/11", "0000", "x"]
)
def test_malformed_periods_name_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_period(text)
    assert caught.value.detail.startswith("period: ")
    assert caught.value.errors is not None and "period" in caught.value.errors


def test_a_period_ends_after_its_last_day_plus_the_delay() -> None:
    period = parse_period("2026-Q4")
    assert period.end_date == dt.date(2026, 12, 31)
    assert not period.has_ended(dt.date(2026, 12, 31))
    assert period.has_ended(dt.date(2027, 1, 1))
    assert not period.has_ended(dt.date(2027, 1, 5), delay_days=5)
    assert period.has_ended(dt.date(2027, 1, 6), delay_days=5)
    assert parse_period("2028-02").end_date == dt.date(2028, 2, 29)


def test_periods_are_frozen() -> None:
    period = parse_period("2026")
    with pytest.raises(AttributeError):
        period.label = "2027"  # type: ignore[misc]
