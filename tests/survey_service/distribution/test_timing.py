"""Delay, quiet hours (Europe/Copenhagen, across midnight and DST), reminders, backoff."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from survey_service.distribution.timing import (
    LOCAL_ZONE,
    QuietHoursError,
    first_send_at,
    parse_quiet_hours,
    reminder_at,
    retry_delay,
)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_ZONE).astimezone(dt.UTC)


QUIET = parse_quiet_hours("21-08")


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (local(2026, 11, 23, 20, 59), False),
        (local(2026, 11, 23, 21, 0), True),
        (local(2026, 11, 23, 23, 30), True),
        (local(2026, 11, 24, 3, 0), True),
        (local(2026, 11, 24, 7, 59), True),
        (local(2026, 11, 24, 8, 0), False),
        (local(2026, 11, 24, 12, 0), False),
    ],
)
def test_quiet_window_wraps_midnight_in_local_time(moment, quiet):
    assert QUIET.contains(moment) is quiet


def test_a_message_due_at_night_waits_for_eight_local():
    evening = local(2026, 11, 23, 22, 15)
    assert QUIET.next_allowed(evening) == local(2026, 11, 24, 8, 0)
    early = local(2026, 11, 24, 6, 0)
    assert QUIET.next_allowed(early) == local(2026, 11, 24, 8, 0)
    day = local(2026, 11, 24, 9, 0)
    assert QUIET.next_allowed(day) == day


def test_quiet_hours_end_at_eight_local_across_the_dst_change():
    # 29 March 2026: clocks go from 02:00 to 03:00 in Copenhagen.
    assert QUIET.next_allowed(local(2026, 3, 28, 23, 0)) == local(2026, 3, 29, 8, 0)
    assert local(2026, 3, 29, 8, 0).hour == 6  # 08:00 CEST is 06:00 UTC
    assert local(2026, 3, 28, 8, 0).hour == 7  # 08:00 CET is 07:00 UTC


def test_a_daytime_window_and_minutes_parse():
    lunch = parse_quiet_hours("12:30-13:15")
    assert lunch.contains(local(2026, 11, 24, 12, 45))
    assert not lunch.contains(local(2026, 11, 24, 13, 15))


@pytest.mark.parametrize("raw", ["21", "25-08", "21-08-09", "21:61-08", "8-8", "x-y"])
def test_bad_quiet_hours_are_refused(raw):
    with pytest.raises(QuietHoursError):
        parse_quiet_hours(raw)


def test_empty_quiet_hours_disable_them():
    assert parse_quiet_hours("") is None
    assert parse_quiet_hours("  ") is None


def test_delay_then_quiet_hours():
    reported = local(2026, 11, 23, 20, 40)
    assert first_send_at(reported, 0, QUIET) == reported
    assert first_send_at(reported, 30, QUIET) == local(2026, 11, 24, 8, 0)
    assert first_send_at(reported, 30, None) == local(2026, 11, 23, 21, 10)


def test_one_reminder_some_days_later_but_not_too_close_to_expiry():
    sent = local(2026, 11, 23, 10, 0)
    expires = sent + dt.timedelta(days=14)
    assert reminder_at(sent, 4, expires, QUIET) == local(2026, 11, 27, 10, 0)
    assert reminder_at(sent, None, expires, QUIET) is None
    assert reminder_at(sent, 0, expires, QUIET) is None
    assert reminder_at(sent, 13, expires, QUIET) == expires - dt.timedelta(days=1)
    assert reminder_at(sent, 14, expires, QUIET) is None  # less than a day left to answer
    late = local(2026, 11, 23, 20, 30)
    assert reminder_at(late, 4, late + dt.timedelta(days=14), QUIET) == local(2026, 11, 27, 20, 30)
    night = local(2026, 11, 23, 22, 0)
    assert reminder_at(night, 4, night + dt.timedelta(days=14), QUIET) == local(2026, 11, 28, 8, 0)


def test_backoff_doubles_with_jitter_in_the_upper_half_and_is_capped():
    rng = random.Random(7)
    for attempt, full in [(1, 30), (2, 60), (3, 120), (4, 240), (10, 3600), (30, 3600)]:
        for _ in range(50):
            delay = retry_delay(attempt, 30, 3600, rng).total_seconds()
            assert full / 2 <= delay <= full
    spread = {round(retry_delay(5, 30, 3600, rng).total_seconds()) for _ in range(50)}
    assert len(spread) > 10  # jittered, not lock-step
