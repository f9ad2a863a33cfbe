"""Keeping the daily rollups current beside the worker: a refresh once a minute (the days touched
since the last one), everything the first time, after the time zone changed, and once a day.

It runs in a thread of its own, so that a long recompute (the first, after an upgrade, takes
a few minutes per million messages) never holds up sending, triage or SLA alerts."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from vastaa.analytics.rollup import refresh
from vastaa.clock import Clock

log = logging.getLogger(__name__)


@dataclass
class Rollups:
    timezone: str = "Europe/Helsinki"
    every: timedelta = timedelta(minutes=1)
    last_run: datetime | None = field(default=None)

    def run_if_due(self, sessions: sessionmaker[Session], now: datetime) -> int:
        """Days recomputed (0 when not due)."""
        if self.last_run is not None and now - self.last_run < self.every:
            return 0
        self.last_run = now
        days = refresh(sessions, now=now, timezone=self.timezone)
        if days > 1:
            log.info("analytics: recomputed %d days", days)
        return days


class RollupThread(threading.Thread):
    def __init__(
        self, sessions: sessionmaker[Session], rollups: Rollups, *, clock: Clock, poll: float = 5.0
    ) -> None:
        super().__init__(name="vastaa-analytics", daemon=True)
        self.sessions, self.rollups, self.clock, self.poll = sessions, rollups, clock, poll
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.rollups.run_if_due(self.sessions, self.clock())
            except Exception:  # a failed refresh is logged and tried again a minute later
                log.exception("the analytics refresh failed")
            self.stopped.wait(self.poll)

    def stop(self) -> None:
        self.stopped.set()
