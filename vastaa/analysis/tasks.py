"""Analysing stored messages: ingestion leaves ``analyzed_at`` empty (the outbox), and this job
fills in what the fast tier says, a batch per transaction, oldest first. When nothing waits, the
full tier (about 20 messages a second a core) re-analyses the fast tier's results, newest first,
so the messages an agent is about to read are the first to get the more accurate analysis."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Row, Table, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from vastaa.analysis.analyzer import Analyzer, TextIn
from vastaa.analysis.language import UNDETERMINED
from vastaa.analysis.records import Analysis
from vastaa.bulk import one_of
from vastaa.clock import Clock
from vastaa.conversations.models import Conversation
from vastaa.db import transaction
from vastaa.messages.models import Message

BATCH = 256
FULL_BATCH = 32
FULL_WINDOW = timedelta(days=7)
log = logging.getLogger(__name__)


def analyze_batch(session: Session, analyzer: Analyzer, *, now: datetime, size: int = BATCH) -> int:
    """Analyse up to ``size`` waiting inbound messages; returns how many were done."""
    rows = session.execute(
        select(Message.id, Message.text, Message.lang, Message.conversation_id)
        .where(Message.analyzed_at.is_(None), Message.direction == "inbound")
        .order_by(Message.received_at)
        .limit(size)
    ).all()
    if not rows:
        return 0
    return _store(session, analyzer, rows, now)


def upgrade_batch(
    session: Session, analyzer: Analyzer, *, now: datetime, size: int = FULL_BATCH
) -> int:
    """Re-analyse up to ``size`` of the newest messages another tier analysed, among those that
    arrived in the last ``FULL_WINDOW`` (older ones keep the fast tier's analysis: refining a
    year of history at ~20 messages a second would keep a core busy for days)."""
    rows = session.execute(
        select(Message.id, Message.text, Message.lang, Message.conversation_id)
        .where(
            Message.analysis_tier == "fast",
            Message.direction == "inbound",
            Message.received_at >= now - FULL_WINDOW,
        )
        .order_by(Message.received_at.desc())
        .limit(size)
    ).all()
    return _store(session, analyzer, rows, now) if rows else 0


def _store(
    session: Session,
    analyzer: Analyzer,
    rows: Sequence[Row[uuid.UUID, str, str | None, uuid.UUID | None]],
    now: datetime,
) -> int:
    """Store the results, and send their conversations back to triage."""
    results = analyzer.analyze([TextIn(text, lang) for _, text, lang, _ in rows])
    updates = [
        {
            "id": message_id,
            "analysis": result.as_json(),
            "analyzed_at": now,
            "analysis_tier": analyzer.tier,
            "lang": lang or result.lang,
        }
        for (message_id, _, lang, _), result in zip(rows, results, strict=True)
    ]
    session.execute(update(Message), updates)
    _conversation_languages(session, rows, results)
    conversations = list({row[3] for row in rows if row[3] is not None})
    if conversations:
        session.execute(
            update(Conversation)
            .where(one_of(session, Conversation.id, conversations))
            .values(triaged_at=None)
        )
    return len(updates)


def _conversation_languages(
    session: Session,
    rows: Sequence[Row[uuid.UUID, str, str | None, uuid.UUID | None]],
    results: Sequence[Analysis],
) -> None:
    """A conversation whose platform gave no language takes its messages' (the inbox's and the
    analytics' language filters read the conversation's)."""
    found: dict[uuid.UUID, str] = {}
    for (_, _, lang, conversation_id), result in zip(rows, results, strict=True):
        detected = lang or result.lang
        if conversation_id is not None and detected and detected != UNDETERMINED:
            found.setdefault(conversation_id, detected)
    if found:
        table = cast(Table, Conversation.__table__)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("case_id"), table.c.lang.is_(None))
            .values(lang=bindparam("case_lang")),
            [{"case_id": case_id, "case_lang": lang} for case_id, lang in found.items()],
        )


def analyze_pending(sessions: sessionmaker[Session], analyzer: Analyzer, *, clock: Clock) -> int:
    """Everything waiting, a transaction per batch."""
    done = 0
    while True:
        with transaction(sessions) as session:
            count = analyze_batch(session, analyzer, now=clock())
        done += count
        if count < BATCH:
            return done
