"""The worker's side of the archive: PNG cards rendered off the ingest path (read in one short
transaction, rendered outside any, appended in another), and retention once an hour."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vastaa.clock import Clock
from vastaa.db import transaction
from vastaa.evidence.card import render_card
from vastaa.evidence.chain import iso
from vastaa.evidence.models import EvidenceContent, EvidenceRecord
from vastaa.evidence.service import add_card, prune

log = logging.getLogger(__name__)
CARDED = ("first_seen", "edit", "deletion", "before_action")
BATCH = 50


@dataclass(frozen=True)
class Pending:
    record: EvidenceRecord
    snapshot: dict[str, object]


def render_due(sessions: sessionmaker[Session], *, clock: Clock, batch: int = BATCH) -> int:
    """Render the cards of the next records without one, in record order; returns how many."""
    with transaction(sessions) as session:
        pending = _pending(session, batch)
    cards = [(item.record, png) for item in pending if (png := _render(item)) is not None]
    with transaction(sessions) as session:
        for record, png in cards:  # skipped if erased meanwhile, or carded by another worker
            add_card(session, record=record, png=png, now=clock())
    return len(cards)


def _pending(session: Session, batch: int) -> list[Pending]:
    after = session.scalar(select(func.max(EvidenceRecord.card_of))) or 0
    query = (
        select(EvidenceRecord, EvidenceContent.json)
        .join(EvidenceContent, EvidenceContent.seq == EvidenceRecord.seq)
        .where(
            EvidenceRecord.seq > after,
            EvidenceRecord.capture.in_(CARDED),
            EvidenceContent.json.is_not(None),
        )
        .order_by(EvidenceRecord.seq)
        .limit(batch)
    )
    found = []
    for record, content in session.execute(query):
        session.expunge(record)
        found.append(Pending(record, json.loads(content or "{}")))
    return found


def _render(item: Pending) -> bytes | None:
    """A card, or None (logged) if this record cannot be drawn: the record itself stands, and
    one bad record must not stop the worker's other work."""
    try:
        return render_card(
            item.snapshot,
            record_seq=item.record.seq,
            content_sha256=item.record.content_sha256,
            captured_at=iso(item.record.captured_at) or "",
        )
    except Exception:
        log.exception("the card of evidence record %d could not be rendered", item.record.seq)
        return None


@dataclass
class Retention:
    """Removes content older than ``days`` (0: keep everything), at most once an hour."""

    days: int
    every: timedelta = timedelta(hours=1)
    last_run: datetime | None = field(default=None)

    def run_if_due(self, sessions: sessionmaker[Session], now: datetime) -> int:
        if self.days <= 0 or (self.last_run is not None and now - self.last_run < self.every):
            return 0
        removed = 0
        with transaction(sessions) as session:
            removed = prune(session, retention_days=self.days, now=now)
        if removed:
            log.info("evidence retention removed the content of %d records", removed)
        else:
            self.last_run = now  # caught up: look again in an hour
        return removed
