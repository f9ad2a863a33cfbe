"""Business time: when a deadline of N working minutes that starts at a moment falls, given the
opening hours of each weekday and the holidays, in the policy's time zone."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SEARCH_DAYS = 370  # a deadline further than a year of closed days away is not a deadline


def _time(value: str) -> time:
    """ "HH:MM"; "24:00" is the end of the day (stored as midnight, like an overnight span)."""
    return time(0) if value.strip() == "24:00" else time.fromisoformat(value)


@dataclass(frozen=True)
class BusinessHours:
    """``opening`` maps weekday (0 = Monday) to (start, end) pairs; empty means always open.
    An end at or before its start ("22:00"–"06:00", or "24:00" = "00:00") runs past midnight."""

    timezone: str = "Europe/Helsinki"
    opening: Mapping[int, Sequence[tuple[time, time]]] | None = None
    holidays: frozenset[date] = frozenset()

    @classmethod
    def parse(
        cls, timezone: str, hours: Mapping[str, object] | None, holidays: Sequence[str] | None
    ) -> BusinessHours:
        """From a policy's JSON: {"0": [["08:00", "16:00"]], ...} and ["2026-12-24", ...]."""
        opening: dict[int, list[tuple[time, time]]] | None = None
        if hours:
            opening = {}
            for day, spans in hours.items():
                if not isinstance(spans, list) or not all(
                    isinstance(pair, list) and len(pair) == 2 for pair in spans
                ):
                    raise ValueError(f"opening hours of day {day} must be a list of pairs")
                opening[int(day)] = [(_time(start), _time(end)) for start, end in spans]
        try:
            ZoneInfo(timezone)
        except (KeyError, ValueError) as error:
            raise ValueError(f"unknown time zone {timezone!r}") from error
        days = frozenset(date.fromisoformat(day) for day in holidays or ())
        return cls(timezone, opening, days)

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals in UTC, from ``start`` on, in order."""
        zone = ZoneInfo(self.timezone)
        local = start.astimezone(zone)
        for offset in range(-1, SEARCH_DAYS):  # yesterday's span may run past midnight
            day = local.date() + timedelta(days=offset)
            if day in self.holidays:
                continue
            spans = [(time(0), None)] if self.opening is None else self.opening.get(day.weekday())
            for open_at, close_at in spans or ():
                begin = datetime.combine(day, open_at, zone)
                if close_at is None or close_at <= open_at:
                    end = datetime.combine(day + timedelta(days=1), close_at or time(0), zone)
                else:
                    end = datetime.combine(day, close_at, zone)
                begin, end = max(begin, start), end
                if end > begin:
                    yield begin.astimezone(UTC), end.astimezone(UTC)

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` of open time after ``start``."""
        if self.opening is None and not self.holidays:
            return start + timedelta(minutes=minutes)
        left = timedelta(minutes=minutes)
        for begin, end in self.intervals(start):
            if end - begin >= left:
                return begin + left
            left -= end - begin
        raise ValueError("these opening hours leave no open time within a year")
