"""The worker's triage round: conversations that changed, and those whose SLA clock is close."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.conversations.models import Conversation
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.service import RETRIAGE_WINDOW_MINUTES, refresh

BATCH = 500
RETRIAGE_EVERY = timedelta(minutes=1)


def triage_pending(session: Session, *, now: datetime, weights: PriorityWeights) -> int:
    """Re-triage up to a batch of changed conversations and of those whose deadline is within
    an hour either side (at most once a minute each, so the priority rises with the clock; past
    that hour a missed deadline's points stay as they are)."""
    changed = session.scalars(
        select(Conversation.id).where(Conversation.triaged_at.is_(None)).limit(BATCH)
    ).all()
    window = now + timedelta(minutes=RETRIAGE_WINDOW_MINUTES)
    ticking = session.scalars(
        select(Conversation.id)
        .where(
            Conversation.due_at <= window,
            Conversation.due_at > now - timedelta(minutes=RETRIAGE_WINDOW_MINUTES),
            Conversation.triaged_at < now - RETRIAGE_EVERY,
        )
        .limit(BATCH)
    ).all()
    ids = list(dict.fromkeys([*changed, *ticking]))
    refresh(session, ids, now=now, weights=weights)
    return len(ids)
