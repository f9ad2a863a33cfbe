"""The count of every view, kept as a snapshot: the worker of ``vastaa serve`` recounts every few
seconds, so that an inbox request reads the counts instead of counting a million-message inbox;
without a worker (or when the snapshot is older than ``max_age``) a request recounts itself."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from vastaa.inbox.queries import view_counts

REFRESH_EVERY = timedelta(seconds=5)


class ViewCounts:
    def __init__(self, max_age: timedelta = timedelta(seconds=15)) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._counts: dict[str, int] | None = None
        self._at: datetime | None = None

    def _fresh(self, now: datetime, age: timedelta) -> dict[str, int] | None:
        with self._lock:
            if self._counts is not None and self._at is not None and now - self._at <= age:
                return dict(self._counts)
        return None

    def get(self, session: Session, now: datetime) -> dict[str, int]:
        found = self._fresh(now, self.max_age)
        return found if found is not None else self.refresh(session, now)

    def refresh(self, session: Session, now: datetime) -> dict[str, int]:
        counts = view_counts(session)
        with self._lock:
            self._counts, self._at = counts, now
        return dict(counts)

    def refresh_if_due(self, session: Session, now: datetime) -> bool:
        """The worker's call: recount when the snapshot is older than ``REFRESH_EVERY``."""
        if self._fresh(now, REFRESH_EVERY) is not None:
            return False
        self.refresh(session, now)
        return True

    def forget(self) -> None:
        """After a change made in the app, so that its author sees it counted at once."""
        with self._lock:
            self._counts = self._at = None
