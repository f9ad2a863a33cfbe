"""Telling the rollups (rollup.py) about changes a refresh cannot find on its own.

A refresh recomputes the days of what was written, analysed or changed since the last one. A few
changes touch a day without leaving a trace on it: an older message arriving late moves its
conversation's first day (the old day still counts it), threads merged by ingestion, a reply
that failed after it was sent or is tried again, an erasure. Those ``mark`` the moments whose
days must be summed again. An SLA policy added or a listening query removed can change any day:
``everything``.

Light on imports on purpose: ingestion, sending, SLA, listening and erasure call it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from vastaa.analytics.models import AnalyticsStale, AnalyticsState


def mark(session: Session, moments: Iterable[datetime | None]) -> None:
    """The days of these moments must be summed again at the next refresh."""
    rows = [{"at": at} for at in set(moments) if at is not None]
    if rows:
        session.execute(insert(AnalyticsStale), rows)


def everything(session: Session) -> None:
    """Make the next refresh recompute every day (also ``vastaa analytics refresh --all``)."""
    state = session.get(AnalyticsState, 1)
    if state is not None:
        state.refreshed_at = None
