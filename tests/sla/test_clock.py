"""Business time: deadlines that honour opening hours, weekends, holidays and time zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vastaa.sla.clock import BusinessHours

WEEKDAYS = {str(day): [["08:00", "16:00"]] for day in range(5)}


def hours(holidays: list[str] | None = None) -> BusinessHours:
    return BusinessHours.parse("Europe/Helsinki", WEEKDAYS, holidays)


def test_round_the_clock_is_plain_addition() -> None:
    start = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    assert BusinessHours().add(start, 60) == datetime(2026, 11, 22, 0, 30, tzinfo=UTC)


def test_inside_opening_hours_the_clock_runs() -> None:
    # Monday 10:00 in Helsinki (UTC+2 in November) is 08:00 UTC.
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert hours().add(start, 60) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_message_after_closing_is_due_an_hour_after_the_next_opening() -> None:
    # Friday 17:30 Helsinki: closed until Monday 08:00 Helsinki (06:00 UTC).
    start = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
    assert hours().add(start, 60) == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def test_the_clock_carries_over_closing_time_and_skips_holidays() -> None:
    # Thursday 15:30 Helsinki: 30 minutes left that day; Friday is a holiday (Independence Day).
    start = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    due = hours(["2026-12-04"]).add(start, 60)
    assert due == datetime(2026, 12, 7, 6, 30, tzinfo=UTC)  # Monday 08:30 Helsinki


def test_night_shifts_run_past_midnight_and_24_00_ends_the_day() -> None:
    nights = BusinessHours.parse("UTC", {str(d): [["22:00", "06:00"]] for d in range(7)}, None)
    late = BusinessHours.parse("UTC", {str(d): [["20:00", "24:00"]] for d in range(7)}, None)

    # 03:00 is inside the shift that began at 22:00 the day before.
    assert nights.add(datetime(2026, 11, 23, 3, 0, tzinfo=UTC), 60) == datetime(
        2026, 11, 23, 4, 0, tzinfo=UTC
    )
    assert nights.add(datetime(2026, 11, 23, 5, 30, tzinfo=UTC), 60) == datetime(
        2026, 11, 23, 22, 30, tzinfo=UTC
    )
    assert late.add(datetime(2026, 11, 23, 23, 30, tzinfo=UTC), 60) == datetime(
        2026, 11, 24, 20, 30, tzinfo=UTC
    )


def test_bad_hours_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError):
        BusinessHours.parse("Mars/Olympus", None, None)
    with pytest.raises(ValueError):
        BusinessHours.parse("Europe/Helsinki", {"0": "08-16"}, None)
    with pytest.raises(ValueError, match="no open time"):
        BusinessHours.parse("UTC", {"0": []}, None).add(datetime(2026, 1, 1, tzinfo=UTC), 5)
