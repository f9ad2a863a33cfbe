"""Time comes from an injected clock so tests and the demo can control it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]
# The days a person may ask about: wide enough for any real question, narrow enough that a day
# before or after and any time zone still make a valid datetime.
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes (as SQLite returns them) are taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_day(value: str) -> date:
    """A YYYY-MM-DD day between EARLIEST and LATEST; ValueError otherwise."""
    found = date.fromisoformat(value)
    if not EARLIEST <= found <= LATEST:
        raise ValueError(f"the days are between {EARLIEST} and {LATEST}")
    return found
