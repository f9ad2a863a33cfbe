"""The view counts snapshot: recounted by the worker when due, by a request when stale, and
forgotten after a change made in the app."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from tests.factories import message
from tests.web.helpers import ingest_items
from vastaa.inbox.counts import ViewCounts


def test_the_snapshot_is_reused_until_stale_and_refreshed_when_due(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    counts = ViewCounts(max_age=timedelta(seconds=15))
    with sessions() as session:
        first = counts.get(session, now)
    ingest_items(sessions, now, message("c1"))

    with sessions() as session:
        cached = counts.get(session, now + timedelta(seconds=10))
        due = counts.refresh_if_due(session, now + timedelta(seconds=10))
        fresh = counts.get(session, now + timedelta(seconds=11))
        not_due = counts.refresh_if_due(session, now + timedelta(seconds=12))

    assert first["needs_reply"] == 0 and cached["needs_reply"] == 0
    assert due and not not_due
    assert fresh["needs_reply"] == 1
    ingest_items(sessions, now, message("c2", author={"id": "u2"}))
    counts.forget()
    with sessions() as session:
        assert counts.get(session, now + timedelta(seconds=13))["needs_reply"] == 2
