"""The worker keeps the daily rollups current: a refresh once a minute (the days touched since
the last one), and everything the first time or after the time zone changed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from vastaa.analytics.rollup import refresh

log = logging.getLogger(__name__)


@dataclass
class Rollups:
    timezone: str = "Europe/Helsinki"
    every: timedelta = timedelta(minutes=1)
    last_run: datetime | None = field(default=None)

    def run_if_due(self, sessions: sessionmaker[Session], now: datetime) -> int:
        """Days recomputed (0 when not due); not counted as work that makes the next round
        start at once."""
        if self.last_run is not None and now - self.last_run < self.every:
            return 0
        self.last_run = now
        days = refresh(sessions, now=now, timezone=self.timezone)
        if days > 1:
            log.info("analytics: recomputed %d days", days)
        return days
