"""Analysing stored messages: ingestion leaves ``analyzed_at`` empty (the outbox), and this job
fills in what the analysis says, a batch per transaction, oldest first."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from vastaa.analysis.analyzer import Analyzer, TextIn
from vastaa.clock import Clock
from vastaa.db import transaction
from vastaa.messages.models import Message

BATCH = 256
log = logging.getLogger(__name__)


def analyze_batch(session: Session, analyzer: Analyzer, *, now: datetime, size: int = BATCH) -> int:
    """Analyse up to ``size`` waiting inbound messages; returns how many were done."""
    rows = session.execute(
        select(Message.id, Message.text, Message.lang)
        .where(Message.analyzed_at.is_(None), Message.direction == "inbound")
        .order_by(Message.received_at)
        .limit(size)
    ).all()
    if not rows:
        return 0
    results = analyzer.analyze([TextIn(text, lang) for _, text, lang in rows])
    updates = [
        {
            "id": message_id,
            "analysis": result.as_json(),
            "analyzed_at": now,
            "lang": lang or result.lang,
        }
        for (message_id, _, lang), result in zip(rows, results, strict=True)
    ]
    session.execute(update(Message), updates)
    return len(updates)


def analyze_pending(sessions: sessionmaker[Session], analyzer: Analyzer, *, clock: Clock) -> int:
    """Everything waiting, a transaction per batch."""
    done = 0
    while True:
        with transaction(sessions) as session:
            count = analyze_batch(session, analyzer, now=clock())
        done += count
        if count < BATCH:
            return done


class AnalysisWorker(threading.Thread):
    """Runs inside ``vastaa serve``: analyses new messages every few seconds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        analyzer: Analyzer,
        *,
        clock: Clock,
        interval: float = 2.0,
    ) -> None:
        super().__init__(name="vastaa-analysis", daemon=True)
        self.sessions, self.analyzer, self.clock = sessions, analyzer, clock
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                analyze_pending(self.sessions, self.analyzer, clock=self.clock)
            except Exception:  # a bad batch must not kill the worker; it is logged
                log.exception("analysing messages failed; retrying in %s s", self.interval)
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
